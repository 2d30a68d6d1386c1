"""Recurrent forecasters (RNN, LSTM, GRU): one private base, three thin public classes."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from ..data import forecast_times, panel_freq, read_panel, season_lengths_for, step_numbers
from ..errors import ConfigError, DataError, ModelFileError
from ..windowing import PaddedBuffer, SeriesBuffer
from ._base import BaseForecaster, check_levels
from ._conformal import calibration_scores, default_windows, halfwidths, series_scales
from ._frontend import SCALER_CHOICES, FrontEnd
from ._network import STRATEGIES, RecurrentNetwork
from ._plausible import ForecastFallbackWarning, plausible_bands, with_notes
from ._training import (
    LOSSES,
    NORMALIZATIONS,
    SAMPLING,
    ProgressCallback,
    TrainingConfig,
    WindowSet,
    forecast_windows,
    train_network,
)

DEVICES = ("auto", "cpu", "cuda", "mps")
INSAMPLE_CHUNK = 8192
"""Windows forecast at once by ``predict_insample``: bounds its memory on large panels."""
MAX_RECURRENT_STEPS = 64
"""The most recurrent steps the encoder runs by default; longer windows are read in segments."""


class ScalingChangeWarning(UserWarning):
    """Issued by ``predict(history=...)`` when a series that was log-scaled in training has
    values <= 0 in the newer history and is standardised instead; ``series`` names them."""

    def __init__(self, message: str, series: list[Any]) -> None:
        super().__init__(message)
        self.series = series


def resolve_device(device: str) -> torch.device:
    """``auto``: CUDA, else Apple MPS, else CPU. An unavailable device is a ConfigError."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device='cuda' was asked for, but no CUDA GPU is available here; use 'auto' or 'cpu'.")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device='mps' was asked for, but MPS is not available here; use 'auto' or 'cpu'.")
    return resolved


