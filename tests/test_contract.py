"""The forecaster contract, checked for every model the package exports."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import forecastrnn.models as models
from forecastrnn.datasets import load
from forecastrnn.errors import ConfigError, NotFittedError

FAST_SETTINGS = {
    models.RecurrentForecaster: {"hidden_size": 8, "max_steps": 20, "input_size": 12, "horizon": 6, "device": "cpu"},
    models.ETS: {"error": "add", "trend": "none", "seasonal": "add"},
    models.AutoARIMA: {"max_P": 1, "max_Q": 1},
    models.LocalForecaster: {},
}
FORECASTERS = [
    cls
    for cls in (getattr(models, name) for name in models.__all__)
    if inspect.isclass(cls)
    and issubclass(cls, models.BaseForecaster)
    and cls is not models.BaseForecaster
    and "name" in cls.__dict__
]
LUNGS = load("uk_lung_deaths")


def make(cls):
    settings = next(value for base, value in FAST_SETTINGS.items() if issubclass(cls, base))
    return cls(**settings)


def test_every_exported_forecaster_is_covered():
    assert {cls.__name__ for cls in FORECASTERS} >= {"LSTMForecaster", "GRUForecaster", "RNNForecaster"}


@pytest.mark.parametrize("cls", FORECASTERS, ids=lambda cls: cls.__name__)
def test_init_only_stores_keyword_parameters(cls):
    params = inspect.signature(cls.__init__).parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in params.items() if name != "self")
    model = cls(**{name: "not checked yet" for name in list(params)[1:2]})  # no validation in __init__
    assert model.get_params()[list(params)[1]] == "not checked yet"


@pytest.mark.parametrize("cls", FORECASTERS, ids=lambda cls: cls.__name__)
def test_params_clone_and_unknown_names(cls):
    model = make(cls)
    twin = model.clone()
    assert twin is not model
    assert twin.get_params() == model.get_params()
    assert model.set_params(alias="Other") is model
    assert model.get_params()["alias"] == "Other"
    with pytest.raises(ConfigError, match="has no parameter 'colour'"):
        model.set_params(colour="red")
    assert repr(model).startswith(cls.__name__ + "(")


@pytest.mark.parametrize("cls", FORECASTERS, ids=lambda cls: cls.__name__)
def test_fit_predict_contract(cls):
    model = make(cls)
    with pytest.raises(NotFittedError):
        model.predict(3)
    assert model.fit(LUNGS) is model
    forecast = model.predict(3)
    assert list(forecast.columns) == ["unique_id", "ds", model.name]
    assert len(forecast) == 2 * 3
    last = LUNGS.groupby("unique_id")["ds"].max()
    for uid, group in forecast.groupby("unique_id"):
        assert group["ds"].tolist() == list(pd.date_range(last[uid], periods=4, freq="MS")[1:])
    assert np.isfinite(forecast[model.name]).all()
    assert make(cls).set_params(alias="Mine").fit(LUNGS).predict(3).columns[-1] == "Mine"


@pytest.mark.parametrize("cls", FORECASTERS, ids=lambda cls: cls.__name__)
def test_refit_replaces_the_old_fit(cls):
    model = make(cls).fit(LUNGS)
    female = LUNGS[LUNGS["unique_id"] == "female"].reset_index(drop=True)
    assert model.fit(female).predict(3)["unique_id"].unique().tolist() == ["female"]
