"""Fixtures for the ARM emulator (tests/emulator): a started emulator seeded with the sample estate,
and real azure-mgmt-network / azure-mgmt-privatedns clients pointed at it.

* ``arm_snapshot`` - the sample estate (``tests.emulator.sample``) as a snapshot dict
* ``arm_emulator`` - a started :class:`tests.emulator.Emulator` (page size 2, one InProgress poll per
  LRO, Retry-After 0), stopped after the test
* ``network_client`` / ``dns_client`` - SDK clients for the sample subscription, fast retries
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulator import Emulator, FaultConfig
from tests.emulator.clients import dns_client as _dns_client
from tests.emulator.clients import network_client as _network_client
from tests.emulator.sample import SUB, sample_snapshot


@pytest.fixture
def arm_snapshot() -> dict[str, Any]:
    """The sample ARM estate."""
    return sample_snapshot()


@pytest.fixture
def arm_emulator(arm_snapshot: dict[str, Any]) -> Iterator[Emulator]:
    """A running emulator seeded with ``arm_snapshot``."""
    faults = FaultConfig(page_size=2, lro_polls=1, retry_after=0)
    with Emulator(arm_snapshot, faults=faults) as emu:
        yield emu


@pytest.fixture
def network_client(arm_emulator: Emulator) -> Any:
    """azure-mgmt-network client for the sample subscription."""
    client = _network_client(arm_emulator, SUB)
    yield client
    client.close()


@pytest.fixture
def dns_client(arm_emulator: Emulator) -> Any:
    """azure-mgmt-privatedns client for the sample subscription."""
    client = _dns_client(arm_emulator, SUB)
    yield client
    client.close()