def _require(name: str, value: Any, ok: bool, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{name}={value!r} is not allowed: {allowed}.")


def _whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _positive_int(value: Any) -> bool:
    return _whole(value) and value >= 1


class RecurrentForecaster(BaseForecaster):
    """Global recurrent forecaster: one network learns from the windows of every series.

    Each series is log-scaled when its training values are positive (else standardised) and
    deseasonalised by statistics of its own training part (on data recorded several times a
    day, each series chooses its seasonal profile, daily or weekly, averaged or last cycle; see
    ``_frontend``); each window is normalised by its level; the network maps ``input_size``
    past values to ``horizon`` future ones (strategy ``direct``), to one value fed back ``h``
    times (``recursive``) or through a recurrent decoder (``seq2seq``).

    Training is backpropagation through time with Adam, a cosine learning-rate decay and
    gradient-norm clipping for ``max_steps`` steps of ``batch_size`` windows sampled from the
    whole panel (``sampling="series"``: a series uniformly, then one of its windows), so its
    cost does not grow with the data; ``time_budget`` (seconds) can end it sooner. With
    ``validation_size > 0``, the last ``validation_size`` values of each series are held out
    and the validation loss, computed every ``eval_every`` steps, stops training after
    ``patience`` evaluations without improvement; with ``retrain_full`` (default) the network
    is then trained again for the chosen number of steps on all the data. ``n_models``
    networks with seeds ``random_state``, ``random_state + 1``, ... are averaged; with
    ``deseasonalize="both"`` (default, two networks) the even ones see deseasonalised values
    and the odd ones the values with their seasonality (when their window holds a whole cycle
    of the longest season). Neither front end wins everywhere on the development panels
    (deseasonalised values do better on M1, seasonal ones on tourism quarterly); their average
    is close to the better of the two on each.

    ``conformal_windows`` > 0 makes ``predict(h, level=...)`` give conformal prediction
    intervals, calibrated at fit on that many rolling windows of a copy of the model trained
    without them (one more training; see ``_conformal`` for what coverage this promises);
    ``"auto"`` chooses the number at fit from the training panel (``default_windows``: one on
    panels of 19 series or more, up to 5 on smaller ones, no more than its longest series
    holds), kept in ``conformal_windows_`` (and in saved models).

    Short series are never refused: windows are left-padded and the padding is masked, so a
    series with fewer than ``input_size + horizon`` values trains on the windows it has and is
    forecast from what it has (every series with at least one value gets a forecast). What was
    done to which series is in ``fallbacks_`` (series id -> reason).

    Parameters left ``None`` are derived at ``fit``: ``season_length`` from the frequency
    (12 monthly, 4 quarterly, 7 daily, 24 hourly, with the week as a second season for
    sub-daily data), ``horizon`` = season length (at least 1), ``input_size`` = 3 x
    max(season length, horizon), ``segment_length`` = the fewest time steps per recurrent step
    that keep the encoder within 64 recurrent steps (1 up to a 64-value window; 3 for the
    144-value window of hourly data with a 48-hour horizon). Segments cut the cost of long
    windows: backpropagation through time is sequential, and PyTorch's CPU GRU pays about 3x
    the LSTM per step.
    """

    cell: ClassVar[str] = "lstm"

    def __init__(
        self,
        *,
        horizon: int | None = None,
        input_size: int | None = None,
        segment_length: int | None = None,
        season_length: int | None = None,
        strategy: str = "direct",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        nonlinearity: str = "tanh",
        loss: str = "mae",
        quantile_levels: Sequence[int] = (80, 95),
        loss_weight: str = "mase",
        learning_rate: float = 1e-3,
        batch_size: int = 32,
        max_steps: int = 6000,
        eval_every: int = 50,
        patience: int = 5,
        validation_size: int = 0,
        time_budget: float | None = None,
        clip_norm: float | None = 1.0,
        scaler: str = "auto",
        deseasonalize: bool | str = "both",
        window_normalization: str = "mean",
        sampling: str = "series",
        retrain_full: bool = True,
        n_models: int = 2,
        conformal_windows: int | str = 0,
        random_state: int = 0,
        device: str = "auto",
        alias: str | None = None,
    ) -> None:
        self.horizon = horizon
        self.input_size = input_size
        self.segment_length = segment_length
        self.season_length = season_length
        self.strategy = strategy
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.nonlinearity = nonlinearity
        self.loss = loss
        self.quantile_levels = quantile_levels
        self.loss_weight = loss_weight
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.eval_every = eval_every
        self.patience = patience
        self.validation_size = validation_size
        self.time_budget = time_budget
        self.clip_norm = clip_norm
        self.scaler = scaler
        self.deseasonalize = deseasonalize
        self.window_normalization = window_normalization
        self.sampling = sampling
        self.retrain_full = retrain_full
        self.n_models = n_models
        self.conformal_windows = conformal_windows
        self.random_state = random_state
        self.device = device
        self.alias = alias

    # ---- parameters ----

    def _check_params(self) -> None:
        for name in ("hidden_size", "num_layers", "batch_size", "max_steps", "eval_every", "patience", "n_models"):
            _require(name, getattr(self, name), _positive_int(getattr(self, name)), "a whole number >= 1")
        for name in ("horizon", "input_size", "segment_length", "season_length"):
            value = getattr(self, name)
            _require(name, value, value is None or _positive_int(value), "None (automatic) or a whole number >= 1")
        _require(
            "conformal_windows",
            self.conformal_windows,
            self.conformal_windows == "auto" or (_whole(self.conformal_windows) and self.conformal_windows >= 0),
            "a whole number >= 0 (0: no prediction intervals) or 'auto'",
        )
        valid = self.validation_size
        _require(
            "validation_size",
            valid,
            _positive_int(valid) or (_whole(valid) and valid == 0),
            "a whole number >= 0 (0 turns early stopping off)",
        )
        _require("strategy", self.strategy, self.strategy in STRATEGIES, f"one of {', '.join(STRATEGIES)}")
        allowed = ("tanh", "relu") if self.cell == "rnn" else ("tanh",)
        _require(
            "nonlinearity",
            self.nonlinearity,
            self.nonlinearity in allowed,
            "tanh or relu for RNN; LSTM and GRU use tanh" if self.cell == "rnn" else "tanh (only RNN takes relu)",
        )
        _require("dropout", self.dropout, isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1, "in [0, 1)")
        _require("loss", self.loss, self.loss in LOSSES, f"one of {', '.join(LOSSES)}")
        if self.loss == "quantile":
            direct = self.strategy == "direct"
            _require("strategy", self.strategy, direct, "'direct' when the network learns quantiles (loss='quantile')")
            _require("quantile_levels", self.quantile_levels, bool(check_levels(self.quantile_levels)), "some levels")
        _require("loss_weight", self.loss_weight, self.loss_weight in LOSS_WEIGHTS, f"one of {', '.join(LOSS_WEIGHTS)}")
        _require("learning_rate", self.learning_rate, _positive_number(self.learning_rate), "a number > 0")
        _require("clip_norm", self.clip_norm, self.clip_norm is None or _positive_number(self.clip_norm), "None or > 0")
        budget = self.time_budget
        _require("time_budget", budget, budget is None or _positive_number(budget), "None or seconds > 0")
        _require("scaler", self.scaler, self.scaler in SCALER_CHOICES, f"one of {', '.join(SCALER_CHOICES)}")
        _require(
            "deseasonalize",
            self.deseasonalize,
            self.deseasonalize is True or self.deseasonalize is False or self.deseasonalize == "both",
            "True, False or 'both' (ensemble members alternate)",
        )
        _require(
            "window_normalization",
            self.window_normalization,
            self.window_normalization in NORMALIZATIONS,
            f"one of {', '.join(NORMALIZATIONS)}",
        )
        _require("sampling", self.sampling, self.sampling in SAMPLING, f"one of {', '.join(SAMPLING)}")
        _require(
            "device",
            self.device,
            isinstance(self.device, str) and self.device.split(":")[0] in DEVICES,
            f"one of {', '.join(DEVICES)} (or cuda:N)",
        )

    def _resolve_sizes(self, freq: Any) -> None:
        self.season_lengths_ = (self.season_length,) if self.season_length else season_lengths_for(freq)
        self.season_length_ = self.season_lengths_[0]
        self.horizon_ = self.horizon or max(self.season_length_, 1)
        self.input_size_ = self.input_size or 3 * max(self.season_length_, self.horizon_)
        self.segment_length_ = self.segment_length or math.ceil(self.input_size_ / MAX_RECURRENT_STEPS)
        self.validation_size_ = int(self.validation_size)
        self.window_horizon_ = 1 if self.strategy == "recursive" else self.horizon_

    def _config(self, max_steps: int, patience: int) -> TrainingConfig:
        return TrainingConfig(
            loss=self.loss,
            learning_rate=float(self.learning_rate),
            batch_size=int(self.batch_size),
            max_steps=max_steps,
            eval_every=int(self.eval_every),
            patience=patience,
            clip_norm=self.clip_norm,
            window_normalization=self.window_normalization,
            sampling=self.sampling,
            time_budget=None if self.time_budget is None else float(self.time_budget),
            quantiles=self._quantiles(),
        )

    def _quantiles(self) -> tuple[float, ...]:
        """Quantiles a ``loss="quantile"`` network learns, in increasing order: the median and
        the bounds of each of ``quantile_levels``; none for the other losses."""
        if self.loss != "quantile":
            return ()
        levels = check_levels(self.quantile_levels)
        return (*(0.5 - lvl / 200 for lvl in reversed(levels)), 0.5, *(0.5 + lvl / 200 for lvl in levels))

    # ---- fit ----

    def fit(self, panel: pd.DataFrame, *, callback: ProgressCallback | None = None) -> RecurrentForecaster:
        """Train on every series of ``panel`` (``unique_id, ds, y``); returns ``self``.

        ``callback`` receives one dict per evaluation (``model``, ``step``, ``max_steps``,
        ``train_loss``, ``val_loss``, ...), e.g. to drive a progress bar.
        """
        self._check_params()
        panel = read_panel(panel, freq=panel.attrs.get("freq"), sort=True)
        self.freq_ = panel_freq(panel)
        self._resolve_sizes(self.freq_)
        device = resolve_device(self.device)
        buffer = SeriesBuffer.from_panel(panel, dtype=np.float64)
        steps = step_numbers(pd.Index(panel["ds"]), self.freq_)
        lengths = buffer.lengths
        if (lengths < 2).all():
            raise DataError(
                "every series has a single observation, so a network has nothing to learn from; "
                "forecast them with a naive model (--model naive)."
            )
        self._remember_history(panel, buffer, steps)
        self.fallbacks_ = self._short_series_notes(lengths)

        tail = np.where(lengths - self.validation_size_ >= 2, self.validation_size_, 0)
        tail[lengths - self.window_horizon_ < 1] = 0
        if self.validation_size_ and not tail.any():
            raise ConfigError(
                f"validation_size={self.validation_size_} leaves no series with a validation window (each needs "
                f"more than horizon {self.window_horizon_} values and 2 values before the tail); lower "
                "validation_size, or set it to 0."
            )
        select_end = lengths - tail
        select_front = self._new_front_end().fit(buffer, steps, end=select_end) if tail.any() else None
        prepared: dict[bool, tuple[Any, ...]] = {}

        def training_data(deseasonalized: bool) -> tuple[Any, ...]:
            """(selection values, windows, validation windows, full values, windows) of one front end."""
            if deseasonalized not in prepared:
                selection: tuple[Any, ...] = (None, None, None)
                if select_front is not None:
                    values, padded = self._padded_tensor(select_front.seen_by(deseasonalized), buffer, steps, device)
                    windows = self._window_set(padded.training_windows(select_end), padded, 0, select_end, device)
                    validation = self._window_set(padded.tail_windows(tail), padded, select_end, lengths, device)
                    selection = (values, windows, validation)
                full_values, full_padded = self._padded_tensor(
                    self.front_end_.seen_by(deseasonalized), buffer, steps, device
                )
                full_set = self._window_set(full_padded.training_windows(), full_padded, 0, lengths, device)
                prepared[deseasonalized] = (*selection, full_values, full_set)
            return prepared[deseasonalized]

        self.networks_, self.history_ = [], []
        fork_devices = [device.index or 0] if device.type == "cuda" else []
        for member in range(int(self.n_models)):
            seed = int(self.random_state) + member
            relay = None if callback is None else _relay(callback, member, int(self.n_models))
            select_values, train_set, validation_set, full_values, full_set = training_data(
                self._deseasonalizes(member)
            )
            with torch.random.fork_rng(devices=fork_devices):
                if select_front is None:
                    config = self._config(int(self.max_steps), int(self.max_steps))
                    network, history = self._train_one(seed, full_values, full_set, None, config, relay)
                    self.history_ += [dict(record, model=member, phase="train") for record in history]
                else:
                    config = self._config(int(self.max_steps), int(self.patience))
                    network, history = self._train_one(seed, select_values, train_set, validation_set, config, relay)
                    phase = "select" if self.retrain_full else "train"
                    self.history_ += [dict(record, model=member, phase=phase) for record in history]
                    if self.retrain_full:
                        chosen = steps_to_retrain(history)
                        config = self._config(chosen, chosen + 1)
                        network, history = self._train_one(seed, full_values, full_set, None, config, relay)
                        self.history_ += [dict(record, model=member, phase="full") for record in history]
            self.networks_.append(network)
        self._calibrate(panel, buffer)
        self.is_fitted_ = True
        return self

    def _deseasonalizes(self, member: int) -> bool:
        """Whether ensemble member ``member`` sees deseasonalised values: every member with
        ``deseasonalize=True``, none with False; with ``"both"`` the even members do and the
        odd ones see the seasonal values as they are, if their input window holds a whole cycle
        of the longest season (else a network cannot learn that season from its input: on
        hourly data with a weekly cycle every member sees deseasonalised values)."""
        if self.deseasonalize != "both":
            return bool(self.deseasonalize)
        return member % 2 == 0 or self.input_size_ < max(self.season_lengths_)

    def _padded_tensor(
        self, front: FrontEnd, buffer: SeriesBuffer, steps: np.ndarray, device: torch.device
    ) -> tuple[torch.Tensor, PaddedBuffer]:
        series = np.repeat(np.arange(buffer.lengths.size), buffer.lengths)
        scaled = front.transform(buffer.values, series, steps)
        padded = PaddedBuffer.build(scaled, buffer.offsets, self.input_size_, self.window_horizon_)
        return torch.as_tensor(padded.values, device=device), padded

    def _window_set(
        self, index: Any, padded: PaddedBuffer, lo: np.ndarray | int, hi: np.ndarray, device: torch.device
    ) -> WindowSet:
        weight = mase_weights(padded, hi, max(self.season_length_, 1)) if self.loss_weight == "mase" else None
        return WindowSet(
            index=index,
            target_lo=torch.as_tensor(padded.data_start + lo, device=device),
            target_hi=torch.as_tensor(padded.data_start + hi, device=device),
            series_weight=None if weight is None else torch.as_tensor(weight, dtype=torch.float32, device=device),
        )

    def _short_series_notes(self, lengths: np.ndarray) -> dict[Any, str]:
        need = self.input_size_ + self.window_horizon_
        notes = {}
        for uid, length in zip(self.ids_, lengths, strict=True):
            if length == 1:
                notes[uid] = "1 observation: no training window; forecast from its padded (masked) input window"
            elif length < need:
                notes[uid] = (
                    f"{length} observations, fewer than input_size {self.input_size_} + horizon "
                    f"{self.window_horizon_}: windows left-padded (masked)"
                )
        return notes

    def _train_one(
        self,
        seed: int,
        values: torch.Tensor,
        train: WindowSet,
        validation: WindowSet | None,
        config: TrainingConfig,
        callback: ProgressCallback | None,
    ) -> tuple[RecurrentNetwork, list[dict[str, Any]]]:
        torch.manual_seed(seed)
        network = self._new_network().to(values.device)
        history = train_network(network, values, train, validation, config, seed, callback)
        return network, history

    def _new_front_end(self) -> FrontEnd:
        return FrontEnd(self.scaler, self.season_lengths_, self.deseasonalize is not False)

    def _new_network(self) -> RecurrentNetwork:
        return RecurrentNetwork(
            cell=self.cell,
            n_features=2,
            hidden_size=int(self.hidden_size),
            num_layers=int(self.num_layers),
            dropout=float(self.dropout),
            bidirectional=bool(self.bidirectional),
            nonlinearity=self.nonlinearity,
            strategy=self.strategy,
            horizon=self.horizon_,
            n_quantiles=max(len(self._quantiles()), 1),
            segment=self.segment_length_,
        )

    def _tails(self, buffer: SeriesBuffer, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each series' last ``input_size`` values (NaN before its first) and last step number."""
        padded = PaddedBuffer.build(buffer.values, buffer.offsets, self.input_size_, 1, dtype=np.float64)
        ends = padded.data_start + buffer.lengths
        tails = padded.values[ends[:, None] - self.input_size_ + np.arange(self.input_size_)]
        return tails, steps[buffer.offsets[1:] - 1]

    def _remember_history(self, panel: pd.DataFrame, buffer: SeriesBuffer, steps: np.ndarray) -> None:
        """What predict(h) needs without a history: the front end fit on all data up to the
        forecast origin, and each series' last window, last step number and last time."""
        self.ids_ = buffer.ids
        self.front_end_ = self._new_front_end().fit(buffer, steps)
        self.tail_values_, self.last_steps_ = self._tails(buffer, steps)
        self.last_times_ = pd.Index(panel["ds"].to_numpy()[buffer.offsets[1:] - 1])

    # ---- predict ----

    def predict(
        self, h: int, *, level: tuple[int, ...] | list[int] = (), history: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Forecast ``h`` steps after the end of each series: ``unique_id, ds, <column>``.

        With ``history`` the forecasts start from the end of that panel's series (newer data,
        or series never seen in training) without training again: the front end's statistics
        are estimated on that history only (which holds nothing after the forecast origin),
        while each known series keeps the log-or-not decision made at fit.
        """
        self._check_fitted()  # h and level were checked by the base class (check_horizon, check_levels)
        self.check_request(h, level)
        if history is None:
            ids, front, tails, last_steps, lasts, buffer = (
                self.ids_,
                self.front_end_,
                self.tail_values_,
                self.last_steps_,
                self.last_times_,
                None,
            )
        else:
            ids, front, tails, last_steps, lasts, buffer = self._from_history(history)
        forecasts, quantiles = self._forecast(front, tails, last_steps, h)
        replaced = self._replace_implausible(ids, forecasts, tails)
        if quantiles is not None:  # a replaced series keeps the network's spread around its new forecast
            quantiles = quantiles + (replaced - forecasts)[:, :, None]
        forecasts = replaced
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(ids, h),
                "ds": forecast_times(lasts, self.freq_, h),
                self.column: forecasts.ravel(),
            }
        )
        if level:
            floor = np.where(front.nonnegative_, 0.0, -np.inf)[:, None]
            for lvl, (low, high) in zip(level, self._intervals(forecasts, quantiles, level, buffer), strict=True):
                frame[f"{self.column}-lo-{lvl}"] = np.maximum(low, floor).ravel()
                frame[f"{self.column}-hi-{lvl}"] = high.ravel()
        return frame

    def check_request(self, h: int, level: Sequence[int] = ()) -> None:
        """ConfigError unless this fitted network can forecast ``h`` steps with intervals at
        ``level``: a direct network runs at most its horizon, and intervals need calibration
        scores for ``h`` steps or learned quantiles at those levels. Asked before any data is
        read (``predict``, and ``forecast_partitions`` before it starts its workers)."""
        if self.strategy == "direct" and h > self.horizon_:
            raise ConfigError(
                f"h={h} is longer than the horizon this model was trained for ({self.horizon_}); refit with "
                f"horizon={h}, or use strategy='recursive' or 'seq2seq', which can run past it."
            )
        learned = [lvl for lvl in level if self.loss == "quantile" and lvl in check_levels(self.quantile_levels)]
        if len(learned) < len(level):
            self._check_intervals(h)

    def _intervals(
        self,
        forecasts: np.ndarray,
        quantiles: np.ndarray | None,
        level: tuple[int, ...],
        history: SeriesBuffer | None,
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(lower, upper) per level: the learned quantiles where the network learned that level,
        else the conformal interval around the forecast, scaled by each series' scale on the
        training data or on ``history``."""
        bounds = []
        taus = self._quantiles()
        scales = None
        for lvl in level:
            if quantiles is not None and 0.5 + lvl / 200 in taus:
                low, high = taus.index(0.5 - lvl / 200), taus.index(0.5 + lvl / 200)
                bounds.append((quantiles[:, :, low], quantiles[:, :, high]))
                continue
            if scales is None:
                scales = self.conformal_scales_ if history is None else self._scales(history)
            half = scales[:, None] * halfwidths(self.conformal_scores_, (lvl,), forecasts.shape[1])
            bounds.append((forecasts - half, forecasts + half))
        return bounds

    @property
    def supports_intervals(self) -> bool:  # type: ignore[override]
        """Whether ``predict(level=...)`` gives intervals: when fit with ``conformal_windows`` > 0
        (any level), or with ``loss="quantile"`` (its ``quantile_levels``)."""
        return bool(self.conformal_windows) or self.loss == "quantile"

    def _check_intervals(self, h: int) -> None:
        scores = getattr(self, "conformal_scores_", None)
        if scores is None:
            learned = f" other than its quantile_levels {list(self.quantile_levels)}" if self.loss == "quantile" else ""
            raise ConfigError(
                f"this {type(self).__name__} was fit without prediction intervals{learned}; fit it with "
                "conformal_windows=1 (or more; on the command line: train --intervals) for conformal intervals, which "
                "trains one more copy of the model, or predict without level."
            )
        if h > scores.shape[1]:
            raise ConfigError(
                f"h={h} is longer than the {scores.shape[1]} steps the intervals were calibrated for; predict at most "
                f"{scores.shape[1]} steps with level, or refit with horizon={h}."
            )

    def _calibrate(self, panel: pd.DataFrame, buffer: SeriesBuffer) -> None:
        """Conformal scores from a copy trained without each series' last windows (see ``_conformal``)."""
        self.conformal_scores_, self.conformal_scales_ = None, None
        self.conformal_windows_ = 0
        if not self.conformal_windows:
            return
        windows = self.conformal_windows
        if windows == "auto":
            windows = default_windows(buffer.lengths.size, int(buffer.lengths.max()), self.horizon_)
        self.conformal_windows_ = int(windows)
        calibrator = self.clone().set_params(conformal_windows=0, horizon=self.horizon_, input_size=self.input_size_)
        self.conformal_scores_ = calibration_scores(
            calibrator, panel, n_windows=self.conformal_windows_, h=self.horizon_, season_length=self.season_length_
        )
        self.conformal_scales_ = self._scales(buffer)

    def _scales(self, buffer: SeriesBuffer) -> np.ndarray:
        return series_scales(buffer.values, buffer.offsets, self.season_length_)

    def _read_history(self, history: pd.DataFrame) -> tuple[pd.DataFrame, SeriesBuffer, np.ndarray]:
        """The validated history, its buffer and each row's step number."""
        freq = history.attrs.get("freq", self.freq_)
        if freq != self.freq_:
            raise DataError(f"the history has frequency {freq!r}, but the model was trained on {self.freq_!r}.")
        panel = read_panel(history, freq=self.freq_, sort=True)
        buffer = SeriesBuffer.from_panel(panel, dtype=np.float64)
        return panel, buffer, step_numbers(pd.Index(panel["ds"]), self.freq_)

    def _from_history(self, history: pd.DataFrame) -> tuple[Any, ...]:
        panel, buffer, steps = self._read_history(history)
        front = self._front_end_for(buffer, steps)
        tails, last_steps = self._tails(buffer, steps)
        lasts = pd.Index(panel["ds"].to_numpy()[buffer.offsets[1:] - 1])
        return buffer.ids, front, tails, last_steps, lasts, buffer

    def _front_end_for(self, buffer: SeriesBuffer, steps: np.ndarray) -> FrontEnd:
        """A front end estimated on a history; known series keep their log decision and profile."""
        known = pd.Index(self.ids_).get_indexer(buffer.ids)
        positive = np.ones(buffer.ids.size, dtype=bool)
        np.logical_and.at(positive, np.repeat(np.arange(buffer.ids.size), buffer.lengths), buffer.values > 0)
        log = np.where(known >= 0, self.front_end_.log_[known], positive)
        profiles = [self.front_end_.profiles_[i] if i >= 0 else None for i in known]
        front = self._new_front_end().fit(buffer, steps, log=log, profiles=profiles)
        if front.log_dropped_.size:
            changed = buffer.ids[front.log_dropped_].tolist()
            warnings.warn(
                ScalingChangeWarning(
                    f"{len(changed)} series log-scaled in training have values <= 0 in the newer history and were "
                    f"standardised instead: {_shown(changed)}",
                    changed,
                ),
                stacklevel=5,
            )
        return front

    def _forecast(
        self, front: FrontEnd, tails: np.ndarray, last_steps: np.ndarray, h: int, series: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The members' mean forecast ``(windows, h)`` from windows ``tails`` ending at
        ``last_steps``, window ``k`` of series ``series[k]`` of ``front`` (default: one window
        per series, in order) and, for a quantile network, their mean quantiles ``(windows, h,
        Q)`` (the mean of increasing quantiles is increasing)."""
        series = np.arange(tails.shape[0]) if series is None else series
        window_steps = last_steps[:, None] - self.input_size_ + 1 + np.arange(self.input_size_)
        device = next(self.networks_[0].parameters()).device
        future_steps = last_steps[:, None] + np.arange(1, h + 1)
        forecasts = []
        for member, network in enumerate(self.networks_):
            view = front.seen_by(self._deseasonalizes(member))
            windows = torch.as_tensor(view.transform(tails, series, window_steps), dtype=torch.float32, device=device)
            output = forecast_windows(
                network,
                windows,
                h,
                normalization=self.window_normalization,
                recursive=self.strategy == "recursive",
            )
            steps = future_steps if output.ndim == 2 else future_steps[:, :, None]
            forecasts.append(view.inverse_transform(output.cpu().numpy().astype(np.float64), series, steps))
        mean = np.mean(forecasts, axis=0)
        if mean.ndim == 2:
            return mean, None
        return mean[:, :, mean.shape[2] // 2], mean

    def predict_insample(self, history: pd.DataFrame) -> pd.DataFrame:
        """One-step-ahead in-sample fitted values: columns ``unique_id``, ``ds``, ``y`` and the
        model's column. Each value after a series' first is the networks' forecast of it from
        the (at most ``input_size``) values before it, with the fitted weights and the front end
        estimated on ``history`` as ``predict(history=)`` does; each series' first value gets
        NaN. Networks keep no training data, so pass the training panel (or a newer one)."""
        self._check_fitted()
        panel, buffer, steps = self._read_history(history)
        front = self._front_end_for(buffer, steps)
        padded = PaddedBuffer.build(buffer.values, buffer.offsets, self.input_size_, 1, dtype=np.float64)
        series = np.repeat(np.arange(buffer.ids.size), buffer.lengths - 1)
        position = np.arange(series.size) - np.repeat(
            buffer.offsets[:-1] - np.arange(buffer.ids.size), buffer.lengths - 1
        )
        origin = position + 1  # the value forecast; its window ends just before it
        fitted = np.full(buffer.values.size, np.nan)
        for chunk in np.array_split(np.arange(series.size), max(1, series.size // INSAMPLE_CHUNK)):
            rows, at = series[chunk], origin[chunk]
            windows = padded.values[
                (padded.data_start[rows] + at)[:, None] - self.input_size_ + np.arange(self.input_size_)
            ]
            mean, _ = self._forecast(front, windows, steps[buffer.offsets[rows] + at - 1], 1, rows)
            fitted[buffer.offsets[rows] + at] = mean[:, 0]
        return pd.DataFrame(
            {
                "unique_id": panel["unique_id"].to_numpy(),
                "ds": panel["ds"].to_numpy(),
                "y": buffer.values,
                self.column: fitted,
            }
        )

    def _replace_implausible(self, ids: np.ndarray, forecasts: np.ndarray, tails: np.ndarray) -> np.ndarray:
        """A series whose forecast is not finite or leaves the plausible band of its last
        ``input_size`` values (see ``_plausible``) gets a seasonal-naive forecast from that
        window instead (naive when it holds no full season), recorded in ``fallbacks_`` and
        warned about."""
        low, high = plausible_bands(tails)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(forecasts).all(axis=1) | (forecasts.min(axis=1) < low) | (forecasts.max(axis=1) > high)
        if not bad.any():
            return forecasts
        forecasts = forecasts.copy()
        m, h = self.season_length_, forecasts.shape[1]
        for row in np.flatnonzero(bad):
            tail = tails[row][np.isfinite(tails[row])]
            season = tail[-m:] if m > 1 and tail.size >= m else tail[-1:]
            forecasts[row] = np.resize(season, h)
        named = ids[bad].tolist()
        what = "seasonal naive" if m > 1 else "naive"
        note = f"implausible forecast at h={h}; {what} from the last window used instead"
        self.fallbacks_ = with_notes(self.fallbacks_, dict.fromkeys(named, note))
        warnings.warn(
            ForecastFallbackWarning(
                f"{type(self).__name__}: the network's forecast was not finite or not plausible for {len(named)} "
                f"series, which get a {what} forecast instead: {_shown(named)}",
                named,
            ),
            stacklevel=4,
        )
        return forecasts

    # ---- training report ----

    @property
    def training_history(self) -> pd.DataFrame:
        """Per network and evaluation: losses, gradient norm before clipping, clipping rate, learning rate."""
        self._check_fitted()
        return pd.DataFrame(self.history_)

    # ---- persistence ----

    def save(self, path: str) -> None:
        """Write the fitted model to directory ``path`` (JSON + safetensors; no pickle)."""
        from ._persistence import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path: str) -> RecurrentForecaster:
        """Read a model saved by :meth:`save`; ModelFileError if it is not one of this class."""
        from ._persistence import load_model

        model = load_model(path)
        if not isinstance(model, cls):
            raise ModelFileError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}.")
        return model

    def _get_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        self._check_fitted()
        ints = pd.api.types.is_integer_dtype(self.last_times_)
        state = {
            "freq": self.freq_,
            "season_length": self.season_length_,
            "season_lengths": list(self.season_lengths_),
            "horizon": self.horizon_,
            "input_size": self.input_size_,
            "segment_length": self.segment_length_,
            "validation_size": self.validation_size_,
            "ids": [_plain(uid) for uid in self.ids_],
            "last_times": [int(t) if ints else pd.Timestamp(t).isoformat() for t in self.last_times_],
            "front_end": self.front_end_.to_dict(),
            "history": self.history_,
            "fallbacks": [[_plain(uid), why] for uid, why in self.fallbacks_.items()],
            "conformal_windows": self.conformal_windows_,
        }
        tensors = {"tail_values": torch.as_tensor(self.tail_values_), "last_steps": torch.as_tensor(self.last_steps_)}
        if self.conformal_scores_ is not None:
            tensors["conformal_scores"] = torch.as_tensor(self.conformal_scores_)
            tensors["conformal_scales"] = torch.as_tensor(self.conformal_scales_)
        for member, network in enumerate(self.networks_):
            for key, tensor in network.state_dict().items():
                tensors[f"network{member}.{key}"] = tensor.detach().cpu().contiguous()
        return state, tensors

    def _set_state(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self.freq_ = state["freq"]
        self.season_length_ = int(state["season_length"])
        self.season_lengths_ = tuple(int(m) for m in state["season_lengths"])
        self.horizon_ = int(state["horizon"])
        self.input_size_ = int(state["input_size"])
        self.segment_length_ = int(state["segment_length"])
        self.validation_size_ = int(state["validation_size"])
        self.window_horizon_ = 1 if self.strategy == "recursive" else self.horizon_
        self.ids_ = np.asarray(state["ids"], dtype=object)
        stamps = state["last_times"]
        self.last_times_ = pd.Index(stamps) if isinstance(self.freq_, int) else pd.DatetimeIndex(stamps)
        self.front_end_ = FrontEnd.from_dict(state["front_end"])
        self.history_ = list(state["history"])
        self.fallbacks_ = {uid: why for uid, why in state["fallbacks"]}
        self.tail_values_ = tensors["tail_values"].numpy().astype(np.float64)
        self.last_steps_ = tensors["last_steps"].numpy().astype(np.int64)
        self.conformal_windows_ = state.get("conformal_windows")  # None: saved before it was recorded
        self.conformal_scores_, self.conformal_scales_ = None, None
        if "conformal_scores" in tensors:
            self.conformal_scores_ = tensors["conformal_scores"].numpy().astype(np.float64)
            self.conformal_scales_ = tensors["conformal_scales"].numpy().astype(np.float64)
        device = resolve_device(self.device)
        self.networks_ = []
        for member in range(int(self.n_models)):
            prefix = f"network{member}."
            weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            network = self._new_network()
            network.load_state_dict(weights, strict=True)
            self.networks_.append(network.to(device).eval())
        n = self.ids_.size
        consistent = (
            self.tail_values_.shape == (n, self.input_size_)
            and self.last_steps_.shape == (n,)
            and len(self.last_times_) == n
            and self.front_end_.log_.size == n
        )
        if not consistent:
            raise ValueError("the saved series state does not match the number of series")
        self.is_fitted_ = True


LOSS_WEIGHTS = ("mase", "none")


def mase_weights(padded: PaddedBuffer, end: np.ndarray, lag: int) -> np.ndarray:
    """Per-series loss weights that put the loss on the scale of MASE: the inverse of each
    series' in-sample seasonal-naive mean absolute error on the network's scale (its first
    ``end`` values), divided by the median so that weights average near one, and clipped to
    [0.1, 10] so that a flat or a wild series cannot dominate training."""
    values = padded.values.astype(np.float64)
    differences = np.abs(values[lag:] - values[:-lag])
    series = np.repeat(np.arange(padded.lengths.size), padded.lengths)
    position = np.arange(series.size) - np.repeat(np.cumsum(padded.lengths) - padded.lengths, padded.lengths)
    buffer_position = padded.data_start[series] + position
    keep = (position >= lag) & (position < np.broadcast_to(end, padded.lengths.shape)[series])
    scored = differences[buffer_position[keep] - lag]
    sums = np.bincount(series[keep], scored, minlength=padded.lengths.size)
    counts = np.bincount(series[keep], minlength=padded.lengths.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = sums / counts
    usable = np.isfinite(scales) & (scales > 0)
    median = float(np.median(scales[usable])) if usable.any() else 1.0
    scales = np.where(usable, scales, median)
    return np.clip(median / scales, 0.1, 10.0)


STEP_TOLERANCE = 0.02
"""Retraining runs as many steps as the first run's latest evaluation whose validation loss was
within this fraction of the best: when validation is indifferent, more training is preferred
(a flat validation curve on a short tail is noise); when it rises, training stops near its best."""


def steps_to_retrain(history: list[dict[str, Any]]) -> int:
    """Number of steps for the retraining on all data (see ``STEP_TOLERANCE``)."""
    losses = [(record["step"], record["val_loss"]) for record in history if record.get("val_loss") is not None]
    best = min(loss for _, loss in losses)
    return max(step for step, loss in losses if loss <= best + abs(best) * STEP_TOLERANCE)


def _shown(ids: list[Any], limit: int = 10) -> str:
    return ", ".join(map(repr, ids[:limit])) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and value > 0


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _relay(callback: ProgressCallback, member: int, n_models: int) -> ProgressCallback:
    def relay(record: dict[str, Any]) -> None:
        callback(dict(record, model=member, n_models=n_models))

    return relay


class LSTMForecaster(RecurrentForecaster):
    """Long short-term memory network forecaster (see :class:`RecurrentForecaster`)."""

    name = "LSTM"
    cell = "lstm"


class GRUForecaster(RecurrentForecaster):
    """Gated recurrent unit network forecaster (see :class:`RecurrentForecaster`)."""

    name = "GRU"
    cell = "gru"


class RNNForecaster(RecurrentForecaster):
    """Vanilla (Elman) recurrent network forecaster, ``nonlinearity`` tanh or relu
    (see :class:`RecurrentForecaster`)."""

    name = "RNN"
    cell = "rnn"
