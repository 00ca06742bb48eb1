"""A second HTTPS server on loopback that records every request it receives (method, path, headers).

The token tests point the emulator's long-running-operation URLs, or a journal's, at it: a client
that honours "the token goes only to the ARM endpoint" never reaches it. It trusts the same test CA
as the emulator, so a request that did leave would arrive with its headers intact (TLS would not
stop it first) and the test would see the ``Authorization`` header.
"""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme


class Recorder:
    """``with Recorder(emu.ca) as rec: ... rec.url ... rec.requests``."""

    def __init__(self, ca: trustme.CA) -> None:
        self.ca = ca
        self.requests: list[dict[str, Any]] = []
        self.url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Recorder:
        rec = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                rec.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items())})
                body = json.dumps({"status": "InProgress"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _any

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._server = server
        # "localhost", not 127.0.0.1: another host name, another port, the same machine.
        self.url = f"https://localhost:{server.server_address[1]}"
        self._thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
