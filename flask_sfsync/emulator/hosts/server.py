"""Threaded HTTP/1.1 servers with keep-alive, for the login host (HTTP) and the instance (HTTPS).

Werkzeug's development handler closes the connection after every response, which costs a TCP
connect and a TLS handshake per API call. Throughput matters here (10,000 records/s through
Collections), so this handler reads the whole request body first (so a handler that never reads
it cannot desynchronise the stream), sends one buffered response with Content-Length and keeps
the connection open. TLS handshakes run on the connection's own thread, not the accept loop.

A server can also "go down" for fault injection: new connections are reset as soon as they are
accepted and open keep-alive connections are shut, while the listening socket stays bound so
coming back up needs no re-bind race.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

from werkzeug.serving import DechunkedInput, ThreadedWSGIServer, WSGIRequestHandler

__all__ = ["RESET_ENVIRON_KEY", "EmulatorServer"]

# A WSGI app sets this environ key to True to have the connection reset instead of answered.
RESET_ENVIRON_KEY = "sfsync.emulator.reset"
_IDLE_TIMEOUT = 120.0  # seconds an idle keep-alive connection is kept
_NO_BODY_STATUSES = frozenset({204, 304})
_LAST_RESORT = b'[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]'

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0 so the peer sees ECONNRESET, like a dead load balancer."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_TIMEOUT
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, so Nagle would only add delayed-ACK stalls.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the request log records calls; a console line per call costs throughput."""

    def log_error(self, format: str, *args: Any) -> None:
        """Quiet: dropped or timed-out connections are expected (faults, idle clients)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed HTTP (bad request line, headers, length) gets JSON too, never HTML."""
        body = json.dumps([{"message": message or "Bad Request", "errorCode": "BAD_REQUEST"}])
        payload = body.encode("utf-8")
        self.close_connection = True
        head = (
            f"HTTP/1.1 {code} {self.responses.get(code, ('Error',))[0]}\r\n"
            f"Content-Type: application/json;charset=UTF-8\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            self.wfile.write(head.encode("latin-1") + payload)

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return DechunkedInput(self.rfile).read()  # type: ignore[arg-type]
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0:
            return None
        return self.rfile.read(size)

    def run_wsgi(self) -> None:
        if self.server.should_reset(self.path):
            self._drop()
            return
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self._read_body()
        if body is None:
            self.send_error(400, "Bad Content-Length")
            self.close_connection = True
            return
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = True
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        self._respond(environ)

    def _respond(self, environ: dict[str, Any]) -> None:
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = [status, headers]
            return lambda data: None

        try:
            chunks = self.server.app(environ, start_response)
            try:
                payload = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except Exception:
            # The apps turn every error into JSON themselves; this is the last line of defence.
            started[:] = ["500 Internal Server Error", [("Content-Type", "application/json")]]
            payload = _LAST_RESORT
        if environ.get(RESET_ENVIRON_KEY):
            self._drop()
            return
        status, headers = started
        code = int(status.split(None, 1)[0])
        length = len(payload)  # HEAD reports the length GET would send
        if self.command == "HEAD" or code in _NO_BODY_STATUSES:
            payload = b""
        # An app may date its answers by its own clock (the instance: the org's).
        date = next((v for k, v in headers if k.lower() == "date"), None)
        lines = [f"HTTP/1.1 {status}", f"Date: {date or formatdate(usegmt=True)}"]
        lines.extend(
            f"{k}: {v}" for k, v in headers
            if k.lower() not in ("content-length", "connection", "date")
        )
        if code not in _NO_BODY_STATUSES:
            lines.append(f"Content-Length: {length}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + payload)

    def _drop(self) -> None:
        self.close_connection = True
        _reset(self.connection)


class EmulatorServer(ThreadedWSGIServer):
    """A werkzeug threaded server with keep-alive, per-thread TLS and a down switch."""

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApp,
        *,
        tls: ssl.SSLContext | None = None,
        is_down: Callable[[], bool] = lambda: False,
        resets_path: Callable[[str], bool] = lambda path: True,
    ) -> None:
        try:
            super().__init__(host, port, app, _KeepAliveHandler)
        except SystemExit:
            # werkzeug prints the reason and exits on a bind failure; a library must raise.
            raise OSError(f"cannot listen on {host}:{port}") from None
        # Set after super().__init__ so werkzeug does not wrap the listening socket: the
        # handshake then happens on the connection's thread. make_environ reads this attribute
        # to report wsgi.url_scheme "https".
        self.ssl_context = tls
        self._is_down = is_down
        self._resets_path = resets_path
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # --- down switch ---------------------------------------------------------------------
    def should_reset(self, path: str) -> bool:
        return self._is_down() and self._resets_path(path)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        if self._is_down() and self._resets_path("/"):
            _reset(request)
            return False
        return True

    def drop_connections(self) -> None:
        """Shut every open connection (idle keep-alive ones included)."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    # --- per-connection thread -------------------------------------------------------------
    def process_request_thread(self, request: Any, client_address: Any) -> None:
        conn = request
        self._track(conn, True)
        try:
            if self.ssl_context is not None:
                request.settimeout(_IDLE_TIMEOUT)
                try:
                    # wrap_socket detaches the plain socket: track the TLS one from here on.
                    request = self.ssl_context.wrap_socket(request, server_side=True)
                except (OSError, ssl.SSLError):
                    self.shutdown_request(request)
                    return
                self._track(conn, False)
                conn = request
                self._track(conn, True)
            super().process_request_thread(request, client_address)
        finally:
            self._track(conn, False)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that vanished mid-request is not the server's error."""

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.name = f"sfsync-emulator-{self.port}"
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.server_close()
