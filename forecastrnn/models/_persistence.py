"""Save and load fitted models as a directory: JSON configuration and safetensors weights.

Layout: ``config.json`` (format version, class, hyper-parameters, library versions, fitted
state such as frequency, series ids, front-end statistics and training history) and
``weights.safetensors`` (network weights and each series' last window). Loading executes no
code from the files: JSON is parsed, tensors are read by safetensors, the class must be one of
this library's forecasters, and every value, size and tensor shape is checked before anything
is built, so a damaged or edited folder gives a ModelFileError naming the file and key instead
of a huge allocation or a forecast with holes.

Saving never removes a user's files: it replaces only an empty folder or a saved model that
holds nothing but its own files. The new model is written into a hidden sibling folder first
and swapped in by two renames; in between the old model sits, complete, in a hidden ``.old``
sibling that :func:`load_model` points to should the process be killed there. Hidden folders
left by killed runs are removed by the next save to the same place.
"""

from __future__ import annotations

import collections.abc
import json
import os
import shutil
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .. import __version__
from .._atomic import check_writable, leftovers, temporary_path
from ..errors import ConfigError, ModelFileError, TrainingError
from ._base import BaseForecaster

FORMAT_VERSION = 4
CONFIG, WEIGHTS = "config.json", "weights.safetensors"
MAX_SIZE = 100_000
"""The largest horizon, window length, season length or hidden size a saved model may state;
more means a damaged or edited file (predicting with it would allocate gigabytes or run for hours)."""
_STATE_TYPES: dict[str, Any] = {
    "freq": (str, int),
    "season_length": int,
    "season_lengths": list,
    "horizon": int,
    "input_size": int,
    "segment_length": int,
    "validation_size": int,
    "ids": list,
    "last_times": list,
    "front_end": dict,
    "history": list,
    "fallbacks": list,
}


def _classes() -> dict[str, type[BaseForecaster]]:
    from ._recurrent import GRUForecaster, LSTMForecaster, RNNForecaster

    return {cls.__name__: cls for cls in (LSTMForecaster, GRUForecaster, RNNForecaster)}


def _damaged(path: Path, key: str, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {key} {problem}; the model was damaged or edited, so train and save it again.")


def _read_config(path: Path) -> dict[str, Any]:
    """The parsed ``config.json`` of a forecastrnn model (of any format version)."""

    def reject(constant: str) -> None:
        raise ValueError(f"{constant} is not a number JSON allows")

    try:
        config = json.loads(path.read_text(encoding="utf-8"), parse_constant=reject)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path} is not valid JSON: {exc}.") from None
    if not isinstance(config, dict) or "format_version" not in config or "class" not in config:
        raise ModelFileError(f"{path} does not hold a forecastrnn model configuration.")
    return config


def check_save_target(path: str | os.PathLike[str]) -> None:
    """Raise unless ``path`` may receive a model: absent, an empty folder, or a saved model of
    this format holding nothing but its own files, in a place where files can be created."""
    target = Path(path)
    check_writable(target, folder=True)
    if not target.is_dir():
        return
    names = sorted(entry.name for entry in target.iterdir())
    if not names or (set(names) <= {CONFIG, WEIGHTS} and _is_current_model(target / CONFIG)):
        return
    shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
    raise ModelFileError(
        f"{target} is not empty and is not a saved forecastrnn model (it holds {shown}); nothing was changed. "
        "Save the model in a new or empty folder."
    )


def _is_current_model(path: Path) -> bool:
    try:
        config = _read_config(path)
    except ModelFileError:
        return False
    return config["format_version"] == FORMAT_VERSION and config["class"] in _classes()


