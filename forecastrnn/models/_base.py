"""The forecaster contract shared by every model: parameters, cloning, the output column."""

from __future__ import annotations

import copy
import inspect
from typing import Any, ClassVar

from ..errors import ConfigError, NotFittedError


class BaseForecaster:
    """scikit-learn style base: ``__init__`` only stores keyword-only hyper-parameters.

    Subclasses set ``name`` (the default output column) and implement ``fit(panel) -> self``
    and ``predict(h, *, level=(), history=None) -> DataFrame``. Learned state lives in
    attributes ending in ``_``; ``fit`` sets ``is_fitted_``.
    """

    name: ClassVar[str] = "Forecaster"
    supports_intervals: ClassVar[bool] = True
    """Whether ``predict(level=...)`` gives prediction intervals."""

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
