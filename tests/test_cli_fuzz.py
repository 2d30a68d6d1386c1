"""Generated messy CSV files through ``forecastrnn forecast``: a forecast for every series, or one
line naming the problem; never a traceback, never a partial output file."""

from __future__ import annotations

import csv
import io
import math
import warnings

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from forecastrnn.cli import app
from forecastrnn.data import read_panel

runner = CliRunner()

IDS = ("a", "b", " a", "a ", "001", "1", "1.0", "Zürich", "x y", "x,y", 'q"q', "", "NA")
DATE_FORMATS = {"D": "%Y-%m-%d", "MS": "%Y-%m", "h": "%Y-%m-%d %H:%M"}
ODD_DATE_FORMATS = ("%d/%m/%Y", "%Y%m%d", "%Y-%m-%d", "%Y-%m")
ODD_VALUES = ("", " ", "NA", "abc", "1,5", "1,023", "inf", "1e3", " 7 ", "-0")
FLAWS = ("none", "none", "none", "extra field", "short row", "duplicate row", "blank line", "shuffled", "R row names")
OPTIONS = ((), (), ("--missing", "interpolate"), ("--missing", "zero"), ("--sort",), ("--decimal", "."))


def _value(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(ODD_VALUES))
    number = draw(st.floats(-1e6, 1e6, allow_nan=False))
    return draw(st.sampled_from([repr(number), f"{number:.2f}", str(round(number))]))


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A small data file (bytes) in one of the three layouts, with a flaw now and then, and its
    encoding."""
    layout = draw(st.sampled_from(["long", "one series", "wide"]))
    freq = draw(st.sampled_from(["D", "MS", "h"]))
    length = draw(st.integers(1, 8))
    odd = draw(st.integers(0, 3)) == 0
    form = draw(st.sampled_from(ODD_DATE_FORMATS)) if odd else DATE_FORMATS[freq]
    times = pd.date_range("2020-01-01", periods=length, freq=freq).strftime(form)
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=3, unique=True))
    if layout == "long":
        header = ["unique_id", "ds", "y"]
        rows = [[uid, time, _value(draw)] for uid in ids for time in times]
    elif layout == "one series":
        header = ["ds", "value"]
        rows = [[time, _value(draw)] for time in times]
    else:
        header = ["ds", *(uid.strip() or "unnamed" for uid in ids)]
        rows = [[time, *(_value(draw) for _ in ids)] for time in times]
    flaw = draw(st.sampled_from(FLAWS))
    where = draw(st.integers(0, len(rows) - 1))
    if flaw == "extra field":
        rows[where] = [*rows[where], draw(st.sampled_from(["", "5", "x"]))]
    elif flaw == "short row":
        rows[where] = rows[where][:-1]
    elif flaw == "duplicate row":
        rows.insert(where, list(rows[where]))
    elif flaw == "blank line":
        rows.insert(where, [])
    elif flaw == "shuffled":
        rows = draw(st.permutations(rows))
    elif flaw == "R row names":
        rows = [[str(number), *row] for number, row in enumerate(rows, start=1)]
    text = io.StringIO()
    csv.writer(text, delimiter=draw(st.sampled_from([",", ";", "\t", "|"])), lineterminator="\n").writerows(
        [header, *rows]
    )
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]))
    return text.getvalue().encode(encoding), encoding


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=csv_files(), options=st.sampled_from(OPTIONS))
def test_any_file_gives_a_full_forecast_or_one_clear_error(tmp_path, file, options):
    data, _ = file
    path, target = tmp_path / "data.csv", tmp_path / "out.csv"
    target.unlink(missing_ok=True)
    path.write_bytes(data)
    result = runner.invoke(
        app, ["forecast", str(path), "--model", "snaive", "--horizon", "2", "-o", str(target), *options]
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert "np." not in result.output  # values shown as in the data, not as numpy reprs
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 1:
        assert result.stderr.splitlines()[-1].startswith("Error: data.csv"), result.stderr
        assert not target.exists()
        return
    read_options = {"missing": options[1]} if options[:1] == ("--missing",) else {}
    read_options |= {"sort": True} if options == ("--sort",) else {}
    read_options |= {"decimal": "."} if options[:1] == ("--decimal",) else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = read_panel(path, **read_options)
    forecast = pd.read_csv(target, dtype={"unique_id": str}, keep_default_na=False)
    assert forecast.groupby("unique_id").size().to_dict() == dict.fromkeys(panel["unique_id"].unique(), 2)
    assert all(math.isfinite(value) for value in forecast["SeasonalNaive"])
