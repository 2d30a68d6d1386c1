"""Prediction intervals on the development panels: coverage, width and MSIS against ETS.

Run:  OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/intervals.py m1_quarterly m3_other --models lstm ets
      OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/intervals.py m3_other --models ets-conformal \
          --origins 3
      (needs the bench extra: pip install -e ".[bench]")

For each panel and model: the 80% and 95% intervals' empirical coverage pooled over series,
steps and origins, their mean width relative to the series' MASE scale, MSIS at 95% (the M4
interval score: width plus 2/alpha times each miss, divided by the in-sample seasonal-naive MAE
before the origin, averaged over steps, then series and origins) and the fit time.

Origins: ``--origins 1`` (default) is the competition split of ``benchmarks/competition.py``
(each series' last h values held out). ``--origins K`` adds the K - 1 earlier origins h, 2h, ...
steps before it (rolling origin, a refit at each), each series taking part where its training
part is at least as long as the panel's shortest training part in the competition split.

Models: networks use their defaults with ``conformal_windows=3``; the fit time without
intervals is measured in the same process for the networks, so the cost of calibration is the
difference (``--no-plain`` skips it). ``ets`` and ``arima`` give their model-based intervals. ``ets-conformal`` and
``arima-conformal`` fit the model with ``conformal_windows`` (``--conformal-windows``,
default 3) and report two rows from that one fit: its conformal intervals and its own
model-based ones (the point forecasts are the same);
its fit time includes the calibration, done at the first ``predict`` with a level.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from competition import _seasonal_naive_mae, load_competition

LEVELS = (80, 95)
NETWORKS = ("lstm", "gru", "rnn")
STATISTICAL = ("ets", "arima")


def msis(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float) -> np.ndarray:
    """Per-point interval score (before scaling): width plus 2/alpha times the miss."""
    return (hi - lo) + 2 / alpha * (lo - y) * (y < lo) + 2 / alpha * (y - hi) * (y > hi)


def build(model: str, h: int, m: int, conformal: int):
    from forecastrnn import models

    if model in NETWORKS:
        classes = {"lstm": models.LSTMForecaster, "gru": models.GRUForecaster, "rnn": models.RNNForecaster}
        return classes[model](horizon=h, season_length=m, device="cpu", conformal_windows=conformal)
    base = model.removesuffix("-conformal")
    params = {"conformal_windows": conformal} if model.endswith("-conformal") else {}
    return {"ets": models.ETS, "arima": models.AutoARIMA}[base](season_length=m, **params)


def origins(train: pd.DataFrame, test: pd.DataFrame, h: int, count: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(train, test) at each origin, latest (the competition split) first: origin k holds out
    the h values after each series' first ``n - k h`` (n: its whole length), for the series whose
    training part there is at least the panel's shortest one at the competition split."""
    full = pd.concat([train, test]).sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    position = full.groupby("unique_id", sort=False).cumcount().to_numpy()
    length = full.groupby("unique_id", sort=False)["y"].transform("size").to_numpy()
    shortest = int(train.groupby("unique_id").size().min())
    splits = []
    for k in range(1, count + 1):
        cut = length - k * h
        keep = cut >= shortest
        splits.append(
            (
                full[keep & (position < cut)].reset_index(drop=True),
                full[keep & (position >= cut) & (position < cut + h)].reset_index(drop=True),
            )
        )
    return splits


def scored(forecast: pd.DataFrame, test: pd.DataFrame, train: pd.DataFrame, column: str, m: int) -> pd.DataFrame:
    """Per point: actual, bounds per level, and the series' MASE scale on ``train``."""
    merged = test.merge(forecast, on=["unique_id", "ds"], how="left")
    scale = train.groupby("unique_id")["y"].apply(lambda y: _seasonal_naive_mae(y.to_numpy(), max(m, 1)))
    out = pd.DataFrame({"unique_id": merged["unique_id"], "y": merged["y"], "scale": merged["unique_id"].map(scale)})
    for level in LEVELS:
        out[f"lo-{level}"], out[f"hi-{level}"] = merged[f"{column}-lo-{level}"], merged[f"{column}-hi-{level}"]
    return out


