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

The child is supervised: when it exits while the console still uses it (it crashed, or someone
killed it), it is started again on the same port with the same database, without ``--live`` (the
database knows whether a session is on; a restart never starts or ends one), and the event stream
reconnects at once and resumes after the last seq it saw. What is being done shows through the
link's :class:`~app.api.Recovery` note (restarting / restarted / gave up). Restarts back off
(``RESTART_DELAYS``); after ``RESTART_LIMIT`` failed or short-lived starts in a row it gives up
until the operator asks (``reconnect_now()``, the 重连 button).

Other optional settings: ``db`` (path of the sandbox database), ``args`` (extra command-line
arguments for the child, e.g. ``["--viewers", "300"]``), ``heartbeat_timeout`` (seconds),
``client`` (this console's name in the host's 在线成员 list, e.g. the machine name),
``capabilities`` (offer only these, like a platform that lacks the rest, e.g.
``"interaction,live_state,viewers"``; also $LIVEDESK_SANDBOX_CAPABILITIES; see
plugins/sandbox/restrict.py).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platformdirs import user_data_dir

from app.aio import wait_within
from app.api import (
    ALL,
    REQUIRED_BY_ACTION,
    Capability,
    ConnectionField,
    PlatformAdapter,
    PlatformClient,
    PlatformError,
    Recovery,
    RecoveryStep,
    StreamConfig,
    models,
    self_command,
    spawn,
    tr,
    tr_noop,
)
from plugins.sandbox.restrict import Renumbering, from_settings, restrict_snapshot

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
#: waits before successive restart attempts of a child that died (the last repeats)
RESTART_DELAYS: tuple[float, ...] = (0.0, 1.0, 2.0, 5.0, 10.0)
#: failed or short-lived starts in a row before the supervisor gives up
RESTART_LIMIT = 5
#: a restarted child that lived at least this long counts as healthy again
HEALTHY_AFTER_S = 30.0


def default_db() -> Path:
    return Path(user_data_dir("livedesk", appauthor=False)) / "sandbox.db"


