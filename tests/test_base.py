"""The shared predict contract: ``h`` and ``level`` are checked the same way for every model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError
from forecastrnn.models import Drift, LSTMForecaster

NILE = load("nile")


@pytest.fixture(scope="module")
def models():
    lstm = LSTMForecaster(hidden_size=4, max_steps=2, input_size=6, horizon=3, device="cpu").fit(NILE)
    return [Drift().fit(NILE), lstm]


def test_a_single_level_is_read_as_a_sequence_of_one():
    drift = Drift().fit(NILE)
    pd.testing.assert_frame_equal(drift.predict(3, level=80), drift.predict(3, level=(80,)))
    pd.testing.assert_frame_equal(drift.predict(3, level=np.int64(80)), drift.predict(3, level=[80]))
    pd.testing.assert_frame_equal(drift.predict(3, level=None), drift.predict(3))


@pytest.mark.parametrize("h", [True, False, 0, -1, 2.0, "3", None])
def test_h_must_be_a_whole_number_not_a_bool(models, h):
    for model in models:
        with pytest.raises(ConfigError, match=r"h=.* is not allowed: a whole number of steps >= 1"):
            model.predict(h)


@pytest.mark.parametrize("level", ["80", 80.5, 0, 100, True, [80, "95"], object()])
def test_bad_levels_are_a_clear_error(models, level):
    for model in models:
        with pytest.raises(ConfigError, match=r"level=.* is not allowed"):
            model.predict(2, level=level)


def test_numpy_integers_are_accepted(models):
    for model in models:
        assert len(model.predict(np.int64(2))) == 2
