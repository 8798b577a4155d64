"""Child processes for the demo: started in their own process group, logged to a file, stopped
as a group (an RQ worker's job processes included), and never left behind.

Each child gets its own session so that the terminal's Ctrl-C reaches only the orchestrator, which
then stops the children in order (host, worker, org, so the org saves its data last). If the
orchestrator itself is killed, Linux's parent-death signal (PR_SET_PDEATHSIG) stops them anyway.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT = 10.0


class ProcessError(RuntimeError):
    """A child did not start, or stopped by itself; the message says where its log is."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class ManagedProcess:
    """One child: ``start()`` it, ``check()`` it is alive, ``stop()`` its whole group."""

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str], log_path: Path,
                 capture_stdout: bool = False) -> None:
        self.name = name
        self.args = list(args)
        self.env = dict(env)
        self.log_path = log_path
        self.capture_stdout = capture_stdout
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.args,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if self.capture_stdout else self._log,
            stderr=self._log,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        return self

    def read_first_line(self, timeout: float) -> str:
        """The child's first stdout line; then the rest of its stdout goes on to its log."""
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = stdout.readline()
                    if not line:
                        break
                    threading.Thread(target=self._drain, args=(stdout,), daemon=True).start()
                    return line.decode("utf-8", "replace")
                if self.process.poll() is not None:
                    break
        raise ProcessError(f"{self.name} did not start: see {self.log_path}")

    def _drain(self, stream: IO[bytes]) -> None:
        log = self._log
        for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
            if log is not None and not log.closed:
                log.write(chunk)
                log.flush()

    def check(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise ProcessError(
                f"{self.name} stopped (exit code {self.process.returncode}): see {self.log_path}"
            )

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the group, then SIGKILL if it is still there after ``timeout`` seconds."""
        process = self.process
        if process is not None:
            if process.poll() is None:
                self._signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self._signal_group(process.pid, signal.SIGKILL)
                    process.wait()
            # Leftovers of the group (e.g. an RQ job process) go too.
            self._signal_group(process.pid, signal.SIGKILL)
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()

    @staticmethod
    def _signal_group(pgid: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)


def run_step(name: str, args: Sequence[str], env: Mapping[str, str], log_path: Path) -> None:
    """Run a set-up command to its end; fail with the log's place if it fails."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        result = subprocess.run(args, env=dict(env), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, check=False, preexec_fn=_die_with_parent)
    if result.returncode != 0:
        raise ProcessError(f"{name} failed (exit code {result.returncode}): see {log_path}")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(host: str, port: int, timeout: float, child: ManagedProcess) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child.check()
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise ProcessError(f"{child.name} did not listen on {host}:{port}: see {child.log_path}")