class SandboxProcess:
    """A ``livedesk sandbox`` child process and what it printed on start."""

    def __init__(self, proc: asyncio.subprocess.Process, info: dict[str, Any]) -> None:
        self.proc = proc
        self.info = info

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def room(self) -> str:
        return str(self.info["room"])

    @property
    def tokens(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in dict(self.info["tokens"]).items()}

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    @classmethod
    async def start(
        cls, db: Path, extra_args: list[str], *, port: int = 0, live: bool = False
    ) -> SandboxProcess:
        """Start a child on ``port`` (0: a free one); off-air unless ``live`` (or ``--live`` in
        ``extra_args``) asks for a session at launch (when the database has none on)."""
        db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # new: the owner's only
        # run through this module's ``__main__``: the child also stops when our end of its stdin
        # closes, so a console that crashes or is killed never leaves a sandbox running
        cmd = self_command("plugins.sandbox.adapter", "--db", str(db))
        # the last --port wins: a free one unless the extra args name one; a restart's own port
        cmd += [*extra_args, "--port", str(port)] if port else ["--port", "0", *extra_args]
        if live and "--live" not in extra_args:
            cmd.append("--live")
        log.info("starting the sandbox platform: %s", " ".join(cmd))
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=asyncio.subprocess.PIPE,  # held open for the child's lifetime
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            # its own process group: Ctrl+C in the console's terminal reaches the console only,
            # which then stops the child itself (a child stopped by the same keypress would
            # look like a crash to the supervisor, and be restarted during shutdown)
            start_new_session=True,
        )
        assert proc.stdout is not None and proc.stderr is not None
        tail: collections.deque[str] = collections.deque(maxlen=50)
        drain_err = spawn(_drain(proc.stderr, tail, logging.DEBUG), name="sandbox-stderr")
        try:
            line = await wait_within(proc.stdout.readline(), START_TIMEOUT)
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
        await wait_within(proc.wait(), STOP_TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


class SandboxAdapter(PlatformClient):
    """A :class:`PlatformClient` that also owns the sandbox child process it connected to.

    With a restricted ``capabilities`` set (plugins/sandbox/restrict.py) it behaves like a
    platform that offers only those: the rest is refused with the reason, and what such a
    platform would not send is not seen."""

    child: SandboxProcess | None = None
    #: restarts made so far (for the operator's diagnostics and tests)
    restarts: int = 0
    _supervisor: asyncio.Task[None] | None = None
    _start: tuple[Path, list[str]] | None = None  # db and extra args of the child
    _gave_up = False

    def restrict(self, capabilities: frozenset[Capability]) -> None:
        """Offer only ``capabilities`` from now on (before the room opens)."""
        self.capabilities = capabilities
        self._seqs = Renumbering()

    @property
    def restricted(self) -> bool:
        return self.capabilities != ALL

    def unsupported_reason(self, capability: Capability) -> str:
        self.platform_name = tr("沙盒平台")  # in the language of the moment
        return super().unsupported_reason(capability)

    async def snapshot(self) -> models.Snapshot:
        snap = await super().snapshot()
        if not self.restricted:
            return snap
        seqs = self._seqs
        seqs.start(snap.seq)
        if snap.seq > seqs.numbered_to:  # number what happened since, before saying where we are
            await self._catch_up_to(snap.seq)
        local = seqs.local_of_snapshot(snap.seq)
        return restrict_snapshot(snap, self.capabilities).model_copy(update={"seq": local})

    async def _catch_up_to(self, platform_seq: int) -> None:
        log_ = super().event_log(self._seqs.numbered_to)
        try:
            async for batch in log_:
                self._seqs.number(list(batch), self.capabilities)
                if (
                    not batch
                    or batch[-1].seq >= platform_seq
                    or self._seqs.numbered_to >= platform_seq
                ):
                    break
                if batch[-1].type is models.EventType.RESYNC_REQUIRED:
                    break
        finally:
            await log_.aclose()  # type: ignore[attr-defined]

    def event_batches(self, after_seq: int) -> AsyncIterator[list[models.Event]]:
        if not self.restricted:
            return super().event_batches(after_seq)
        return self._restricted(super().event_batches(self._seqs.platform_after(after_seq)))

    def event_log(self, after_seq: int) -> AsyncIterator[list[models.Event]]:
        if not self.restricted:
            return super().event_log(after_seq)
        return self._restricted(super().event_log(self._seqs.platform_after(after_seq)))

    async def _restricted(
        self, batches: AsyncIterator[list[models.Event]]
    ) -> AsyncIterator[list[models.Event]]:
        """The kept events, numbered without gaps (plugins/sandbox/restrict.py)."""
        try:
            async for batch in batches:
                kept = self._seqs.number(list(batch), self.capabilities)
                if kept:
                    yield kept
        finally:
            aclose = getattr(batches, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def supervise(self, child: SandboxProcess, db: Path, extra_args: list[str]) -> None:
        """Own ``child`` and start it again (same port, same db) whenever it exits unasked."""
        self.child = child
        self._start = (db, [a for a in extra_args if a != "--live"])
        self._supervisor = spawn(self._watch(), name="sandbox-supervisor")

    def reconnect_now(self) -> bool:
        if self._gave_up and not self._closed and self._start is not None:
            self._gave_up = False
            self._supervisor = spawn(self._watch(), name="sandbox-supervisor")
            return True
        return super().reconnect_now()

    async def _watch(self) -> None:
        """Wait for the child to exit; unless we are closing, start it again and reconnect."""
        assert self._start is not None
        db, args = self._start
        failures = 0
        attempt = 0
        while not self._closed and self.child is not None:
            child = self.child
            started = time.monotonic()
            code = await child.proc.wait()
            if child.proc.stdin is not None:
                child.proc.stdin.close()  # its pipe: the new child gets one of its own
            if self._closed:
                return
            attempt += 1
            lived = time.monotonic() - started
            failures = 0 if lived >= HEALTHY_AFTER_S else failures + 1
            log.warning(
                "the sandbox platform exited (code %s) after %.0f s; restarting it on port %d",
                code,
                lived,
                child.port,
            )
            detail = ""
            exit_code: int | None = code
            new: SandboxProcess | None = None
            while new is None:
                if failures > RESTART_LIMIT:
                    self._gave_up = True
                    log.error("the sandbox platform could not be restarted: giving up")
                    self.connection.set_recovery(
                        Recovery(RecoveryStep.GAVE_UP, attempt, detail, exit_code)
                    )
                    return
                self.connection.set_recovery(
                    Recovery(RecoveryStep.RESTARTING, attempt, detail, exit_code)
                )
                delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
                if delay:
                    await asyncio.sleep(delay)
                if self._closed:
                    return
                try:
                    new = await SandboxProcess.start(db, args, port=child.port, live=False)
                except (PlatformError, OSError) as exc:
                    failures += 1
                    detail, exit_code = str(getattr(exc, "message", exc)).splitlines()[0], None
                    log.warning("restarting the sandbox platform failed: %s", detail)
                    continue
                if new.url != child.url or new.room != child.room:
                    # another port or another room: this client cannot follow it
                    await new.stop()
                    new = None
                    failures += 1
                    detail = "沙盒未能在原端口启动 (the sandbox did not come back on its port)"
                    exit_code = None
            if self._closed:
                await new.stop()
                return
            self.child = new
            self.restarts += 1
            log.info("the sandbox platform is running again on %s", new.url)
            self.connection.set_recovery(Recovery(RecoveryStep.RESTARTED, attempt))
            self.stream.reconnect_now()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self._supervisor is not None and not self._supervisor.done():
                self._supervisor.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._supervisor
            if self.child is not None:
                await self.child.stop()


def _guard(name: str, needed: Capability) -> Any:
    """``PlatformClient.<name>``, refused first when the adapter does not offer ``needed``."""
    action = getattr(PlatformClient, name)

    @functools.wraps(action)
    async def guarded(self: SandboxAdapter, *args: Any, **kwargs: Any) -> Any:
        if needed not in self.capabilities:
            self._refuse(needed)
        return await action(self, *args, **kwargs)

    return guarded


for _name, _needed in REQUIRED_BY_ACTION.items():
    setattr(SandboxAdapter, _name, _guard(_name, _needed))


#: all empty: the built-in sandbox, started by the console; url + room + token: a teammate's
SANDBOX_FIELDS: tuple[ConnectionField, ...] = (
    ConnectionField(
        "url",
        tr_noop("平台地址（可选）"),
        optional=True,
        help=tr_noop("留空：使用本机内置沙盒。填写队友的沙盒地址时，也要填写房间号和令牌"),
    ),
    ConnectionField("room", tr_noop("房间号（可选）"), optional=True),
    ConnectionField("token", tr_noop("令牌（可选）"), secret=True, optional=True),
)


class SandboxAdapterFactory:
    name = "sandbox"
    title = "沙盒平台 (Sandbox)"
    fields = SANDBOX_FIELDS

    @property
    def display_name(self) -> str:
        return tr("内置沙盒（彩排，模拟观众）")

    #: the sandbox does everything the contract describes, unless told to offer less
    #: (``settings["capabilities"]`` or $LIVEDESK_SANDBOX_CAPABILITIES: plugins/sandbox/restrict.py)
    capabilities = ALL

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter:
        adapter = await self._open(settings)
        caps = from_settings(settings)
        if caps != ALL:
            adapter.restrict(caps)
        return adapter

    async def _open(self, settings: dict[str, Any]) -> SandboxAdapter:
        from_settings(settings)  # an unknown capability is refused before anything starts
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
        args = ["--host", listen, *(str(a) for a in settings.get("args") or [])]
        child = await SandboxProcess.start(db, args)  # off-air until the host starts the session
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
        adapter.supervise(child, db, args)
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
