"""The suite stands alone: no file under tests/ names a path of this machine or climbs out of the
repository, so a clean clone in any folder, with nothing beside it, runs the same suite."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent

# Absolute paths rooted in a machine's own folders (a home, a workspace, a temp or system dir), and
# Windows drive paths. ARM ids ("/subscriptions/...") and URL paths are not file paths.
MACHINE_ROOTS = ("work", "home", "root", "Users", "tmp", "var", "opt", "mnt", "srv", "media", "private",
                 "Volumes", "etc", "usr", "data", "workspace", "workspaces", "builds", "runner", "github")  # fmt: skip
ABSOLUTE = re.compile(r"(?<![\w.:/~-])/(?:" + "|".join(MACHINE_ROOTS) + r")(?:/[\w.@+-]+)+|\b[A-Za-z]:\\\\?[\w.-]+|~/[\w.-]+")
# ".." as a path component in a literal or a comment: "../x", "x/..", os.path.join(a, "..")
CLIMB = re.compile(r"(?:^|[\"'`/\s(])\.\.(?:[/\\]|[\"'`]|$)", re.MULTILINE)
# Path(__file__)...parents[N] / .parent chains that go above the repository root
PARENTS = re.compile(r"__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent\b)*)(?:\.parents\[(\d+)\])?((?:\.parent\b)*)")

# System locations of programs from Debian packages listed in .ci/apt-packages.txt (looked up, not read).
ALLOWED = {
    ("integration/dns_server.py", "/usr/sbin/named"),
    ("integration/dns_server.py", "/usr/local/sbin/named"),
}
SKIP_DIRS = {"__pycache__", ".hypothesis", ".pytest_cache"}
SELF = "unit/test_hermetic.py"  # this file spells the patterns out, to test the scanner


def problems_in(rel: str, text: str) -> list[str]:
    """What in one file (``rel``: its path under tests/) reaches outside the checkout."""
    out = []
    for m in ABSOLUTE.finditer(text):
        if (rel, m.group(0)) not in ALLOWED:
            out.append(f"{rel}: absolute machine path {m.group(0)!r}")
    for m in CLIMB.finditer(text):
        line = text[: m.start()].count("\n") + 1
        out.append(f"{rel}:{line}: path climbing with '..'")
    depth = len(Path(rel).parts)  # folders between the root and the file: tests/ and those in rel
    for m in PARENTS.finditer(text):
        before, index, after = m.group(1), m.group(2), m.group(3)
        # Steps up from the file's folder: the first .parent (or parents[0]) only drops the file name.
        up = before.count(".parent") + (int(index) + 1 if index is not None else 0) + after.count(".parent") - 1
        if up > depth:
            out.append(f"{rel}: {m.group(0)!r} goes {up - depth} folder(s) above the repository")
    return out


def test_no_file_under_tests_reaches_outside_the_checkout() -> None:
    found = []
    for p in sorted(TESTS.rglob("*")):
        if not p.is_file() or SKIP_DIRS & set(p.relative_to(TESTS).parts) or p.relative_to(TESTS).as_posix() == SELF:
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += problems_in(p.relative_to(TESTS).as_posix(), text)
    assert not found, "\n".join(found)


def test_the_scanner_finds_what_it_must() -> None:
    home = "/" + "home/alice/estate.json"
    bad = {
        "unit/a.py": f'P = Path("{home}")',
        "unit/b.py": 'E = Path(__file__).resolve().parents[2].parent / "shared"',
        "unit/c.py": "E = Path(__file__).resolve().parents[3]",
        "unit/d.py": 'x = open("../shared/x.json")',
        "e.py": 'E = Path(__file__).parent.parent.parent',
        "unit/f.py": "p = r'C:\\\\Users\\\\bob\\\\x.json'",
        "unit/g.py": 'p = os.path.join(HERE, "..", "..", "x")',
        "unit/h.py": "# data copied from /" + "work/shared/azure-rest-examples",
    }
    for rel, text in bad.items():
        assert problems_in(rel, text), rel
    fine = {
        "unit/a.py": 'ROOT = Path(__file__).resolve().parents[2]; SAMPLE = ROOT / "samples" / "x.json"',
        "unit/b.py": 'rid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"',
        "unit/c.py": 'url = "https://management.azure.com/subscriptions?api-version=1"; p = tmp_path / "x"',
        "integration/dns_server.py": 'NAMED = ("named", "/usr/sbin/named")',
        "e.py": "HERE = Path(__file__).parent.parent",
        "unit/d.py": "x = a[1:]...; y = '...'",
    }
    for rel, text in fine.items():
        assert not problems_in(rel, text), (rel, problems_in(rel, text))
