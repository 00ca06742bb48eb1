"""The ``vnetplan`` command line: a thin shell over the core functions.

This package is the shell above the core (``netplan``), the rules (``checks``) and the terminal UI
(``tui``): it imports them normally. Each subcommand lives in its own module under
:mod:`vnetplan.commands` and is registered here, explicitly. A command module defines
``register(subparsers)`` and a ``run(args) -> int`` that it sets as the parser's ``func``; the
Azure SDK and Textual load only when a command that needs them runs (the SDK inside
``netplan.live``, Textual in :mod:`vnetplan.commands.tui`), so that ``vnetplan --help`` and the
offline commands start fast.

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
from vnetplan.commands import (
    apply,
    audit,
    drift,
    free,
    graph,
    inventory,
    overlaps,
    plan,
    reach,
    recommend,
    resolve,
    routes,
    rules,
    tui,
    verify,
    whatif,
)

#: Subcommand modules in the order ``--help`` lists them (the workflow's order).
_MODULES: tuple[ModuleType, ...] = (
    tui, inventory, overlaps, free, reach, routes, graph, resolve, verify, recommend, plan, whatif, apply, audit, rules, drift,
)  # fmt: skip

#: Subcommand names in ``--help`` order; the name is the module's.
COMMANDS: tuple[str, ...] = tuple(m.__name__.rsplit(".", 1)[-1] for m in _MODULES)


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error line: ``vnetplan: error: ...`` and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.ERROR), f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
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
    for module in _MODULES:
        module.register(sub)
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
    parser = build_parser()
    args = parser.parse_args(argv)
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
