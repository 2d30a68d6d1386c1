"""Prediction intervals on the development panels: coverage, width and MSIS against ETS.

Run:  OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/intervals.py m1_quarterly m3_other --models lstm ets
      (needs the bench extra: pip install -e ".[bench]")

For each panel (the competition split of ``benchmarks/competition.py``: each series' last h
values held out) and model: the 80% and 95% intervals' empirical coverage pooled over series
and steps, their mean width relative to the series' MASE scale, MSIS at 95% (the M4 interval
score: width plus 2/alpha times each miss, divided by the in-sample seasonal-naive MAE,
averaged over steps and series) and the fit time. Networks use their defaults with
``conformal_windows=3``; the fit time without intervals is measured in the same process for
the networks, so the cost of calibration is the difference. ETS gives its model-based
intervals.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from competition import _seasonal_naive_mae, load_competition

LEVELS = (80, 95)
NETWORKS = ("lstm", "gru", "rnn")


def msis(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float) -> np.ndarray:
    """Per-point interval score (before scaling): width plus 2/alpha times the miss."""
    return (hi - lo) + 2 / alpha * (lo - y) * (y < lo) + 2 / alpha * (y - hi) * (y > hi)


def build(model: str, h: int, m: int, conformal: int):
    from forecastrnn import models

    if model in NETWORKS:
        classes = {"lstm": models.LSTMForecaster, "gru": models.GRUForecaster, "rnn": models.RNNForecaster}
        return classes[model](horizon=h, season_length=m, device="cpu", conformal_windows=conformal)
    return {"ets": models.ETS, "arima": models.AutoARIMA}[model](season_length=m)


def run(panel: str, model: str) -> dict:
    train, test, h, m = load_competition(panel)
    began = time.perf_counter()
    estimator = build(model, h, m, 3).fit(train)
    seconds = time.perf_counter() - began
    plain_seconds = None
    if model in NETWORKS:
        began = time.perf_counter()
        build(model, h, m, 0).fit(train)
        plain_seconds = time.perf_counter() - began
    forecast = estimator.predict(h, level=LEVELS).merge(test, on=["unique_id", "ds"])
    column = estimator.column
    scale = train.groupby("unique_id")["y"].apply(lambda y: _seasonal_naive_mae(y.to_numpy(), max(m, 1)))
    point_scale = forecast["unique_id"].map(scale).to_numpy()
    y = forecast["y"].to_numpy()
    result = {"panel": panel, "model": model, "fit_s": round(seconds, 1)}
    if plain_seconds is not None:
        result["fit_without_intervals_s"] = round(plain_seconds, 1)
    for level in LEVELS:
        lo, hi = forecast[f"{column}-lo-{level}"].to_numpy(), forecast[f"{column}-hi-{level}"].to_numpy()
        result[f"coverage_{level}"] = round(float(np.mean((y >= lo) & (y <= hi))) * 100, 1)
        result[f"width_{level}"] = round(float(np.mean((hi - lo) / point_scale)), 3)
    lo, hi = forecast[f"{column}-lo-95"].to_numpy(), forecast[f"{column}-hi-95"].to_numpy()
    per_series = pd.Series(msis(y, lo, hi, 0.05) / point_scale).groupby(forecast["unique_id"].to_numpy()).mean()
    result["msis_95"] = round(float(per_series.mean()), 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panels", nargs="+")
    parser.add_argument("--models", nargs="+", default=["lstm", "ets"])
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    for panel in args.panels:
        for model in args.models:
            print(run(panel, model), flush=True)


if __name__ == "__main__":
    main()
