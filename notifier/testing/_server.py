"""Loopback HTTP servers that tests, the demo and the benchmark use as the network.

A `LoopbackServer` listens on 127.0.0.1 at a port the OS picks, records every
request, and answers either with a scripted `Reply` (to simulate faults) or
with the normal behaviour its subclass defines in `respond`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Self

# Loopback only: these servers must never be reachable from another host.
HOST = "127.0.0.1"

# How often serve_forever checks for shutdown; keeps stop() quick.
_POLL_INTERVAL = 0.05


@dataclass
class Reply:
    """One scripted answer, served instead of the normal one."""

    status: int = 200
    body: bytes | str | dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0
    close: bool = False

    def __post_init__(self) -> None:
        if self.delay < 0 or self.drip < 0:
            raise ValueError("delay and drip must not be negative")


@dataclass
class Recorded:
    """One request as the server received it.

    `target` is the raw path and query; `time` is `time.monotonic()` at arrival,
    so the gaps between requests (retries, back-off) can be measured.
    """

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    time: float

    def header(self, name: str) -> str | None:
        """Return a header's value, matching its name in any case."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value

        return None


def _encode_body(body: bytes | str | dict | list | None) -> tuple[bytes, str | None]:
    """Turn a reply body into bytes and the content type it implies."""
    if body is None:
        return b"", None
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode("utf-8"), "text/plain; charset=utf-8"

    return json.dumps(body).encode("utf-8"), "application/json;charset=UTF-8"


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with recording and scripted replies.

    Subclasses override `respond` for their normal behaviour. Use it as a
    context manager, or call `start()` and `stop()`; a server runs only once.
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        # Set by stop(); stalled handlers wait on it so they wake at once.
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Httpd | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL such as http://127.0.0.1:PORT, without a trailing slash."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")

        return f"http://{HOST}:{self._httpd.server_address[1]}"

    def start(self) -> Self:
        """Bind to an OS-chosen loopback port and serve in a daemon thread."""
        if self._httpd is not None or self._stopping.is_set():
            raise RuntimeError("a server can be started only once")

        self._httpd = _Httpd(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"{type(self).__name__}-{self._httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()

        return self

    def stop(self) -> None:
        """Stop serving and drop open connections, even mid-stall; idempotent."""
        with self._lock:
            self._stopping.set()
            connections = list(self._connections)
        if self._httpd is None or self._thread is None:
            return

        self._httpd.shutdown()
        self._httpd.server_close()
        # Idle keep-alive connections would otherwise hold handler threads.
        for connection in connections:
            with contextlib.suppress(OSError):  # Already closed by its handler.
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=2)

    def script(self, *replies: Reply) -> None:
        """Queue replies served in order, one per request, before normal ones."""
        with self._lock:
            self._script.extend(replies)

    def respond(self, request: Recorded) -> Reply:
        """Answer a request that no scripted reply covered; subclasses override."""
        return Reply(status=404, body="not found")

    def _next_reply(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self._script.popleft() if self._script else None

        return scripted if scripted is not None else self.respond(request)

    def _track(self, connection: socket.socket) -> bool:
        with self._lock:
            if self._stopping.is_set():
                return False
            self._connections.add(connection)

        return True

    def _untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True
    # Never join handler threads on close: a stalled one must not block stop().
    block_on_close = False

    def __init__(self, owner: LoopbackServer) -> None:
        self.owner = owner
        super().__init__((HOST, 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (a DNS query); skip it.
        TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.server_address[1]

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up, or a stop() mid-reply, is expected here.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError) or self.owner._stopping.is_set():
            return

        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Httpd
    protocol_version = "HTTP/1.1"
    server_version = "loopback-stand-in"
    sys_version = ""
    # Headers and body go out in separate writes; with Nagle's algorithm on,
    # a small body then waits for the client's delayed ACK (40 ms here), a
    # stall no real gateway adds and that would swamp every timing.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        # Refuse a connection accepted just as stop() began.
        if not self.server.owner._track(self.connection):
            return

        super().handle()

    def finish(self) -> None:
        self.server.owner._untrack(self.connection)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean: no access log on stderr."""

    def _dispatch(self) -> None:
        owner = self.server.owner
        request = Recorded(
            method=self.command,
            target=self.path,
            headers=dict(self.headers.items()),
            body=self._read_body(),
            time=time.monotonic(),
        )
        reply = owner._next_reply(request)
        if reply.close or owner._stopping.wait(reply.delay):
            self.close_connection = True
            return

        self._send(reply)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is not None:
            return self.rfile.read(int(length))
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            return b""

        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        # Skip trailer fields up to the blank line that ends the message.
        while self.rfile.readline().strip():
            pass

        return b"".join(chunks)

    def _send(self, reply: Reply) -> None:
        payload, content_type = _encode_body(reply.body)
        headers = {"content-length": ("Content-Length", str(len(payload)))}
        if content_type is not None:
            headers["content-type"] = ("Content-Type", content_type)
        for name, value in reply.headers.items():
            headers[name.lower()] = (name, value)

        self.send_response(reply.status)
        for name, value in headers.values():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return

        if reply.drip <= 0:
            self.wfile.write(payload)
            return
        for index in range(len(payload)):
            if index and self.server.owner._stopping.wait(reply.drip):
                self.close_connection = True
                return
            self.wfile.write(payload[index : index + 1])

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch
    do_HEAD = do_OPTIONS = _dispatch
