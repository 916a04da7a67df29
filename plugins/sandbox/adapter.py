"""The ``sandbox`` platform adapter: the console's built-in API v1 client on the sandbox platform.

``SandboxAdapterFactory().open(settings)``:

- with ``settings["url"]`` (and ``room``, ``token``): connects to a sandbox (or any API v1
  platform) that is already running;
- otherwise starts ``livedesk sandbox --db <user data dir>/sandbox.db --port 0`` as a child
  process, reads its start line (``{"url", "room", "tokens": {...}}``) and connects with the token
  of ``settings["role"]`` (``host`` unless asked otherwise). ``close()`` stops the child. The room
  starts off-air: the host starts the session (开播) when ready (pass ``--live`` in ``args`` to
  start one at launch). It listens on 127.0.0.1 only, unless ``settings["listen"]`` says
  ``"0.0.0.0"`` (the console's LAN setting: teammates on other machines can connect).

Other optional settings: ``db`` (path of the sandbox database), ``args`` (extra command-line
arguments for the child, e.g. ``["--viewers", "300"]``), ``heartbeat_timeout`` (seconds),
``client`` (this console's name in the host's 在线成员 list, e.g. the machine name).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from app.api import PlatformAdapter, PlatformClient, PlatformError, StreamConfig, models, spawn

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


def default_db() -> Path:
    return Path(user_data_dir("livedesk", appauthor=False)) / "sandbox.db"


class SandboxProcess:
    """A ``livedesk sandbox`` child process and what it printed on start."""

    def __init__(self, proc: asyncio.subprocess.Process, info: dict[str, Any]) -> None:
        self.proc = proc
        self.info = info
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=50)

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def room(self) -> str:
        return str(self.info["room"])

    @property
    def tokens(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in dict(self.info["tokens"]).items()}

    @classmethod
    async def start(
        cls, db: Path, extra_args: list[str], listen: str = "127.0.0.1"
    ) -> SandboxProcess:
        db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # new: the owner's only
        # run through this module's ``__main__``: the child also stops when our end of its stdin
        # closes, so a console that crashes or is killed never leaves a sandbox running
        cmd = [sys.executable, "-m", "plugins.sandbox.adapter", "--db", str(db), "--port", "0"]
        cmd += ["--host", listen, *extra_args]  # off-air until the host starts the session
        log.info("starting the sandbox platform: %s", " ".join(cmd))
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=asyncio.subprocess.PIPE,  # held open for the child's lifetime
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        assert proc.stdout is not None and proc.stderr is not None
        tail: collections.deque[str] = collections.deque(maxlen=50)
        drain_err = spawn(_drain(proc.stderr, tail, logging.DEBUG), name="sandbox-stderr")
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=START_TIMEOUT)
            info = json.loads(line)
            if not isinstance(info, dict) or not {"url", "room", "tokens"} <= info.keys():
                # the line holds the room's tokens: name its keys, never quote it
                keys = sorted(map(str, info))[:10] if isinstance(info, dict) else type(info)
                raise ValueError(f"unexpected start line (keys: {keys})")
        except (TimeoutError, ValueError) as exc:
            await _stop(proc)
            drain_err.cancel()
            detail = "\n".join(tail)
            raise PlatformError(
                "sandbox_start_failed",
                f"沙盒平台未能启动 (sandbox did not start: {exc})\n{detail}".strip(),
            ) from None
        child = cls(proc, info)
        child.stderr_tail = tail
        spawn(_drain(proc.stdout, collections.deque(maxlen=10), logging.DEBUG), "sandbox-stdout")
        return child

    async def stop(self) -> None:
        await _stop(self.proc)


async def _drain(stream: asyncio.StreamReader, tail: collections.deque[str], level: int) -> None:
    """Keep reading a child's pipe so it never blocks on a full buffer; remember the last lines."""
    while line := await stream.readline():
        text = line.decode(errors="replace").rstrip()
        tail.append(text)
        log.log(level, "sandbox: %s", text)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), timeout=STOP_TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


class SandboxAdapter(PlatformClient):
    """A :class:`PlatformClient` that also owns the sandbox child process it connected to."""

    child: SandboxProcess | None = None

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self.child is not None:
                await self.child.stop()


class SandboxAdapterFactory:
    name = "sandbox"
    title = "沙盒平台 (Sandbox)"

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter:
        role = models.Role(str(settings.get("role") or "host"))
        config = StreamConfig()
        if settings.get("heartbeat_timeout"):
            config = StreamConfig(heartbeat_timeout=float(settings["heartbeat_timeout"]))
        url = settings.get("url")
        if url:
            room, token = settings.get("room"), settings.get("token")
            if not room or not token:
                raise PlatformError(
                    "missing_settings",
                    "请填写房间号和令牌 (room and token are required with a url)",
                )
            return SandboxAdapter(
                str(url),
                str(room),
                str(token),
                role=role,
                stream_config=config,
                client_name=settings.get("client"),
            )
        db = Path(settings.get("db") or default_db())
        listen = "0.0.0.0" if settings.get("listen") == "0.0.0.0" else "127.0.0.1"
        child = await SandboxProcess.start(
            db, [str(a) for a in settings.get("args") or []], listen=listen
        )
        token = settings.get("token") or child.tokens.get(role.value)
        if not token:
            await child.stop()
            raise PlatformError("missing_token", f"沙盒没有 {role.value} 令牌 (no token for role)")
        adapter = SandboxAdapter(
            child.url,
            child.room,
            str(token),
            role=role,
            stream_config=config,
            client_name=settings.get("client"),
        )
        adapter.child = child
        return adapter


def _stop_when_parent_goes(grace: float = 10.0) -> None:
    """In the child: SIGTERM ourselves (a clean stop) once stdin reaches EOF, i.e. the console
    that started us closed the pipe or died; exit hard if the clean stop hangs."""

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.buffer.read(65536):
                pass
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def child_main(argv: list[str]) -> int:
    """``python -m plugins.sandbox.adapter ARGS``: ``livedesk sandbox ARGS`` tied to its parent."""
    _stop_when_parent_goes()
    from app.main import main

    return main(["sandbox", *argv])


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
