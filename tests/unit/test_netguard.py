"""The suite's network guard (tests/netguard.py, installed by tests/conftest.py) does its job."""

from __future__ import annotations

import contextlib
import socket

import pytest

from tests import netguard

pytestmark = pytest.mark.netguard_self_test


def test_loopback_addresses_are_allowed_and_others_are_not() -> None:
    for ok in (("127.0.0.1", 80), ("127.8.9.10", 1), ("::1", 443, 0, 0), ("localhost", 53), "/run/x.sock"):
        assert netguard.is_loopback(ok), ok
    for bad in (("169.254.169.254", 80), ("10.0.0.4", 443), ("management.azure.com", 443),
                ("2001:db8::1", 53, 0, 0), ("0.0.0.0", 80)):  # fmt: skip
        assert not netguard.is_loopback(bad), bad


def test_a_connect_to_a_non_loopback_address_is_refused_and_recorded() -> None:
    mark = netguard.marks()
    with socket.socket() as s, pytest.raises(netguard.NonLoopbackConnection, match=r"192\.0\.2\.1:443"):
        s.connect(("192.0.2.1", 443))  # TEST-NET-1: refused before any packet leaves
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, pytest.raises(netguard.NonLoopbackConnection):
        u.sendto(b"x", ("192.0.2.1", 53))
    assert netguard.since(mark)[0] == ["192.0.2.1:443", "192.0.2.1:53"]


def test_a_swallowed_attempt_is_still_recorded() -> None:
    """azure-identity catches connection errors while it probes; the record is what fails the test."""
    mark = netguard.marks()
    with contextlib.suppress(OSError):
        socket.create_connection(("169.254.169.254", 80), timeout=0.1)
    assert netguard.since(mark)[0] == ["169.254.169.254:80"]


def test_managed_identity_probe_is_caught_by_the_guard() -> None:
    """What the guard exists for: an unconfigured ManagedIdentityCredential asks IMDS (not loopback)."""
    from azure.identity import ManagedIdentityCredential

    mark = netguard.marks()
    with pytest.raises(Exception):  # noqa: B017 - CredentialUnavailableError or ClientAuthenticationError
        ManagedIdentityCredential(retry_total=0).get_token("https://management.azure.com/.default")
    assert any(a.startswith("169.254.169.254:") for a in netguard.since(mark)[0])


def test_loopback_connections_work_and_a_listen_is_recorded_as_a_server() -> None:
    mark = netguard.marks()
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    refused, started = netguard.since(mark)
    assert refused == [] and started == [f"127.0.0.1:{port}"]


def test_the_conftest_fails_a_test_that_reaches_out_or_starts_a_server_unmarked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run a tiny suite through the real conftest: both kinds of violation fail their test."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("PYTHONPATH", str(root))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only this conftest matters here
    conftest = (root / "tests" / "conftest.py").read_text()
    pytester.makeconftest(conftest)
    pytester.makepyfile(
        test_x="""
import socket, pytest

def test_reaches_out():
    try:
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
    except OSError:
        pass

def test_starts_a_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); s.listen(1)

@pytest.mark.integration
def test_marked_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); s.listen(1)
""")  # fmt: skip
    pytester.makeini("[pytest]\nmarkers =\n    integration: x\n    netguard_self_test: x\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(["*non-loopback address: 192.0.2.1:443*", "*without @pytest.mark.integration*"])
