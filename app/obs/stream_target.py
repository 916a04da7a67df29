"""When a live session starts, put the platform's RTMP push URL and stream key into OBS, so the
streamer never copies keys by hand (and again after OBS reconnects)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.aio import spawn
from app.obs.errors import ObsError
from app.obs.outputs import Outputs

if TYPE_CHECKING:
    from app.live.room import LiveRoom

log = logging.getLogger(__name__)


class StreamTargetSync:
    def __init__(
        self, room: LiveRoom, outputs: Outputs, conn_on_connected: Callable[..., object]
    ) -> None:
        self.room = room
        self.outputs = outputs
        self.applied: tuple[str, str] | None = None
        self.error: str | None = None
        self._listeners: list[Callable[[StreamTargetSync], None]] = []
        room.subscribe(self._on_room)
        conn_on_connected(self._reapply)

    def subscribe(self, listener: Callable[[StreamTargetSync], None]) -> Callable[[], None]:
        """``listener(self)`` after each attempt to write the target (``error`` set or cleared)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:
                log.exception("stream target listener failed")

    def _wanted(self) -> tuple[str, str] | None:
        s = self.room.session
        if s is None or s.status != "live" or not s.rtmp_url or not s.stream_key:
            return None
        return s.rtmp_url, s.stream_key

    def _on_room(self, changes: frozenset[str]) -> None:
        if "session" in changes and self._wanted() not in (None, self.applied):
            spawn(self.apply(), name="obs-stream-target")

    async def _reapply(self) -> None:
        self.applied = None
        if self._wanted() is not None:
            await self.apply()

    async def apply(self) -> None:
        wanted = self._wanted()
        if wanted is None:
            return
        try:
            await self.outputs.set_stream_target(*wanted)
            self.applied, self.error = wanted, None
        except ObsError as exc:
            self.error = f"推流地址未能写入 OBS：{exc}"
            log.warning("%s", self.error)
        self._notify()
