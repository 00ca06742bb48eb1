"""The bearer token goes to the ARM endpoint and nowhere else.

Azure's answers name URLs the SDK then follows with the credential's token attached: the
``Azure-AsyncOperation`` and ``Location`` headers of a long-running operation, ``nextLink`` of a
list, and the status URL an interrupted apply left in its journal. A tampered journal or a
hostile (or misconfigured) endpoint could name any host. :class:`EndpointGuard` wraps the HTTP
transport every live client uses and refuses, before a byte leaves the process, any request whose
scheme, host or port differ from the ARM endpoint's (``https://management.azure.com`` unless
``--endpoint`` says otherwise). :func:`same_endpoint` is the same test for code that wants to
refuse a URL with a better message before handing it to the SDK.

The promise: with the guard in place no request, and so no token, reaches another origin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from netplan.errors import VnetplanError

#: Public Azure's Resource Manager endpoint (used when no ``--endpoint`` is given).
ARM_ENDPOINT = "https://management.azure.com"
_DEFAULT_PORTS = {"https": 443, "http": 80}


class ForeignEndpoint(VnetplanError):
    """A request to a URL that is not on the ARM endpoint; nothing was sent.

    Deliberately not an ``AzureError``: azure-core's retry policy would retry those.
    """

    def __init__(self, url: str, endpoint: str) -> None:
        self.url = url
        self.endpoint = endpoint
        super().__init__(f"refused to send a request to {origin(url)}: only {origin(endpoint)} gets the credential's token")


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` (default ports filled in, host lower-cased)."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return "<not a URL>"
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def same_endpoint(url: str, endpoint: str | None) -> bool:
    """Whether ``url`` has the scheme, host and port of ``endpoint`` (public ARM when None).

    A relative URL (a path) is resolved against the endpoint by the SDK, so it is on it.
    """
    if url.startswith("/") and not url.startswith("//"):
        return True
    return origin(url) == origin(endpoint or ARM_ENDPOINT) and origin(url) != "<not a URL>"


class EndpointGuard:
    """An azure-core ``HttpTransport`` around another one: sends only to the ARM endpoint."""

    def __init__(self, inner: Any, endpoint: str | None) -> None:
        self.inner = inner
        self.endpoint = (endpoint or ARM_ENDPOINT).rstrip("/")

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = str(getattr(request, "url", ""))
        if not same_endpoint(url, self.endpoint):
            raise ForeignEndpoint(url, self.endpoint)
        return self.inner.send(request, **kwargs)

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def sleep(self, duration: float) -> None:
        self.inner.sleep(duration)

    def __enter__(self) -> EndpointGuard:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.inner.__exit__(*exc)
