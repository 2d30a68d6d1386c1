"""Saved models: exact round trip, no pickle, clear errors for anything else."""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

from forecastrnn.datasets import load
from forecastrnn.errors import ModelFileError, TrainingError
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
    assert config["format_version"] == 4
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
    with pytest.raises(ModelFileError, match=r"is not a saved forecastrnn model .*holds cat.jpg.*nothing was changed"):
        fitted.save(tmp_path / "photos")
    assert (tmp_path / "photos" / "cat.jpg").read_bytes() == b"meow"


@pytest.mark.parametrize(
    "files",
    [
        {"config.json": '{"name": "my web app"}', "index.html": "<html>"},
        {"config.json": '{"name": "my web app"}'},
        {"config.json": "{not json"},
        {"weights.safetensors": "x"},
    ],
)
def test_a_folder_with_a_config_json_of_its_own_is_never_replaced(fitted, tmp_path, files):
    folder = tmp_path / "site"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    with pytest.raises(ModelFileError, match="is not a saved forecastrnn model"):
        fitted.save(folder)
    assert {p.name: p.read_text() for p in folder.iterdir()} == files


def test_a_model_folder_with_a_user_file_in_it_is_not_replaced(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    (tmp_path / "model" / "notes.txt").write_text("trained on the March data")
    with pytest.raises(ModelFileError, match=r"holds config.json, notes.txt, weights.safetensors"):
        fitted.save(tmp_path / "model")
    assert (tmp_path / "model" / "notes.txt").read_text() == "trained on the March data"


def test_a_model_of_another_format_version_is_not_replaced(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    path = tmp_path / "model" / "config.json"
    path.write_text(path.read_text().replace('"format_version": 4', '"format_version": 1'))
    with pytest.raises(ModelFileError, match="is not a saved forecastrnn model"):
        fitted.save(tmp_path / "model")


def test_an_empty_folder_is_used(fitted, tmp_path):
    (tmp_path / "model").mkdir()
    fitted.save(tmp_path / "model")
    assert isinstance(load_model(tmp_path / "model"), GRUForecaster)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def _replace_failing_at(monkeypatch, *failing: int) -> None:
    """os.replace in the saving module raises at its calls numbered ``failing`` (a crash there)."""
    calls = []

    def replace(source, target):
        calls.append(source)
        if len(calls) in failing:
            raise KeyboardInterrupt
        os.rename(source, target)

    monkeypatch.setattr("forecastrnn.models._persistence.os.replace", replace)


def test_a_save_interrupted_between_the_renames_keeps_the_old_model(fitted, tmp_path, monkeypatch):
    fitted.save(tmp_path / "model")
    _replace_failing_at(monkeypatch, 2)  # the old model moved aside, the new one not yet in
    with pytest.raises(KeyboardInterrupt):
        LSTMForecaster(**FAST).fit(LUNGS).save(tmp_path / "model")
    monkeypatch.undo()
    pd.testing.assert_frame_equal(load_model(tmp_path / "model").predict(6), fitted.predict(6))
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_a_save_killed_between_the_renames_leaves_the_old_model_recoverable(fitted, tmp_path, monkeypatch):
    fitted.save(tmp_path / "model")
    _replace_failing_at(monkeypatch, 2, 3)  # and the restoring rename fails too, as if killed
    with pytest.raises(KeyboardInterrupt):
        LSTMForecaster(**FAST).fit(LUNGS).save(tmp_path / "model")
    monkeypatch.undo()
    (retired,) = tmp_path.iterdir()
    assert re.fullmatch(r"\.model\.\d+\.[0-9a-f]{8}\.old", retired.name)
    with pytest.raises(ModelFileError, match=re.escape(f"the previous model is in {retired}: rename it to")):
        load_model(tmp_path / "model")
    pd.testing.assert_frame_equal(load_model(retired).predict(6), fitted.predict(6))
    fitted.save(tmp_path / "model")  # the next save removes what the killed one left
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_leftovers_of_killed_saves_are_removed_and_user_files_kept(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    half_written = tmp_path / ".model.4242.0123abcd.tmp"
    half_written.mkdir()
    (half_written / "weights.safetensors").write_bytes(b"half")
    retired = tmp_path / ".model.4242.89abcdef.old"
    retired.mkdir()
    for path in (tmp_path / "model").iterdir():
        (retired / path.name).write_bytes(path.read_bytes())
    users = tmp_path / ".model.4242.00000000.tmp"  # our name, but not only our files: kept
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    (tmp_path / ".model.backup").mkdir()
    fitted.save(tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".model.4242.00000000.tmp", ".model.backup", "model"]
    assert (users / "notes.txt").read_text() == "mine"


def test_a_network_with_weights_that_are_not_finite_is_not_saved(tmp_path):
    model = GRUForecaster(**FAST).fit(LUNGS)
    with torch.no_grad():
        next(model.networks_[0].parameters()).fill_(float("nan"))
    with pytest.raises(TrainingError, match=r"weights that are not finite \(network0.encoder.weight_ih_l0\)"):
        model.save(tmp_path / "model")
    assert not (tmp_path / "model").exists()


def _edit_weights(folder, edit) -> None:
    tensors = load_file(str(folder / "weights.safetensors"))
    edit(tensors)
    save_file(tensors, str(folder / "weights.safetensors"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t["network1.head.bias"].fill_(float("nan")),
            r"weights.safetensors: tensor network1.head.bias holds values that are not finite",
        ),
        (
            lambda t: t["tail_values"][0, -1].fill_(float("nan")),
            r"weights.safetensors: tensor tail_values holds values that are not finite",
        ),
        (lambda t: t["tail_values"][1, 3].fill_(float("inf")), r"tensor tail_values holds values that are not finite"),
        (lambda t: t.update(tail_values=t["tail_values"][:, 1:].contiguous()), r"tail_values should hold 2 x 12"),
        (lambda t: t.update(last_steps=t["last_steps"].double()), r"tensor last_steps should hold 2 whole numbers"),
        (lambda t: t.pop("network0.head.weight"), r"tensor network0.head.weight is missing"),
        (lambda t: t.update({"network0.extra": torch.zeros(1)}), r"tensor network0.extra is not a weight"),
        (lambda t: t.update({"network2.head.bias": torch.zeros(1)}), r"network tensors are not those of 2 networks"),
        (
            lambda t: t.update({"network0.head.bias": torch.zeros(3)}),
            r"tensor network0.head.bias has shape \[3\], but the configuration needs \[1\]",
        ),
    ],
)
def test_tampered_weights_are_rejected_naming_the_file_and_tensor(fitted, tmp_path, edit, message):
    fitted.save(tmp_path / "model")
    _edit_weights(tmp_path / "model", edit)
    with pytest.raises(ModelFileError, match=message):
        load_model(tmp_path / "model")


def test_padding_before_a_short_series_start_is_not_an_error(tmp_path):
    t = pd.date_range("1990-01-01", periods=40, freq="MS")
    long = pd.DataFrame({"unique_id": "long", "ds": t, "y": 100 + (t.month % 12) * 3.0})
    short = pd.DataFrame({"unique_id": "short", "ds": t[-5:], "y": [5.0, 6, 7, 6, 5]})
    model = LSTMForecaster(**FAST).fit(pd.concat([long, short], ignore_index=True))
    model.save(tmp_path / "model")
    assert load_file(str(tmp_path / "model" / "weights.safetensors"))["tail_values"].isnan().any()
    pd.testing.assert_frame_equal(load_model(tmp_path / "model").predict(6), model.predict(6))


class _Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_pickle_in_place_of_the_weights_is_rejected_without_running_it(fitted, tmp_path, capsys):
    fitted.save(tmp_path / "model")
    (tmp_path / "model" / "weights.safetensors").write_bytes(pickle.dumps(_Exploit()))
    with pytest.raises(ModelFileError, match="is not a valid safetensors file"):
        load_model(tmp_path / "model")
    assert "must never run" not in capsys.readouterr().out


def _delete(key: str):
    def edit(config):
        section, name = key.split(".")
        del config[section][name]

    return edit


TAMPERED_CONFIGS = {
    "unknown version": (
        lambda c: c.update(format_version=99),
        r"format version 99; this forecastrnn .* reads version 4",
    ),
    "unknown class": (
        lambda c: c.update({"class": "os.system"}),
        r"names class 'os.system', which is not a forecastrnn",
    ),
    "missing params": (lambda c: c.pop("params"), r"config.json: params is missing or not a JSON object"),
    "missing param": (_delete("params.hidden_size"), r"config.json: params.hidden_size is missing"),
    "missing state": (_delete("state.ids"), r"config.json: state.ids is missing"),
    "unknown param": (lambda c: c["params"].update(colour="red"), r"params.colour is not a parameter of GRUForecaster"),
    "text size": (lambda c: c["params"].update(hidden_size="8"), r"params.hidden_size is '8', not of type int"),
    "float size": (lambda c: c["params"].update(num_layers=1.5), r"params.num_layers is 1.5, not of type int"),
    "bool as size": (lambda c: c["params"].update(n_models=True), r"params.n_models is True, not of type int"),
    "text flag": (lambda c: c["params"].update(bidirectional="no"), r"params.bidirectional is 'no', not of type bool"),
    "list state": (lambda c: c["state"].update(horizon=[6]), r"state.horizon is '\[6\]', of the wrong type"),
    "huge hidden size": (lambda c: c["params"].update(hidden_size=10**6), r"params.hidden_size is 1000000, more than"),
    "huge window": (lambda c: c["params"].update(input_size=10**9), r"params.input_size is 1000000000, more than"),
    "huge state window": (lambda c: c["state"].update(input_size=10**9), r"state.input_size is 1000000000, not betw"),
    "many layers": (lambda c: c["params"].update(num_layers=10**4), r"tensors network0.\* are too few for params.num"),
    "many networks": (lambda c: c["params"].update(n_models=10**9), r"network tensors are not those of 1000000000"),
    "negative size": (
        lambda c: c["params"].update(hidden_size=-3),
        r"params hold a value that is not allowed \(hidden",
    ),
    "zero horizon": (lambda c: c["state"].update(horizon=0), r"state.horizon is 0, not between 1 and"),
    "window mismatch": (
        lambda c: c["state"].update(input_size=5),
        r"state.input_size is 5, but params.input_size is 12",
    ),
    "shape mismatch": (
        lambda c: c["params"].update(hidden_size=4),
        r"weights.safetensors: tensor network0.encoder.weight_ih_l0 has shape \[24, 2\], but the configuration needs",
    ),
    "strategy mismatch": (lambda c: c["params"].update(strategy="direct"), r"tensor network0.decoder.* is not a weig"),
    "seasonal shape": (lambda c: c["state"]["front_end"].update(seasonal=[[0.0]]), r"state.front_end is not usable"),
    "season mismatch": (lambda c: c["state"]["front_end"].update(season_lengths=[12, 24]), r"front_end does not match"),
    "NaN statistic": (lambda c: c["state"]["front_end"]["loc"].__setitem__(0, float("nan")), r"NaN is not a number"),
    "zero scale": (lambda c: c["state"]["front_end"]["scale"].__setitem__(0, 0.0), r"scale <= 0"),
    "text log flag": (lambda c: c["state"]["front_end"]["log"].__setitem__(0, "no"), r"state.front_end does not match"),
    "bad frequency": (lambda c: c["state"].update(freq="fortnightly"), r"state.freq is 'fortnightly', not a frequency"),
    "same ids": (lambda c: c["state"].update(ids=["male", "male"]), r"state.ids should list distinct series ids"),
    "bad time": (lambda c: c["state"]["last_times"].__setitem__(0, "yesterday"), r"state.last_times should hold"),
    "fewer times": (lambda c: c["state"]["last_times"].pop(), r"state.last_times should hold one ISO time per series"),
    "bad history": (lambda c: c["state"].update(history=[1, 2]), r"state.history should hold one JSON object"),
}


@pytest.mark.parametrize("case", TAMPERED_CONFIGS)
def test_tampered_configuration_is_rejected_quickly_naming_the_file_and_key(fitted, tmp_path, case):
    edit, message = TAMPERED_CONFIGS[case]
    fitted.save(tmp_path / "model")
    path = tmp_path / "model" / "config.json"
    config = json.loads(path.read_text())
    edit(config)
    path.write_text(json.dumps(config))
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match=message):
        load_model(tmp_path / "model")
    assert time.perf_counter() - started < 5


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


def test_a_save_killed_with_sigkill_between_the_renames_loses_nothing(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    killed = (
        "import os, signal, sys\n"
        "from forecastrnn.models import _persistence, load_model\n"
        "model, renames = load_model(sys.argv[1]), []\n"
        "def replace(source, target):\n"
        "    renames.append(source)\n"
        "    if len(renames) == 2:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    os.rename(source, target)\n"
        "_persistence.os.replace = replace\n"
        "model.save(sys.argv[1])\n"
    )
    run = subprocess.run([sys.executable, "-c", killed, str(tmp_path / "model")], check=False)
    assert run.returncode == -signal.SIGKILL
    names = sorted(p.name for p in tmp_path.iterdir())
    assert sorted(name[-4:] for name in names) == [".old", ".tmp"]  # the old model, the complete new one
    with pytest.raises(ModelFileError, match="A save was interrupted; the previous model is in"):
        load_model(tmp_path / "model")
    pd.testing.assert_frame_equal(load_model(tmp_path / names[0]).predict(6), fitted.predict(6))
    fitted.save(tmp_path / "model")
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


@pytest.mark.parametrize("ids", [[1.5, 2.5], [3, 4], [True, False]])
def test_numeric_series_ids_pass_the_checks(tmp_path, ids):
    t = pd.date_range("2000-01-01", periods=30, freq="MS")
    panel = pd.concat([pd.DataFrame({"unique_id": uid, "ds": t, "y": range(1, 31)}) for uid in ids])
    model = LSTMForecaster(**FAST).fit(panel)
    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model").predict(6)
    pd.testing.assert_frame_equal(loaded, model.predict(6), check_dtype=False)  # ids come back as objects


def test_a_segmented_network_round_trips(tmp_path):
    model = LSTMForecaster(**{**FAST, "input_size": 70, "horizon": 3}).fit(LUNGS)
    assert model.segment_length_ == 2
    model.save(tmp_path / "model")
    loaded = LSTMForecaster.load(tmp_path / "model")
    assert loaded.segment_length_ == 2
    pd.testing.assert_frame_equal(loaded.predict(3), model.predict(3), check_exact=True)
