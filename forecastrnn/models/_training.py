"""The training loop: backpropagation through time on windows sampled from one padded buffer.

Training cost is a step budget, not epochs over every window, so it does not grow with the
panel: each step draws ``batch_size`` windows (by default a series uniformly, then one of its
windows uniformly, so long series do not crowd out short ones), gathers them from the device
buffer by index, normalises them by their level and runs forward, backward, clipping and the
optimiser step. Window positions for a block of steps are drawn at once on the host;
statistics (loss, gradient norm, how often clipping fired) accumulate on the device and are
read once per evaluation, so a step never waits for the host.

Inputs carry two features per time step: the normalised value (0 where not observed) and an
observed flag; the loss is taken over observed targets only. That is how series shorter than
a window train and forecast (see :class:`~forecastrnn.windowing.PaddedBuffer`).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from ..errors import TrainingError
from ..windowing import WindowIndex

LOSSES = ("mae", "mse", "huber", "quantile")
NORMALIZATIONS = ("mean", "last", "none")
SAMPLING = ("series", "window")

ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class TrainingConfig:
    """Optimisation settings of one network."""

    loss: str
    learning_rate: float
    batch_size: int
    max_steps: int
    eval_every: int
    patience: int
    clip_norm: float | None
    window_normalization: str
    sampling: str
    time_budget: float | None = None
    quantiles: tuple[float, ...] = ()


@dataclass(frozen=True)
class WindowSet:
    """Windows of a padded buffer and, per series, the buffer positions ``[target_lo, target_hi)``
    whose values may be scored as targets (a training part, or a validation tail)."""

    index: WindowIndex
    target_lo: torch.Tensor
    target_hi: torch.Tensor
    series_weight: torch.Tensor | None = None


def normalize_windows(windows: torch.Tensor, how: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Network inputs ``(batch, window, 2)`` (normalised value, observed flag) and each window's
    level ``(batch, 1)``: the mean of its observed values, its last value, or zero."""
    observed = ~torch.isnan(windows)
    filled = torch.where(observed, windows, torch.zeros((), dtype=windows.dtype, device=windows.device))
    if how == "mean":
        level = filled.sum(dim=1, keepdim=True) / observed.sum(dim=1, keepdim=True).clamp(min=1)
    elif how == "last":
        level = filled[:, -1:]
    else:
        level = torch.zeros_like(filled[:, :1])
    centred = torch.where(observed, filled - level, torch.zeros((), dtype=windows.dtype, device=windows.device))
    return torch.stack([centred, observed.to(windows.dtype)], dim=-1), level


def masked_loss(
    name: str, predicted: torch.Tensor, targets: torch.Tensor, weight: torch.Tensor, quantiles: tuple[float, ...] = ()
) -> torch.Tensor:
    """Weighted elementwise loss summed over the targets, divided by how many have a weight
    (zero weight: not observed, or not to be scored). ``quantile``: the pinball loss of
    predictions ``(batch, h, Q)`` at ``quantiles``, averaged over them."""
    if name == "quantile":
        levels = torch.as_tensor(quantiles, dtype=predicted.dtype, device=predicted.device)
        below = targets.unsqueeze(-1) - predicted
        errors = torch.maximum(levels * below, (levels - 1) * below).mean(dim=-1)
    elif name == "mae":
        errors = (predicted - targets).abs()
    elif name == "mse":
        errors = (predicted - targets).square()
    else:
        errors = functional.huber_loss(predicted, targets, reduction="none")
    return (errors * weight).sum() / (weight > 0).sum().clamp(min=1)


