"""Keeping OBS's volume meters flowing on an OBS whose meter count another client broke.

obs-websocket 5.1 starts its meter thread when the count of sessions that want
``InputVolumeMeters`` goes from 0 to 1, and a Reidentify racing the same session's close can
take one subscriber off twice (see :mod:`app.obs.client`, which no longer does that). The count
then sits one below the truth: our own subscription only brings it back to 0, no meter thread
starts, and OBS sends meters to nobody until it restarts. Restarting OBS during a live would
end the stream.

While a connection wants the meters (:meth:`app.obs.connection.ObsConnection.want_volume_meters`),
a :class:`MeterKeeper` watches that they come. OBS sends them 20 times a second to every
subscriber, even with no audio input, so none for ``after_s`` means they are not sent at all.
The keeper then opens one extra session that subscribes to the meters only. Its subscription is
the one that brings the count from 0 to 1, so OBS starts the meter thread again, for every
subscriber, ours included. If that is not enough (the count was broken more than once), it opens
another, up to ``most``.

The extra sessions stay open while the meters are wanted and close with them (a plain close,
never racing a Reidentify, so they leave the count as they found it). A healthy OBS never gets
one. Each is logged. What the keeper cannot repair, the failover names (``no_levels``).

Guarantees: runs on the event loop; the extra sessions open and close on worker threads, and
their callbacks (on their receive threads) touch nothing. Stopping is bounded by the sessions'
own timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from app.aio import cancel_and_wait, spawn
from app.obs.client import EVENTS_METERS, RawClient
from app.obs.errors import ObsError

log = logging.getLogger(__name__)

AFTER_S = 3.0  # no meters at all this long while subscribed: OBS sends none (it sends 20 a second)
MOST = 3  # extra sessions at most (each makes up for one miscount)


def _ignore(*_args: Any) -> None:
    """The extra sessions' events and close: nothing to do with them (on their receive thread)."""


class MeterKeeper:
    def __init__(
        self,
        where: Callable[[], tuple[str, int, str]],
        *,
        connected: Callable[[], bool],
        after_s: float = AFTER_S,
        most: int = MOST,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.where = where  # the connection's host, port and password now
        self.connected = connected
        self.after_s = after_s
        self.most = most
        self.timeout = timeout
        self.clock = clock
        self.seen_at = clock()  # the last InputVolumeMeters (or the start of the watch)
        self.sessions: list[RawClient] = []
        self._task: asyncio.Task[None] | None = None

    def seen(self) -> None:
        """OBS sent meters (each InputVolumeMeters), or a new session with it began (connected,
        reconnected): the next ``after_s`` are OBS's to send them."""
        self.seen_at = self.clock()

    def start(self) -> None:
        self.seen_at = self.clock()
        if self._task is None or self._task.done():
            self._task = spawn(self._run(), name="obs-meter-keeper")

    async def stop(self) -> None:
        """Stop watching and close the extra sessions."""
        if self._task is not None:
            await cancel_and_wait([self._task])
            self._task = None
        await self.close_sessions()

    async def close_sessions(self) -> None:
        """Close the extra sessions (the link to OBS dropped: a new OBS may not need them)."""
        sessions, self.sessions = self.sessions, []
        for session in sessions:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(session.close)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.after_s / 2))
            if not self.connected():
                self.seen_at = self.clock()
                continue
            if self.clock() - self.seen_at < self.after_s or len(self.sessions) >= self.most:
                continue
            await self._add_session()
            self.seen_at = self.clock()  # give OBS ``after_s`` to start its meters again

    async def _add_session(self) -> None:
        host, port, password = self.where()
        session = RawClient(
            host,
            port,
            password,
            timeout=self.timeout,
            on_event=_ignore,
            on_closed=_ignore,
            subscriptions=EVENTS_METERS,
        )
        try:
            await asyncio.to_thread(session.open)
        except ObsError as exc:
            log.warning(
                "OBS sends no volume meters; an extra session to restart them failed: %s", exc
            )
            return
        self.sessions.append(session)
        log.warning(
            "OBS sent no volume meters for %.0f s although subscribed (its meter count was broken "
            "by a client): extra session %d of at most %d opened to restart them",
            self.after_s,
            len(self.sessions),
            self.most,
        )
