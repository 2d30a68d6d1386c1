"""The forecaster contract shared by every model: parameters, cloning, the output column."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ..errors import ConfigError, NotFittedError


def check_horizon(h: Any) -> int:
    """``h`` as an int: a whole number >= 1 (not a bool); ConfigError otherwise."""
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, (int, np.integer)) or h < 1:
        raise ConfigError(f"h={h!r} is not allowed: a whole number of steps >= 1.")
    return int(h)


def check_levels(level: Any) -> tuple[int, ...]:
    """Interval levels as a sorted tuple of distinct whole percentages strictly between 0 and
    100; one number (``level=80``) is read as ``(80,)``, None as none. ConfigError for anything
    else."""
    if level is None:
        return ()
    levels = (level,) if isinstance(level, (int, float, np.number)) else level
    if isinstance(levels, (str, bytes)) or not hasattr(levels, "__iter__"):
        raise ConfigError(f"level={level!r} is not allowed: a whole percentage or a sequence of them, e.g. (80, 95).")
    levels = tuple(levels)
    for value in levels:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not 0 < value < 100:
            raise ConfigError(f"level={value!r} is not allowed: whole percentages between 0 and 100, e.g. (80, 95).")
    return tuple(sorted({int(value) for value in levels}))


def _checked_predict(predict: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(predict)
    def checked(self: BaseForecaster, h: Any, *, level: Any = (), **kwargs: Any) -> Any:
        return predict(self, check_horizon(h), level=check_levels(level), **kwargs)

    return checked


class BaseForecaster:
    """scikit-learn style base: ``__init__`` only stores keyword-only hyper-parameters.

    Subclasses set ``name`` (the default output column) and implement ``fit(panel) -> self``
    and ``predict(h, *, level=(), history=None) -> DataFrame``. Learned state lives in
    attributes ending in ``_``; ``fit`` sets ``is_fitted_``. Every subclass's ``predict`` gets
    ``h`` and ``level`` checked (:func:`check_horizon`, :func:`check_levels`) before it runs.
    """

    name: ClassVar[str] = "Forecaster"
    supports_intervals: ClassVar[bool] = True
    """Whether ``predict(level=...)`` gives prediction intervals."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "predict" in vars(cls):
            cls.predict = _checked_predict(vars(cls)["predict"])  # type: ignore[method-assign]

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Hyper-parameters by name, as given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseForecaster:
        """Change hyper-parameters; takes effect at the next ``fit``."""
        known = self._param_names()
        for name, value in params.items():
            if name not in known:
                raise ConfigError(
                    f"{type(self).__name__} has no parameter {name!r}; its parameters are {', '.join(known)}."
                )
            setattr(self, name, value)
        return self

    def clone(self) -> BaseForecaster:
        """A new, unfitted model with the same hyper-parameters."""
        return type(self)(**copy.deepcopy(self.get_params()))

    @property
    def column(self) -> str:
        """The forecast column's name: ``alias`` when given, else the model's ``name``."""
        return getattr(self, "alias", None) or self.name

    def _check_fitted(self) -> None:
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(panel) first.")

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"


def clone(model: BaseForecaster) -> BaseForecaster:
    """A new, unfitted copy of ``model`` with the same hyper-parameters."""
    return model.clone()
