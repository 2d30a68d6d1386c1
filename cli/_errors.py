"""Turn library errors into one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from forecastrnn.errors import ForecastRNNError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

options = {"verbose": False}
"""Set by the main command's callback for this invocation (``--verbose``)."""


def fail(message: str) -> typer.Exit:
    """Print ``Error: message`` on stderr and return the exit to raise."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def handle_errors(command: F) -> F:
    """Decorate a command: our errors exit 1 with their message, Ctrl-C exits 130.

    With ``--verbose`` on the main command the traceback is printed too.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ForecastRNNError as exc:
            if options["verbose"]:
                traceback.print_exc(file=sys.stderr)
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]
