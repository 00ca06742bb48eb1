"""ARM emulator for vnetplan's live-path tests.

An HTTPS server on 127.0.0.1 (trustme test CA) that answers the calls azure-mgmt-network 33.1.0 and
azure-mgmt-privatedns 2.0.0 make, with the shapes of the official REST examples: paging with
``nextLink``, the LRO protocols (Azure-AsyncOperation / Location / Retry-After), ARM error bodies,
peering rules P1/P3/P4, private DNS rules D7, and injectable faults (latency, 429, 500, connection
reset, LRO failure, 403 by scope/action).

Modules: ``server`` (HTTP + :class:`Emulator` + control endpoints), ``backend`` (routing, paging,
LROs, etags, authz), ``network`` / ``privatedns`` (resource providers), ``store`` (state, id
parsing, snapshot load/save), ``faults`` (:class:`FaultConfig`, counters), ``errors`` (ARM error
bodies), ``ipam`` (address maths), ``clients`` (SDK clients + static credential for tests),
``sample`` (a small ARM-shaped estate), ``__main__`` (CLI).

Python::

    with Emulator(snapshot="estate.json", faults=FaultConfig(page_size=5)) as emu:
        client = NetworkManagementClient(cred, sub, base_url=emu.url, connection_verify=emu.ca_path)
        emu.set_faults(throttle_next=1, retry_after=0)
        assert emu.stats.writes == 0

CLI: ``python -m tests.emulator --estate FILE --port 0 --state-dir DIR [--faults JSON]`` prints one
JSON line ``{"url": ..., "ca": ...}``; drive it with ``POST /_emulator/faults``,
``GET /_emulator/stats``, ``POST /_emulator/reset``, ``GET|POST /_emulator/resources``.
"""

from .faults import FaultConfig, ForbiddenRule
from .policy import PolicyDeny
from .server import Emulator

__all__ = ["Emulator", "FaultConfig", "ForbiddenRule", "PolicyDeny"]
