"""The library's exceptions: one hierarchy, so callers (and the CLI) can catch ours only."""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "ForecastRNNError",
    "ModelFileError",
    "NotFittedError",
    "TrainingError",
]


class ForecastRNNError(Exception):
    """Base class of every error this library raises on purpose."""


class DataError(ForecastRNNError, ValueError):
    """Input data is unusable; the message names the file, column, row or series and what to do."""


class ConfigError(ForecastRNNError, ValueError):
    """A parameter has a value that is not allowed; the message names it and what is allowed."""


class ModelFileError(ForecastRNNError):
    """A saved model directory is missing, tampered with, or of an unknown format version."""


class NotFittedError(ForecastRNNError, AttributeError):
    """A model was asked to predict (or save) before `fit`."""


class TrainingError(ForecastRNNError):
    """Training could not produce a usable network (e.g. the loss was never finite)."""
