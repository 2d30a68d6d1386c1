"""Per-series scalers against scikit-learn, fit on the training part only, exact inverses, JSON state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from forecastrnn.errors import ConfigError, DataError, ModelFileError, NotFittedError
from forecastrnn.scaling import SCALERS, TRANSFORMS, SeriesScaler
from forecastrnn.windowing import SeriesBuffer

RNG = np.random.default_rng(0)
LENGTHS = [20, 7, 15]
BUFFER = SeriesBuffer(
    values=np.concatenate([RNG.lognormal(mean=m, size=n) for m, n in zip([1, 3, 0], LENGTHS, strict=True)]),
    offsets=np.concatenate([[0], np.cumsum(LENGTHS)]),
    ids=np.array(["a", "b", "c"], dtype=object),
)
SERIES = np.repeat(np.arange(3), LENGTHS)
HOLDOUT = 5
SKLEARN = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}


@pytest.mark.parametrize("method", ["standard", "minmax", "robust"])
def test_matches_sklearn_fit_on_each_training_part(method):
    scaler = SeriesScaler(method).fit(BUFFER, end=-HOLDOUT)
    scaled = scaler.transform_buffer(BUFFER)
    for s in range(3):
        series = BUFFER.series(s).reshape(-1, 1)
        reference = SKLEARN[method]().fit(series[:-HOLDOUT]).transform(series).ravel()
        np.testing.assert_allclose(scaled.series(s), reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", SCALERS)
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_inverse_is_exact(method, transform):
    scaler = SeriesScaler(method, transform=transform).fit(BUFFER, end=-HOLDOUT)
    scaled = scaler.transform(BUFFER.values, SERIES)
    np.testing.assert_allclose(scaler.inverse_transform(scaled, SERIES), BUFFER.values, rtol=1e-10)


def test_nothing_after_end_is_read():
    scaler = SeriesScaler("standard", transform="boxcox").fit(BUFFER, end=-HOLDOUT)
    perturbed = BUFFER.values.copy()
    for s in range(3):
        perturbed[BUFFER.offsets[s + 1] - HOLDOUT : BUFFER.offsets[s + 1]] *= 1000
    other = SeriesScaler("standard", transform="boxcox").fit(
        SeriesBuffer(perturbed, BUFFER.offsets, BUFFER.ids), end=-HOLDOUT
    )
    assert other.to_dict() == scaler.to_dict()


def test_two_dimensional_windows_share_their_row_series():
    scaler = SeriesScaler("standard").fit(BUFFER)
    windows = np.stack([BUFFER.series(0)[:4], BUFFER.series(2)[:4]])
    scaled = scaler.transform(windows, np.array([0, 2]))
    np.testing.assert_allclose(scaled[1], (windows[1] - scaler.loc_[2]) / scaler.scale_[2])


def test_boxcox_lambda_is_the_maximum_likelihood_one():
    scaler = SeriesScaler("none", transform="boxcox").fit(BUFFER, end=-HOLDOUT)
    expected = stats.boxcox(BUFFER.series(1)[:-HOLDOUT])[1]
    assert scaler.lambda_[1] == pytest.approx(expected, rel=1e-6)


def test_log1p_then_standard():
    scaler = SeriesScaler("standard", transform="log1p").fit(BUFFER)
    logged = np.log1p(BUFFER.series(0))
    np.testing.assert_allclose(scaler.transform_buffer(BUFFER).series(0), (logged - logged.mean()) / logged.std())


@pytest.mark.parametrize("method", SCALERS)
def test_constant_series_does_not_divide_by_zero(method):
    constant = SeriesBuffer(np.full(6, 5.0), np.array([0, 6]), np.array(["k"]))
    scaler = SeriesScaler(method).fit(constant)
    scaled = scaler.transform_buffer(constant).values
    assert np.isfinite(scaled).all()
    np.testing.assert_allclose(scaler.inverse_transform(scaled, np.zeros(6, dtype=int)), constant.values)


def test_state_round_trips_through_json_exactly():
    scaler = SeriesScaler("robust", transform="boxcox").fit(BUFFER, end=-HOLDOUT)
    restored = SeriesScaler.from_dict(json.loads(json.dumps(scaler.to_dict())), ids=BUFFER.ids)
    np.testing.assert_array_equal(restored.transform(BUFFER.values, SERIES), scaler.transform(BUFFER.values, SERIES))


@pytest.mark.parametrize(
    "change",
    [{"version": 99}, {"loc": [1.0]}, {"method": "fancy"}, {"lambda": None}, {"scale": "x"}],
)
def test_malformed_state_is_rejected(change):
    state = SeriesScaler("standard", transform="boxcox").fit(BUFFER).to_dict() | change
    with pytest.raises(ModelFileError, match="scaler state"):
        SeriesScaler.from_dict(state)


def test_domain_errors_name_the_series():
    negative = SeriesBuffer(np.array([1.0, 2.0, -3.0, 4.0]), np.array([0, 2, 4]), np.array(["ok", "neg"]))
    with pytest.raises(DataError, match=r"series 'neg': boxcox needs values > 0"):
        SeriesScaler(transform="boxcox").fit(negative)
    with pytest.raises(DataError, match=r"series 'neg': log needs values > 0"):
        SeriesScaler(transform="log").fit(negative)
    with pytest.raises(DataError, match=r"series 'neg': log1p needs values > -1"):
        SeriesScaler(transform="log1p").fit(negative)


def test_parameters_are_checked_at_fit():
    with pytest.raises(ConfigError, match="scaler method 'zscore'"):
        SeriesScaler("zscore").fit(BUFFER)
    with pytest.raises(ConfigError, match="transform 'sqrt'"):
        SeriesScaler(transform="sqrt").fit(BUFFER)
    with pytest.raises(NotFittedError):
        SeriesScaler().transform(BUFFER.values, SERIES)
    with pytest.raises(DataError, match=r"series 'b'.* have no training data"):
        SeriesScaler().fit(BUFFER, end=-7)