def save_model(model: BaseForecaster, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to the directory ``path``, replacing an earlier saved model (see the module)."""
    target = Path(path)
    check_save_target(target)
    state, tensors = model._get_state()
    for key, tensor in tensors.items():
        if key.startswith("network") and not torch.isfinite(tensor).all():
            raise TrainingError(
                f"{type(model).__name__} has weights that are not finite ({key}), so it cannot be saved; "
                "train again, e.g. with a lower learning rate."
            )
    config = {
        "format_version": FORMAT_VERSION,
        "class": type(model).__name__,
        "params": model.get_params(),
        "versions": {
            "forecastrnn": __version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "state": state,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = temporary_path(target)
    staging.mkdir()
    try:
        (staging / CONFIG).write_text(json.dumps(config, indent=1, allow_nan=False), encoding="utf-8")
        save_file(tensors, str(staging / WEIGHTS), metadata={"format_version": str(FORMAT_VERSION)})
        if target.exists():
            retired = temporary_path(target, "old")
            os.replace(target, retired)
            try:
                os.replace(staging, target)
            except BaseException:
                os.replace(retired, target)
                raise
        else:
            os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remove_leftovers(target)


def _remove_leftovers(target: Path) -> None:
    """Remove the hidden folders of earlier, killed saves to ``target`` that hold only model files."""
    for folder in leftovers(target, "tmp") + leftovers(target, "old"):
        if (
            folder.is_dir()
            and not folder.is_symlink()
            and all(entry.name in (CONFIG, WEIGHTS) and entry.is_file() for entry in folder.iterdir())
        ):
            shutil.rmtree(folder, ignore_errors=True)


def load_model(path: str | os.PathLike[str]) -> BaseForecaster:
    """Read a model written by :func:`save_model`; ModelFileError naming the file and key for
    anything else. Everything is checked before the network is built (see the module)."""
    folder = Path(path)
    config_path, weights_path = folder / CONFIG, folder / WEIGHTS
    if not config_path.is_file() or not weights_path.is_file():
        retired = [] if folder.exists() else leftovers(folder, "old")
        hint = (
            f" A save was interrupted; the previous model is in {retired[0]}: rename it to {folder}." if retired else ""
        )
        raise ModelFileError(f"{folder} is not a saved forecastrnn model (it needs {CONFIG} and {WEIGHTS}).{hint}")
    config = _read_config(config_path)
    version = config["format_version"]
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{folder} has model format version {version!r}; this forecastrnn ({__version__}) reads version "
            f"{FORMAT_VERSION}. Load it with the forecastrnn version that saved it, or train it again."
        )
    classes = _classes()
    name = config["class"]
    if not isinstance(name, str) or name not in classes:
        raise ModelFileError(f"{config_path} names class {name!r}, which is not a forecastrnn model.")
    for key in ("params", "state"):
        if not isinstance(config.get(key), dict):
            raise _damaged(config_path, key, "is missing or not a JSON object")
    model = _model(classes[name], config["params"], config_path)
    _check_state(model, config["state"], config_path)
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{weights_path} is not a valid safetensors file ({exc}).") from None
    _check_tensors(model, config["state"], tensors, weights_path)
    try:
        model._set_state(config["state"], tensors)
    except (KeyError, TypeError, ValueError, RuntimeError, ConfigError) as exc:
        raise ModelFileError(f"{folder} holds an inconsistent model ({type(exc).__name__}: {exc}).") from None
    return model


def _is_a(value: Any, hint: Any) -> bool:
    """Whether a JSON value has an annotated type (``int | None``, ``float``, ...); ints pass as floats."""
    if typing.get_origin(hint) is collections.abc.Sequence:  # a JSON list of whole numbers
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    allowed = typing.get_args(hint) or (hint,)
    if isinstance(value, bool):
        return bool in allowed
    return isinstance(value, allowed) or (isinstance(value, int) and float in allowed)


def _model(cls: type[BaseForecaster], params: dict[str, Any], path: Path) -> BaseForecaster:
    """An unfitted ``cls`` from saved parameters: every one present, of its type, in range."""
    hints = typing.get_type_hints(cls.__init__)
    names = cls._param_names()
    for key in names:
        if key not in params:
            raise _damaged(path, f"params.{key}", "is missing")
        if not _is_a(params[key], hints[key]):
            kind = getattr(hints[key], "__name__", str(hints[key]))
            raise _damaged(path, f"params.{key}", f"is {params[key]!r}, not of type {kind}")
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise _damaged(path, f"params.{unknown[0]}", f"is not a parameter of {cls.__name__}")
    for key in ("horizon", "input_size", "segment_length", "season_length", "hidden_size"):
        if (params[key] or 0) > MAX_SIZE:
            raise _damaged(path, f"params.{key}", f"is {params[key]}, more than {MAX_SIZE}")
    sequences = {key for key in names if typing.get_origin(hints[key]) is collections.abc.Sequence}
    model = cls(**{key: tuple(value) if key in sequences else value for key, value in params.items()})
    try:
        model._check_params()
    except ConfigError as exc:
        raise _damaged(path, "params", f"hold a value that is not allowed ({str(exc).rstrip('.')})") from None
    return model


def _check_state(model: Any, state: dict[str, Any], path: Path) -> None:
    """The fitted state of a recurrent forecaster: keys, types, sizes and per-series lengths."""
    from pandas.tseries.frequencies import to_offset

    from ._frontend import FrontEnd

    for key, kind in _STATE_TYPES.items():
        if key not in state:
            raise _damaged(path, f"state.{key}", "is missing")
        if isinstance(state[key], bool) or not isinstance(state[key], kind):
            raise _damaged(path, f"state.{key}", f"is {str(state[key])[:40]!r}, of the wrong type")
    for key in ("season_length", "horizon", "input_size", "segment_length"):
        if not 1 <= state[key] <= MAX_SIZE:
            raise _damaged(path, f"state.{key}", f"is {state[key]}, not between 1 and {MAX_SIZE}")
        if getattr(model, key) not in (None, state[key]):
            raise _damaged(path, f"state.{key}", f"is {state[key]}, but params.{key} is {getattr(model, key)}")
    if state["validation_size"] < 0:
        raise _damaged(path, "state.validation_size", "is negative")
    freq, ids, times = state["freq"], state["ids"], state["last_times"]
    try:
        valid_freq = freq >= 1 if isinstance(freq, int) else bool(to_offset(freq))
    except ValueError:
        valid_freq = False
    if not valid_freq:
        raise _damaged(path, "state.freq", f"is {freq!r}, not a frequency")
    if not ids or len(set(ids)) != len(ids) or not all(isinstance(uid, (str, int, float)) for uid in ids):
        raise _damaged(path, "state.ids", "should list distinct series ids (text or numbers)")
    stamp = int if isinstance(freq, int) else str
    stamps_ok = len(times) == len(ids) and all(_is_a(t, stamp) for t in times)
    try:
        if stamps_ok and stamp is str:
            pd.DatetimeIndex(times)
    except (ValueError, TypeError, OverflowError):
        stamps_ok = False
    if not stamps_ok:
        raise _damaged(path, "state.last_times", f"should hold one {'step' if stamp is int else 'ISO time'} per series")
    if not all(isinstance(record, dict) for record in state["history"]):
        raise _damaged(path, "state.history", "should hold one JSON object per evaluation")
    if not all(isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str) for pair in state["fallbacks"]):
        raise _damaged(path, "state.fallbacks", "should hold [series id, reason] pairs")
    try:
        front = FrontEnd.from_dict(state["front_end"])
    except ModelFileError as exc:
        raise _damaged(path, "state.front_end", f"is not usable ({str(exc).rstrip('.')})") from None
    lengths = state.get("season_lengths")
    if not (
        isinstance(lengths, list)
        and lengths
        and all(_is_a(m, int) and 1 <= m <= MAX_SIZE for m in lengths)
        and lengths[0] == state["season_length"]
    ):
        raise _damaged(path, "state.season_lengths", "should list whole season lengths, the first being season_length")
    model.season_length_, model.season_lengths_ = state["season_length"], tuple(lengths)
    fresh = model._new_front_end()  # the settings a fit with these parameters gives
    agrees = (
        front.log_.size == len(ids)
        and front.seasonal_.shape[1] == (max(front.season_lengths) if front.deseasonalize else 1)
        and (front.season_lengths, front.deseasonalize, front.scaler_name)
        == (fresh.season_lengths, fresh.deseasonalize, fresh.scaler_name)
        and all(isinstance(flag, bool) for flag in state["front_end"]["log"])
    )
    if not agrees:
        raise _damaged(path, "state.front_end", "does not match the series, season length or parameters")
    finite = np.isfinite(front.loc_).all() and np.isfinite(front.seasonal_).all() and np.isfinite(front.scale_).all()
    if not finite or not (front.scale_ > 0).all():
        raise _damaged(path, "state.front_end", "holds statistics that are not finite (or a scale <= 0)")


_SERIES_TENSORS = ("tail_values", "last_steps", "conformal_scores", "conformal_scales")


def _check_conformal(model: Any, n: int, tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Conformal scores and scales present exactly when params.conformal_windows > 0, of sane shapes."""
    scores, scales = tensors.get("conformal_scores"), tensors.get("conformal_scales")
    if not model.conformal_windows:
        if scores is not None or scales is not None:
            raise _damaged(path, "tensor conformal_scores", "is there, but params.conformal_windows is 0")
        return
    if scores is None or not scores.is_floating_point() or scores.ndim != 2 or scores.shape[1] > MAX_SIZE:
        raise _damaged(path, "tensor conformal_scores", "should hold scores by window (rows) and step (columns)")
    if torch.isinf(scores).any() or (scores < 0).any():
        raise _damaged(path, "tensor conformal_scores", "holds negative or infinite scores")
    if scales is None or not scales.is_floating_point() or tuple(scales.shape) != (n,):
        raise _damaged(path, "tensor conformal_scales", f"should hold {n} scales, one per series")
    if not (torch.isfinite(scales).all() and (scales > 0).all()):
        raise _damaged(path, "tensor conformal_scales", "holds scales that are not finite and positive")


def _check_tensors(model: Any, state: dict[str, Any], tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Every tensor present, of the shape the configuration implies, and finite (padding aside)."""
    n, width = len(state["ids"]), state["input_size"]
    tails, steps = tensors.get("tail_values"), tensors.get("last_steps")
    if tails is None or not tails.is_floating_point() or tuple(tails.shape) != (n, width):
        raise _damaged(path, "tensor tail_values", f"should hold {n} x {width} floating-point values")
    observed = torch.isfinite(tails)
    padding_only = (
        not torch.isinf(tails).any() and bool(observed[:, -1].all()) and bool((observed.diff(dim=1) >= 0).all())
    )
    if not padding_only:
        raise _damaged(
            path, "tensor tail_values", "holds values that are not finite (NaN may only pad a series' start)"
        )
    if steps is None or steps.dtype != torch.int64 or tuple(steps.shape) != (n,):
        raise _damaged(path, "tensor last_steps", f"should hold {n} whole numbers (int64)")
    _check_conformal(model, n, tensors, path)
    weights = {key: tensor for key, tensor in tensors.items() if key not in _SERIES_TENSORS}
    members = {key.split(".", 1)[0] for key in weights}
    if members != {f"network{i}" for i in range(len(members))} or len(members) != model.n_models:
        raise _damaged(path, "network tensors", f"are not those of {model.n_models} networks (params.n_models)")
    if model.num_layers > sum(key.startswith("network0.") for key in weights):
        raise _damaged(path, "tensors network0.*", f"are too few for params.num_layers = {model.num_layers}")
    model.horizon_, model.segment_length_ = state["horizon"], state["segment_length"]
    with torch.device("meta"):  # shapes only: nothing is allocated, however large the configuration
        shapes = {key: tuple(t.shape) for key, t in model._new_network().state_dict().items()}
    expected = {f"network{member}.{key}": shape for member in range(model.n_models) for key, shape in shapes.items()}
    odd = sorted(set(weights) ^ set(expected))
    if odd:
        raise _damaged(
            path, f"tensor {odd[0]}", "is missing" if odd[0] in expected else "is not a weight of this network"
        )
    for key, shape in expected.items():
        if tuple(weights[key].shape) != shape:
            raise _damaged(
                path,
                f"tensor {key}",
                f"has shape {list(weights[key].shape)}, but the configuration needs {list(shape)}",
            )
        if not weights[key].is_floating_point() or not torch.isfinite(weights[key]).all():
            raise _damaged(path, f"tensor {key}", "holds values that are not finite (NaN or infinity)")
