"""When a live session starts, put the platform's RTMP push URL and stream key into OBS, so the
streamer never copies keys by hand (and again after OBS reconnects).

The stream key is the host's secret. Only the host's console asks the platform for it
(``adapter.stream_target(session_id)``, a host-only route); sessions in events and snapshots
carry no key. An assistant's or a reviewer's console never asks and never writes a stream target
into its OBS. The key is handed straight to OBS: it is not kept here, shown or logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.aio import spawn
from app.listeners import Listeners
from app.obs.errors import ObsError
from app.obs.outputs import Outputs
from app.platform.capabilities import Capability
from app.platform.errors import PlatformError
from app.platform.models import Role

if TYPE_CHECKING:
    from app.live.room import LiveRoom

log = logging.getLogger(__name__)


class StreamTargetSync:
    def __init__(
        self, room: LiveRoom, outputs: Outputs, conn_on_connected: Callable[..., object]
    ) -> None:
        self.room = room
        self.outputs = outputs
        #: (RTMP URL, session id) last written into OBS; the key itself is not kept
        self.applied: tuple[str, str] | None = None
        self.error: str | None = None
        self._listeners = Listeners[[StreamTargetSync]]("stream target listener")
        room.subscribe(self._on_room)
        conn_on_connected(self._reapply)

    def subscribe(self, listener: Callable[[StreamTargetSync], None]) -> Callable[[], None]:
        """``listener(self)`` after each attempt to write the target (``error`` set or cleared)."""
        return self._listeners.add(listener)

    def _notify(self) -> None:
        self._listeners.emit(self)

    def _wanted(self) -> str | None:
        """The live session whose target OBS should have: the host's console only, on a platform
        that gives push URLs (elsewhere the streamer enters the target in OBS by hand)."""
        if self.room.role != Role.HOST or not self.room.can(Capability.PUSH_URL):
            return None
        s = self.room.session
        if s is None or s.status != "live":
            return None
        return s.id

    def _on_room(self, changes: frozenset[str]) -> None:
        if "session" not in changes:
            return
        sid = self._wanted()
        if sid is not None and (self.applied is None or self.applied[1] != sid):
            spawn(self.apply(), name="obs-stream-target")

    async def _reapply(self) -> None:
        self.applied = None
        if self._wanted() is not None:
            await self.apply()

    async def apply(self) -> None:
        sid = self._wanted()
        if sid is None:
            return
        try:
            target = await self.room.adapter.stream_target(sid)
            await self.outputs.set_stream_target(
                target.rtmp_url, target.stream_key.get_secret_value()
            )
            self.applied, self.error = (target.rtmp_url, sid), None
        except PlatformError as exc:
            self.error = f"推流地址未能从平台取得：{exc.message}"
            log.warning("stream target of session %s not fetched: %s", sid, exc.code)
        except ObsError as exc:
            self.error = f"推流地址未能写入 OBS：{exc}"
            log.warning("%s", self.error)
        self._notify()
