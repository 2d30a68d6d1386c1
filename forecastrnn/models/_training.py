"""The training loop: backpropagation through time over windows gathered from one buffer.

Lean by design: batch start positions for a whole epoch are computed once on the host; each
step gathers its windows from the device buffer by index, normalises them by their level,
and runs forward, backward, clipping and the optimiser step. Statistics (loss, gradient norm,
how often clipping fired) accumulate on the device and are read once per epoch, so a step
never waits for the host.
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

from ..errors import TrainingError
from ..windowing import WindowIndex

LOSSES = {"mse": nn.MSELoss, "mae": nn.L1Loss, "huber": nn.HuberLoss}
NORMALIZATIONS = ("mean", "last", "none")

ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class TrainingConfig:
    """Optimisation settings of one network."""

    loss: str
    learning_rate: float
    batch_size: int
    max_epochs: int
    patience: int
    clip_norm: float | None
    window_normalization: str
    one_step: bool


def window_level(inputs: torch.Tensor, how: str) -> torch.Tensor:
    """Each window's level ``(batch, 1)``: its mean, its last value, or zero."""
    if how == "mean":
        return inputs.mean(dim=1, keepdim=True)
    if how == "last":
        return inputs[:, -1:]
    return torch.zeros_like(inputs[:, :1])


class _Batches:
    """Gathers normalised (inputs, targets) batches of an index from a 1-D device buffer."""

    def __init__(self, values: torch.Tensor, index: WindowIndex, normalization: str) -> None:
        self.values, self.index, self.normalization = values, index, normalization
        device = values.device
        self.input_offsets = torch.arange(index.input_size, device=device)
        self.target_offsets = torch.arange(index.input_size, index.input_size + index.horizon, device=device)

    def starts(self, order: np.ndarray) -> torch.Tensor:
        _, starts = self.index.locate(order)
        return torch.from_numpy(starts).to(self.values.device)

    def gather(self, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inputs = self.values[starts[:, None] + self.input_offsets]
        targets = self.values[starts[:, None] + self.target_offsets]
        level = window_level(inputs, self.normalization)
        return (inputs - level).unsqueeze(-1), targets - level


def _forward(network: nn.Module, inputs: torch.Tensor, one_step: bool) -> torch.Tensor:
    return network.one_step(inputs) if one_step else network(inputs)


def _validation_loss(network: nn.Module, batches: _Batches, criterion: nn.Module, config: TrainingConfig) -> float:
    network.eval()
    total, count = torch.zeros((), device=batches.values.device), 0
    starts = batches.starts(np.arange(len(batches.index)))
    with torch.no_grad():
        for begin in range(0, starts.numel(), 4096):
            inputs, targets = batches.gather(starts[begin : begin + 4096])
            total = total + criterion(_forward(network, inputs, config.one_step), targets) * targets.shape[0]
            count += targets.shape[0]
    return float(total) / count


def train_network(
    network: nn.Module,
    values: torch.Tensor,
    train_index: WindowIndex,
    validation_index: WindowIndex | None,
    config: TrainingConfig,
    generator: torch.Generator,
    callback: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Train ``network`` in place; returns one record per epoch.

    Early stopping watches the validation loss (the training loss when there are no
    validation windows) and restores the best weights. The learning rate halves when the
    watched loss stalls for ``patience // 2`` epochs. An epoch whose training loss is not
    finite ends training with the best weights so far (recorded as ``diverged``); if no epoch
    was finite, TrainingError.
    """
    device = values.device
    criterion = LOSSES[config.loss]()
    optimizer = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=max(1, config.patience // 2))
    train_batches = _Batches(values, train_index, config.window_normalization)
    validation = validation_index is not None and len(validation_index) > 0
    validation_batches = _Batches(values, validation_index, config.window_normalization) if validation else None
    clip = config.clip_norm if config.clip_norm else math.inf
    parameters = [p for p in network.parameters() if p.requires_grad]
    history: list[dict[str, Any]] = []
    best_loss, best_state, stale = math.inf, None, 0

    for epoch in range(1, config.max_epochs + 1):
        began = time.perf_counter()
        network.train()
        order = torch.randperm(len(train_index), generator=generator).numpy()
        starts = train_batches.starts(order)
        loss_sum = torch.zeros((), device=device)
        norm_sum = torch.zeros((), device=device)
        norm_max = torch.zeros((), device=device)
        clipped = torch.zeros((), device=device)
        steps = 0
        for begin in range(0, starts.numel(), config.batch_size):
            inputs, targets = train_batches.gather(starts[begin : begin + config.batch_size])
            loss = criterion(_forward(network, inputs, config.one_step), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(parameters, clip)
            optimizer.step()
            loss_sum += loss.detach()
            norm_sum += norm
            norm_max = torch.maximum(norm_max, norm)
            clipped += norm > clip
            steps += 1
        train_loss = float(loss_sum) / steps
        record: dict[str, Any] = {
            "epoch": epoch,
            "train_loss": train_loss,
            "val_loss": None,
            "grad_norm_mean": float(norm_sum) / steps,
            "grad_norm_max": float(norm_max),
            "clipped_fraction": float(clipped) / steps,
            "learning_rate": optimizer.param_groups[0]["lr"],
        }
        if not math.isfinite(train_loss):
            record.update(seconds=time.perf_counter() - began, diverged=True)
            history.append(record)
            if best_state is None:
                raise TrainingError(
                    f"the training loss was not finite in epoch {epoch} ({train_loss}); lower learning_rate, "
                    "keep gradient clipping on (clip_norm), or check the data for extreme values."
                )
            break
        watched = train_loss
        if validation_batches is not None:
            record["val_loss"] = watched = _validation_loss(network, validation_batches, criterion, config)
        scheduler.step(watched)
        improved = watched < best_loss - 1e-9
        if improved:
            best_loss, best_state, stale = watched, copy.deepcopy(network.state_dict()), 0
        else:
            stale += 1
        record.update(seconds=time.perf_counter() - began, best=improved)
        history.append(record)
        if callback is not None:
            callback(dict(record, max_epochs=config.max_epochs))
        if stale >= config.patience:
            break
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return history
