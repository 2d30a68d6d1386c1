"""The Dask backend gives what joblib gives: forecasts, backtest cv frames and provenance, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecastrnn import backtest, provenance
from forecastrnn._backends import chunks, open_backend, parallel_backend
from forecastrnn.errors import ConfigError, DataError
from forecastrnn.models import ETS, Naive, SeasonalNaive
from forecastrnn.models._plausible import ForecastFallbackWarning

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes, so models, data and errors really travel."""
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster) as found,
    ):
        yield found


def monthly_panel(n: int = 8, length: int = 40, seed: int = 0, tiny: bool = False) -> pd.DataFrame:
    """Seasonal random walks of different lengths ending together; s5 is too short for ETS at
    the first backtest cutoff, and with ``tiny`` s5 has 2 values (ETS falls back)."""
    rng = np.random.default_rng(seed)
    frames = []
    for number in range(n):
        size = (2 if tiny else 10) if number == 5 else length - number
        times = pd.date_range(end="2018-12-01", periods=size, freq="MS")
        values = 100 + rng.normal(0, 1, size).cumsum() + 8 * np.sin(2 * np.pi * np.arange(size) / 12)
        frames.append(pd.DataFrame({"unique_id": f"s{number}", "ds": times, "y": values}))
    return pd.concat(frames, ignore_index=True)


def test_chunks_keep_order_and_cover_every_item():
    items = list(range(10))
    parts = chunks(items, workers=2, per_worker=2)
    assert [len(part) for part in parts] == [3, 3, 2, 2]
    assert [item for part in parts for item in part] == items
    assert chunks([1], workers=4) == [[1]]


def test_local_model_fit_and_predict_on_dask_equal_joblib(client):
    panel = monthly_panel(tiny=True)
    local = ETS()
    expected = local.fit(panel).predict(6, level=(80,))
    with parallel_backend("dask", scheduler=client) as found:
        assert found.workers == 2
        model = ETS().fit(panel)
        got = model.predict(6, level=(80,))
        newer = model.predict(3, history=panel[panel["unique_id"] != "s0"])
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(newer, local.predict(3, history=panel[panel["unique_id"] != "s0"]))
    assert model.fallbacks_ == local.fallbacks_
    assert "s5" in model.fallbacks_
    assert model.warnings_ == local.warnings_


@pytest.mark.parametrize(("refit", "cutoffs"), [(True, "aligned"), (False, "per_series"), (2, "aligned")])
def test_backtest_on_dask_equals_joblib_row_for_row(client, refit, cutoffs):
    panel = monthly_panel()
    # NaiveCW's series pool their conformal scores (too few windows of their own): not split.
    models = [ETS(), SeasonalNaive(), Naive(), Naive(conformal_windows=2, alias="NaiveCW")]
    with pytest.warns(ForecastFallbackWarning):  # s5 is too short at the first cutoff
        expected = backtest(panel, models, h=3, n_windows=3, refit=refit, cutoffs=cutoffs, level=(80,))
    events = []
    with pytest.warns(ForecastFallbackWarning):
        got = backtest(
            panel, models, h=3, n_windows=3, refit=refit, cutoffs=cutoffs, level=(80,),
            backend="dask", scheduler=client, callback=events.append,
        )  # fmt: skip
    pd.testing.assert_frame_equal(got, expected)
    for name in ("fallbacks", "specs", "warnings", "missing", "skipped"):
        pd.testing.assert_frame_equal(getattr(provenance(got), name), getattr(provenance(expected), name))
    assert sorted((e["model"], e["window"]) for e in events) == sorted((m.column, w) for m in models for w in (1, 2, 3))


def test_an_error_inside_a_worker_reaches_the_caller_as_the_same_message(client):
    panel = monthly_panel(tiny=True)
    with pytest.raises(DataError) as local:
        ETS(fallback=None).fit(panel)
    with parallel_backend("dask", scheduler=client), pytest.raises(DataError) as remote:
        ETS(fallback=None).fit(panel)
    assert str(remote.value) == str(local.value)
    assert "'s5'" in str(remote.value)


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"pip install forecastrnn\[dask\]"), open_backend("dask"):
        pass


def test_unknown_backend_and_a_scheduler_for_joblib_are_refused():
    with pytest.raises(ConfigError, match="'joblib'"), open_backend("ray"):
        pass
    with pytest.raises(ConfigError, match="backend='dask'"), open_backend("joblib", scheduler="tcp://x:8786"):
        pass


def test_import_and_a_joblib_run_do_not_import_dask():
    code = (
        "import sys, forecastrnn\n"
        "from forecastrnn.models import ETS\n"
        "from forecastrnn import backtest\n"
        "import pandas as pd, numpy as np\n"
        "p = pd.DataFrame({'unique_id': ['a'] * 30, 'ds': pd.date_range('2020', periods=30, freq='D'),"
        " 'y': np.arange(30.0)})\n"
        "ETS(n_jobs=2).fit(p).predict(3)\n"
        "backtest(p, [ETS()], h=3, n_windows=2, n_jobs=2)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
