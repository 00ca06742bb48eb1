"""ARM emulator for vnetplan's live-path tests: an HTTPS server on 127.0.0.1 that answers the
azure-mgmt-network and azure-mgmt-privatedns calls with the official REST shapes, LROs, paging,
ARM errors (P1-P4, D7) and injectable faults. See ``server.py`` for the Python API and control
endpoints, ``__main__.py`` for the CLI.
"""

from .faults import FaultConfig, ForbiddenRule
from .server import Emulator

__all__ = ["Emulator", "FaultConfig", "ForbiddenRule"]
