"""Save and load fitted models as a directory: JSON configuration and safetensors weights.

Layout: ``config.json`` (format version, class, hyper-parameters, library versions, fitted
state such as frequency, series ids, front-end statistics and training history) and
``weights.safetensors`` (network weights and each series' last window). Loading executes no
code from the files: JSON is parsed, tensors are read by safetensors, and the class must be
one of this library's forecasters.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .. import __version__
from ..errors import ConfigError, ModelFileError
from ._base import BaseForecaster

FORMAT_VERSION = 2
CONFIG, WEIGHTS = "config.json", "weights.safetensors"


def _classes() -> dict[str, type[BaseForecaster]]:
    from ._recurrent import GRUForecaster, LSTMForecaster, RNNForecaster

    return {cls.__name__: cls for cls in (LSTMForecaster, GRUForecaster, RNNForecaster)}


def save_model(model: BaseForecaster, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to the directory ``path`` atomically (replacing an earlier saved model)."""
    target = Path(path)
    if target.exists() and not (target / CONFIG).is_file() and any(target.iterdir()):
        raise ModelFileError(f"{target} exists and is not a saved forecastrnn model; choose another directory.")
    state, tensors = model._get_state()
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
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    staging.mkdir()
    try:
        (staging / CONFIG).write_text(json.dumps(config, indent=1, allow_nan=False))
        save_file(tensors, str(staging / WEIGHTS), metadata={"format_version": str(FORMAT_VERSION)})
        if target.exists():
            retired = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
            os.replace(target, retired)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_model(path: str | os.PathLike[str]) -> BaseForecaster:
    """Read a model written by :func:`save_model`; ModelFileError for anything else."""
    folder = Path(path)
    if not (folder / CONFIG).is_file() or not (folder / WEIGHTS).is_file():
        raise ModelFileError(f"{folder} is not a saved forecastrnn model (it needs {CONFIG} and {WEIGHTS}).")
    try:
        config = json.loads((folder / CONFIG).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{folder / CONFIG} is not valid JSON: {exc}.") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"{folder / CONFIG} does not hold a model configuration.")
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{folder} has model format version {version!r}; this forecastrnn ({__version__}) reads version "
            f"{FORMAT_VERSION}. Load it with the forecastrnn version that saved it, or train it again."
        )
    classes = _classes()
    name = config.get("class")
    if name not in classes:
        raise ModelFileError(f"{folder / CONFIG} names class {name!r}, which is not a forecastrnn model.")
    try:
        tensors = load_file(str(folder / WEIGHTS))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{folder / WEIGHTS} is not a valid safetensors file ({exc}).") from None
    try:
        model = classes[name](**config["params"])
        model._check_params()
        model._set_state(config["state"], tensors)
    except (KeyError, TypeError, ValueError, RuntimeError, ConfigError) as exc:
        raise ModelFileError(f"{folder} holds an inconsistent model ({type(exc).__name__}: {exc}).") from None
    return model
