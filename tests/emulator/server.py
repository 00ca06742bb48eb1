"""HTTPS front end of the ARM emulator and its Python API (:class:`Emulator`).

A stdlib ``ThreadingHTTPServer`` on 127.0.0.1 wrapped in TLS with a certificate from a trustme
test CA (the CA PEM is written to ``ca_path`` so the SDK can trust it). ARM requests need an
``Authorization: Bearer ...`` header (the token is never logged or echoed). Request-level faults
(latency, 429, 500, connection reset) are decided here, before the backend sees the request, so an
injected fault never changes state. Control endpoints (no auth, not counted as ARM requests):

* ``GET /_emulator/stats`` - counters (``writes`` = PUT/PATCH/POST/DELETE to ARM paths)
* ``GET|POST /_emulator/faults`` - read / merge :class:`FaultConfig` fields (JSON)
* ``POST /_emulator/reset`` - zero counters, default faults; ``{"state": true}`` also reloads the seed
* ``GET /_emulator/resources`` - current state as a snapshot; ``POST`` replaces it
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import struct
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import trustme

from . import errors
from .backend import ArmRequest, ArmResponse, Backend
from .faults import GRAPH_KIND, FaultConfig, FaultInjector, Stats
from .store import Store, parse_path

STATE_FILE = "state.json"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away (and about injected connection resets)."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        """No Nagle delay: headers and body go out in separate writes on a kept-alive connection."""
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.verbose:
            # path only: headers (and so the bearer token) are never logged
            import sys

            sys.stderr.write(
                f"emulator: {self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n"
            )

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    # ------------------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, resp: ArmResponse) -> None:
        emu = self.server.emulator
        payload = b"" if resp.body is None else json.dumps(resp.body).encode()
        # Counted before anything goes out: a client that has read the response must see it counted
        # (a 204 has no body, so the headers alone complete it).
        emu.stats.count("by_status", str(resp.status))
        self.send_response(resp.status)
        rid = str(uuid.uuid4())
        self.send_header("x-ms-request-id", rid)
        self.send_header(
            "x-ms-correlation-request-id", self.headers.get("x-ms-correlation-request-id") or rid
        )
        cid = self.headers.get("x-ms-client-request-id")
        if cid:
            self.send_header("x-ms-client-request-id", cid)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _reset_connection(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.close()
        self.close_connection = True

    def _serve(self) -> None:
        emu = self.server.emulator
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = {k.lower(): v for k, v in parse_qsl(split.query, keep_blank_values=True)}
        raw = self._read_body()
        if path.startswith("/_emulator"):
            self._send(emu.control(self.command, path, raw))
            return
        method = self.command
        arm = parse_path(path)
        kind = _kind(path, arm)
        from .policy import is_check_path

        write = method in Stats.WRITE_METHODS and not is_check_path(path)  # the policy check is a read
        emu.stats.count_request(method, kind, write=write)
        gate = emu.write_gate
        if gate is not None and write and not gate.pass_or_hold():
            self._reset_connection()  # the held write was dropped: it never reaches the store
            return
        auth = self.headers.get("Authorization")
        if not auth or not auth.startswith("Bearer ") or not auth[7:].strip():
            e = errors.unauthenticated(missing=not auth)
            self._send(ArmResponse(e.status, e.body(), e.headers))
            return
        latency, fault = emu.faults.request_fault(method, path)
        if latency > 0:
            emu.stats.count("faults", "latency")
            time.sleep(latency)
        if fault == "reset":
            emu.stats.count("faults", "reset")
            self._reset_connection()
            return
        if fault == "throttle":
            emu.stats.count("faults", "throttle")
            e = errors.too_many_requests(emu.faults.config.retry_after)
            self._send(ArmResponse(e.status, e.body(), e.headers))
            return
        if fault == "error":
            emu.stats.count("faults", "error")
            e = errors.internal_server_error()
            self._send(ArmResponse(e.status, e.body(), e.headers))
            return
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError as exc:
                e = errors.invalid_request_content(str(exc))
                self._send(ArmResponse(e.status, e.body()))
                return
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        req = ArmRequest(
            method, path, query, {k.lower(): v for k, v in self.headers.items()}, body, f"https://{host}"
        )
        self._send(emu.backend.handle(req))


class WriteGate:
    """A point in a run that a test controls: the first ``after`` ARM writes pass, later ones wait.

    ``held`` is set when a write is waiting (so the test knows the client has exactly ``after``
    writes behind it and one in flight); ``open(drop=...)`` lets the waiting writes go on, or drops
    them (the connection is reset and the store never sees them). Created by
    :meth:`Emulator.hold_writes_after`.
    """

    def __init__(self, after: int) -> None:
        self.after = after
        self.passed = 0
        self.held = threading.Event()
        self._open = threading.Event()
        self._drop = False
        self._lock = threading.Lock()

    def pass_or_hold(self) -> bool:
        """Called for each write: True to serve it, False to drop it (after waiting for the test)."""
        with self._lock:
            if self._open.is_set() or self.passed < self.after:
                self.passed += 1
                return True
        self.held.set()
        self._open.wait()
        return not self._drop

    def open(self, *, drop: bool = False) -> None:
        """Let every waiting and later write through (``drop``: reset the waiting ones instead)."""
        self._drop = drop
        self._open.set()


def _kind(path: str, arm: Any) -> str:
    """A short request kind for the counters, e.g. ``Microsoft.Network/virtualNetworks[]`` for a list."""
    if arm is None or arm.namespace is None:
        parts = [p for p in path.split("/") if p]
        if [p.lower() for p in parts] == ["providers", "microsoft.resourcegraph", "resources"]:
            return GRAPH_KIND
        return "subscriptions[]" if len(parts) <= 1 else "scope"
    segs = [s.lower() for s in arm.segments]
    if segs and segs[0] in ("locations", "privatednsoperationstatuses", "privatednsoperationresults"):
        return "operation"
    chain = arm.type_chain
    if segs and segs[0] == "privatednszones" and len(segs) >= 3 and segs[2] != "virtualnetworklinks":
        chain = f"{arm.namespace}/{arm.segments[0]}/{arm.segments[2].upper()}"  # record type: A, CNAME, ALL
    return chain + ("[]" if arm.is_collection else "")


def _settle(node: Any) -> None:
    """Turn transient provisioning states (left by LROs cut short by a restart) into Succeeded."""
    if isinstance(node, list):
        for x in node:
            _settle(x)
    elif isinstance(node, dict):
        if node.get("provisioningState") in ("Updating", "Creating", "Deleting"):
            node["provisioningState"] = "Succeeded"
        for v in node.values():
            if isinstance(v, (dict, list)):
                _settle(v)


class Emulator:
    """The ARM emulator: ``with Emulator(snapshot=...) as emu: url = emu.url``.

    ``snapshot`` is a dict/list in snapshot shape or a path to a JSON file; ``state_dir`` makes the
    state persist to ``state_dir/state.json`` after each write (and reload from it on start);
    ``faults`` is a :class:`FaultConfig` (or dict). ``port`` 0 picks a free port.
    """

    def __init__(
        self,
        snapshot: Any = None,
        *,
        state_dir: str | os.PathLike[str] | None = None,
        faults: FaultConfig | dict[str, Any] | None = None,
        port: int = 0,
        subscriptions: list[str] | None = None,
        verbose: bool = False,
    ) -> None:
        self._seed = snapshot
        self.state_dir = Path(state_dir) if state_dir else None
        cfg = faults if isinstance(faults, FaultConfig) else FaultConfig.from_dict(faults or {})
        self._default_faults = cfg
        self.faults = FaultInjector(FaultConfig.from_dict(cfg.to_dict()))
        self.stats = Stats()
        self.store = Store()
        self.port = port
        self.verbose = verbose
        self._extra_subs = list(subscriptions or [])
        self.backend = Backend(
            self.store,
            self.faults,
            self.stats,
            state_file=self.state_dir / STATE_FILE if self.state_dir else None,
        )
        self.write_gate: WriteGate | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.ca_path = ""
        self.url = ""
        #: the test CA (set by start): a second loopback server can present a certificate the SDK trusts
        self.ca: trustme.CA | None = None
        self._load_initial()

    # -- state -----------------------------------------------------------------------------------
    def _seed_data(self) -> Any:
        if self._seed is None:
            return {"resources": []}
        if isinstance(self._seed, (str, os.PathLike)):
            with open(self._seed, encoding="utf-8") as fh:
                return json.load(fh)
        return self._seed

    def _load_initial(self, *, ignore_state_file: bool = False) -> None:
        state_file = self.state_dir / STATE_FILE if self.state_dir else None
        if state_file is not None and state_file.exists() and not ignore_state_file:
            self.store.load_file(state_file)
            _settle(self.store.all())  # LROs do not survive a restart
        else:
            self.store.load(self._seed_data())
        for s in self._extra_subs:
            self.store.extra_subscriptions.setdefault(s.lower(), {"subscriptionId": s})
        self.backend.ops.clear()
        self.backend.persist()

    def resources(self) -> dict[str, Any]:
        """The current state as a snapshot dict ``{"resources": [...]}`` (inline shape, deep copy)."""
        with self.backend.lock:
            return self.store.snapshot()

    def load(self, snapshot: Any) -> None:
        """Replace the state with a snapshot."""
        with self.backend.lock:
            self.store.load(snapshot)
            self.backend.ops.clear()
            self.backend.persist()

    def set_faults(self, config: FaultConfig | dict[str, Any] | None = None, **changes: Any) -> FaultConfig:
        """Replace the fault config (a FaultConfig), or merge a dict / keyword changes into it."""
        if isinstance(config, FaultConfig):
            new = config
        else:
            merged = dict(config or {})
            merged.update(changes)
            new = FaultConfig.from_dict(merged, base=self.faults.config)
        self.faults.configure(new)
        return new

    def hold_writes_after(self, after: int) -> WriteGate:
        """Serve the next ``after`` ARM writes, then hold the following ones until the returned
        gate is opened (a kill or Ctrl-C at a point the test chooses, not at a time)."""
        if self.write_gate is not None:
            self.write_gate.open()
        gate = WriteGate(after)
        self.write_gate = gate
        return gate

    def spend_graph_quota(self) -> None:
        """Resource Graph's quota is spent from now on, for a whole window: the next query gets a 429
        whatever the time since the last one (a point the test chooses, not a time)."""
        self.backend.graph_quota.spend(int(self.faults.config.graph_quota))

    def reset(self, *, state: bool = False) -> None:
        """Zero counters and restore the initial fault config; ``state=True`` also reloads the seed."""
        self.stats.reset()
        self.faults.configure(FaultConfig.from_dict(self._default_faults.to_dict()))
        if state:
            with self.backend.lock:
                self._load_initial(ignore_state_file=True)

    # -- control endpoint ---------------------------------------------------------------------------
    def control(self, method: str, path: str, raw: bytes) -> ArmResponse:
        """Serve ``/_emulator/...``."""
        try:
            data = json.loads(raw) if raw else {}
        except ValueError as exc:
            return ArmResponse(400, errors.error_body("InvalidRequestContent", str(exc)))
        what = path.rstrip("/").split("/")[-1]
        try:
            if what == "stats" and method == "GET":
                return ArmResponse(200, self.stats.to_dict())
            if what == "faults" and method == "GET":
                return ArmResponse(200, self.faults.config.to_dict())
            if what == "faults" and method in ("POST", "PUT"):
                return ArmResponse(200, self.set_faults(data).to_dict())
            if what == "reset" and method == "POST":
                self.reset(state=bool(data.get("state")))
                return ArmResponse(200, {"ok": True})
            if what == "resources" and method == "GET":
                return ArmResponse(200, self.resources())
            if what == "resources" and method in ("POST", "PUT"):
                self.load(data)
                return ArmResponse(200, {"ok": True, "count": len(self.store.all())})
        except (ValueError, TypeError) as exc:
            return ArmResponse(400, errors.error_body("InvalidRequestContent", str(exc)))
        return ArmResponse(404, errors.error_body("NotFound", f"unknown control endpoint {method} {path}"))

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> str:
        """Start serving (in a background thread); returns the base URL."""
        if self._server is not None:
            return self.url
        self._tmp = tempfile.TemporaryDirectory(prefix="arm-emulator-")
        ca = self.ca = self._load_or_make_ca()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.emulator = self
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.port = server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        # Poll for shutdown every 10 ms: stop() waits for the next poll, and the suite stops the
        # emulator a few hundred times (a select() wake-up every 10 ms costs nothing measurable).
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.01,), name="arm-emulator", daemon=True
        )
        self._thread.start()
        return self.url

    def _load_or_make_ca(self) -> trustme.CA:
        """The test CA. With a state dir it lives there (``ca.pem``, ``ca-key.pem``) and is reused on
        restart, so ``--ca-bundle STATE_DIR/ca.pem`` stays valid; else a fresh one in a temp dir."""
        if self.state_dir is None:
            assert self._tmp is not None
            ca = trustme.CA()
            self.ca_path = str(Path(self._tmp.name) / "ca.pem")
            ca.cert_pem.write_to_path(self.ca_path)
            return ca
        self.state_dir.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = self.state_dir / "ca.pem", self.state_dir / "ca-key.pem"
        if cert_path.is_file() and key_path.is_file():
            ca = trustme.CA.from_pem(cert_path.read_bytes(), key_path.read_bytes())
        else:
            ca = trustme.CA()
            ca.private_key_pem.write_to_path(str(key_path))
            key_path.chmod(0o600)
            ca.cert_pem.write_to_path(str(cert_path))
        self.ca_path = str(cert_path)
        return ca

    def stop(self) -> None:
        """Stop serving and remove the temporary CA files."""
        if self.write_gate is not None:
            self.write_gate.open(drop=True)  # no handler thread may stay blocked
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
