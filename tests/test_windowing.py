"""Window index: hand-checked windows, series boundaries, cutoffs, train/validation split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastrnn.errors import ConfigError
from forecastrnn.windowing import PaddedBuffer, SeriesBuffer, make_windows, train_validation_windows

# Three series of lengths 10, 3 and 12; each value encodes (series, position) as 100 * s + t.
OFFSETS = np.array([0, 10, 13, 25])
VALUES = np.concatenate([100 * s + np.arange(n) for s, n in enumerate(np.diff(OFFSETS))]).astype(np.float32)


def all_windows(index):
    return index.gather(VALUES, np.arange(len(index)))


def test_windows_by_hand():
    index = make_windows(OFFSETS, input_size=3, horizon=2)
    inputs, targets, series = all_windows(index)
    assert index.counts.tolist() == [6, 0, 8]  # 10 - 5 + 1, too short, 12 - 5 + 1
    assert inputs[0].tolist() == [0, 1, 2]
    assert targets[0].tolist() == [3, 4]
    assert inputs[5].tolist() == [5, 6, 7]
    assert targets[5].tolist() == [8, 9]
    assert inputs[6].tolist() == [200, 201, 202]
    assert targets[-1].tolist() == [210, 211]
    assert series.tolist() == [0] * 6 + [2] * 8


def test_no_window_crosses_a_series_boundary():
    inputs, targets, series = all_windows(make_windows(OFFSETS, input_size=4, horizon=3))
    window = np.concatenate([inputs, targets], axis=1)
    assert ((window // 100) == series[:, None]).all()
    assert (np.diff(window, axis=1) == 1).all()  # consecutive positions of one series


def test_step_aligns_windows_to_the_end():
    index = make_windows(OFFSETS, input_size=3, horizon=2, step=4)
    _, targets, _ = all_windows(index)
    assert targets[:, -1].tolist() == [5, 9, 207, 211]  # ends 6, 10 and 8, 12; end 4 < 3 + 2


def test_end_is_a_cutoff_that_no_window_reads_past():
    index = make_windows(OFFSETS, input_size=2, horizon=2, end=np.array([6, 3, 8]))
    _inputs, targets, series = all_windows(index)
    cut = np.array([6, 3, 8])[series]
    assert (targets % 100 < cut[:, None]).all()
    assert (targets[series == 0][-1] == [4, 5]).all()
    negative = make_windows(OFFSETS, input_size=2, horizon=2, end=-4)
    assert negative.counts.tolist() == [3, 0, 5]


def test_train_and_validation_split_in_time():
    train, validation = train_validation_windows(OFFSETS, input_size=3, horizon=2, validation_size=4)
    _, train_targets, train_series = all_windows(train)
    val_inputs, val_targets, val_series = all_windows(validation)
    lengths = np.diff(OFFSETS)
    assert (train_targets % 100 < (lengths[train_series] - 4)[:, None]).all()
    assert (val_targets % 100 >= (lengths[val_series] - 4)[:, None]).all()
    assert val_targets[val_series == 0].tolist() == [[6, 7], [7, 8], [8, 9]]
    assert val_inputs[0].tolist() == [3, 4, 5]  # inputs reach back into the training part


def test_validation_size_zero_gives_no_validation_windows():
    train, validation = train_validation_windows(OFFSETS, input_size=3, horizon=2, validation_size=0)
    assert len(validation) == 0
    assert len(train) == len(make_windows(OFFSETS, 3, 2))


@pytest.mark.parametrize("bad", [{"input_size": 0}, {"horizon": -1}, {"step": 0}])
def test_invalid_sizes(bad):
    kwargs = {"input_size": 3, "horizon": 2, "step": 1} | bad
    with pytest.raises(ConfigError, match=next(iter(bad))):
        make_windows(OFFSETS, **kwargs)


def test_out_of_range_window_numbers():
    with pytest.raises(IndexError):
        make_windows(OFFSETS, 3, 2).locate(np.array([14]))


def test_buffer_from_panel_keeps_series_order_and_values():
    panel = pd.DataFrame({"unique_id": ["b", "b", "a", "a", "a"], "ds": [1, 2, 1, 2, 3], "y": [1.0, 2, 3, 4, 5]})
    buffer = SeriesBuffer.from_panel(panel)
    assert buffer.ids.tolist() == ["b", "a"]
    assert buffer.offsets.tolist() == [0, 2, 5]
    assert buffer.values.dtype == np.float32
    assert buffer.values.flags.c_contiguous
    assert buffer.series(1).tolist() == [3, 4, 5]


@settings(max_examples=200, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 30), min_size=1, max_size=6),
    input_size=st.integers(1, 8),
    horizon=st.integers(1, 5),
    step=st.integers(1, 4),
    cut=st.integers(-10, 30),
)
def test_index_matches_brute_force_enumeration(lengths, input_size, horizon, step, cut):
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = np.concatenate([1000 * s + np.arange(n) for s, n in enumerate(lengths)]).astype(np.float64)
    index = make_windows(offsets, input_size, horizon, step=step, end=cut)
    expected = []
    for s, n in enumerate(lengths):
        stop = n + cut if cut < 0 else min(cut, n)
        ends = list(range(stop, input_size + horizon - 1, -step))[::-1]
        expected += [(s, 1000 * s + end - horizon - input_size) for end in ends]
    inputs, targets, series = index.gather(values, np.arange(len(index)))
    assert list(zip(series.tolist(), inputs[:, 0].astype(int).tolist(), strict=True)) == expected
    window = np.concatenate([inputs, targets], axis=1)
    assert ((window // 1000) == series[:, None]).all()


def test_padded_windows_keep_long_series_full_and_give_short_ones_what_they_have():
    lengths = np.array([30, 10, 4, 1])
    offsets = np.r_[0, np.cumsum(lengths)]
    values = np.arange(offsets[-1], dtype=float)
    padded = PaddedBuffer.build(values, offsets, input_size=8, horizon=5)
    for i in range(lengths.size):
        start = padded.data_start[i]
        np.testing.assert_array_equal(padded.values[start : start + lengths[i]], values[offsets[i] : offsets[i + 1]])
    index = padded.training_windows()
    # full windows only (30 - 8 - 5 + 1); all with a full horizon (10 - 5); one observed target at least (4 - 1); none
    assert index.counts.tolist() == [18, 5, 3, 0]
    series, starts = index.locate(np.arange(len(index)))
    windows = padded.values[starts[:, None] + np.arange(13)]
    observed_inputs = np.isfinite(windows[:, :8]).sum(axis=1)
    observed_targets = np.isfinite(windows[:, 8:]).sum(axis=1)
    assert (observed_inputs[series == 0] == 8).all()
    assert (observed_inputs >= 1).all()
    assert (observed_targets >= 1).all()
    assert (observed_targets[series <= 1] == 5).all()
    tail = padded.tail_windows(np.array([7, 3, 0, 0]))
    assert tail.counts.tolist() == [3, 1, 0, 0]
    _, last = tail.locate(np.array([2, 3]))
    np.testing.assert_array_equal(last + 13, padded.data_start[:2] + lengths[:2])  # ends at the series' end
