"""The ``vnetplan`` command line: a thin shell over the core functions.

This package is the shell above the core (``netplan``), the rules (``checks``) and the terminal UI
(``tui``): it imports them normally. Each subcommand lives in its own module under
:mod:`vnetplan.commands` and is registered here, explicitly, by name (:data:`COMMANDS`). A command
module defines ``register(subparsers)`` and a ``run(args) -> int`` that it sets as the parser's
``func``. A process imports only the chosen command's module (:func:`command_module`, the CLI's
deliberate deferred imports), so that ``audit`` does not pay for the planner or ``overlaps`` for
the rules; ``--help`` builds the whole parser. The Azure SDK and Textual load only when a command
that needs them runs (the SDK inside ``netplan.live``, Textual in :mod:`vnetplan.commands.tui`).

The contract (DESIGN.md): stdout carries only the result, diagnostics go to stderr; exit 0 = done
and clean, 1 = done and something is wrong, 2 = could not do the job (one line on stderr, no
traceback), 130 = interrupted.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from netplan import __version__
from netplan.errors import ExitCode, InputError, VnetplanError, exit_code_for

#: Subcommand names in the order ``--help`` lists them (the workflow's order); each names its module
#: in :mod:`vnetplan.commands`.
COMMANDS: tuple[str, ...] = (
    "tui", "inventory", "overlaps", "free", "reach", "routes", "graph", "resolve", "verify", "recommend", "plan",
    "whatif", "apply", "audit", "rules", "drift",
)  # fmt: skip


def command_module(name: str) -> ModuleType:
    """The module of the subcommand ``name``, imported now.

    These are the CLI's deliberate deferred imports: a process runs one command, so it loads that
    command's module and what the module needs, not every command's (``audit`` never loads the
    planner, ``overlaps`` neither the planner nor the rules). Reading a snapshot pays the start-up
    of every read command, so this is where it is cut (issue 15). ``--help``, an unknown command
    and an option before the command build the whole parser (:func:`build_parser`), which imports
    them all. ``tests/unit/test_import_hygiene.py`` proves at run time that every name here loads
    its own module, that ``--help`` reads the same as with every module imported, and that the read
    commands leave the planning and apply modules unloaded.
    """
    match name:
        case "tui":
            from vnetplan.commands import tui
            return tui
        case "inventory":
            from vnetplan.commands import inventory
            return inventory
        case "overlaps":
            from vnetplan.commands import overlaps
            return overlaps
        case "free":
            from vnetplan.commands import free
            return free
        case "reach":
            from vnetplan.commands import reach
            return reach
        case "routes":
            from vnetplan.commands import routes
            return routes
        case "graph":
            from vnetplan.commands import graph
            return graph
        case "resolve":
            from vnetplan.commands import resolve
            return resolve
        case "verify":
            from vnetplan.commands import verify
            return verify
        case "recommend":
            from vnetplan.commands import recommend
            return recommend
        case "plan":
            from vnetplan.commands import plan
            return plan
        case "whatif":
            from vnetplan.commands import whatif
            return whatif
        case "apply":
            from vnetplan.commands import apply
            return apply
        case "audit":
            from vnetplan.commands import audit
            return audit
        case "rules":
            from vnetplan.commands import rules
            return rules
        case "drift":
            from vnetplan.commands import drift
            return drift
    raise KeyError(name)


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error line: ``vnetplan: error: ...`` and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.ERROR), f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command``, the same but with only that subcommand registered
    (its module alone is imported): it parses that command's arguments and prints its help and
    errors exactly as the whole parser would, since argparse reads only the chosen subparser."""
    parser = _Parser(
        prog="vnetplan",
        description=(
            "Plan and verify private connectivity between Azure virtual networks: address overlaps, "
            "peering vs Private Link, Private DNS resolution and reachability."
        ),
        epilog="Exit codes: 0 done and clean, 1 done and something is wrong, 2 could not do the job, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"vnetplan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS if command is None else (command,):
        command_module(name).register(sub)
    return parser


def _check_ca_bundle(path: str | None) -> None:
    """``--ca-bundle`` must name a readable file before anything is sent (one line, exit 2)."""
    if path is None:
        return
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except FileNotFoundError:
        raise InputError(path, "", "no such file (--ca-bundle)") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot read the CA bundle (--ca-bundle): {exc.strerror or exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # The top level has no positional argument before the command and no option that takes a
    # value: a known command first is the command chosen, and only its module is needed.
    # Importing the command's modules makes some 30,000 objects the collector tracks, and no garbage:
    # it would go over them again and again meanwhile (3% of a read command's start-up). It
    # waits, and then they are kept out of its view (gc.freeze, undone in the finally below).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
        args = parser.parse_args(argv)
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()
    # azure-identity logs each failed credential probe as a WARNING, which Python's last-resort
    # handler prints on stderr beside our one line; what it says is in --verbose's details.
    logging.getLogger("azure").setLevel(logging.ERROR)
    try:
        if getattr(args, "endpoint", None):  # without one, the command says --ca-bundle needs it
            _check_ca_bundle(getattr(args, "ca_bundle", None))
        return int(args.func(args))
    except VnetplanError as exc:
        print(f"vnetplan: error: {exc}", file=sys.stderr)
        details = getattr(exc, "details", "")
        if details and getattr(args, "verbose", False):
            print(f"vnetplan: details: {details}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("vnetplan: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return int(ExitCode.OK)
    except Exception as exc:  # pragma: no cover - the last line of defence, still no traceback
        if os.environ.get("VNETPLAN_DEBUG"):
            raise
        print(f"vnetplan: internal error: {type(exc).__name__}: {exc} (set VNETPLAN_DEBUG=1 for a traceback)", file=sys.stderr)
        return int(exit_code_for(exc))
    finally:
        # The commands freeze their loaded estate (commands._common.settle); a caller that goes on
        # (a test, a script calling main) gets it back under the collector's care.
        gc.unfreeze()


def entry() -> None:
    code = main()
    # The process ends here: keep the interpreter's shutdown collection off the heap (a full pass
    # over a 50,000-VNet estate costs a noticeable fraction of a second).
    gc.freeze()
    sys.exit(code)
