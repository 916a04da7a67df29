"""Show overlays in OBS through image sources: render → atomic PNG → SetInputSettings(file).

Each update writes the next of two files per overlay (a/b) and points the source at it, so OBS
reloads at once (it also re-reads on its own when a file changes; the atomic rename means it never
sees a half-written one). When SetInputSettings returns, OBS has loaded the new image. After every
reconnection the current overlays are applied again; applies never interleave, so a change
that arrives during that re-apply is what OBS shows in the end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from app.obs.connection import ObsConnection
from app.obs.errors import ObsError, ObsOfflineError
from app.overlays.layout import SOURCE_NAMES, Kind
from app.overlays.png import png_bytes, write_atomic
from app.overlays.render import OverlayRenderer
from app.overlays.state import OverlayState

log = logging.getLogger(__name__)


class ObsOverlaySink:
    def __init__(self, conn: ObsConnection, renderer: OverlayRenderer, directory: Path) -> None:
        self.conn = conn
        self.renderer = renderer
        self.directory = directory
        self.state = OverlayState()
        self._flip: dict[Kind, int] = dict.fromkeys(Kind, 0)
        self._warned: set[Kind] = set()
        #: time.monotonic() when OBS accepted the latest image for each overlay
        self.applied_at: dict[Kind, float] = {}
        #: one apply at a time: the re-apply after a reconnection and the controller's feed
        #: interleaved, and the re-apply could point OBS back at the state it had started with
        self._lock = asyncio.Lock()
        conn.on_connected(self.reapply)

    def path(self, kind: Kind) -> Path:
        """The file the image source for ``kind`` shows now."""
        return self.directory / f"{kind.value}.{'ab'[self._flip[kind]]}.png"

    def prepare(self) -> dict[Kind, Path]:
        """Write the current (possibly empty) overlays; returns the files to create sources with."""
        for kind in Kind:
            write_atomic(
                self.path(kind),
                png_bytes(self.renderer.render(kind, self.state.get(kind), self.state.language)),
            )
        return {kind: self.path(kind) for kind in Kind}

    async def apply(self, state: OverlayState, changed: set[Kind]) -> None:
        async with self._lock:
            await self._apply(state, changed)

    async def reapply(self) -> None:
        async with self._lock:  # the newest state, read once any apply under way is done
            await self._apply(self.state, set(Kind))

    async def _apply(self, state: OverlayState, changed: set[Kind]) -> None:
        self.state = state
        for kind in sorted(changed):
            self._flip[kind] ^= 1
            path = self.path(kind)
            write_atomic(
                path, png_bytes(self.renderer.render(kind, state.get(kind), state.language))
            )
            await self._point(kind, path)

    async def _point(self, kind: Kind, path: Path) -> None:
        if not self.conn.connected:
            return  # re-applied on reconnect
        try:
            await self.conn.request(
                "SetInputSettings",
                inputName=SOURCE_NAMES[kind],
                inputSettings={"file": str(path)},
                overlay=True,
            )
            self.applied_at[kind] = time.monotonic()
            self._warned.discard(kind)
        except ObsOfflineError:
            pass
        except ObsError as exc:
            if kind not in self._warned:
                log.warning(
                    "OBS has no source %r (run “一键配置 OBS”): %s", SOURCE_NAMES[kind], exc
                )
                self._warned.add(kind)
