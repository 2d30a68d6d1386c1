"""MSTL: several seasons taken out by statsmodels' ``MSTL``, the rest forecast by ETS or ARIMA.

Bandara, Hyndman & Bergmeir (2021), *MSTL: A Seasonal-Trend Decomposition Algorithm for Time
Series with Multiple Seasonal Patterns*. Per series, ``MSTL`` splits the values into one
seasonal component per season length (e.g. 24 and 168 for hourly data: the day and the week)
and a trend plus remainder. The seasonal components are forecast by repeating their last cycle
(seasonal naive), the deseasonalised series (trend + remainder) by a non-seasonal ETS
(automatic choice by AICc) or AutoARIMA, and the two are added, as in statsforecast's ``MSTL``.
Prediction intervals are those of the deseasonalised forecast, moved by the seasonal forecast
(the seasonal part is treated as known); ``conformal_windows`` > 0 gives conformal intervals
instead (see ``LocalForecaster``). A season needs more than two full cycles in the series
(statsmodels' rule); longer ones are left out for that series (see ``chosen_models``).

In-sample fitted values (``predict_insample``) are the trend model's one-step fitted values of
the deseasonalised series plus the seasonal components (as statsforecast's ``MSTL``). Those
components come from a decomposition of the whole series (it smooths both ways), so they are
fitted values, not forecasts from the past alone.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..data import season_lengths_for
from ..errors import ConfigError
from ._local import Forecast, LocalForecaster

TREND_MODELS = ("ets", "arima")


class MSTL(LocalForecaster):
    """Multiple seasonal decomposition (statsmodels' ``MSTL``) with seasonal naive for each
    season and ``trend_forecaster`` (``"ets"`` or ``"arima"``) for the deseasonalised series.

    ``season_lengths``: the seasons to take out, e.g. ``(24, 168)``; None: ``season_length`` when
    given, else the frequency's seasons (hourly: 24 and 168; monthly: 12).
    """

    name = "MSTL"

    def __init__(
        self,
        *,
        season_lengths: tuple[int, ...] | list[int] | None = None,
        trend_forecaster: str = "ets",
        season_length: int | None = None,
        fallback: str | None = "auto",
        n_jobs: int = 1,
        conformal_windows: int = 0,
        alias: str | None = None,
    ) -> None:
        self.season_lengths = season_lengths
        self.trend_forecaster = trend_forecaster
        self.season_length = season_length
        self.fallback = fallback
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows
        self.alias = alias

    def _check_params(self) -> None:
        if self.trend_forecaster not in TREND_MODELS:
            raise ConfigError(
                f"trend_forecaster={self.trend_forecaster!r} is not allowed: one of {', '.join(TREND_MODELS)}."
            )
        lengths = self.season_lengths
        if lengths is not None and not (
            isinstance(lengths, (tuple, list))
            and lengths
            and all(isinstance(m, (int, np.integer)) and m >= 2 for m in lengths)
        ):
            raise ConfigError(f"season_lengths={lengths!r} is not allowed: None or whole numbers >= 2, e.g. (24, 168).")

    def _min_length(self) -> int:
        return 6

    def _periods(self) -> tuple[int, ...]:
        """The season lengths asked for (before checking a series can hold them)."""
        if self.season_lengths is not None:
            return tuple(sorted({int(m) for m in self.season_lengths}))
        if self.season_length is not None:
            return (int(self.season_length),)
        return season_lengths_for(self.freq_)

    def _trend_model(self) -> LocalForecaster:
        """The forecaster of the deseasonalised series (non-seasonal)."""
        from ._arima import AutoARIMA
        from ._ets import ETS

        model: LocalForecaster = ETS(seasonal="none") if self.trend_forecaster == "ets" else AutoARIMA()
        model.season_length_ = 1
        return model

    def decompose(self, y: np.ndarray, periods: tuple[int, ...]) -> np.ndarray:
        """The seasonal components of ``y``, one column per period (none when ``periods`` is
        empty): statsmodels' ``MSTL`` with its defaults."""
        if not periods:
            return np.zeros((y.size, 0))
        from statsmodels.tsa.seasonal import MSTL as StatsmodelsMSTL

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' notes on its defaults
            seasonal = StatsmodelsMSTL(y, periods=periods).fit().seasonal
        seasonal = np.asarray(seasonal, dtype=np.float64).reshape(y.size, -1)
        if seasonal.shape[1] != len(periods):
            raise ValueError(f"MSTL kept {seasonal.shape[1]} of the seasons {periods} of a series of {y.size} values")
        return seasonal

    def _fit_series(self, y: np.ndarray) -> dict[str, Any]:
        periods = tuple(m for m in self._periods() if m >= 2 and y.size > 2 * m)  # as statsmodels keeps them
        seasonal = self.decompose(y, periods)
        trend = self._trend_model()._fit_series(y - seasonal.sum(axis=1))
        return {"periods": periods, "trend": trend, "y": y, "seasonal": seasonal}  # y: a view of the fitted data

    def _seasonal_of(self, state: dict[str, Any], y: np.ndarray) -> np.ndarray:
        """The seasonal components of ``y``: those of the fit when ``y`` is the fitted series
        (the decomposition is the slow part)."""
        fitted = y.size == state["y"].size and np.array_equal(y, state["y"])
        return state["seasonal"] if fitted else self.decompose(y, state["periods"])

    def _forecast_series(self, state: dict[str, Any], y: np.ndarray, h: int, levels: tuple[int, ...]) -> Forecast:
        periods = state["periods"]
        seasonal = self._seasonal_of(state, y)
        steps = np.arange(h)
        future = sum(
            (seasonal[y.size - m + steps % m, column] for column, m in enumerate(periods)),
            start=np.zeros(h),
        )
        forecast = self._trend_model()._forecast_series(state["trend"], y - seasonal.sum(axis=1), h, levels)
        return {key: values + future for key, values in forecast.items()}

    def _gives_fitted(self) -> bool:
        return self._trend_model()._gives_fitted()

    def _fitted_series(self, state: dict[str, Any], y: np.ndarray) -> np.ndarray:
        season = self._seasonal_of(state, y).sum(axis=1)
        return self._trend_model()._fitted_series(state["trend"], y - season) + season

    def chosen_models(self) -> dict[Any, str]:
        """Per series the seasons taken out and the trend model, e.g. ``MSTL(24,168) + ETS(add,none,none)``."""
        self._check_fitted()
        own = {uid: state for uid, (kind, state) in self.states_.items() if kind == "own"}
        trend = self._trend_model()  # described by its own class, from the states it fit
        trend.states_ = {uid: ("own", state["trend"]) for uid, state in own.items()}
        trend.is_fitted_ = True
        inner = trend.chosen_models()
        return {
            uid: f"MSTL({','.join(map(str, own[uid]['periods'])) or 'no season'}) + {inner[uid]}"
            if uid in own
            else "fallback"
            for uid in self.states_
        }
