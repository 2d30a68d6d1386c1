"""Packaging conventions: lazy heavy imports, public names, error hierarchy."""

from __future__ import annotations

import subprocess
import sys

import forecastrnn
from forecastrnn.errors import ConfigError, DataError, ForecastRNNError, ModelFileError, NotFittedError


def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, forecastrnn, forecastrnn.cli; "
        "print(sorted(m for m in ('torch', 'pandas', 'statsmodels', 'matplotlib', 'sklearn') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_cli_and_registry_do_not_load_numpy():
    code = "import sys, forecastrnn, forecastrnn.cli; print('numpy' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "False"


def test_a_network_does_not_load_the_statistical_models():
    code = (
        "import sys; from forecastrnn import LSTMForecaster; "
        "print(sorted(m for m in ('scipy.stats', 'statsmodels', 'forecastrnn.models._arima', "
        "'forecastrnn.models._ets', 'forecastrnn.models._naive', 'forecastrnn.models._local') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_lazy_public_names_resolve():
    for name in forecastrnn.__all__:
        assert getattr(forecastrnn, name) is not None


def test_error_hierarchy():
    for error in (DataError, ConfigError, ModelFileError, NotFittedError):
        assert issubclass(error, ForecastRNNError)
    assert issubclass(DataError, ValueError)
