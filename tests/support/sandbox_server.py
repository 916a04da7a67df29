"""``sandbox_server``: the real sandbox platform server as a subprocess on 127.0.0.1.

Usage::

    def test_x(sandbox_server):
        srv = sandbox_server()                      # quiet room (--viewers 0)
        srv = sandbox_server(debug_routes=True)     # with the _debug routes
        srv = sandbox_server(viewers=200, live=True, extra=["--rate", "500"])
        httpx.get(srv.api("/products"), headers=srv.headers("host"))
        srv.restart()   # same db; srv.url may change
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from tests.support.processes import spawn, stop

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # a busy machine: imports alone can take seconds


class SandboxServer:
    """One sandbox server process; ``restart()`` keeps the same database."""

    def __init__(self, db: Path, log: Path, args: list[str]) -> None:
        self.db = db
        self.log_path = log
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.room = ""
        self.tokens: dict[str, str] = {}
        self.info: dict[str, Any] = {}
        self.start()

    # --- helpers for tests -------------------------------------------------------------------
    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :]

    def api(self, path: str = "") -> str:
        """Absolute URL of a room route, e.g. ``api("/products")``."""
        return f"{self.url}/api/v1/rooms/{self.room}{path}"

    def events_url(self, after_seq: int | None = 0, token: str | None = None) -> str:
        url = f"{self.ws_url}/api/v1/rooms/{self.room}/events"
        params = []
        if after_seq is not None:
            params.append(f"after_seq={after_seq}")
        if token is not None:
            params.append(f"token={token}")
        return url + ("?" + "&".join(params) if params else "")

    def headers(self, role: str = "host", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def client(self, role: str = "host") -> httpx.Client:
        """An httpx client for this room's routes (relative paths: ``client().get("/products")``)."""
        return httpx.Client(base_url=self.api(), headers=self.headers(role), timeout=30)

    def last_seq(self) -> int:
        r = httpx.get(self.api(), headers=self.headers("reviewer"), timeout=30)
        r.raise_for_status()
        return int(r.json()["seq"])

    def read_events(
        self,
        after_seq: int = 0,
        *,
        until_seq: int | None = None,
        count: int | None = None,
        timeout: float = 30.0,
        role: str = "reviewer",
    ) -> list[dict[str, Any]]:
        """Decoded stream messages after ``after_seq`` until seq ``until_seq`` (default: the
        room's last seq now) or ``count`` messages have arrived."""
        if until_seq is None and count is None:
            until_seq = self.last_seq()
        out: list[dict[str, Any]] = []
        if until_seq is not None and until_seq <= after_seq:
            return out
        deadline = time.monotonic() + timeout
        with ws_connect(
            self.events_url(after_seq),
            additional_headers=self.headers(role),
            open_timeout=timeout,
            max_size=None,
        ) as ws:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"got {len(out)} events, last {out[-1:]}")
                msg = json.loads(ws.recv(timeout=left))
                out.append(msg)
                if count is not None and len(out) >= count:
                    return out
                if until_seq is not None and msg.get("seq", 0) >= until_seq:
                    return out

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        # run as the console runs it: the server stops by itself when our end of its stdin closes,
        # so a test run that crashes or is killed leaves no server (and its audience) running
        cmd = [sys.executable, "-m", "plugins.sandbox.adapter", "--port", "0", "--db", str(self.db)]
        cmd += self.args
        logf = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # (spawn: its own process group, SIGKILLed with this process — tests/support/processes.py)
        self.proc = spawn(
            cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=logf, stdin=subprocess.PIPE, env=env
        )
        logf.close()
        line = self._read_line(self.proc)
        try:
            self.info = json.loads(line)
        except ValueError:
            self.kill()
            raise RuntimeError(f"sandbox printed {line!r}; log:\n{self.log()}") from None
        self.url = self.info["url"]
        self.room = self.info["room"]
        self.tokens = dict(self.info["tokens"])

    def _read_line(self, proc: subprocess.Popen[bytes]) -> str:
        assert proc.stdout is not None
        out: list[bytes] = []
        reader = threading.Thread(target=lambda: out.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(START_TIMEOUT)
        if not out or not out[0]:
            self.kill()
            raise RuntimeError(f"sandbox did not start within {START_TIMEOUT}s; log:\n{self.log()}")
        return out[0].decode()

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
        self._close_stdin()

    def _close_stdin(self) -> None:
        if self.proc is not None and self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()

    def stop(self) -> None:
        """Graceful stop (SIGTERM), SIGKILL after 30 s (a busy machine)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_stdin()

    def restart(self, *, kill: bool = False) -> None:
        """Stop (or SIGKILL) and start again on the same db; ``url`` may change."""
        if kill:
            self.kill()
        else:
            self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        stop(self.proc, signal.SIGKILL)  # anything left in its process group; closes the pipes


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Iterator[Callable[..., SandboxServer]]:
    """Factory: ``sandbox_server(viewers=0, debug_routes=False, live=False, seed=None,
    extra=[...], db=None)`` starts a server; all are stopped at the end of the test."""
    started: list[SandboxServer] = []

    def start(
        *,
        viewers: int = 0,
        debug_routes: bool = False,
        live: bool = False,
        seed: int | None = None,
        extra: list[str] | None = None,
        db: Path | None = None,
    ) -> SandboxServer:
        n = len(started)
        args = ["--viewers", str(viewers)]
        if debug_routes:
            args.append("--debug-routes")
        if live:
            args.append("--live")
        if seed is not None:
            args += ["--seed", str(seed)]
        args += extra or []
        srv = SandboxServer(db or tmp_path / f"sandbox{n}.db", tmp_path / f"sandbox{n}.log", args)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.close()
