"""Saved models: exact round trip, no pickle, clear errors for anything else."""

from __future__ import annotations

import json
import pickle

import pandas as pd
import pytest

from forecastrnn.datasets import load
from forecastrnn.errors import ModelFileError
from forecastrnn.models import GRUForecaster, LSTMForecaster, load_model

FAST = {"hidden_size": 8, "max_steps": 20, "input_size": 12, "horizon": 6, "device": "cpu"}
LUNGS = load("uk_lung_deaths")


@pytest.fixture(scope="module")
def fitted():
    return GRUForecaster(n_models=2, strategy="seq2seq", **FAST).fit(LUNGS)


def test_round_trip_forecasts_exactly_the_same(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = GRUForecaster.load(tmp_path / "model")
    pd.testing.assert_frame_equal(loaded.predict(6), fitted.predict(6), check_exact=True)
    pd.testing.assert_frame_equal(loaded.predict(4, history=LUNGS), fitted.predict(4, history=LUNGS), check_exact=True)
    assert loaded.get_params() == fitted.get_params()
    pd.testing.assert_frame_equal(loaded.training_history, fitted.training_history)


def test_directory_holds_json_and_safetensors_only(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["config.json", "weights.safetensors"]
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["format_version"] == 2
    assert config["class"] == "GRUForecaster"
    assert {"forecastrnn", "torch"} <= set(config["versions"])
    assert config["state"]["ids"] == ["female", "male"]


def test_saving_again_replaces_the_model(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    other = LSTMForecaster(**FAST).fit(LUNGS)
    other.save(tmp_path / "model")
    assert isinstance(load_model(tmp_path / "model"), LSTMForecaster)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_refuses_to_overwrite_a_foreign_folder(fitted, tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"meow")
    with pytest.raises(ModelFileError, match="is not a saved forecastrnn model"):
        fitted.save(tmp_path / "photos")
    assert (tmp_path / "photos" / "cat.jpg").read_bytes() == b"meow"


class _Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_pickle_in_place_of_the_weights_is_rejected_without_running_it(fitted, tmp_path, capsys):
    fitted.save(tmp_path / "model")
    (tmp_path / "model" / "weights.safetensors").write_bytes(pickle.dumps(_Exploit()))
    with pytest.raises(ModelFileError, match="is not a valid safetensors file"):
        load_model(tmp_path / "model")
    assert "must never run" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.update(format_version=99), r"format version 99; this forecastrnn .* reads version 2"),
        (lambda c: c.update({"class": "os.system"}), r"names class 'os.system', which is not a forecastrnn model"),
        (lambda c: c["state"].update(input_size=5), r"inconsistent model"),
        (lambda c: c["params"].update(hidden_size=4), r"inconsistent model"),
        (lambda c: c["state"]["front_end"].update(seasonal=[[0.0]]), r"front-end state is malformed"),
    ],
)
def test_tampered_configuration_is_rejected(fitted, tmp_path, edit, message):
    fitted.save(tmp_path / "model")
    path = tmp_path / "model" / "config.json"
    config = json.loads(path.read_text())
    edit(config)
    path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=message):
        load_model(tmp_path / "model")


def test_not_a_model_directory(tmp_path):
    with pytest.raises(ModelFileError, match="is not a saved forecastrnn model"):
        load_model(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "weights.safetensors").write_bytes(b"")
    with pytest.raises(ModelFileError, match="is not valid JSON"):
        load_model(tmp_path)


def test_loading_as_the_wrong_class(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    with pytest.raises(ModelFileError, match="holds a GRUForecaster, not a LSTMForecaster"):
        LSTMForecaster.load(tmp_path / "model")
