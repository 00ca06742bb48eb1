"""Seeded fuzzing of the three input loaders a user hands to vnetplan: the estate snapshot (JSON),
the intent (YAML) and the plan file (JSON, read by apply).

Each input is a real sample damaged by a plain mutator (flipped, dropped, duplicated or truncated
text, stray YAML/JSON tokens) or made hostile on purpose (an alias bomb, a huge scalar, nesting
thousands deep). Whatever happens, the CLI ends with exit 0, 1 or 2, never an "internal error", and
an exit-2 line names the file it could not use. ``VNETPLAN_FUZZ_N`` raises the number of inputs.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from vnetplan.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
N = int(os.environ.get("VNETPLAN_FUZZ_N", "200"))
SEED = 20261201

TOKENS = ["{", "}", "[", "]", ":", ",", '"', "'", "*a", "&a ", "- ", "? ", "!!python/object:os.system ", "\t", "\x00",
          "null", "true", "-1", "1e999", "10.0.0.0/33", "::/129", "/subscriptions/", "\\u0000", "9" * 300]  # fmt: skip
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))


def mutate(rng: random.Random, text: str, yaml_like: bool) -> str:
    """One damaged (or hostile) variant of ``text``."""
    op = rng.randrange(10)
    n = len(text)
    i, j = sorted((rng.randrange(n + 1), rng.randrange(n + 1)))
    if op == 0:
        return text[:i] + rng.choice(TOKENS) + text[i:]
    if op == 1:
        return text[:i] + text[j:]
    if op == 2:
        return text[:j] + text[i:j] + text[j:]
    if op == 3:
        return text[:i]
    if op == 4:
        return text[:i] + chr(rng.randrange(32, 0x2FF)) + text[i + 1 :]
    if op == 5:  # nesting thousands deep
        depth = rng.choice([100, 3000, 50000])
        return ("a: " if yaml_like else "") + "[" * depth + "]" * depth
    if op == 6 and yaml_like:
        return BOMB + text
    if op == 7:  # a huge scalar where a name goes
        return text[:i] + "x" * rng.choice([70_000, 2_000_000]) + text[i:]
    if op == 8:  # several small edits
        for _ in range(rng.randrange(2, 6)):
            text = mutate(rng, text, yaml_like) if len(text) < 400_000 else text
        return text
    return text[:i] + rng.choice(TOKENS) * rng.randrange(1, 4) + text[j:]


def _check(rc: int, err: str, file: Path) -> None:
    assert rc in (0, 1, 2), err
    assert "internal error" not in err and "Traceback" not in err, err[-400:]
    if rc == 2:
        last = err.strip().splitlines()[-1]
        assert last.startswith("vnetplan: error: ") and str(file) in last, last[:400]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", "fuzz-token")
    monkeypatch.delenv("VNETPLAN_DEBUG", raising=False)


def test_fuzzed_estate_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    base = (SAMPLES / "clean-estate.json").read_text()
    f = tmp_path / "estate.json"
    for _ in range(N):
        f.write_text(mutate(rng, base, False), encoding="utf-8", errors="surrogatepass")
        rc = main(["overlaps", "--estate", str(f)])
        _check(rc, capsys.readouterr().err, f)


def test_fuzzed_intent_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED + 1)
    base = (SAMPLES / "clean-intent.yaml").read_text()
    f = tmp_path / "intent.yaml"
    for _ in range(N):
        f.write_text(mutate(rng, base, True), encoding="utf-8", errors="surrogatepass")
        rc = main(["drift", "--estate", str(SAMPLES / "clean-estate.json"), "--intent", str(f)])
        _check(rc, capsys.readouterr().err, f)


def test_fuzzed_plan_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from netplan.live import apply as live_apply

    def no_azure(plan: Any, *a: Any, **k: Any) -> Any:  # a plan that loads is never sent anywhere here
        return live_apply.ApplyResult(plan.plan_id, [])

    monkeypatch.setattr(live_apply, "apply_plan", no_azure)
    made = tmp_path / "made.json"
    assert main(["plan", "--estate", str(SAMPLES / "clean-estate.json"), "--intent", str(SAMPLES / "clean-intent.yaml"),
                 "--out", str(made), "--format", "json"]) in (0, 1)  # fmt: skip
    capsys.readouterr()
    base = json.dumps(json.loads(made.read_text()), indent=1)
    rng = random.Random(SEED + 2)
    f = tmp_path / "plan.json"
    for _ in range(N):
        f.write_text(mutate(rng, base, False), encoding="utf-8", errors="surrogatepass")
        for j in tmp_path.glob("plan.json.journal"):
            j.unlink()
        rc = main(["apply", str(f), "--yes", "--allow-unverified", "--endpoint", "https://127.0.0.1:9"])
        _check(rc, capsys.readouterr().err, f)


def test_the_hostile_inputs_are_one_line_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        "bomb.yaml": (BOMB + "version: 1\n", "YAML aliases"),
        "deep.yaml": ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
        "huge.yaml": ("version: 1\nprovider:\n  vnet: " + "x" * 200_000 + "\n", "characters, more than"),
    }
    for name, (text, words) in cases.items():
        f = tmp_path / name
        f.write_text(text)
        assert main(["drift", "--estate", str(SAMPLES / "clean-estate.json"), "--intent", str(f)]) == 2
        err = [x for x in capsys.readouterr().err.strip().splitlines() if x.startswith("vnetplan: error")]
        assert len(err) == 1 and err[0].startswith(f"vnetplan: error: {f}: ") and words in err[0], err
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["overlaps", "--estate", str(deep)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"vnetplan: error: {deep}: ") and "nested too deeply" in err[0]
