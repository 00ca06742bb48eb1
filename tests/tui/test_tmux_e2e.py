"""End to end in a real terminal: tmux runs ``vnetplan tui`` on the bundled sample estate.

send-keys drives it as a user would: open the Overlaps tab and find the overlap between the
Mendix VNet and the legacy VNet, jump to it and read its address space, then pick a consumer VNet
and resolve an app name from it; capture-pane checks the text on screen. The tmux server runs on
a private socket (``-L``) so the test never touches anyone's sessions. tmux is a CI dependency
(.ci/apt-packages.txt): with CI set, its absence fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # starts a tmux server and the app in it

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "mendix-estate.json"
WIDTH, HEIGHT = 160, 48


#: How long the whole test may take. Generous: on a loaded 2-core machine the app alone can take a
#: minute to start. Every wait is on a condition (text on the screen, where the cursor is), never a
#: fixed sleep, so an idle machine is as fast as the app.
BUDGET = 300.0
#: The footer lists the screen's single-key actions only while no text box has the focus.
KEYS_ACTIVE = "q Quit"


class Terminal:
    """One tmux session on a private server, with helpers to type and to wait for what is on screen."""

    def __init__(self, tmux: str, socket: str, session: str) -> None:
        self.tmux, self.socket, self.session = tmux, socket, session
        self.deadline = time.monotonic() + BUDGET

    def run(self, *args: str) -> str:
        out = subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, timeout=60
        )
        return out.stdout

    def keys(self, *keys: str) -> None:
        """Keys in one send-keys: the app reads them in this order."""
        self.run("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def cursor_row(self) -> int:
        """The terminal cursor's row: Textual puts it in the focused text box."""
        out = self.run("display-message", "-p", "-t", self.session, "#{cursor_y}").strip()
        return int(out) if out.isdigit() else -1

    def wait_until(self, what: str, ready: Callable[[str], bool]) -> str:
        """Poll the screen until ``ready(screen)``, within the test's budget; else fail showing it."""
        screen = ""
        while time.monotonic() < self.deadline:
            screen = self.screen()
            if ready(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen}")

    def wait_for(self, *texts: str) -> str:
        return self.wait_until(repr(texts), lambda screen: all(t in screen for t in texts))

    def into_text_box(self, key: str, placeholder: str) -> None:
        """Press ``key`` to focus the text box showing ``placeholder``, and wait until it has the
        focus: Textual moves the focus after the key is handled, so text sent at once could reach
        the old widget (where letters are single-key actions: p plans)."""
        screen = self.wait_for(placeholder)
        row = next(i for i, line in enumerate(screen.splitlines()) if placeholder in line)
        self.keys(key)
        self.wait_until(f"the text box {placeholder!r} to take the focus",
                        lambda s: KEYS_ACTIVE not in s and self.cursor_row() == row)  # fmt: skip

    def out_of_text_box(self, key: str) -> None:
        """Press ``key`` to leave a text box, and wait until the single-key actions are back."""
        self.keys(key)
        self.wait_until("the single-key actions to come back", lambda s: KEYS_ACTIVE in s)


@contextmanager
def tmux_terminal(name: str, cwd: Path, argv: list[str], env: tuple[str, ...] = ()) -> Iterator[Terminal]:
    """``argv`` started in ``cwd`` inside a detached tmux session of WIDTH x HEIGHT on its own
    socket (``vnetplan-NAME-PID``), with ``env`` (``KEY=value``) set; the server is killed after."""
    tmux = shutil.which("tmux")
    if tmux is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is required in CI for the end-to-end TUI test (.ci/apt-packages.txt)")
        pytest.skip("tmux is not installed (apt-get install tmux)")
    socket = f"vnetplan-{name}-{os.getpid()}"
    session = "tui"
    command = f"cd {shlex.quote(str(cwd))} && {shlex.join(argv)}; sleep 30"
    # COLUMNS/LINES (set under pytest) would override the real terminal size in Textual.
    env_cmd = ["env", "-u", "COLUMNS", "-u", "LINES", "TERM=xterm-256color", "TEXTUAL_ANIMATIONS=none", *env,
               "sh", "-c", command]  # fmt: skip
    subprocess.run(
        [tmux, "-L", socket, "-f", os.devnull, "new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), *env_cmd],
        check=True, timeout=60,
    )  # fmt: skip
    term = Terminal(tmux, socket, session)
    # Without a client attached tmux may keep its default 80x24; fix the size explicitly.
    term.run("set-option", "-t", session, "window-size", "manual")
    term.run("resize-window", "-t", session, "-x", str(WIDTH), "-y", str(HEIGHT))
    try:
        yield term
    finally:
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True, timeout=60)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    assert SAMPLE.is_file(), "the bundled sample estate is part of the repository"
    with tmux_terminal("e2e", ROOT, [sys.executable, "-m", "netplan", "tui"]) as term:
        yield term


def test_find_an_overlap_then_resolve_an_app_name_from_a_consumer(terminal: Terminal) -> None:
    # The default estate is the bundled sample; the tree and summary are on screen.
    terminal.wait_for("VNets ·", "Details", "Overlaps")
    # The home screen triages: the sample's failing findings, the unsynced peering, the overlap.
    terminal.wait_for("FINDINGS", "4 FAIL", "PEERINGS", "not in sync", "OVERLAPS")

    # Find the overlap: the Mendix VNet and the legacy VNet share 10.20.0.0/16, isolated.
    terminal.keys("5")
    terminal.wait_for(
        "isolated under 10.20.0.0/16",
        "rg-legacy-apps-weu/vnet-legacy-apps-weu",
        "rg-mendix-weu/vnet-mendix-weu",
    )

    # Enter jumps to the group's first VNet; its details show the overlapping space.
    terminal.keys("Enter", "2")
    terminal.wait_for("Address space: 10.20.0.0/")

    # Pick a consumer and resolve an app name from it.
    terminal.into_text_box("/", "/ filter")
    terminal.type("corp-spoke1")
    terminal.wait_for("corp-spoke1 ")  # typed into the filter, not taken as single-key actions
    terminal.out_of_text_box("Enter")  # Enter selects the first match and moves to the tree
    terminal.keys("Down", "Up")
    terminal.wait_for("Address space: 10.110.0.0/22")
    terminal.keys("4")
    terminal.into_text_box("i", "app1.azure.mendixapps.io")
    terminal.type("hr-portal.azure.mendixapps.io")
    terminal.keys("Enter")
    screen = terminal.wait_for("NOERROR", "10.20.0.250")
    assert "From: vnet-corp-spoke1-weu" in screen
    assert "zone azure.mendixapps.io" in screen

    # Escape leaves the text box; q quits cleanly back to the shell.
    terminal.out_of_text_box("Escape")
    terminal.keys("q")
    screen = terminal.wait_until("the app to quit", lambda s: "Overlaps" not in s)
    assert "Traceback" not in screen
