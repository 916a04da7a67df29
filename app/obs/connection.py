"""The async face of OBS: requests run on one worker thread and come back as awaitables; events and
the end of the link come back from obs-websocket's receive thread through one
:class:`app.threads.Inbox` per session (``call_soon_threadsafe`` onto the loop): a session that
was dropped — reconnect, ``stop()`` — delivers nothing more, and a closed loop drops them.

``ObsConnection.start()`` keeps a link up by itself: it reconnects with capped exponential backoff
when OBS closes or restarts, retries "not ready" (207) right after OBS starts, and never
reconnects after OBS kicked us (close 4011) or refused the password. The state is observable
through ``tracker`` (the same :class:`ConnectionTracker` the platform link uses):
connected / reconnecting since … (attempt N, why) / offline (why). Requests while not connected
raise :class:`ObsOfflineError` at once: refused clearly, never queued.

The high-volume ``InputVolumeMeters`` event is off unless someone asks for it
(:meth:`ObsConnection.want_volume_meters`, the failover's microphone watch): the choice holds
across reconnections, and while it is on, a :class:`app.obs.meter_keeper.MeterKeeper` restarts
the meters of an OBS whose meter count another client broke (without restarting OBS).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.aio import spawn, wait_within
from app.i18n import tr
from app.listeners import Listeners
from app.obs.client import EVENTS_ALL, EVENTS_METERS, RawClient
from app.obs.errors import (
    CLOSE_SESSION_INVALIDATED,
    NOT_READY,
    ObsAuthError,
    ObsError,
    ObsOfflineError,
    ObsRequestError,
)
from app.obs.meter_keeper import MOST, MeterKeeper
from app.platform.connection import ConnectionTracker, LinkState
from app.threads import Inbox

log = logging.getLogger(__name__)

EventListener = Callable[[str, dict[str, Any]], None]
ConnectedHook = Callable[[], Awaitable[object]]


class ObsConnection:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 4455,
        password: str = "",
        *,
        request_timeout: float = 5.0,
        backoff_initial: float = 0.25,
        backoff_cap: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.password = password
        self.request_timeout = request_timeout
        self.backoff_initial = backoff_initial
        self.backoff_cap = backoff_cap
        self.tracker = ConnectionTracker()
        self.version: dict[str, Any] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="obs-worker")
        self._client: RawClient | None = None
        self._listeners = Listeners[[str, dict[str, Any]]]("OBS event listener")
        self._hooks = Listeners[[]]("OBS on-connected hook")
        self._link_closed: asyncio.Event | None = None
        self._inbox: Inbox[ObsConnection] | None = None  # the current session's
        self._close_code: int | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._meters = False
        #: extra sessions that may restart the meters on an OBS whose meter count was broken
        #: (app/obs/meter_keeper.py); 0: never
        self.meter_sessions_most = MOST
        self._keeper: MeterKeeper | None = None

    # --- observing --------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.tracker.status.state is LinkState.CONNECTED

    @property
    def extra_meter_sessions(self) -> int:
        """Extra sessions open to restart OBS's meters (app/obs/meter_keeper.py): 0 normally."""
        return len(self._keeper.sessions) if self._keeper is not None else 0

    def on_event(self, event_type: str | None, listener: EventListener) -> Callable[[], None]:
        """Call ``listener(type, data)`` on the loop for each OBS event (``None``: every event)."""
        if event_type is None:
            return self._listeners.add(listener)

        @functools.wraps(listener)  # its name, not this wrapper's, if it fails
        def of_type(t: str, data: dict[str, Any]) -> None:
            if t == event_type:
                listener(t, data)

        return self._listeners.add(of_type)

    def on_connected(self, hook: ConnectedHook) -> Callable[[], None]:
        """Run ``await hook()`` after every (re)connection, e.g. to re-apply overlays."""
        return self._hooks.add(hook)

    async def wait_state(self, state: LinkState, within: float = 10.0) -> None:
        """Wait until the link reaches ``state`` (raises TimeoutError)."""
        if self.tracker.status.state is state:
            return
        reached = asyncio.Event()
        unsubscribe = self.tracker.subscribe(lambda s: reached.set() if s.state is state else None)
        try:
            await wait_within(reached.wait(), within)
        finally:
            unsubscribe()

    async def want_volume_meters(self, on: bool) -> None:
        """Receive ``InputVolumeMeters`` (about 20 a second per audio input) or stop receiving them;
        applied to the open session at once (Reidentify) and to every later one."""
        if on == self._meters:
            return
        self._meters = on
        if on and self.meter_sessions_most > 0:
            if self._keeper is None:
                self._keeper = MeterKeeper(
                    lambda: (self.host, self.port, self.password),
                    connected=lambda: self.connected,
                    most=self.meter_sessions_most,
                    timeout=self.request_timeout,
                )
            self._keeper.start()
        elif not on and self._keeper is not None:
            await self._keeper.stop()
        client = self._client
        if client is not None and self.connected:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, client.reidentify, self._subscriptions())

    def _subscriptions(self) -> int:
        return EVENTS_ALL | (EVENTS_METERS if self._meters else 0)

    # --- requests ---------------------------------------------------------------------------------
    async def request(self, request_type: str, **data: Any) -> dict[str, Any]:
        """Send one obs-websocket request and return its responseData (raises ObsError)."""
        client = self._client
        if client is None or not self.connected:
            raise ObsOfflineError()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, client.request, request_type, data)

    # --- lifecycle --------------------------------------------------------------------------------
    async def connect_once(self) -> dict[str, Any]:
        """Open one session now (raises the specific ObsError); no reconnect loop. Returns GetVersion."""
        try:
            await self._open()
        except ObsError as exc:
            self.tracker.set_state(LinkState.OFFLINE, error=str(exc))
            raise
        self.tracker.set_state(LinkState.CONNECTED)
        await self._run_hooks()
        return self.version

    def start(self) -> None:
        """Keep a link to OBS up in the background until :meth:`stop`."""
        if self._runner is None or self._runner.done():
            self._stopping = False
            self._runner = spawn(self._run(), name=f"obs-link:{self.host}:{self.port}")

    async def restart(self, host: str, port: int, password: str) -> None:
        """Drop the current link and keep one up to ``host:port`` with ``password`` instead."""
        await self._halt()
        self.host, self.port, self.password = host, port, password
        self.tracker.set_state(LinkState.CONNECTING)
        self.start()

    async def stop(self) -> None:
        """Close the link, stop reconnecting and release the worker thread (call at exit)."""
        if self._keeper is not None:
            await self._keeper.stop()
        await self._halt()
        self.tracker.set_state(LinkState.OFFLINE)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _halt(self) -> None:
        """Stop the reconnect loop and close the current link."""
        self._stopping = True
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
            self._runner = None
        await self._drop_client()

    async def _run(self) -> None:
        attempt = 0
        delay = self.backoff_initial
        while not self._stopping:
            try:
                if self.tracker.status.state is not LinkState.RECONNECTING:
                    self.tracker.set_state(LinkState.CONNECTING)
                await self._open()
            except ObsAuthError as exc:
                self.tracker.set_state(LinkState.OFFLINE, error=str(exc))
                return  # the password must change first: retrying would only spam OBS
            except ObsError as exc:
                attempt += 1
                self.tracker.set_state(LinkState.RECONNECTING, attempt=attempt, error=str(exc))
                await asyncio.sleep(delay)
                delay = min(self.backoff_cap, delay * 2)
                continue
            attempt, delay = 0, self.backoff_initial
            assert self._link_closed is not None
            self.tracker.set_state(LinkState.CONNECTED)
            await self._run_hooks()
            await self._link_closed.wait()
            await self._drop_client()
            if self._close_code == CLOSE_SESSION_INVALIDATED:
                self.tracker.set_state(
                    LinkState.OFFLINE,
                    error=tr("OBS 断开了本控制台的连接（在 OBS 中被踢出），不会自动重连"),
                )
                return
            attempt = 1
            self.tracker.set_state(
                LinkState.RECONNECTING, attempt=attempt, error="OBS 连接已断开，正在重连"
            )
            await asyncio.sleep(delay)

    async def _open(self) -> None:
        await self._drop_client()
        loop = asyncio.get_running_loop()
        closed = asyncio.Event()
        self._close_code = None
        inbox = self._inbox = Inbox(self, loop=loop, name="OBS link")

        def on_event(event_type: str, data: dict[str, Any]) -> None:  # receive thread
            inbox.post(ObsConnection._dispatch, event_type, data)

        def on_closed(code: int | None) -> None:  # receive thread
            inbox.post(ObsConnection._session_ended, closed, code)

        client = RawClient(
            self.host,
            self.port,
            self.password,
            timeout=self.request_timeout,
            on_event=on_event,
            on_closed=on_closed,
            subscriptions=self._subscriptions(),
        )
        await loop.run_in_executor(self._executor, client.open)
        # right after OBS starts, requests fail with 207 "not ready" for a moment: retry
        for _ in range(100):
            try:
                self.version = await loop.run_in_executor(
                    self._executor, client.request, "GetVersion", {}
                )
                break
            except ObsRequestError as exc:
                if exc.code != NOT_READY:
                    raise
                await asyncio.sleep(0.1)
        self._client = client
        self._link_closed = closed
        if self._keeper is not None:
            self._keeper.seen()  # a new session: OBS has ``after_s`` to send meters

    def _session_ended(self, closed: asyncio.Event, code: int | None) -> None:
        self._close_code = code
        closed.set()

    async def _drop_client(self) -> None:
        if self._inbox is not None:
            self._inbox.close()  # whatever the old session's receive thread still sends is dropped
        if self._keeper is not None:
            await self._keeper.close_sessions()  # the next OBS (a restart) may not need them
        client, self._client = self._client, None
        if client is not None:
            loop = asyncio.get_running_loop()
            with contextlib.suppress(Exception):
                await loop.run_in_executor(None, client.close)

    async def _run_hooks(self) -> None:
        for hook in self._hooks:
            try:
                result = hook()
                if inspect.isawaitable(result):
                    await result
            except ObsError as exc:
                log.warning("after connecting to OBS: %s", exc)
            except Exception:
                log.exception("OBS on-connected hook failed")

    def _dispatch(self, event_type: str, data: dict[str, Any]) -> None:
        if event_type == "InputVolumeMeters" and self._keeper is not None:
            self._keeper.seen()
        self._listeners.emit(event_type, data)
