"""A real DNS server (BIND 9, Debian package ``bind9``) on 127.0.0.1 at a free port, for live tests.

:class:`BindServer` writes ``named.conf`` and the zone files into a temporary directory, starts
``named -g`` (foreground, logging to a file), waits until it answers the SOA of every zone, and
stops it on exit. Recursion is off: it answers authoritatively for the zones it was given and
REFUSED for anything else, the way a VNet's view of Azure DNS is "the linked zones".

:func:`require_named` returns the ``named`` binary. When it is missing the test is skipped on a
workstation, but FAILS when the ``CI`` environment variable is set: CI installs it from
``.ci/apt-packages.txt``, so a missing server there is a broken pipeline, not a reason to skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import pytest

NAMED_CANDIDATES = ("named", "/usr/sbin/named", "/usr/local/sbin/named")


def find_named() -> str | None:
    for c in NAMED_CANDIDATES:
        path = shutil.which(c) or (c if os.path.isabs(c) and os.access(c, os.X_OK) else None)
        if path:
            return path
    return None


def require_named() -> str:
    path = find_named()
    if path is None:
        msg = "BIND 'named' is not installed (Debian package bind9, listed in .ci/apt-packages.txt)"
        if os.environ.get("CI"):
            pytest.fail(msg + "; CI must install it")
        pytest.skip(msg)
    return path


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (at the time of asking)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = int(u.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on 127.0.0.1")


class BindServer:
    """``named`` serving ``zones`` (zone name -> master file text) on 127.0.0.1:``port``."""

    def __init__(self, zones: Mapping[str, str], workdir: Path, named: str | None = None) -> None:
        self.zones = dict(zones)
        self.workdir = workdir
        self.named = named or require_named()
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _config(self) -> str:
        d = self.workdir
        zones = "\n".join(
            f'zone "{name}" {{ type primary; file "{d / (name + ".zone")}"; }};' for name in sorted(self.zones)
        )
        return f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {self.port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-query {{ any; }};
    dnssec-validation no;
    notify no;
    check-names primary ignore;
}};
controls {{ }};
{zones}
"""

    def start(self, timeout: float = 20.0) -> BindServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for name, text in self.zones.items():
            (self.workdir / f"{name}.zone").write_text(text)
        last_error = ""
        for _attempt in range(3):  # the free port can be taken between asking and binding
            self.port = free_port()
            conf = self.workdir / "named.conf"
            conf.write_text(self._config())
            log = open(self.workdir / "named.log", "wb")  # noqa: SIM115 - closed in stop()
            self._log = log
            self.proc = subprocess.Popen(
                [self.named, "-g", "-4", "-n", "1", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            if self._wait_ready(timeout):
                return self
            last_error = (self.workdir / "named.log").read_text(errors="replace")
            self.stop()
            if "not loaded due to errors" in last_error:
                break  # a broken zone file: retrying on another port will not help
        errors = [ln for ln in last_error.splitlines() if "error" in ln.lower() or "failed" in ln.lower()]
        raise RuntimeError("named did not start:\n" + "\n".join(errors or last_error.splitlines()[-20:]))

    def _wait_ready(self, timeout: float) -> bool:
        import dns.message
        import dns.query

        deadline = time.monotonic() + timeout
        pending = set(self.zones)
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            if "not loaded due to errors" in (self.workdir / "named.log").read_text(errors="replace"):
                return False
            for name in list(pending):
                try:
                    r = dns.query.udp(dns.message.make_query(name, "SOA"), "127.0.0.1", port=self.port, timeout=0.3)
                except Exception:  # not up yet
                    continue
                if r.rcode() == 0 and r.answer:
                    pending.discard(name)
            if not pending:
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None

    def __enter__(self) -> BindServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
