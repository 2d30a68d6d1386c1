"""Recurrent forecasters (RNN, LSTM, GRU): one private base, three thin public classes."""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from ..data import check_min_length, forecast_times, panel_freq, read_panel, season_length_for, step_numbers
from ..errors import ConfigError, DataError, ModelFileError
from ..windowing import SeriesBuffer, make_windows, train_validation_windows
from ._base import BaseForecaster
from ._frontend import SCALER_CHOICES, FrontEnd
from ._network import STRATEGIES, RecurrentNetwork
from ._training import LOSSES, NORMALIZATIONS, ProgressCallback, TrainingConfig, train_network, window_level

DEVICES = ("auto", "cpu", "cuda", "mps")


class ShortSeriesWarning(UserWarning):
    """Issued when ``drop_short=True`` left series out of training; ``series`` names them."""

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


def _positive_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


class RecurrentForecaster(BaseForecaster):
    """Global recurrent forecaster: one network learns from the windows of every series.

    Each series is scaled (log when positive, else standardised) and deseasonalised by
    statistics of its own training part; each window is normalised by its level; the network
    maps ``input_size`` past values to ``horizon`` future ones (strategy ``direct``), to one
    value fed back ``h`` times (``recursive``) or through a recurrent decoder (``seq2seq``).
    Training is backpropagation through time with Adam and gradient-norm clipping for
    ``max_epochs``. With ``validation_size > 0``, early stopping on the last
    ``validation_size`` points of each series picks the number of epochs; with
    ``retrain_full`` (default) the network is then trained again for that many epochs on all
    the data, so the most recent values are learned from too (otherwise the best weights of
    the first run are kept). Early stopping is off by default: on short series a one-window
    validation tail is too noisy to choose by (see benchmarks/results/accuracy.md); turn it on
    for long series or many of them.

    Parameters left ``None`` are derived at ``fit``: ``season_length`` from the frequency
    (12 monthly, 4 quarterly, 7 daily, 24 hourly, ...), ``horizon`` = season length (at least
    1), ``input_size`` = 3 x max(season length, horizon).
    """

    cell: ClassVar[str] = "lstm"
    supports_intervals: ClassVar[bool] = False

    def __init__(
        self,
        *,
        horizon: int | None = None,
        input_size: int | None = None,
        season_length: int | None = None,
        strategy: str = "direct",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        nonlinearity: str = "tanh",
        loss: str = "mae",
        learning_rate: float = 1e-3,
        batch_size: int = 32,
        max_epochs: int = 30,
        patience: int = 20,
        validation_size: int = 0,
        clip_norm: float | None = 1.0,
        scaler: str = "auto",
        deseasonalize: bool = True,
        window_normalization: str = "mean",
        retrain_full: bool = True,
        n_models: int = 1,
        drop_short: bool = False,
        random_state: int = 0,
        device: str = "auto",
        alias: str | None = None,
    ) -> None:
        self.horizon = horizon
        self.input_size = input_size
        self.season_length = season_length
        self.strategy = strategy
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.nonlinearity = nonlinearity
        self.loss = loss
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_size = validation_size
        self.clip_norm = clip_norm
        self.scaler = scaler
        self.deseasonalize = deseasonalize
        self.window_normalization = window_normalization
        self.retrain_full = retrain_full
        self.n_models = n_models
        self.drop_short = drop_short
        self.random_state = random_state
        self.device = device
        self.alias = alias

    # ---- parameters ----

    def _check_params(self) -> None:
        for name in ("hidden_size", "num_layers", "batch_size", "max_epochs", "patience", "n_models"):
            _require(name, getattr(self, name), _positive_int(getattr(self, name)), "a whole number >= 1")
        for name in ("horizon", "input_size", "season_length"):
            value = getattr(self, name)
            _require(name, value, value is None or _positive_int(value), "None (automatic) or a whole number >= 1")
        valid = self.validation_size
        _require(
            "validation_size",
            valid,
            _positive_int(valid) or (isinstance(valid, (int, np.integer)) and valid == 0),
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
        _require("learning_rate", self.learning_rate, self.learning_rate > 0, "a number > 0")
        _require("clip_norm", self.clip_norm, self.clip_norm is None or self.clip_norm > 0, "None or a number > 0")
        _require("scaler", self.scaler, self.scaler in SCALER_CHOICES, f"one of {', '.join(SCALER_CHOICES)}")
        _require(
            "window_normalization",
            self.window_normalization,
            self.window_normalization in NORMALIZATIONS,
            f"one of {', '.join(NORMALIZATIONS)}",
        )
        _require(
            "device",
            self.device,
            isinstance(self.device, str) and self.device.split(":")[0] in DEVICES,
            f"one of {', '.join(DEVICES)} (or cuda:N)",
        )

    def _resolve_sizes(self, freq: Any) -> None:
        self.season_length_ = self.season_length or season_length_for(freq)
        self.horizon_ = self.horizon or max(self.season_length_, 1)
        self.input_size_ = self.input_size or 3 * max(self.season_length_, self.horizon_)
        self.validation_size_ = int(self.validation_size)
        self.window_horizon_ = 1 if self.strategy == "recursive" else self.horizon_

    # ---- fit ----

    def fit(self, panel: pd.DataFrame, *, callback: ProgressCallback | None = None) -> RecurrentForecaster:
        """Train on every series of ``panel`` (``unique_id, ds, y``); returns ``self``.

        ``callback`` receives one dict per epoch (``model``, ``epoch``, ``train_loss``,
        ``val_loss``, ...), e.g. to drive a progress bar.
        """
        self._check_params()
        panel = read_panel(panel, freq=panel.attrs.get("freq"), sort=True)
        self.freq_ = panel_freq(panel)
        self._resolve_sizes(self.freq_)
        panel = self._drop_or_reject_short(panel)
        device = resolve_device(self.device)

        buffer = SeriesBuffer.from_panel(panel, dtype=np.float64)
        steps = step_numbers(pd.Index(panel["ds"]), self.freq_)
        series = np.repeat(np.arange(buffer.lengths.size), buffer.lengths)
        training_front = self._new_front_end().fit(buffer, steps, end=buffer.lengths - self.validation_size_)
        split_values = torch.as_tensor(
            training_front.transform(buffer.values, series, steps), dtype=torch.float32, device=device
        )
        train_index, validation_index = train_validation_windows(
            buffer.offsets, self.input_size_, self.window_horizon_, self.validation_size_
        )
        config = TrainingConfig(
            loss=self.loss,
            learning_rate=float(self.learning_rate),
            batch_size=int(self.batch_size),
            max_epochs=int(self.max_epochs),
            patience=int(self.patience),
            clip_norm=self.clip_norm,
            window_normalization=self.window_normalization,
            one_step=self.strategy == "recursive",
        )
        self._remember_history(panel, buffer, steps)
        retrain = bool(self.retrain_full) and len(validation_index) > 0
        if retrain:
            full_values = torch.as_tensor(
                self.front_end_.transform(buffer.values, series, steps), dtype=torch.float32, device=device
            )
            full_index = make_windows(buffer.offsets, self.input_size_, self.window_horizon_)

        self.networks_, self.history_ = [], []
        fork_devices = [device.index or 0] if device.type == "cuda" else []
        for member in range(int(self.n_models)):
            seed = int(self.random_state) + member
            relay = None if callback is None else _relay(callback, member, int(self.n_models))
            with torch.random.fork_rng(devices=fork_devices):
                network, history = self._train_one(seed, split_values, train_index, validation_index, config, relay)
                phase = "select" if retrain else "train"
                self.history_ += [dict(record, model=member, phase=phase) for record in history]
                if retrain:
                    epochs = epochs_to_retrain(history)
                    full_config = replace(config, max_epochs=epochs, patience=epochs + 1)
                    network, history = self._train_one(seed, full_values, full_index, None, full_config, relay)
                    self.history_ += [dict(record, model=member, phase="full") for record in history]
            self.networks_.append(network)
        self.is_fitted_ = True
        return self

    def _train_one(
        self,
        seed: int,
        values: torch.Tensor,
        train_index: Any,
        validation_index: Any,
        config: TrainingConfig,
        callback: ProgressCallback | None,
    ) -> tuple[RecurrentNetwork, list[dict[str, Any]]]:
        torch.manual_seed(seed)
        network = self._new_network().to(values.device)
        generator = torch.Generator().manual_seed(seed)
        history = train_network(network, values, train_index, validation_index, config, generator, callback)
        return network, history

    def _new_front_end(self) -> FrontEnd:
        return FrontEnd(self.scaler, self.season_length_, bool(self.deseasonalize))

    def _new_network(self) -> RecurrentNetwork:
        return RecurrentNetwork(
            cell=self.cell,
            n_features=1,
            hidden_size=int(self.hidden_size),
            num_layers=int(self.num_layers),
            dropout=float(self.dropout),
            bidirectional=bool(self.bidirectional),
            nonlinearity=self.nonlinearity,
            strategy=self.strategy,
            horizon=self.horizon_,
        )

    def _min_length(self) -> int:
        return self.input_size_ + self.window_horizon_ + self.validation_size_

    def _drop_or_reject_short(self, panel: pd.DataFrame) -> pd.DataFrame:
        need = self._min_length()
        reason = (
            f"input_size {self.input_size_} + horizon {self.window_horizon_} + validation_size {self.validation_size_}"
        )
        if not self.drop_short:
            try:
                check_min_length(panel, need, reason=reason, origin_name="the training data")
            except DataError as exc:
                raise DataError(f"{exc} Or pass drop_short=True to leave them out (they are reported).") from None
            return panel
        lengths = panel.groupby("unique_id", sort=False).size()
        short = lengths.index[lengths < need].tolist()
        if len(short) == len(lengths):
            raise DataError(
                f"every series is shorter than {need} observations ({reason}); use a smaller input_size or horizon."
            )
        self.dropped_series_ = short
        if short:
            shown = ", ".join(map(repr, short[:10])) + (" ..." if len(short) > 10 else "")
            message = f"left out {len(short)} series shorter than {need} observations ({reason}): {shown}"
            warnings.warn(ShortSeriesWarning(message, short), stacklevel=3)
            panel = panel[~panel["unique_id"].isin(short)].reset_index(drop=True)
        return panel

    def _remember_history(self, panel: pd.DataFrame, buffer: SeriesBuffer, steps: np.ndarray) -> None:
        """What predict(h) needs without a history: the front end fit on all data up to the
        forecast origin, and each series' last window with its step numbers and last time."""
        self.ids_ = buffer.ids
        self.front_end_ = self._new_front_end().fit(buffer, steps)
        ends = buffer.offsets[1:]
        positions = ends[:, None] - self.input_size_ + np.arange(self.input_size_)
        self.tail_values_ = buffer.values[positions]
        self.tail_steps_ = steps[positions]
        self.last_times_ = pd.Index(panel["ds"].to_numpy()[ends - 1])

    # ---- predict ----

    def predict(
        self, h: int, *, level: tuple[int, ...] | list[int] = (), history: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Forecast ``h`` steps after the end of each series: ``unique_id, ds, <column>``.

        With ``history`` the forecasts start from the end of that panel's series (newer data,
        or series never seen in training) without training again; the front end is estimated
        on that history only, which holds nothing after the forecast origin.
        """
        self._check_fitted()
        _require("h", h, _positive_int(h), "a whole number >= 1")
        if self.strategy == "direct" and h > self.horizon_:
            raise ConfigError(
                f"h={h} is longer than the horizon this model was trained for ({self.horizon_}); refit with "
                f"horizon={h}, or use strategy='recursive' or 'seq2seq', which can run past it."
            )
        if level:
            raise ConfigError(
                f"prediction intervals are not available for {type(self).__name__} yet; predict without level, "
                "or use a statistical model (ETS, ARIMA) for intervals."
            )
        if history is None:
            ids, front, values, steps, lasts = (
                self.ids_,
                self.front_end_,
                self.tail_values_,
                self.tail_steps_,
                self.last_times_,
            )
        else:
            ids, front, values, steps, lasts = self._from_history(history)
        forecasts = self._forecast(front, values, steps, h)
        return pd.DataFrame(
            {
                "unique_id": np.repeat(ids, h),
                "ds": forecast_times(lasts, self.freq_, h),
                self.column: forecasts.ravel(),
            }
        )

    def _from_history(self, history: pd.DataFrame) -> tuple[Any, ...]:
        freq = history.attrs.get("freq", self.freq_)
        if freq != self.freq_:
            raise DataError(f"the history has frequency {freq!r}, but the model was trained on {self.freq_!r}.")
        panel = read_panel(history, freq=self.freq_, sort=True)
        check_min_length(panel, self.input_size_, reason=f"input_size {self.input_size_}", origin_name="the history")
        buffer = SeriesBuffer.from_panel(panel, dtype=np.float64)
        steps = step_numbers(pd.Index(panel["ds"]), self.freq_)
        front = self._new_front_end().fit(buffer, steps)
        ends = buffer.offsets[1:]
        positions = ends[:, None] - self.input_size_ + np.arange(self.input_size_)
        lasts = pd.Index(panel["ds"].to_numpy()[ends - 1])
        return buffer.ids, front, buffer.values[positions], steps[positions], lasts

    def _forecast(self, front: FrontEnd, values: np.ndarray, steps: np.ndarray, h: int) -> np.ndarray:
        series = np.arange(values.shape[0])
        adjusted = front.transform(values, series, steps)
        device = next(self.networks_[0].parameters()).device
        inputs = torch.as_tensor(adjusted, dtype=torch.float32, device=device)
        level = window_level(inputs, self.window_normalization)
        future_steps = steps[:, -1:] + np.arange(1, h + 1)
        forecasts = []
        with torch.no_grad():
            for network in self.networks_:
                output = (network(inputs.sub(level).unsqueeze(-1), h) + level).cpu().numpy().astype(np.float64)
                forecasts.append(front.inverse_transform(output, series, future_steps))
        return np.mean(forecasts, axis=0)

    # ---- training report ----

    @property
    def training_history(self) -> pd.DataFrame:
        """Per network and epoch: losses, gradient norm before clipping, clipping rate, learning rate."""
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
            "horizon": self.horizon_,
            "input_size": self.input_size_,
            "validation_size": self.validation_size_,
            "ids": [_plain(uid) for uid in self.ids_],
            "last_times": [int(t) if ints else pd.Timestamp(t).isoformat() for t in self.last_times_],
            "front_end": self.front_end_.to_dict(),
            "history": self.history_,
            "dropped_series": [_plain(uid) for uid in getattr(self, "dropped_series_", [])],
        }
        tensors = {"tail_values": torch.as_tensor(self.tail_values_), "tail_steps": torch.as_tensor(self.tail_steps_)}
        for member, network in enumerate(self.networks_):
            for key, tensor in network.state_dict().items():
                tensors[f"network{member}.{key}"] = tensor.detach().cpu().contiguous()
        return state, tensors

    def _set_state(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self.freq_ = state["freq"]
        self.season_length_ = int(state["season_length"])
        self.horizon_ = int(state["horizon"])
        self.input_size_ = int(state["input_size"])
        self.validation_size_ = int(state["validation_size"])
        self.window_horizon_ = 1 if self.strategy == "recursive" else self.horizon_
        self.ids_ = np.asarray(state["ids"], dtype=object)
        stamps = state["last_times"]
        self.last_times_ = pd.Index(stamps) if isinstance(self.freq_, int) else pd.DatetimeIndex(stamps)
        self.front_end_ = FrontEnd.from_dict(state["front_end"])
        self.history_ = list(state["history"])
        self.dropped_series_ = list(state["dropped_series"])
        self.tail_values_ = tensors["tail_values"].numpy().astype(np.float64)
        self.tail_steps_ = tensors["tail_steps"].numpy().astype(np.int64)
        device = resolve_device(self.device)
        self.networks_ = []
        for member in range(int(self.n_models)):
            prefix = f"network{member}."
            weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            network = self._new_network()
            network.load_state_dict(weights, strict=True)
            self.networks_.append(network.to(device).eval())
        n = self.ids_.size
        if self.tail_values_.shape != (n, self.input_size_) or len(self.last_times_) != n:
            raise ValueError("the saved series state does not match the number of series")
        self.is_fitted_ = True


EPOCH_TOLERANCE = 0.02
"""Retraining runs as many epochs as the first run's latest epoch whose validation loss was
within this fraction of the best: when validation is indifferent, more training is preferred
(a flat validation curve on a short tail is noise); when it rises, training stops near its best."""


def epochs_to_retrain(history: list[dict[str, Any]]) -> int:
    """Number of epochs for the retraining on all data (see ``EPOCH_TOLERANCE``)."""
    losses = [(record["epoch"], record["val_loss"]) for record in history if record.get("val_loss") is not None]
    best = min(loss for _, loss in losses)
    return max(epoch for epoch, loss in losses if loss <= best + abs(best) * EPOCH_TOLERANCE)


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
