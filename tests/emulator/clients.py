"""Helpers to point the real Azure SDK clients at a running emulator.

``StaticTokenCredential`` is a TokenCredential that always returns the same fake token;
``network_client(emu)`` / ``dns_client(emu)`` build azure-mgmt-network / azure-mgmt-privatedns
clients with ``base_url=emu.url`` and ``connection_verify=emu.ca_path``. The SDK modules are
imported lazily so that importing the emulator does not need them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.privatedns import PrivateDnsManagementClient

    from .server import Emulator

ARM_SCOPE = "https://management.azure.com/.default"


class StaticTokenCredential:
    """A TokenCredential returning ``AccessToken(token, far-future expiry)``; counts its calls."""

    def __init__(self, token: str = "fake-token") -> None:
        self._token = token
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """Return the static token."""
        from azure.core.credentials import AccessToken

        self.calls += 1
        return AccessToken(self._token, int(time.time()) + 24 * 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        """Return the static token (TokenCredential protocol v2)."""
        from azure.core.credentials import AccessTokenInfo

        self.calls += 1
        return AccessTokenInfo(self._token, int(time.time()) + 24 * 3600)


def client_kwargs(emu: Emulator, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for an ARM SDK client against the emulator (fast retries by default)."""
    kw: dict[str, Any] = {
        "base_url": emu.url,
        "connection_verify": emu.ca_path,
        "credential_scopes": [ARM_SCOPE],
        "retry_backoff_factor": 0.01,
        "retry_backoff_max": 0.1,
        "polling_interval": 0,
    }
    kw.update(overrides)
    return kw


def network_client(
    emu: Emulator, subscription_id: str, credential: Any = None, **kw: Any
) -> NetworkManagementClient:
    """An azure-mgmt-network client talking to the emulator."""
    from azure.mgmt.network import NetworkManagementClient

    return NetworkManagementClient(
        credential or StaticTokenCredential(), subscription_id, **client_kwargs(emu, **kw)
    )


def dns_client(
    emu: Emulator, subscription_id: str, credential: Any = None, **kw: Any
) -> PrivateDnsManagementClient:
    """An azure-mgmt-privatedns client talking to the emulator."""
    from azure.mgmt.privatedns import PrivateDnsManagementClient

    return PrivateDnsManagementClient(
        credential or StaticTokenCredential(), subscription_id, **client_kwargs(emu, **kw)
    )
