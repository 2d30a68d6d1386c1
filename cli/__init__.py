"""The ``forecastrnn`` command line (installed as ``forecastrnn.cli``)."""

from .app import app, main

__all__ = ["app", "main"]
