"""Exit codes and the errors that map to them: the CLI's contract with scripts.

0 = done and clean; 1 = done and something is wrong (findings, drift, unreachable, failed
verification); 2 = could not do the job (bad input, usage, auth, Azure API failure); 130 =
interrupted. Anything raised as a :class:`VnetplanError` is printed as one line on stderr, never
as a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS = 1
    ERROR = 2
    INTERRUPTED = 130


class VnetplanError(Exception):
    """An error the user can act on. ``str()`` is the one line the CLI prints."""

    exit_code: ExitCode = ExitCode.ERROR


class InputError(VnetplanError):
    """Bad input: names the file, where in it (a JSON path or line), and what is wrong."""

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file = file
        self.where = where
        self.message = message
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")


class RefError(VnetplanError):
    """A VNet or resource reference that matches nothing, or more than one thing."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        self.candidates = candidates
        super().__init__(message)


class UsageError(VnetplanError):
    """A command line that cannot be acted on."""


def exit_code_for(exc: BaseException) -> ExitCode:
    """The one place that maps an exception to an exit code."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, VnetplanError):
        return exc.exit_code
    return ExitCode.ERROR
