"""Time per gradient step of a whole ``fit()`` against a bare PyTorch loop doing the same steps.

Run:  OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/training_speed.py [--rounds 5] [--out FILE]

Both train the same network (LSTM, hidden 64, batch 32, MAE loss, Adam, gradient-norm
clipping at 1.0, two input features: value and observed flag) for the same number of steps
on one thread. The bare loop indexes pre-built, pre-normalised window tensors and does only
forward, loss, backward, clipping and the optimiser step. The toolkit's number is the whole
``LSTMForecaster.fit`` a user waits for: reading and checking the panel, front end, padded
buffer, window sampling and gathering, masked and weighted loss, learning-rate schedule,
statistics and history. Two data sets: one short series (air_passengers) and a panel
(monthly_classics, 16 series). Rounds interleave A, B, A, B, ... in one process after a
warm-up; the table gives medians per step and the median of per-round ratios. Also times
import-to-first-forecast in a fresh process.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from forecastrnn.datasets import load
from forecastrnn.models import LSTMForecaster
from forecastrnn.models._network import RecurrentNetwork

HIDDEN, BATCH, STEPS = 64, 32, 300


def bare_fit(inputs: torch.Tensor, targets: torch.Tensor, horizon: int, seed: int) -> float:
    """Seconds for STEPS steps on pre-built tensors: nothing but the step itself."""
    began = time.perf_counter()
    torch.manual_seed(seed)
    net = RecurrentNetwork(
        cell="lstm",
        n_features=2,
        hidden_size=HIDDEN,
        num_layers=1,
        dropout=0.0,
        bidirectional=False,
        nonlinearity="tanh",
        strategy="direct",
        horizon=horizon,
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    criterion = nn.L1Loss()
    batches = torch.randint(0, inputs.shape[0], (STEPS, BATCH), generator=torch.Generator().manual_seed(seed))
    for batch in batches:
        loss = criterion(net(inputs[batch]), targets[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
    return time.perf_counter() - began


def toolkit_fit(panel, horizon: int, seed: int) -> float:
    began = time.perf_counter()
    LSTMForecaster(horizon=horizon, max_steps=STEPS, random_state=seed, device="cpu").fit(panel)
    return time.perf_counter() - began


def bare_tensors(panel, window: int, horizon: int) -> tuple[torch.Tensor, torch.Tensor]:
    rows = []
    for _, group in panel.groupby("unique_id"):
        y = np.log(group["y"].to_numpy())
        for start in range(y.size - window - horizon + 1):
            rows.append(y[start : start + window + horizon])
    windows = torch.tensor(np.array(rows), dtype=torch.float32)
    level = windows[:, :window].mean(dim=1, keepdim=True)
    inputs = torch.stack([windows[:, :window] - level, torch.ones_like(windows[:, :window])], dim=-1)
    return inputs.contiguous(), (windows[:, window:] - level).contiguous()


def compare(name: str, rounds: int) -> dict[str, float]:
    panel = load(name)
    horizon, window = 12, 36
    inputs, targets = bare_tensors(panel, window, horizon)
    toolkit_fit(panel, horizon, 0)  # warm-up both paths once
    bare_fit(inputs, targets, horizon, 0)
    bare, ours = [], []
    for round_ in range(rounds):
        bare.append(bare_fit(inputs, targets, horizon, round_) / STEPS)
        ours.append(toolkit_fit(panel, horizon, round_) / STEPS)
    return {
        "series": panel["unique_id"].nunique(),
        "bare_ms": 1e3 * statistics.median(bare),
        "toolkit_ms": 1e3 * statistics.median(ours),
        "ratio": statistics.median(np.array(ours) / np.array(bare)),
    }


def import_seconds() -> tuple[float, float]:
    """Fresh processes: torch + numpy + pandas alone, and ``from forecastrnn import LSTMForecaster``."""
    code = {
        "base": "import time; t = time.perf_counter(); import torch, numpy, pandas; print(time.perf_counter() - t)",
        "ours": "import time; t = time.perf_counter(); from forecastrnn import LSTMForecaster; "
        "LSTMForecaster.__init__; print(time.perf_counter() - t)",
    }
    times: dict[str, list[float]] = {"base": [], "ours": []}
    for _ in range(5):
        for key, source in code.items():
            run = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True)
            times[key].append(float(run.stdout))
    return statistics.median(times["base"]), statistics.median(times["ours"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "training_speed.md")
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = {name: compare(name, args.rounds) for name in ("air_passengers", "monthly_classics")}
    base, ours = import_seconds()
    lines = [
        "# Training speed: whole fit() against a bare loop",
        "",
        f"`OMP_NUM_THREADS=1 taskset -c 1 python benchmarks/training_speed.py` on {platform.machine()}, "
        f"torch {torch.__version__}, Python {platform.python_version()}, one thread; medians of {args.rounds} "
        f"interleaved rounds of {STEPS} steps each (LSTM, window 36, horizon 12, hidden {HIDDEN}, batch {BATCH}).",
        "",
        "| data | series | bare loop (ms/step) | whole fit() (ms/step) | ratio (median of rounds) |",
        "|---|---|---|---|---|",
        *[
            f"| {name} | {r['series']} | {r['bare_ms']:.3f} | {r['toolkit_ms']:.3f} | {r['ratio']:.3f} |"
            for name, r in results.items()
        ],
        "",
        f"Import in a fresh process (median of 5): torch + numpy + pandas {base:.2f} s; "
        f"`from forecastrnn import LSTMForecaster` {ours:.2f} s ({ours - base:+.2f} s).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
