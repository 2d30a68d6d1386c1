"""Time per gradient step: forecastrnn's training loop against a bare PyTorch loop.

Run:  .venv/bin/python benchmarks/training_speed.py [--threads 2] [--rounds 7] [--out FILE]

Both loops train the same network (LSTM, window 24, horizon 12, hidden 64, batch 32, MAE
loss, Adam, gradient-norm clipping at 1.0) on the windows of the bundled monthly_classics
panel, on the CPU. The bare loop indexes pre-built tensors of every window; the toolkit's
loop (forecastrnn.models._training.train_network) gathers windows from its buffer by index,
normalises them by level and records gradient statistics. One epoch of each, interleaved
A, B, A, B, ...; the table gives medians per step, for 2 threads and for 1 thread. Also times
import-to-first-forecast for a small CSV in a fresh process.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from forecastrnn.datasets import dataset_path, load
from forecastrnn.models._network import RecurrentNetwork
from forecastrnn.models._training import TrainingConfig, train_network
from forecastrnn.windowing import SeriesBuffer, make_windows

WINDOW, HORIZON, HIDDEN, BATCH = 24, 12, 64, 32


def network() -> RecurrentNetwork:
    return RecurrentNetwork(
        cell="lstm",
        n_features=1,
        hidden_size=HIDDEN,
        num_layers=1,
        dropout=0.0,
        bidirectional=False,
        nonlinearity="tanh",
        strategy="direct",
        horizon=HORIZON,
    )


def bare_epoch(net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, seed: int) -> int:
    """The reference: pre-built window tensors, nothing but the step itself."""
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    criterion = nn.L1Loss()
    order = torch.randperm(inputs.shape[0], generator=torch.Generator().manual_seed(seed))
    steps = 0
    for begin in range(0, order.numel(), BATCH):
        batch = order[begin : begin + BATCH]
        loss = criterion(net(inputs[batch]), targets[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        steps += 1
    return steps


def toolkit_epoch(net: nn.Module, values: torch.Tensor, index, seed: int) -> int:
    config = TrainingConfig(
        loss="mae",
        learning_rate=1e-3,
        batch_size=BATCH,
        max_epochs=1,
        patience=1,
        clip_norm=1.0,
        window_normalization="mean",
        one_step=False,
    )
    train_network(net, values, index, None, config, torch.Generator().manual_seed(seed))
    return -(-len(index) // BATCH)


def time_per_step(run) -> float:
    began = time.perf_counter()
    steps = run()
    return (time.perf_counter() - began) / steps


def compare(threads: int, rounds: int) -> dict[str, float]:
    torch.set_num_threads(threads)
    panel = load("monthly_classics")
    buffer = SeriesBuffer.from_panel(panel)
    values = torch.from_numpy(buffer.values)
    index = make_windows(buffer.offsets, WINDOW, HORIZON)
    inputs_np, targets_np, _ = index.gather(buffer.values, np.arange(len(index)))
    level = inputs_np.mean(axis=1, keepdims=True)
    inputs = torch.from_numpy(inputs_np - level).unsqueeze(-1).contiguous()
    targets = torch.from_numpy(targets_np - level).contiguous()
    bare, ours = [], []
    torch.manual_seed(0)
    toolkit_epoch(network(), values, index, 0)  # warm-up both paths once
    bare_epoch(network(), inputs, targets, 0)
    for round_ in range(rounds):
        torch.manual_seed(round_)
        bare.append(time_per_step(lambda seed=round_: bare_epoch(network(), inputs, targets, seed)))
        torch.manual_seed(round_)
        ours.append(time_per_step(lambda seed=round_: toolkit_epoch(network(), values, index, seed)))
    return {
        "windows": len(index),
        "bare_ms": 1e3 * statistics.median(bare),
        "toolkit_ms": 1e3 * statistics.median(ours),
        "ratio": statistics.median(np.array(ours) / np.array(bare)),
    }


def first_forecast_seconds() -> tuple[float, float]:
    """Fresh process: import time, and import + read + fit (1 epoch) + forecast on a small CSV."""
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "air.csv"
        csv.write_text(dataset_path("air_passengers").read_text())
        code = (
            "import time; t = time.perf_counter(); import forecastrnn; from forecastrnn import LSTMForecaster, "
            f"read_panel; i = time.perf_counter() - t; p = read_panel({str(csv)!r}); "
            "LSTMForecaster(max_epochs=1, device='cpu').fit(p).predict(12); print(i, time.perf_counter() - t)"
        )
        runs = [
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True) for _ in range(3)
        ]
        pairs = [tuple(map(float, run.stdout.split())) for run in runs]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "training_speed.md")
    args = parser.parse_args()
    results = {threads: compare(threads, args.rounds) for threads in (2, 1)}
    imported, first = first_forecast_seconds()
    lines = [
        "# Training loop speed",
        "",
        f"`python benchmarks/training_speed.py` on {platform.machine()}, torch {torch.__version__}, "
        f"Python {platform.python_version()}; medians of {args.rounds} interleaved rounds (one epoch each, "
        f"{results[2]['windows']:,} windows of monthly_classics, {-(-results[2]['windows'] // BATCH)} steps).",
        "",
        f"LSTM, window {WINDOW}, horizon {HORIZON}, hidden {HIDDEN}, batch {BATCH}, CPU. The bare loop "
        "indexes pre-built window tensors and does only forward, loss, backward, clipping and the step.",
        "",
        "| threads | bare loop (ms/step) | forecastrnn loop (ms/step) | ratio (median of rounds) |",
        "|---|---|---|---|",
        *[f"| {t} | {r['bare_ms']:.3f} | {r['toolkit_ms']:.3f} | {r['ratio']:.3f} |" for t, r in results.items()],
        "",
        f"Fresh process on a 144-row CSV: `import forecastrnn` and the model classes {imported:.2f} s; "
        f"import + read + fit (1 epoch) + 12-step forecast {first:.2f} s (medians of 3).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
