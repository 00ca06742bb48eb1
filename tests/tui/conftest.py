"""Fixtures for the TUI tests: a fixed estate, and no nondeterminism (animations, cursor blink).

The estate comes from :mod:`tests.tui.builders` (hand-made, realistic, every problem the UI must
show), so the tests do not depend on the bundled samples changing.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator

import pytest
from textual.widgets import Input

from netplan.estate import Estate
from tests.tui.builders import mendix_estate


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests on a fresh asyncio loop (the pilot is async; no plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**args))
    return True


@pytest.fixture(autouse=True)
def _deterministic_ui(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Animations and a blinking cursor would make screens differ from run to run.
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(Input, "cursor_blink", False)
    yield


@pytest.fixture
def estate() -> Estate:
    return mendix_estate()
