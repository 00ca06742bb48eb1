"""The closed loop in a real terminal, keys only: triage, plan, what-if, apply to the ARM emulator,
verify, reload.

tmux runs ``vnetplan tui`` on the bundled sample and its intent with ``--endpoint`` pointing at the
ARM emulator (serving the same sample, HTTPS on loopback, its own test CA; the token comes from
``VNETPLAN_ACCESS_TOKEN`` and ``--credential token``, so nothing probes the instance metadata
service). send-keys drives it as a user would and capture-pane reads what is on screen: the Home
screen's problems, a jump to the first one, the plan and why, the what-if verdict, the apply
confirmation with that verdict, the rows of the apply, the verification on a fresh inventory,
Home re-read from the emulator, an offline verify, a reload, and the new peering Connected in the
provider's details. Every wait is on text on the screen (the helpers of ``test_tmux_e2e``), never
a fixed sleep. The plan file and its journal are written in a temporary directory.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator import Emulator, FaultConfig
from tests.tui.test_tmux_e2e import SAMPLE, Terminal, tmux_terminal

pytestmark = pytest.mark.integration  # starts the ARM emulator, a tmux server and the app in it

TOKEN = "tmux-loop-test-token-not-a-secret"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(str(SAMPLE), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as e:
        yield e


@pytest.fixture
def loop_terminal(emu: Emulator, tmp_path: Path) -> Iterator[Terminal]:
    # No --estate: the bundled sample and its intent, the same snapshot the emulator serves.
    tui = [sys.executable, "-m", "netplan", "tui", "--endpoint", emu.url, "--ca-bundle", emu.ca_path,
           "--credential", "token"]  # fmt: skip
    with tmux_terminal("loop", tmp_path, tui, (f"VNETPLAN_ACCESS_TOKEN={TOKEN}",)) as term:
        yield term


#: A row of the Details tab's peerings table: the remote VNet, then its state.
NEW_PEERING_CONNECTED = re.compile(r"vnet-corp-spoke2-weu\s+│ Connected\s+│ FullyInSync")


def test_triage_plan_what_if_apply_verify_and_reload_against_the_emulator_with_keys_only(
    loop_terminal: Terminal, emu: Emulator, tmp_path: Path
) -> None:
    t = loop_terminal
    # Home: the title says where apply writes (the emulator, not Azure); the sample's problems
    # come first, among them the peering from spoke2 to the Mendix VNet that is only Initiated.
    t.wait_for(f"local ARM emulator {emu.url} (not Azure)", "problem(s) · Enter jumps", "FINDINGS", "4 FAIL",
               "PEERINGS", "1 not connected", "Initiated to vnet-mendix-weu")  # fmt: skip

    # n: the first problem (the Home table's cursor goes to it); Enter jumps to where it is fixed.
    t.keys("n")
    t.wait_until("the first problem's notice", lambda s: bool(re.search(r"1/\d+ FAIL: VNP-PEER-001", s)))
    t.keys("Enter")
    screen = t.wait_for("FAIL VNP-PEER-001 (high)", "Why it matters")
    assert "peer-corp-spoke2-weu-to-mendix-weu" in screen

    # p: the plan, its what-if verdict and why each connection is served so.
    t.keys("p")
    t.wait_for("3 to create, 1 to update, 0 to delete", "What-if verdict: the result would verify",
               "Decisions: why each connection is served so", "peering (expose-apps, asked peering)")  # fmt: skip
    # w: the what-if comes into view below the decisions: spoke2 goes from FAIL to PASS.
    t.keys("w")
    t.wait_for("What-if: verification before → after", "rg-corp-spoke2-weu/vnet-corp-spoke2-weu (peering): FAIL → PASS",
               "The result would verify.")  # fmt: skip
    assert emu.stats.writes == 0

    # a: the confirmation names the target, the subscriptions and the what-if verdict; nothing is
    # sent yet. Its focus starts on Cancel: Tab to "Apply 4 change(s)", Enter.
    t.keys("a")
    t.wait_for("Apply plan vp-", "Target: local ARM emulator", "Subscriptions touched (3)",
               "What-if: the result would verify", "Nothing has been sent yet", "Apply 4 change(s)")  # fmt: skip
    assert emu.stats.writes == 0
    t.keys("Tab", "Enter")
    # The rows follow the executor; then the estate is re-read from the emulator and verified.
    t.wait_for("Applied: 4 change(s) written", "Verified: PASS")
    screen = t.wait_for("Verification after apply (fresh inventory)", "Overall: PASS", "re-read after apply")
    assert emu.stats.writes == 4
    assert (tmp_path / "plan.json").is_file() and (tmp_path / "plan.json.journal").is_file()

    # Home shows the estate read back: the peering is Connected, its findings are gone.
    t.keys("1")
    screen = t.wait_for("problem(s) · Enter jumps", "1 FAIL  1 UNKNOWN")
    assert "Initiated to vnet-mendix-weu" not in screen and "VNP-PEER" not in screen

    # v: the intent verified offline on the estate shown.
    t.keys("v")
    t.wait_for("Verification on the estate shown (offline, as vnetplan verify)", "Overall: PASS")

    # R: read the emulator again (GETs only).
    requests = emu.stats.requests
    t.keys("R")
    t.wait_for("reloaded: 6 VNets")
    assert emu.stats.requests > requests and emu.stats.writes == 4

    # The provider's details: the new peering to spoke2, Connected and in sync.
    t.into_text_box("/", "/ filter")
    t.type("vnet-mendix-weu")
    t.wait_for("vnet-mendix-weu  10.20.0.0/16  rg-mendix-weu")
    t.out_of_text_box("Enter")
    t.keys("2")
    t.wait_until("the new peering Connected in the provider's details", lambda s: bool(NEW_PEERING_CONNECTED.search(s)))

    t.keys("q")
    screen = t.wait_until("the app to quit", lambda s: "re-read after apply" not in s)
    assert "Traceback" not in screen