class _Batches:
    """Gathers (inputs, targets, target mask) of window start positions from a device buffer."""

    def __init__(self, values: torch.Tensor, windows: WindowSet, normalization: str) -> None:
        self.values, self.windows, self.normalization = values, windows, normalization
        index = windows.index
        device = values.device
        self.input_size = index.input_size
        self.offsets = torch.arange(index.input_size + index.horizon, device=device)

    def gather(self, series: torch.Tensor, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        positions = starts[:, None] + self.offsets
        windows = self.values[positions]
        inputs, level = normalize_windows(windows[:, : self.input_size], self.normalization)
        raw_targets = windows[:, self.input_size :]
        target_positions = positions[:, self.input_size :]
        mask = (
            (target_positions >= self.windows.target_lo[series, None])
            & (target_positions < self.windows.target_hi[series, None])
            & ~torch.isnan(raw_targets)
        )
        targets = torch.where(mask, raw_targets - level, torch.zeros((), dtype=raw_targets.dtype, device=mask.device))
        weight = mask.to(targets.dtype)
        if self.windows.series_weight is not None:
            weight = weight * self.windows.series_weight[series, None]
        return inputs, targets, weight


class WindowSampler:
    """Draws window start positions for blocks of steps: a series uniformly among those with
    windows then one of its windows (``series``), or a window uniformly (``window``)."""

    def __init__(self, index: WindowIndex, how: str, seed: int) -> None:
        self.index, self.how = index, how
        self.rng = np.random.default_rng(seed)
        self.with_windows = np.flatnonzero(index.counts > 0)

    def draw(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Series number and buffer start of ``n`` windows."""
        if self.how == "window":
            return self.index.locate(self.rng.integers(0, len(self.index), n))
        series = self.with_windows[self.rng.integers(0, self.with_windows.size, n)]
        within = (self.rng.random(n) * self.index.counts[series]).astype(np.int64)
        return series, self.index.first_start[series] + within * self.index.step


def _evaluate(network: nn.Module, batches: _Batches, config: TrainingConfig, horizon: int) -> float:
    network.eval()
    device = batches.values.device
    series, starts = batches.windows.index.locate(np.arange(len(batches.windows.index)))
    total, weight = torch.zeros((), device=device), torch.zeros((), device=device)
    with torch.no_grad():
        for begin in range(0, starts.size, 4096):
            chunk = slice(begin, begin + 4096)
            inputs, targets, mask = batches.gather(
                torch.from_numpy(series[chunk]).to(device), torch.from_numpy(starts[chunk]).to(device)
            )
            count = (mask > 0).sum()
            total += masked_loss(config.loss, network(inputs, horizon), targets, mask, config.quantiles) * count
            weight += count
    network.train()
    return float(total / weight.clamp(min=1))


def _learning_rate(config: TrainingConfig, step: int) -> float:
    """Cosine decay from ``learning_rate`` to a tenth of it over ``max_steps``."""
    progress = min(step / max(config.max_steps, 1), 1.0)
    return config.learning_rate * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def train_network(
    network: nn.Module,
    values: torch.Tensor,
    train: WindowSet,
    validation: WindowSet | None,
    config: TrainingConfig,
    seed: int,
    callback: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Train ``network`` in place for ``config.max_steps`` steps; returns one record per
    evaluation (every ``eval_every`` steps).

    With validation windows, training stops when the validation loss has not improved for
    ``patience`` evaluations and the best weights are restored; without, the last weights are
    kept. ``time_budget`` (seconds) ends training early too. An evaluation block whose
    training loss is not finite ends training with the last good weights (recorded as
    ``diverged``); if the first one is not finite, TrainingError.
    """
    device = values.device
    horizon = train.index.horizon
    optimizer = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    batches = _Batches(values, train, config.window_normalization)
    check = _Batches(values, validation, config.window_normalization) if validation is not None else None
    sampler = WindowSampler(train.index, config.sampling, seed)
    clip = config.clip_norm if config.clip_norm else math.inf
    parameters = [p for p in network.parameters() if p.requires_grad]
    history: list[dict[str, Any]] = []
    best_loss, best_state, good_state, stale = math.inf, None, None, 0
    began = time.perf_counter()
    network.train()

    step = 0
    while step < config.max_steps:
        block = min(config.eval_every, config.max_steps - step)
        series, starts = sampler.draw(block * config.batch_size)
        series_t = torch.from_numpy(series).to(device)
        starts_t = torch.from_numpy(starts).to(device)
        loss_sum = torch.zeros((), device=device)
        norm_sum = torch.zeros((), device=device)
        norm_max = torch.zeros((), device=device)
        clipped = torch.zeros((), device=device)
        done = 0
        for k in range(block):
            for group in optimizer.param_groups:
                group["lr"] = _learning_rate(config, step + k)
            chunk = slice(k * config.batch_size, (k + 1) * config.batch_size)
            inputs, targets, mask = batches.gather(series_t[chunk], starts_t[chunk])
            loss = masked_loss(config.loss, network(inputs, horizon), targets, mask, config.quantiles)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(parameters, clip)
            optimizer.step()
            loss_sum += loss.detach()
            norm_sum += norm
            norm_max = torch.maximum(norm_max, norm)
            clipped += norm > clip
            done += 1
            if config.time_budget is not None and time.perf_counter() - began > config.time_budget:
                break
        step += done
        train_loss = float(loss_sum) / done
        record: dict[str, Any] = {
            "step": step,
            "train_loss": train_loss,
            "val_loss": None,
            "grad_norm_mean": float(norm_sum) / done,
            "grad_norm_max": float(norm_max),
            "clipped_fraction": float(clipped) / done,
            "learning_rate": optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - began,
        }
        if not math.isfinite(train_loss):
            history.append(dict(record, diverged=True))
            if good_state is None:
                raise TrainingError(
                    f"the training loss was not finite in the first {step} steps ({train_loss}); lower "
                    "learning_rate, keep gradient clipping on (clip_norm), or check the data for extreme values."
                )
            network.load_state_dict(good_state)
            break
        good_state = copy.deepcopy(network.state_dict())
        if check is not None:
            record["val_loss"] = _evaluate(network, check, config, horizon)
            if record["val_loss"] < best_loss - 1e-9:
                best_loss, best_state, stale = record["val_loss"], good_state, 0
            else:
                stale += 1
        history.append(record)
        if callback is not None:
            callback(dict(record, max_steps=config.max_steps))
        if stale >= config.patience:
            break
        if config.time_budget is not None and record["seconds"] > config.time_budget:
            break
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return history


def forecast_windows(
    network: nn.Module, windows: torch.Tensor, h: int, *, normalization: str, recursive: bool
) -> torch.Tensor:
    """``h`` forecasts ``(batch, h)`` (or ``(batch, h, Q)`` quantiles) from windows on the front
    end's scale (NaN: not observed).

    ``recursive`` networks predict one step, which is appended to the window; each new window
    is normalised by its own level, exactly as in training.
    """
    with torch.no_grad():
        if not recursive:
            inputs, level = normalize_windows(windows, normalization)
            output = network(inputs, h)
            return output + (level if output.ndim == 2 else level[:, :, None])
        outputs = []
        for _ in range(h):
            inputs, level = normalize_windows(windows, normalization)
            step = network(inputs, 1) + level
            outputs.append(step)
            windows = torch.cat([windows[:, 1:], step], dim=1)
        return torch.cat(outputs, dim=1)