def summary(points: pd.DataFrame) -> dict:
    """Coverage (%), scaled width and MSIS 95 of the points of every origin (``origin`` column)."""
    y, scale = points["y"].to_numpy(), points["scale"].to_numpy()
    result = {}
    for level in LEVELS:
        lo, hi = points[f"lo-{level}"].to_numpy(), points[f"hi-{level}"].to_numpy()
        result[f"coverage_{level}"] = round(float(np.mean((y >= lo) & (y <= hi))) * 100, 1)
        result[f"width_{level}"] = round(float(np.mean((hi - lo) / scale)), 3)
    score = msis(y, points["lo-95"].to_numpy(), points["hi-95"].to_numpy(), 0.05) / scale
    per_series = pd.Series(score).groupby([points["origin"].to_numpy(), points["unique_id"].to_numpy()]).mean()
    result["msis_95"] = round(float(per_series.mean()), 3)
    if points["origin"].nunique() > 1:
        by_origin = points.assign(inside=(y >= points["lo-80"]) & (y <= points["hi-80"]))
        result["coverage_80_by_origin"] = (by_origin.groupby("origin")["inside"].mean() * 100).round(1).tolist()
        by_origin = points.assign(inside=(y >= points["lo-95"]) & (y <= points["hi-95"]))
        result["coverage_95_by_origin"] = (by_origin.groupby("origin")["inside"].mean() * 100).round(1).tolist()
    return result


def run(panel: str, model: str, count: int, conformal: int, time_plain: bool = True) -> list[dict]:
    train, test, h, m = load_competition(panel)
    splits = origins(train, test, h, count)
    kinds = ["conformal", "own"] if model.endswith("-conformal") else ["own"]  # networks: "own" are conformal
    points: dict[str, list[pd.DataFrame]] = {kind: [] for kind in kinds}
    seconds = plain_seconds = 0.0
    for number, (part, held_out) in enumerate(splits, start=1):
        began = time.perf_counter()
        estimator = build(model, h, m, conformal).fit(part)
        forecast = estimator.predict(h, level=LEVELS)  # conformal models calibrate here
        seconds += time.perf_counter() - began
        if model in NETWORKS and time_plain:
            began = time.perf_counter()
            build(model, h, m, 0).fit(part)
            plain_seconds += time.perf_counter() - began
        points[kinds[0]].append(scored(forecast, held_out, part, estimator.column, m).assign(origin=number))
        if len(kinds) > 1:
            estimator.conformal_windows = 0  # read at predict: the same fitted models' own intervals
            own = estimator.predict(h, level=LEVELS)
            np.testing.assert_array_equal(own[estimator.column], forecast[estimator.column])
            points["own"].append(scored(own, held_out, part, estimator.column, m).assign(origin=number))
    results = []
    for kind in kinds:
        name = model.removesuffix("-conformal") + (" (conformal)" if kind == "conformal" else "")
        result = {"panel": panel, "model": name, "origins": count, "fit_s": round(seconds, 1)}
        if kind == "own" and len(kinds) > 1:
            result["fit_s"] = "the conformal row's fit"
        if model in NETWORKS and time_plain:
            result["fit_without_intervals_s"] = round(plain_seconds, 1)
        results.append(result | summary(pd.concat(points[kind], ignore_index=True)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panels", nargs="+")
    parser.add_argument("--models", nargs="+", default=["lstm", "ets"])
    parser.add_argument("--origins", type=int, default=1, help="rolling origins, h apart (1: the competition split)")
    parser.add_argument("--conformal-windows", type=int, default=3, help="calibration windows of conformal models")
    parser.add_argument(
        "--no-plain", action="store_true", help="networks: skip the fit without intervals (timed only for the cost)"
    )
    args = parser.parse_args()
    if any(model in NETWORKS for model in args.models):
        import torch

        torch.set_num_threads(1)
    for panel in args.panels:
        for model in args.models:
            for result in run(panel, model, args.origins, args.conformal_windows, not args.no_plain):
                print(result, flush=True)


if __name__ == "__main__":
    main()
