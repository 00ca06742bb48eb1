"""Suite-wide guards (see :mod:`tests.netguard`):

* no socket to a non-loopback address, ever - a refused attempt fails the test that made it, even
  when the code under test swallowed the error;
* a test that starts a server (``listen()``, or a UDP ``bind()``) must carry
  ``@pytest.mark.integration``;
* azure-identity can never fall back to the network: credential environment variables of the
  machine running the suite are removed for every test;
* no property test is timed: hypothesis's per-example deadline is off (a shared 2-core machine
  makes any deadline a coin toss; performance is shown by ``bench/``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests import netguard

settings.register_profile("vnetplan", deadline=None)
settings.load_profile("vnetplan")

pytest_plugins = ["pytester"]  # tests/unit/test_netguard.py runs a small suite through this conftest

# Variables that would make azure-identity (or vnetplan) use a real credential of this machine.
_CREDENTIAL_ENV = (
    "VNETPLAN_ACCESS_TOKEN", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID",
    "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_USERNAME", "AZURE_PASSWORD",
    "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT",
)  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    netguard.install()


@pytest.fixture(autouse=True)
def _network_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    mark = netguard.marks()
    yield
    refused, started = netguard.since(mark)
    if request.node.get_closest_marker("netguard_self_test"):
        return
    if refused:
        pytest.fail(f"the test tried to reach a non-loopback address: {', '.join(refused)}", pytrace=False)
    if started and request.node.get_closest_marker("integration") is None:
        pytest.fail(f"the test started a server ({', '.join(started)}) without @pytest.mark.integration",
                    pytrace=False)  # fmt: skip
