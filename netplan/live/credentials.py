"""Credentials for the live path, chosen with ``--credential``.

* ``auto`` (default): ``VNETPLAN_ACCESS_TOKEN`` if set, else azure-identity's DefaultAzureCredential
  (environment, workload identity, managed identity, Azure CLI, ...);
* ``token``: only ``VNETPLAN_ACCESS_TOKEN`` (a bearer token; the ARM emulator accepts any value);
* ``cli``: the Azure CLI login (``az login``); ``managed-identity``: the machine's managed identity
  (``AZURE_CLIENT_ID`` picks a user-assigned one); ``workload-identity``: workload identity
  federation (``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``, ``AZURE_FEDERATED_TOKEN_FILE``);
  ``env``: a service principal from the ``AZURE_*`` environment variables.

Choosing one skips the probes of the others (DefaultAzureCredential asks the instance metadata
service at 169.254.169.254 when nothing else answers). :func:`acquire` asks for a token once,
before any work, so a missing credential is one line, printed once per run, not once per change:
what was tried and what to do. The details azure-identity gives go to ``--verbose``. The token is
never printed, logged or written to a snapshot.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from netplan.errors import VnetplanError

TOKEN_ENV = "VNETPLAN_ACCESS_TOKEN"
CREDENTIAL_CHOICES = ("auto", "cli", "managed-identity", "workload-identity", "env", "token")
ARM_SCOPE = "https://management.azure.com/.default"
HINT = "sign in with `az login`, use a managed identity, or set VNETPLAN_ACCESS_TOKEN (the emulator accepts any value)"

#: What each choice tries, as the error line says it.
TRIED = {
    "auto": f"{TOKEN_ENV} (not set), then DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI)",
    "token": f"{TOKEN_ENV} (not set)",
    "cli": "the Azure CLI login",
    "managed-identity": "the managed identity of this machine",
    "workload-identity": "workload identity federation (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE)",
    "env": "a service principal from the AZURE_* environment variables",
}


class CredentialMissing(VnetplanError):
    """No usable Azure credential. ``str()`` is the one line; ``details`` what azure-identity said."""

    def __init__(self, kind: str, details: str = "") -> None:
        self.kind = kind
        self.details = redact(details.strip())
        super().__init__(f"no Azure credential: tried {TRIED.get(kind, kind)}; {HINT}")


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


class _OnceCredential:
    """Wraps a credential so that once getting a token failed, every later ask fails the same way
    at once (one line per run, and no second round of probes)."""

    def __init__(self, inner: Any, kind: str) -> None:
        self._inner = inner
        self.kind = kind
        self._error: CredentialMissing | None = None
        self._lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if self._error is not None:
            raise self._error
        try:
            return self._inner.get_token(*scopes, **kwargs)
        except Exception as exc:
            with self._lock:
                if self._error is None:
                    self._error = CredentialMissing(self.kind, f"{type(exc).__name__}: {exc}")
            raise self._error from None

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()

    def __repr__(self) -> str:
        return f"Credential({self.kind})"


def make_credential(kind: str = "auto") -> Any:
    """The credential for ``--credential KIND`` (nothing is asked of Azure yet)."""
    if kind not in CREDENTIAL_CHOICES:
        raise VnetplanError(f"--credential must be one of {', '.join(CREDENTIAL_CHOICES)}, not {kind!r}")
    token = (os.environ.get(TOKEN_ENV) or "").strip()
    if kind == "token" or (kind == "auto" and token):
        if not token:
            raise CredentialMissing("token")
        return StaticTokenCredential(token)
    import azure.identity as identity

    inner: Any

    try:
        if kind == "auto":
            inner = identity.DefaultAzureCredential(exclude_interactive_browser_credential=True)
        elif kind == "cli":
            inner = identity.AzureCliCredential()
        elif kind == "managed-identity":
            client_id = os.environ.get("AZURE_CLIENT_ID")
            inner = identity.ManagedIdentityCredential(client_id=client_id) if client_id else identity.ManagedIdentityCredential()
        elif kind == "workload-identity":
            inner = identity.WorkloadIdentityCredential()
        else:
            inner = identity.EnvironmentCredential()
    except (ValueError, TypeError) as exc:  # e.g. workload identity without its environment variables
        raise CredentialMissing(kind, str(exc)) from None
    return _OnceCredential(inner, kind)


def scope_for(endpoint: str | None) -> str:
    """The token scope the SDK clients ask for: ARM's, or that of a custom ``--endpoint``."""
    return endpoint.rstrip("/") + "/.default" if endpoint else ARM_SCOPE


def acquire(kind: str = "auto", endpoint: str | None = None) -> Any:
    """A credential that has just produced a token (raises :class:`CredentialMissing`, one line)."""
    cred = make_credential(kind)
    cred.get_token(scope_for(endpoint))
    return cred


def redact(text: str) -> str:
    """Remove the static token from a message, should any layer have echoed it."""
    token = os.environ.get(TOKEN_ENV)
    if token and token.strip() and token.strip() in text:
        text = text.replace(token.strip(), "<redacted>")
    return text
