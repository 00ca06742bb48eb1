"""Credentials for the live path: a static bearer token, or DefaultAzureCredential.

When ``VNETPLAN_ACCESS_TOKEN`` is set it is used as-is (pipelines that already hold a token from
``az account get-access-token``, and the ARM emulator in tests); otherwise azure-identity's
DefaultAzureCredential (Azure CLI login, managed identity, workload identity federation,
environment variables). The token is never printed, logged or written to a snapshot.
"""

from __future__ import annotations

import os
import time
from typing import Any

TOKEN_ENV = "VNETPLAN_ACCESS_TOKEN"


class StaticTokenCredential:
    """A TokenCredential that always returns one bearer token (azure.core's protocol)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        # Far enough ahead that the SDK never asks again during a run.
        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:  # never show the token
        return "StaticTokenCredential(<redacted>)"


def make_credential() -> Any:
    token = os.environ.get(TOKEN_ENV)
    if token:
        return StaticTokenCredential(token.strip())
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def redact(text: str) -> str:
    """Remove the static token from a message, should any layer have echoed it."""
    token = os.environ.get(TOKEN_ENV)
    if token and token.strip() and token.strip() in text:
        text = text.replace(token.strip(), "<redacted>")
    return text
