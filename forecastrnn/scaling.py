"""Per-series scalers fit on the training part only, with exact inverses and JSON state.

Statistics are computed for all series at once (grouped, vectorised), which matters for
thousands of series; scikit-learn's scalers define the conventions (population standard
deviation, a zero scale replaced by one) and are the reference in the tests.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, DataError, ModelFileError, NotFittedError
from .windowing import SeriesBuffer

__all__ = ["SCALERS", "TRANSFORMS", "SeriesScaler"]

SCALERS = ("standard", "minmax", "robust", "none")
"""``standard``: (y - mean) / std; ``minmax``: (y - min) / (max - min); ``robust``:
(y - median) / IQR; ``none``: unchanged."""

TRANSFORMS = ("none", "log", "log1p", "boxcox")
"""Applied before scaling: ``log`` needs y > 0, ``log1p`` y > -1, ``boxcox`` (lambda per series,
by maximum likelihood on the training part) y > 0."""

_STATE_VERSION = 1


class SeriesScaler:
    """Scale each series by statistics of its own training part.

    >>> scaler = SeriesScaler("standard").fit(buffer, end=-12)   # last 12 points held out
    >>> scaled = scaler.transform_buffer(buffer)
    >>> y = scaler.inverse_transform(predictions, series)         # series: number per row
    """

    def __init__(self, method: str = "standard", *, transform: str = "none") -> None:
        self.method = method
        self.transform_name = transform

    def _check_params(self) -> None:
        if self.method not in SCALERS:
            raise ConfigError(f"scaler method {self.method!r} is not known; choose one of {', '.join(SCALERS)}.")
        if self.transform_name not in TRANSFORMS:
            raise ConfigError(f"transform {self.transform_name!r} is not known; choose one of {', '.join(TRANSFORMS)}.")

    def fit(self, buffer: SeriesBuffer, *, end: int | np.ndarray | None = None) -> SeriesScaler:
        """Learn each series' statistics from its first ``end`` points (all by default;
        negative counts from the series' end). Nothing after ``end`` is read."""
        self._check_params()
        lengths = buffer.lengths
        stop = lengths if end is None else np.broadcast_to(np.asarray(end, dtype=np.int64), lengths.shape)
        stop = np.where(stop < 0, lengths + stop, np.minimum(stop, lengths))
        if (stop < 1).any():
            empty = [str(uid) for uid in buffer.ids[stop < 1][:5]]
            raise DataError(
                f"series {', '.join(map(repr, empty))} have no training data to fit a scaler on. "
                "Use a shorter holdout or remove those series."
            )
        series = np.repeat(np.arange(len(lengths)), stop)
        position = np.arange(series.size) - np.repeat(np.cumsum(stop) - stop, stop)
        train = buffer.values[buffer.offsets[:-1][series] + position].astype(np.float64)
        self.ids_ = buffer.ids
        self.lambda_ = self._fit_transform(train, series, len(lengths))
        grouped = pd.Series(self._forward(train, series)).groupby(series)
        self.loc_, self.scale_ = self._statistics(grouped, len(lengths))
        return self

    def _fit_transform(self, train: np.ndarray, series: np.ndarray, n_series: int) -> np.ndarray | None:
        if self.transform_name != "boxcox":
            return None
        from scipy import stats

        self._check_domain(train, series, 0.0, "boxcox needs values > 0")
        bounds = np.flatnonzero(np.r_[True, series[1:] != series[:-1], True])
        lambdas = np.empty(n_series)
        for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            segment = train[lo:hi]
            lambdas[i] = 1.0 if np.ptp(segment) == 0 else stats.boxcox_normmax(segment, method="mle")
        return lambdas

    def _check_domain(self, values: np.ndarray, series: np.ndarray, bound: float, what: str) -> None:
        bad = values <= bound
        if bad.any():
            uid = self.ids_[series[np.argmax(bad)]] if hasattr(self, "ids_") else series[np.argmax(bad)]
            raise DataError(
                f"series {str(uid)!r}: {what}, but it has {float(values[np.argmax(bad)])!r}. "
                "Choose another transform (or none) for these data."
            )

    def _statistics(self, grouped: Any, n_series: int) -> tuple[np.ndarray, np.ndarray]:
        if self.method == "standard":
            loc, scale = grouped.mean().to_numpy(), grouped.std(ddof=0).to_numpy()
        elif self.method == "minmax":
            loc = grouped.min().to_numpy()
            scale = grouped.max().to_numpy() - loc
        elif self.method == "robust":
            quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
            loc = quartiles[0.5].to_numpy()
            scale = (quartiles[0.75] - quartiles[0.25]).to_numpy()
        else:
            loc, scale = np.zeros(n_series), np.ones(n_series)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return loc.astype(np.float64), scale.astype(np.float64)

    def _forward(self, values: np.ndarray, series: np.ndarray) -> np.ndarray:
        if self.transform_name == "log":
            self._check_domain(values, series, 0.0, "log needs values > 0")
            return np.log(values)
        if self.transform_name == "log1p":
            self._check_domain(values, series, -1.0, "log1p needs values > -1")
            return np.log1p(values)
        if self.transform_name == "boxcox":
            from scipy import special

            self._check_domain(values, series, 0.0, "boxcox needs values > 0")
            return special.boxcox(values, self.lambda_[series])
        return values

    def _fitted(self) -> None:
        if not hasattr(self, "loc_"):
            raise NotFittedError("this SeriesScaler is not fitted yet; call fit first.")

    def transform(self, values: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Scale ``values`` whose rows belong to series ``series`` (shape ``values.shape[:1]``);
        extra axes (window positions, horizon steps) share their row's series."""
        self._fitted()
        values = np.asarray(values)
        series = self._expand(np.asarray(series), values.ndim)
        forward = self._forward(values.astype(np.float64), np.broadcast_to(series, values.shape))
        return ((forward - self.loc_[series]) / self.scale_[series]).astype(values.dtype, copy=False)

    def inverse_transform(self, values: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform` exactly (up to float rounding)."""
        self._fitted()
        values = np.asarray(values)
        series = self._expand(np.asarray(series), values.ndim)
        unscaled = values.astype(np.float64) * self.scale_[series] + self.loc_[series]
        if self.transform_name == "log":
            unscaled = np.exp(unscaled)
        elif self.transform_name == "log1p":
            unscaled = np.expm1(unscaled)
        elif self.transform_name == "boxcox":
            from scipy import special

            unscaled = special.inv_boxcox(unscaled, self.lambda_[np.broadcast_to(series, values.shape)])
        return unscaled.astype(values.dtype, copy=False)

    def transform_buffer(self, buffer: SeriesBuffer) -> SeriesBuffer:
        """A new buffer with every series scaled by its own statistics."""
        series = np.repeat(np.arange(len(buffer.lengths)), buffer.lengths)
        return SeriesBuffer(self.transform(buffer.values, series), buffer.offsets, buffer.ids)

    @staticmethod
    def _expand(series: np.ndarray, ndim: int) -> np.ndarray:
        return series.reshape(series.shape + (1,) * (ndim - series.ndim))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state: method, transform and per-series statistics (exact float repr)."""
        self._fitted()
        return {
            "version": _STATE_VERSION,
            "method": self.method,
            "transform": self.transform_name,
            "loc": self.loc_.tolist(),
            "scale": self.scale_.tolist(),
            "lambda": None if self.lambda_ is None else self.lambda_.tolist(),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any], ids: np.ndarray | None = None) -> SeriesScaler:
        """Rebuild a fitted scaler from :meth:`to_dict`'s output; ModelFileError if it is malformed."""
        try:
            if state["version"] != _STATE_VERSION:
                raise ModelFileError(
                    f"scaler state has format version {state['version']!r}; this forecastrnn reads "
                    f"version {_STATE_VERSION}. Retrain the model with this version."
                )
            scaler = cls(state["method"], transform=state["transform"])
            scaler._check_params()
            scaler.loc_ = np.asarray(state["loc"], dtype=np.float64)
            scaler.scale_ = np.asarray(state["scale"], dtype=np.float64)
            lambdas = state["lambda"]
            scaler.lambda_ = None if lambdas is None else np.asarray(lambdas, dtype=np.float64)
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise ModelFileError(f"scaler state is malformed ({type(exc).__name__}: {exc}).") from None
        consistent = (
            scaler.loc_.ndim == 1
            and scaler.loc_.shape == scaler.scale_.shape
            and (scaler.lambda_ is None or scaler.lambda_.shape == scaler.loc_.shape)
        )
        if not consistent or (scaler.transform_name == "boxcox") != (scaler.lambda_ is not None):
            raise ModelFileError("scaler state is malformed: per-series statistics disagree in length.")
        scaler.ids_ = np.arange(scaler.loc_.size) if ids is None else np.asarray(ids)
        return scaler
