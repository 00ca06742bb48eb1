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
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # starts a tmux server and the app in it

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "mendix-estate.json"
WIDTH, HEIGHT = 160, 48


class Terminal:
    """One tmux session on a private server, with helpers to type and to wait for text."""

    def __init__(self, tmux: str, socket: str, session: str) -> None:
        self.tmux, self.socket, self.session = tmux, socket, session

    def run(self, *args: str) -> str:
        out = subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        return out.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", self.session, key)
            time.sleep(0.05)

    def focus_key(self, key: str) -> None:
        """A key that moves the focus (/, 3): Textual applies focus after the key is handled, so
        text sent at once could reach the old widget; a person is never that fast."""
        self.keys(key)
        # Longer than a person needs: on a loaded machine a letter typed too early would reach
        # the screen's single-key actions (p plans) instead of the text box.
        time.sleep(1.0)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {texts!r}; the screen shows:\n{screen}")


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    tmux = shutil.which("tmux")
    if tmux is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is required in CI for the end-to-end TUI test (.ci/apt-packages.txt)")
        pytest.skip("tmux is not installed (apt-get install tmux)")
    assert SAMPLE.is_file(), "the bundled sample estate is part of the repository"
    socket = f"vnetplan-e2e-{os.getpid()}"
    session = "tui"
    command = f"cd {shlex.quote(str(ROOT))} && {shlex.quote(sys.executable)} -m netplan tui; sleep 30"
    # COLUMNS/LINES (set under pytest) would override the real terminal size in Textual.
    env_cmd = [
        "env",
        "-u",
        "COLUMNS",
        "-u",
        "LINES",
        "TERM=xterm-256color",
        "TEXTUAL_ANIMATIONS=none",
        "sh",
        "-c",
        command,
    ]
    subprocess.run(
        [tmux, "-L", socket, "-f", os.devnull, "new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), *env_cmd],
        check=True, timeout=20,
    )  # fmt: skip
    term = Terminal(tmux, socket, session)
    # Without a client attached tmux may keep its default 80x24; fix the size explicitly.
    term.run("set-option", "-t", session, "window-size", "manual")
    term.run("resize-window", "-t", session, "-x", str(WIDTH), "-y", str(HEIGHT))
    try:
        yield term
    finally:
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True, timeout=20)


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
    terminal.focus_key("/")
    terminal.type("corp-spoke1")
    terminal.keys("Enter", "Down", "Up")
    terminal.wait_for("Address space: 10.110.0.0/22")
    terminal.focus_key("4")
    terminal.focus_key("i")
    terminal.type("hr-portal.azure.mendixapps.io")
    terminal.keys("Enter")
    screen = terminal.wait_for("NOERROR", "10.20.0.250")
    assert "From: vnet-corp-spoke1-weu" in screen
    assert "zone azure.mendixapps.io" in screen

    # Escape leaves the text box; q quits cleanly back to the shell.
    terminal.focus_key("Escape")
    terminal.keys("q")
    deadline = time.monotonic() + 15
    while "Overlaps" in terminal.screen() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "Traceback" not in terminal.screen()
    assert "Overlaps" not in terminal.screen()
