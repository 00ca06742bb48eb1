"""The suite's network guard: sockets may only reach loopback, and servers only start in tests
marked ``integration``.

Installed for the whole session by ``tests/conftest.py`` (``install()``), it wraps
``socket.socket.connect``/``connect_ex``/``sendto``/``sendmsg`` so that an address that is not
loopback (a name other than ``localhost``, or an IP outside 127.0.0.0/8 and ::1) raises
:class:`NonLoopbackConnection` *and* is recorded: code that swallows connection errors (as
azure-identity's credential chain does when it probes the instance metadata service at
169.254.169.254) still fails the test, because the conftest checks the record after every test.
``listen()`` and a UDP ``bind()`` are recorded as a server start, so a test that starts a server
without the ``integration`` marker fails too.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class NonLoopbackConnection(ConnectionRefusedError):
    """A test tried to open a socket to an address that is not loopback."""


_lock = threading.Lock()
attempts: list[str] = []  # "host:port" of every refused non-loopback address, in order
servers: list[str] = []  # "host:port" of every listen()/UDP bind()
_installed: dict[str, Any] = {}


def is_loopback(address: Any) -> bool:
    """Whether a socket address (AF_INET/AF_INET6 tuple, or an AF_UNIX path) stays on this machine."""
    if isinstance(address, (str, bytes, bytearray)) or address is None:
        return True  # AF_UNIX path (or abstract namespace)
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).split("%", 1)[0].strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name would be resolved and reached over the network


def _describe(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return repr(address)


def _check(address: Any) -> None:
    if not is_loopback(address):
        where = _describe(address)
        with _lock:
            attempts.append(where)
        raise NonLoopbackConnection(f"the test suite may only open sockets to loopback, not {where}")


def install() -> None:
    """Wrap the socket methods (idempotent)."""
    if _installed:
        return
    cls = socket.socket
    orig = {name: getattr(cls, name) for name in ("connect", "connect_ex", "sendto", "sendmsg", "listen", "bind")}
    _installed.update(orig)

    def connect(self: socket.socket, address: Any) -> None:
        _check(address)
        return orig["connect"](self, address)  # type: ignore[no-any-return]

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(address)
        return orig["connect_ex"](self, address)  # type: ignore[no-any-return]

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        if args:
            _check(args[-1])
        return orig["sendto"](self, data, *args)  # type: ignore[no-any-return]

    def sendmsg(self: socket.socket, buffers: Any, *args: Any) -> int:
        if len(args) >= 3 and args[2] is not None:
            _check(args[2])
        return orig["sendmsg"](self, buffers, *args)  # type: ignore[no-any-return]

    def listen(self: socket.socket, *args: Any) -> None:
        with _lock:
            servers.append(_describe(self.getsockname()))
        return orig["listen"](self, *args)  # type: ignore[no-any-return]

    def bind(self: socket.socket, address: Any) -> None:
        result = orig["bind"](self, address)
        if self.type == socket.SOCK_DGRAM and self.family in (socket.AF_INET, socket.AF_INET6):
            with _lock:
                servers.append(_describe(self.getsockname()))
        return result  # type: ignore[no-any-return]

    for name, fn in (("connect", connect), ("connect_ex", connect_ex), ("sendto", sendto),
                     ("sendmsg", sendmsg), ("listen", listen), ("bind", bind)):  # fmt: skip
        setattr(cls, name, fn)


def uninstall() -> None:
    """Restore the original socket methods."""
    for name, fn in _installed.items():
        setattr(socket.socket, name, fn)
    _installed.clear()


def marks() -> tuple[int, int]:
    """Current lengths of the two records (to see what one test added)."""
    with _lock:
        return len(attempts), len(servers)


def since(mark: tuple[int, int]) -> tuple[list[str], list[str]]:
    """What was recorded after ``mark``."""
    with _lock:
        return attempts[mark[0]:], servers[mark[1]:]
