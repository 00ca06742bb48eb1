"""--credential: each choice, and a missing credential is one line, once per run (issue 10).

No test here lets azure-identity reach the network: the choices that would (auto without a token,
managed-identity) are only constructed, never asked for a token; tests/conftest.py would fail any
test that tried (tests/netguard.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netplan.live import credentials as C
from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]
LINE_START = "vnetplan: error: no Azure credential: tried "
HINT = "sign in with `az login`, use a managed identity, or set VNETPLAN_ACCESS_TOKEN (the emulator accepts any value)"


def err_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


@pytest.fixture
def plan_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A plan of several changes on the clean sample (made offline)."""
    out = tmp_path / "plan.json"
    main(["plan", "--estate", str(ROOT / "samples" / "clean-estate.json"),
          "--intent", str(ROOT / "samples" / "clean-intent.yaml"), "--out", str(out)])  # fmt: skip
    capsys.readouterr()
    assert len(json.loads(out.read_text())["changes"]) > 1
    return out


def test_token_choice_without_the_variable_is_one_line_saying_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["inventory", "--credential", "token", "--subscription", "s", "--quiet"])
    assert code == 2
    (line,) = err_lines(capsys)
    assert line == f"{LINE_START}VNETPLAN_ACCESS_TOKEN (not set); {HINT}"


def test_apply_without_a_credential_says_it_once_not_once_per_change(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The endpoint is never contacted: the credential is asked for before any request.
    code = main(["apply", str(plan_file), "--yes", "--credential", "token", "--endpoint", "https://127.0.0.1:9",
                 "--journal", str(tmp_path / "j")])  # fmt: skip
    assert code == 2
    lines = err_lines(capsys)
    assert sum("no Azure credential" in line for line in lines) == 1
    assert lines[-1].startswith(LINE_START) and lines[-1].endswith(HINT)
    assert "Traceback" not in "\n".join(lines)


def test_cli_choice_without_az_is_one_line_and_verbose_adds_the_details(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `az` here: AzureCliCredential runs nothing, asks nobody
    assert main(["inventory", "--credential", "cli", "--subscription", "s", "--quiet"]) == 2
    (line,) = err_lines(capsys)
    assert line == f"{LINE_START}the Azure CLI login; {HINT}"
    assert main(["inventory", "--credential", "cli", "--subscription", "s", "--quiet", "--verbose"]) == 2
    lines = err_lines(capsys)
    assert lines[0] == line
    assert lines[1].startswith("vnetplan: details: ") and "Azure CLI" in "\n".join(lines[1:])


def test_a_missing_credential_is_one_line_from_a_real_process(tmp_path: Path) -> None:
    # In-process, pytest's log capture hides what azure-identity logs; a user's terminal does not.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VNETPLAN_", "AZURE_"))}
    env["PATH"] = str(tmp_path)  # no `az` here: AzureCliCredential runs nothing, asks nobody
    proc = subprocess.run([sys.executable, "-m", "netplan", "inventory", "--credential", "cli", "--subscription", "s",
                           "--quiet"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"{LINE_START}the Azure CLI login; {HINT}"]


def test_workload_identity_without_its_variables_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", "--credential", "workload-identity", "--subscription", "s", "--quiet"]) == 2
    (line,) = err_lines(capsys)
    assert line.startswith(f"{LINE_START}workload identity federation") and line.endswith(HINT)


def test_env_choice_without_a_service_principal_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", "--credential", "env", "--subscription", "s", "--quiet"]) == 2
    (line,) = err_lines(capsys)
    assert line == f"{LINE_START}a service principal from the AZURE_* environment variables; {HINT}"


def test_auto_prefers_the_token_and_otherwise_builds_default_credential_without_asking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(C.TOKEN_ENV, "  any-value  ")
    cred = C.make_credential("auto")
    assert isinstance(cred, C.StaticTokenCredential)
    assert cred.get_token(C.ARM_SCOPE).token == "any-value"
    assert "any-value" not in repr(cred)
    monkeypatch.delenv(C.TOKEN_ENV)
    from azure.identity import AzureCliCredential, DefaultAzureCredential, ManagedIdentityCredential

    assert isinstance(C.make_credential("auto")._inner, DefaultAzureCredential)
    assert isinstance(C.make_credential("cli")._inner, AzureCliCredential)
    assert isinstance(C.make_credential("managed-identity")._inner, ManagedIdentityCredential)


def test_a_failed_credential_is_asked_once_per_run() -> None:
    class Failing:
        calls = 0

        def get_token(self, *scopes: str, **kw: Any) -> Any:
            Failing.calls += 1
            raise RuntimeError("probe 1 failed\nprobe 2 failed")

    cred = C._OnceCredential(Failing(), "cli")
    for _ in range(5):  # five changes in flight would each ask
        with pytest.raises(C.CredentialMissing) as info:
            cred.get_token(C.ARM_SCOPE)
    assert Failing.calls == 1
    assert "\n" not in str(info.value) and "probe 2 failed" in info.value.details


def test_every_live_command_takes_credential(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in (["inventory"], ["apply", "p.json"], ["audit", "--live"], ["tui"]):
        with pytest.raises(SystemExit):
            main([*cmd, "--help"])
        assert "--credential {auto,cli,managed-identity,workload-identity,env,token}" in capsys.readouterr().out, cmd
