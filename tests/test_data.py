"""The data layer: layouts, parsing, frequency, gaps, missing-value policy and every rejection."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecastrnn.data import FilledValuesWarning, check_min_length, panel_freq, read_panel
from forecastrnn.errors import DataError

MONTHLY = "ds,y\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n2020-04-01,4\n"


def test_long_format_is_read_sorted_by_series_then_time(write_file):
    path = write_file(
        "long.csv",
        "unique_id,ds,y\nB,2020-01-01,10\nA,2020-01-01,1\nB,2020-01-02,11\nA,2020-01-02,2\nA,2020-01-03,3\nB,2020-01-03,12\n",
    )
    panel = read_panel(path)
    assert list(panel.columns) == ["unique_id", "ds", "y"]
    assert panel["unique_id"].tolist() == ["A", "A", "A", "B", "B", "B"]
    assert panel["y"].tolist() == [1.0, 2.0, 3.0, 10.0, 11.0, 12.0]
    assert panel["ds"].dtype.kind == "M"
    assert panel.attrs["freq"] == "D"


def test_one_date_and_one_value_column_is_one_series_named_after_the_value(write_file):
    panel = read_panel(write_file("air.csv", "month,passengers\n1949-01,112\n1949-02,118\n1949-03,132\n"))
    assert panel["unique_id"].unique().tolist() == ["passengers"]
    assert panel["ds"].tolist() == list(pd.date_range("1949-01-01", periods=3, freq="MS"))
    assert panel_freq(panel) == "MS"


def test_a_value_column_called_y_takes_the_file_name_as_id(write_file):
    panel = read_panel(write_file("sales.csv", MONTHLY))
    assert panel["unique_id"].unique().tolist() == ["sales"]


def test_wide_format_becomes_long(write_file):
    panel = read_panel(write_file("wide.csv", "date,north,south\n2021-01-04,1,5\n2021-01-11,2,6\n2021-01-18,3,7\n"))
    assert panel.groupby("unique_id")["y"].apply(list).to_dict() == {"north": [1, 2, 3], "south": [5, 6, 7]}
    assert panel.attrs["freq"] == "W-MON"


def test_long_format_with_custom_names_is_detected_or_named(write_file):
    text = (
        "store,week,units\nx,2021-01-04,1\nx,2021-01-11,2\nx,2021-01-18,3\n"
        "y,2021-01-04,4\ny,2021-01-11,5\ny,2021-01-18,6\n"
    )
    detected = read_panel(write_file("a.csv", text), time_col="week")
    named = read_panel(write_file("b.csv", text), id_col="store", time_col="week", target_col="units")
    pd.testing.assert_frame_equal(detected, named)
    assert detected["unique_id"].unique().tolist() == ["x", "y"]


def test_dataframe_input_is_validated_the_same_way():
    frame = pd.DataFrame({"unique_id": ["a"] * 3, "ds": pd.date_range("2020", periods=3, freq="h"), "y": [1, 2, 3]})
    panel = read_panel(frame)
    assert panel.attrs["freq"] == "h"
    assert panel["y"].dtype == np.float64
    with pytest.raises(DataError, match=r"the DataFrame, row 1: .*not a number"):
        read_panel(frame.assign(y=["1", "x", "3"]))


def test_integer_time_is_read_as_steps(write_file):
    panel = read_panel(write_file("steps.csv", "t,y\n1,5\n2,6\n3,7\n4,8\n"))
    assert panel["ds"].tolist() == [1, 2, 3, 4]
    assert panel.attrs["freq"] == 1


def test_integer_steps_with_a_gap_report_the_missing_step(write_file):
    with pytest.raises(DataError, match=r"1 missing timestamp\(s\).*'steps' at 3\b"):
        read_panel(write_file("steps.csv", "t,y\n1,5\n2,6\n4,8\n5,9\n6,1\n"))


def test_explicit_date_format(write_file):
    panel = read_panel(write_file("eu.csv", "ds,y\n31/01/2020,1\n29/02/2020,2\n31/03/2020,3\n"), date_format="%d/%m/%Y")
    assert panel.attrs["freq"] == "ME"
    with pytest.raises(DataError, match=r"eu\.csv, line 2: column 'ds' holds '31/01/2020'.*date_format"):
        read_panel(write_file("eu.csv", "ds,y\n31/01/2020,1\n29/02/2020,2\n31/03/2020,3\n"))


def test_timezone_aware_timestamps_become_utc(write_file):
    text = "ds,y\n2021-03-28T00:00:00+01:00,1\n2021-03-28T01:00:00+01:00,2\n2021-03-28T03:00:00+02:00,3\n"
    panel = read_panel(write_file("tz.csv", text))
    assert str(panel["ds"].dt.tz) == "UTC"
    assert panel["ds"].dt.hour.tolist() == [23, 0, 1]
    assert panel.attrs["freq"] == "h"


def test_mixing_aware_and_naive_timestamps_is_an_error(write_file):
    text = "ds,y\n2021-01-01T00:00:00+01:00,1\n2021-01-01T01:00:00,2\n2021-01-01T02:00:00,3\n"
    with pytest.raises(DataError, match=r"tz\.csv, line 3: .*mixes timestamps with a UTC offset"):
        read_panel(write_file("tz.csv", text))


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_delimiters_are_sniffed(write_file, sep):
    panel = read_panel(write_file("d.csv", MONTHLY.replace(",", sep)))
    assert panel["y"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_semicolon_file_with_decimal_commas(write_file):
    panel = read_panel(write_file("eu.csv", "ds;y\n2020-01-01;1,5\n2020-02-01;2,25\n2020-03-01;-3,0\n"))
    assert panel["y"].tolist() == [1.5, 2.25, -3.0]


def test_decimal_commas_in_a_comma_separated_file_cannot_be_split(write_file):
    with pytest.raises(DataError, match=r"x\.csv"):
        read_panel(write_file("x.csv", 'ds,y\n2020-01-01,"1,5"\n2020-02-01,"2,5"\n2020-03-01,"3,5"\n'))


def test_utf8_bom_is_ignored(write_file):
    path = write_file("bom.csv", b"\xef\xbb\xbf" + MONTHLY.encode())
    panel = read_panel(path)
    assert panel["y"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_latin1_file_keeps_its_accents(write_file):
    text = "unique_id,ds,y\nZürich,2020-01-01,1\nZürich,2020-01-02,2\nZürich,2020-01-03,3\n"
    panel = read_panel(write_file("latin.csv", text, encoding="latin-1"))
    assert panel["unique_id"].unique().tolist() == ["Zürich"]


def test_parquet_is_read(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020", periods=4, freq="D"), "y": [1.0, 2, 3, 4]})
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(read_panel(path), frame, check_dtype=False)


# ---- rejections, each with its message ----


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", r"empty\.csv: the file is empty"),
        ("blank.csv", "\n\n  \n", r"blank\.csv: the file is empty"),
        ("header.csv", "ds,y\n", r"header\.csv: the file has a header but no data rows"),
        ("one.csv", "y\n1\n2\n", r"one\.csv: found one column \('y'\)"),
        (
            "text.csv",
            "ds,y\n2020-01-01,1\n2020-02-01,abc\n2020-03-01,3\n",
            r"text\.csv, line 3: column 'y' holds 'abc', which is not a number",
        ),
        (
            "dup.csv",
            "unique_id,ds,y\nA,2020-01-01,1\nA,2020-02-01,2\nA,2020-02-01,3\nA,2020-03-01,4\n",
            r"dup\.csv: series 'A' has 2020-02-01 more than once \(lines 3, 4;",
        ),
        (
            "unsorted.csv",
            "ds,y\n2020-01-01,1\n2020-03-01,3\n2020-02-01,2\n2020-04-01,4\n",
            r"unsorted\.csv, line 4: series 'unsorted' goes back in time to 2020-02-01.*sort=True",
        ),
        (
            "gap.csv",
            "ds,y\n2020-01-01,1\n2020-02-01,2\n2020-04-01,4\n2020-05-01,5\n2020-06-01,6\n",
            r"gap\.csv: 0 missing value\(s\) and 1 missing timestamp\(s\): series 'gap' at 2020-03-01",
        ),
        (
            "nan.csv",
            "ds,y\n2020-01-01,1\n2020-02-01,\n2020-03-01,NaN\n2020-04-01,4\n",
            r"nan\.csv: 2 missing value\(s\) and 0 missing timestamp\(s\): series 'nan' at 2020-02-01, 2020-03-01",
        ),
        (
            "inf.csv",
            "ds,y\n2020-01-01,1\n2020-02-01,inf\n2020-03-01,3\n",
            r"inf\.csv, line 3: the value is inf; infinite values are not allowed",
        ),
        (
            "mixed.csv",
            "unique_id,ds,y\nm,2020-01-01,1\nm,2020-02-01,2\nm,2020-03-01,3\nm,2020-04-01,4\n"
            "d,2020-01-01,1\nd,2020-01-02,2\nd,2020-01-03,3\nd,2020-01-04,4\nd,2020-01-05,5\n",
            r"mixed\.csv: series 'm' has frequency MS \(monthly, month start\) but others have D \(daily\)",
        ),
        (
            "irregular.csv",
            "ds,y\n2020-01-01,1\n2020-01-03,2\n2020-01-04,3\n2020-01-09,4\n",
            r"irregular\.csv: cannot infer a frequency: the timestamps of series 'irregular' are irregular",
        ),
        ("short.csv", "ds,y\n2020-01-01,1\n", r"short\.csv: cannot infer the frequency from 1 timestamp"),
        ("noid.csv", "unique_id,ds,y\nA,2020-01-01,1\n,2020-01-02,2\n", r"noid\.csv, line 3: the series id is empty"),
        ("notime.csv", "ds,y\n2020-01-01,1\n,2\n", r"notime\.csv, line 3: the time column 'ds' is empty"),
        (
            "wide.csv",
            "ds,a,b\n2020-01-01,1,x\n2020-01-02,2,y\n2020-01-03,3,z\n2020-01-04,4,w\n2020-01-05,5,v\n",
            r"wide\.csv: read as wide format .* column 'b' does not hold numbers.*pass id_col",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(write_file, name, text, message):
    with pytest.raises(DataError, match=message):
        read_panel(write_file(name, text))


def test_missing_columns_are_named(write_file):
    path = write_file("cols.csv", "unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02,2\n")
    with pytest.raises(DataError, match=r"cols\.csv: no target column 'sales'; the columns are 'unique_id', 'ds', 'y'"):
        read_panel(path, target_col="sales")
    with pytest.raises(DataError, match=r"no time column 'date'"):
        read_panel(path, time_col="date")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match=r"no such file"):
        read_panel(tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"is a folder"):
        read_panel(tmp_path)


def test_off_grid_timestamp_is_named(write_file):
    text = "ds,y\n2020-01-01,1\n2020-02-01,2\n2020-03-01,3\n2020-03-15,4\n2020-04-01,5\n2020-05-01,6\n2020-06-01,7\n"
    with pytest.raises(DataError, match=r"timestamp 2020-03-15 is not on the MS \(monthly, month start\) grid"):
        read_panel(write_file("off.csv", text))


def test_given_freq_is_checked(write_file):
    with pytest.raises(DataError, match=r"series 'm' starts at 2020-01-01, which is not on the W-SUN \(weekly\) grid"):
        read_panel(write_file("m.csv", MONTHLY), freq="W-SUN")


def test_sort_true_sorts_instead_of_failing(write_file):
    panel = read_panel(write_file("u.csv", "ds,y\n2020-03-01,3\n2020-01-01,1\n2020-02-01,2\n"), sort=True)
    assert panel["y"].tolist() == [1.0, 2.0, 3.0]


def test_duplicates_in_interleaved_series_are_named(write_file):
    text = "unique_id,ds,y\nA,2020-01-01,1\nB,2020-01-01,5\nA,2020-01-01,2\nB,2020-01-02,6\n"
    with pytest.raises(DataError, match=r"i\.csv: series 'A' has 2020-01-01 more than once \(lines 2, 4;"):
        read_panel(write_file("i.csv", text))


def test_interleaved_series_are_not_unsorted(write_file):
    text = (
        "unique_id,ds,y\nA,2020-01-01,1\nB,2020-01-01,5\nA,2020-02-01,2\n"
        "B,2020-02-01,6\nA,2020-03-01,3\nB,2020-03-01,7\n"
    )
    assert len(read_panel(write_file("i.csv", text))) == 6


# ---- issue 10: no lost files, no silent wrong numbers ----


def test_ids_are_kept_exactly_as_written(write_file):
    text = "unique_id,ds,y\n pad ,2020-01-01,1\n pad ,2020-01-02,2\n001,2020-01-01,3\n001,2020-01-02,4\n"
    panel = read_panel(write_file("ids.csv", text))
    assert panel["unique_id"].unique().tolist() == [" pad ", "001"]
    numeric = "unique_id,ds,y\n001,1,1\n001,2,2\n1.0,1,3\n1.0,2,4\n"  # ids and times that look like numbers
    panel = read_panel(write_file("numeric.csv", numeric))
    assert panel["unique_id"].tolist() == ["001", "001", "1.0", "1.0"]
    assert panel.attrs == {"freq": 1}


def test_numbers_and_dates_with_blanks_around_them_still_parse(write_file):
    text = "unique_id, ds, y\nA, 2020-01-01 , 1.5 \nA,  2020-01-02,2.5  \nA,2020-01-03 ,  -3\n"
    panel = read_panel(write_file("blanks.csv", text))
    assert panel["y"].tolist() == [1.5, 2.5, -3.0]
    assert panel["ds"].tolist() == list(pd.date_range("2020-01-01", periods=3, freq="D"))


def test_ids_that_differ_only_by_blanks_are_not_merged(write_file):
    text = "unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,2\n a,2020-01-03,3\n a,2020-01-04,4\n"
    with pytest.raises(DataError, match=r"ids\.csv: series ids 'a' \(line 2\) and ' a' \(line 4\) differ only"):
        read_panel(write_file("ids.csv", text))


def test_ambiguous_thousands_separators_are_an_error_with_safe_advice(write_file):
    path = write_file("th.csv", "ds;y\n2020-01-01;1,023\n2020-01-02;2,500\n2020-01-03;987\n")
    with pytest.raises(DataError) as caught:
        read_panel(path)
    message = str(caught.value)
    assert message.startswith("th.csv, line 2: column 'y' holds '1,023'")
    assert "reads as 1023 if '.' is the decimal mark and as 1.023 if ',' is" in message
    assert read_panel(path, decimal=".")["y"].tolist() == [1023.0, 2500.0, 987.0]
    assert read_panel(path, decimal=",")["y"].tolist() == [1.023, 2.5, 987.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('ds,y\n2020-01-01,"12,345,678"\n2020-01-02,"1,234.5"\n2020-01-03,7\n', [12345678.0, 1234.5, 7.0]),
        ("ds;y\n2020-01-01;1,023\n2020-01-02;2.5\n2020-01-03;7\n", [1023.0, 2.5, 7.0]),
        ("ds;y\n2020-01-01;1.023,5\n2020-01-02;2,5\n2020-01-03;12.345.678\n", [1023.5, 2.5, 12345678.0]),
    ],
)
def test_thousands_separators_are_read_when_unambiguous(write_file, text, expected):
    assert read_panel(write_file("th.csv", text))["y"].tolist() == expected


def test_dots_between_thousands_are_not_taken_for_decimals_in_a_semicolon_file(write_file):
    path = write_file("eu.csv", "ds;y\n2020-01-01;1.023\n2020-01-02;2.500\n2020-01-03;987\n")
    with pytest.raises(DataError, match=r"line 2: column 'y' holds '1\.023', which reads as 1\.023 if .* 1023 if"):
        read_panel(path)
    assert read_panel(path, decimal=",")["y"].tolist() == [1023.0, 2500.0, 987.0]
    assert read_panel(path, decimal=".")["y"].tolist() == [1.023, 2.5, 987.0]
    assert read_panel(write_file("pt.csv", "ds;y\n2020-01-01;1.023\n2020-01-02;2.5\n"))["y"].tolist() == [1.023, 2.5]


def test_numbers_in_two_styles_are_an_error(write_file):
    with pytest.raises(DataError, match=r"line 3: column 'y' holds '2,5', a number with a decimal comma, but line 2"):
        read_panel(write_file("mix.csv", "ds;y\n2020-01-01;1.5\n2020-01-02;2,5\n2020-01-03;3\n"))


def test_a_given_decimal_comma_rejects_decimal_points(write_file):
    path = write_file("eu.csv", "ds;y\n2020-01-01;1,5\n2020-01-02;2.5\n2020-01-03;3\n")
    with pytest.raises(DataError, match=r"line 3: column 'y' holds '2\.5', which is not a number"):
        read_panel(path, decimal=",")


def test_yyyymmdd_integers_are_dates(write_file):
    panel = read_panel(write_file("ymd.csv", "ds,y\n20000131,1\n20000229,2\n20000331,3\n"))
    assert panel["ds"].tolist() == list(pd.date_range("2000-01-31", periods=3, freq="ME"))
    assert panel.attrs["freq"] == "ME"
    frame = pd.DataFrame({"ds": [20000131, 20000229, 20000331], "y": [1.0, 2, 3]})
    assert read_panel(frame)["ds"].tolist() == panel["ds"].tolist()


def test_a_yyyymmdd_typo_is_named(write_file):
    text = "ds,y\n20000131,1\n20001301,2\n20000331,3\n20000430,4\n"
    with pytest.raises(DataError, match=r"ymd\.csv, line 3: column 'ds' holds dates written YYYYMMDD .* '20001301'"):
        read_panel(write_file("ymd.csv", text))


def test_integers_that_are_not_all_dates_stay_steps(write_file):
    panel = read_panel(write_file("steps.csv", "t,y\n20000131,1\n20000132,2\n20000133,3\n"))
    assert panel["ds"].tolist() == [20000131, 20000132, 20000133]
    assert panel.attrs["freq"] == 1


def test_date_format_reads_yyyymmdd(write_file):
    panel = read_panel(write_file("ymd.csv", "ds,y\n20000101,1\n20000102,2\n"), date_format="%Y%m%d")
    assert panel.attrs["freq"] == "D"


@pytest.mark.parametrize(
    "text",
    [
        '"ds","y"\n"1","2020-01-01",1\n"2","2020-01-02",2\n"3","2020-01-03",3\n',  # write.table(sep=",")
        '"ds" "y"\n"1" "2020-01-01" 1\n"2" "2020-01-02" 2\n"3" "2020-01-03" 3\n',  # write.table defaults
        "ds,y,\n2020-01-01,1,\n2020-01-02,2,\n2020-01-03,3,\n",  # a delimiter at the end of each line
        "ds;y\n1;2020-01-01;1\n2;2020-01-02;2\n3;2020-01-03;3\n",
        '"","ds","y"\n"1","2020-01-01",1\n"2","2020-01-02",2\n"3","2020-01-03",3\n',  # write.csv
        ",ds,y\n0,2020-01-01,1.0\n1,2020-01-02,2.0\n2,2020-01-03,3.0\n",  # pandas' to_csv with the index
    ],
)
def test_row_names_and_trailing_delimiters_are_read(write_file, text):
    panel = read_panel(write_file("r.csv", text))
    assert panel["y"].tolist() == [1.0, 2.0, 3.0]
    assert panel.attrs["freq"] == "D"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ds,y\n2020-01-01,1\n2020-01-02,2,5\n2020-01-03,3\n", r"line 3: the row has 3 fields but the header has 2"),
        ("ds,y\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3,5,6\n", r"line 4: the row has 4 fields but the header has 2"),
        ("ds,y\n2020-01-01,1,5\n2020-01-02,2\n2020-01-03,3\n", r"line 2: the row has 3 fields but the header has 2"),
        ("ds,y\n2020-01-01,1,5,6\n2020-01-02,2\n", r"line 2: the row has more fields than the header's 2"),
        ("unique_id,ds\na,2020-01-01,1\na,2020-01-02,2\n", r"line 2: the row has 3 fields but the header has 2"),
        ("ds;y\n7;2020-01-01;1\n8;2020-01-02;2\n", r"line 2: the row has 3 fields but the header has 2"),
        ("ds;y\n2020-01-01;1;5\n", r"line 2: the row has 3 fields but the header has 2"),
    ],
)
def test_rows_with_extra_fields_are_rejected_naming_the_line(write_file, text, message):
    with pytest.raises(DataError, match=r"x\.csv, " + message):
        read_panel(write_file("x.csv", text))


def test_a_column_without_a_name_that_holds_values_is_an_error(write_file):
    with pytest.raises(DataError, match=r"u\.csv: column 3 has no name in the header but holds values"):
        read_panel(write_file("u.csv", "ds,y,\n2020-01-01,1,a\n2020-01-02,2,b\n"))


def test_mixed_int_and_text_ids_become_text():
    frame = pd.DataFrame({"unique_id": [1, 1, "a", "a", "a"], "ds": [1, 2, 1, 2, 4], "y": [1.0, 2, 3, 4, 5]})
    with pytest.warns(FilledValuesWarning):
        panel = read_panel(frame, missing="zero")
    assert panel["unique_id"].tolist() == ["1", "1", "a", "a", "a", "a"]
    assert panel["y"].tolist() == [1.0, 2.0, 3.0, 4.0, 0.0, 5.0]
    from forecastrnn.models import SeasonalNaive

    forecast = SeasonalNaive(season_length=1).fit(read_panel(frame.iloc[:4])).predict(1)
    assert forecast["SeasonalNaive"].tolist() == [2.0, 4.0]


def test_ids_that_read_the_same_as_text_are_an_error():
    frame = pd.DataFrame({"unique_id": [1, 1, "1", "1"], "ds": [1, 2, 1, 2], "y": [1.0, 2, 3, 4]})
    with pytest.raises(DataError, match=r"series ids 1 \(row 0\) and '1' \(row 2\) are different values"):
        read_panel(frame)


def test_a_numeric_id_column_is_found_in_a_long_file(write_file):
    text = "store,date,sales\n" + "".join(f"{s},2020-01-0{d},{s * 10 + d}.5\n" for s in (1, 2) for d in (1, 2, 3))
    panel = read_panel(write_file("stores.csv", text))
    assert panel["unique_id"].unique().tolist() == ["1", "2"]
    assert panel["y"].tolist() == [11.5, 12.5, 13.5, 21.5, 22.5, 23.5]


def test_a_wide_file_with_repeated_times_suggests_the_id_column(write_file):
    text = "date,a,b\n2020-01-01,1,1\n2020-01-02,2,2\n2020-01-01,1,2\n2020-01-02,2,1\n"
    with pytest.raises(DataError, match=r"w\.csv: read as wide format .* '2020-01-01' appears more than once .*id_col"):
        read_panel(write_file("w.csv", text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("month,sales\n2020-01,1\n2020-02,x\n", r"line 3: column 'sales' holds 'x', which is not a number"),
        ("week,001,002\n2020-01-06,1,2\n2020-01-13,3,y\n", r"line 3: column '002' holds 'y', which is not a number"),
        ("t;a;b\n2020-01-01;1,5;2\n2020-01-02;3;4.5\n", r"line 2: column 'a' holds '1,5', a number with a decimal"),
        ("when,v\n2020-01-01,1\n,2\n", r"line 3: the time column 'when' is empty"),
    ],
)
def test_messages_name_the_column_as_the_file_does(write_file, text, message):
    with pytest.raises(DataError, match=message):
        read_panel(write_file("n.csv", text), time_col=text.split(",")[0].split(";")[0])


def test_line_numbers_count_blank_lines(write_file):
    text = "\nds,y\n2020-01-01,1\n\n2020-01-02,x\n"
    with pytest.raises(DataError, match=r"b\.csv, line 5: column 'y' holds 'x'"):
        read_panel(write_file("b.csv", text))


def test_an_encoding_is_detected_on_the_whole_file(write_file):
    rows = [f"2020-01-{d:02d},{d}\n" for d in range(1, 29)]
    text = "unique_id,ds,y\n" + "".join(f"{uid},{row}" for uid in ("Basel", "Zürich") for row in rows)
    panel = read_panel(write_file("late.csv", text, encoding="cp1252"))
    assert panel["unique_id"].unique().tolist() == ["Basel", "Zürich"]


def test_utf16_with_a_byte_order_mark_is_read(write_file):
    text = "unique_id\tds\ty\nZürich\t2020-01-01\t1\nZürich\t2020-01-02\t2\n"
    panel = read_panel(write_file("excel.txt", text, encoding="utf-16"))
    assert panel["unique_id"].unique().tolist() == ["Zürich"]
    assert panel["y"].tolist() == [1.0, 2.0]


def test_missing_markers_in_the_value_column_are_missing_values(write_file):
    text = "unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02,NA\nA,2020-01-03, \nA,2020-01-04,4\n"
    with pytest.warns(FilledValuesWarning, match=r"filled 2 missing value"):
        panel = read_panel(write_file("na.csv", text), missing="interpolate")
    assert panel["y"].tolist() == [1.0, 2.0, 3.0, 4.0]


# ---- missing-value policies: filled explicitly and reported ----

GAPPY = (
    "unique_id,ds,y\nA,2020-01-01,1\nA,2020-02-01,\nA,2020-04-01,4\nA,2020-05-01,5\nB,2020-01-01,7\nB,2020-02-01,8\n"
)


@pytest.mark.parametrize(
    ("policy", "expected_a"),
    [
        ("interpolate", [1.0, 2.0, 3.0, 4.0, 5.0]),
        ("ffill", [1.0, 1.0, 1.0, 4.0, 5.0]),
        ("zero", [1.0, 0.0, 0.0, 4.0, 5.0]),
    ],
)
def test_missing_policies_fill_and_report(write_file, policy, expected_a):
    with pytest.warns(FilledValuesWarning, match=r"filled 1 missing value\(s\) and 1 missing timestamp\(s\)") as caught:
        panel = read_panel(write_file("g.csv", GAPPY), missing=policy)
    assert panel.loc[panel["unique_id"] == "A", "y"].tolist() == expected_a
    assert panel.loc[panel["unique_id"] == "B", "y"].tolist() == [7.0, 8.0]
    report = caught[0].message.report
    assert report["ds"].tolist() == [pd.Timestamp("2020-02-01"), pd.Timestamp("2020-03-01")]
    assert report["kind"].tolist() == ["missing value", "missing timestamp"]
    assert report["value"].tolist() == expected_a[1:3]


def test_no_warning_when_nothing_is_filled(write_file):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_panel(write_file("m.csv", MONTHLY), missing="interpolate")


def test_leading_missing_values_cannot_be_interpolated(write_file):
    with pytest.raises(DataError, match=r"interpolate cannot fill missing values at the start or end"):
        read_panel(write_file("lead.csv", "ds,y\n2020-01-01,\n2020-02-01,2\n2020-03-01,3\n"), missing="interpolate")


def test_unknown_policy(write_file):
    with pytest.raises(DataError, match=r"missing='guess' is not a policy"):
        read_panel(write_file("m.csv", MONTHLY), missing="guess")


def test_min_length_names_the_short_series(write_file):
    text = (
        "unique_id,ds,y\nlong,2020-01-01,1\nlong,2020-01-02,2\nlong,2020-01-03,3\n"
        "short,2020-01-01,1\nshort,2020-01-02,2\n"
    )
    with pytest.raises(DataError, match=r"1 series have fewer than 3 observations: 'short' \(2\)"):
        read_panel(write_file("s.csv", text), min_length=3)
    panel = read_panel(write_file("s.csv", text))
    with pytest.raises(DataError, match=r"for input_size 2 \+ horizon 1"):
        check_min_length(panel, 3, reason="input_size 2 + horizon 1")


# ---- properties ----

_series_ids = st.lists(st.text("abcxyz_", min_size=1, max_size=4), min_size=1, max_size=4, unique=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ids=_series_ids,
    length=st.integers(3, 12),
    freq=st.sampled_from(["D", "h", "MS", "W-SUN", "QS-JAN"]),
    values=st.lists(st.floats(-1e9, 1e9, allow_nan=False, width=64), min_size=12, max_size=12),
    sep=st.sampled_from([",", ";", "\t"]),
    data=st.data(),
)
def test_written_panels_read_back_identically(tmp_path, ids, length, freq, values, sep, data):
    starts = {uid: data.draw(st.integers(0, 5), label=f"offset {uid}") for uid in ids}
    frames = [
        pd.DataFrame(
            {
                "unique_id": uid,
                "ds": pd.date_range("2001-01-01", periods=length + offset, freq=freq)[offset:],
                "y": values[:length],
            }
        )
        for uid, offset in starts.items()
    ]
    expected = pd.concat(frames).sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    shuffled = expected.sample(frac=1.0, random_state=0).sort_values("ds", kind="stable")
    path = tmp_path / "p.csv"
    shuffled.to_csv(path, sep=sep, index=False, float_format="%.17g")
    # in a ';' file, values like 1.125 alone could mean 1125: the decimal mark is then asked for
    panel = read_panel(path, decimal="." if sep == ";" else None)
    assert panel.attrs["freq"] == freq
    pd.testing.assert_frame_equal(panel, expected, check_dtype=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(6, 30), holes=st.sets(st.integers(1, 28), max_size=4))
def test_any_removed_timestamps_are_reported_as_gaps(tmp_path, length, holes):
    holes = {h for h in holes if h < length - 1}
    times = pd.date_range("2010-01-01", periods=length, freq="MS")
    kept = [i for i in range(length) if i not in holes]
    frame = pd.DataFrame({"ds": times[kept], "y": np.arange(len(kept), dtype=float)})
    path = tmp_path / "h.csv"
    frame.to_csv(path, index=False)
    if not holes:
        assert len(read_panel(path)) == length
        return
    with pytest.warns(FilledValuesWarning) as caught:
        panel = read_panel(path, missing="zero")
    assert len(panel) == length
    assert caught[0].message.report["ds"].tolist() == list(times[sorted(holes)])


def test_gaps_that_look_like_another_frequency_are_still_gaps(write_file):
    # Jan, Mar, May look bimonthly; June shows the series is monthly with two gaps.
    text = "ds,y\n2020-01-01,1\n2020-03-01,3\n2020-05-01,5\n2020-06-01,6\n"
    with pytest.raises(DataError, match=r"2 missing timestamp\(s\): series 'b' at 2020-02-01, 2020-04-01"):
        read_panel(write_file("b.csv", text))


def test_two_point_series_get_the_frequency_of_their_step(write_file):
    assert read_panel(write_file("two.csv", "ds,y\n2020-01-01,1\n2020-02-01,2\n")).attrs["freq"] == "MS"
    assert read_panel(write_file("two.csv", "ds,y\n2020-01-01,1\n2020-01-02,2\n")).attrs["freq"] == "D"
