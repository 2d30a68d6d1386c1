"""Turn library errors into one line on stderr and an exit code, never a traceback.

Exit codes: 1 for data, model-file and output errors, 2 for usage errors (an option value that
is not allowed: typer's usage message), 130 for Ctrl-C. Warnings of the library (a forecast
that fell back, a changed scaling) are shown as one line each, without source lines.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import typer

from forecastrnn.errors import ConfigError, ForecastRNNError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

options = {"verbose": False}
"""Set by the main command's callback for this invocation (``--verbose``)."""


def fail(message: str) -> typer.Exit:
    """Print ``Error: message`` on stderr and return the exit to raise."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


@contextlib.contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show the library's own warnings as ``Warning: message`` on stderr; others as usual."""
    with warnings.catch_warnings():
        show_as_usual = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if category.__module__.startswith("forecastrnn."):
                typer.echo(f"Warning: {message}", err=True)
            else:
                show_as_usual(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def handle_errors(command: F) -> F:
    """Decorate a command: our errors exit 1 with their message (ConfigError, a value that is
    not allowed, exits 2 as a usage error), failed reads and writes exit 1, Ctrl-C exits 130.

    With ``--verbose`` on the main command the traceback is printed too.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings_as_lines():
                return command(*args, **kwargs)
        except (ForecastRNNError, OSError) as exc:
            if options["verbose"]:
                traceback.print_exc(file=sys.stderr)
            if isinstance(exc, ConfigError):
                raise typer.BadParameter(str(exc)) from None
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]
