"""The model registry: one entry per forecaster, read by the CLI, the builder and the lazy imports."""

from __future__ import annotations

import forecastrnn
import forecastrnn.models as models
from cli._models import MODEL_HELP, RECURRENT, NetworkOptions, build_models
from forecastrnn.models._base import BaseForecaster
from forecastrnn.models._registry import MODELS, benchmark_models, cli_models


def test_every_entry_is_an_exported_forecaster():
    for entry in MODELS:
        cls = entry.load()
        assert issubclass(cls, BaseForecaster)
        assert cls.__name__ == entry.name
        assert getattr(forecastrnn, entry.name) is cls
        assert getattr(models, entry.name) is cls
        assert entry.name in forecastrnn.__all__
        assert entry.name in models.__all__
        assert set(entry.options.values()) <= set(cls._param_names())


def test_cli_names_help_and_benchmark_set_come_from_the_registry():
    names = [entry.cli for entry in MODELS if entry.cli]
    assert len(names) == len(set(names))
    assert list(MODEL_HELP) == names
    assert MODEL_HELP["snaive"] == "value one season earlier (SeasonalNaive)"
    assert RECURRENT == ("rnn", "lstm", "gru")
    assert benchmark_models() == ["rnn", "lstm", "gru", "arima", "ets", "snaive", "naive"]
    assert cli_models()["mean"].name == "HistoricAverage"


def test_build_models_passes_each_model_the_settings_it_takes():
    network = NetworkOptions(hidden_size=8, layers=2)
    lstm, snaive = build_models(["LSTM", "snaive"], horizon=6, season_length=4, seed=3, n_jobs=2, network=network)
    assert type(lstm).__name__ == "LSTMForecaster"
    params = lstm.get_params()
    assert (params["horizon"], params["season_length"], params["random_state"]) == (6, 4, 3)
    assert (params["hidden_size"], params["num_layers"]) == (8, 2)
    assert snaive.get_params() == {"season_length": 4, "alias": None, "n_jobs": 2, "conformal_windows": 0}
