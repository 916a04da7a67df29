"""Everything the console runs for OBS, built and started in one place.

``ObsStack.build(room, settings)`` wires the link (``ObsConnection``), scenes, outputs, stats,
overlays (renderer → PNG sink for OBS image sources, and the local overlay page server for browser
sources; their words in the audience's language: the room's chat language as
``ui.chat_announce_language`` chooses it, app/live/chat_announce.py ``chat_language``), the stream target sync, the failover (app/obs/failover.py: armed by the console while
live) and the session recorder's OBS feed. The main window shows it
(OBS panel, health bar, metrics' dropped-frames alert); ``ui/launch.py`` starts and stops it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.camera.modes import Mode
from app.i18n import tr
from app.live.chat_announce import chat_language
from app.obs.camera_input import ObsInputSpec, camera_from_source
from app.obs.camera_plan import Pip
from app.obs.connection import ObsConnection
from app.obs.failover import Failover
from app.obs.outputs import Outputs
from app.obs.presets import follow_saved
from app.obs.scenes import Scenes
from app.obs.setup import SetupReport, setup_live_selling
from app.obs.stats import ObsStats, StatsPoller
from app.obs.stream_target import StreamTargetSync
from app.overlays.controller import OverlayController
from app.overlays.images import ImageCache
from app.overlays.layout import Canvas, Kind
from app.overlays.obs_sink import ObsOverlaySink
from app.overlays.render import OverlayRenderer
from app.overlays.server import OverlayServer
from app.secrets import get_secret
from app.settings import CameraRole, Settings, data_dir

if TYPE_CHECKING:
    from app.live.room import LiveRoom

log = logging.getLogger(__name__)

PASSWORD_SECRET = "obs.password"
DROP_WINDOW_S = 60.0  # the dropped-frames alert looks at the last minute of streaming


@dataclass
class DropWindow:
    """Share of frames the stream output dropped over the last ``window`` seconds."""

    window: float = DROP_WINDOW_S
    samples: deque[tuple[float, int, int]] = field(default_factory=deque)

    def add(self, s: ObsStats) -> None:
        if not s.streaming:
            self.samples.clear()
            return
        self.samples.append((time.monotonic(), s.stream_dropped, s.stream_total))
        while self.samples and self.samples[0][0] < self.samples[-1][0] - self.window:
            self.samples.popleft()

    def ratio(self) -> float | None:
        if len(self.samples) < 2:
            return None
        _, d0, t0 = self.samples[0]
        _, d1, t1 = self.samples[-1]
        if t1 <= t0:
            return None
        return max(0, d1 - d0) / (t1 - t0)


@dataclass
class ObsStack:
    settings: Settings
    conn: ObsConnection
    scenes: Scenes
    outputs: Outputs
    stats: StatsPoller
    images: ImageCache
    renderer: OverlayRenderer
    sink: ObsOverlaySink
    server: OverlayServer
    controller: OverlayController
    target: StreamTargetSync
    failover: Failover
    drops: DropWindow = field(default_factory=DropWindow)
    _unsubs: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        room: LiveRoom,
        settings: Settings,
        *,
        password: str | None = None,
        overlay_dir: Path | None = None,
    ) -> ObsStack:
        """``password``: None reads it from the keyring (where the OBS settings dialog saves it)."""
        obs = settings.obs
        if password is None:
            password = get_secret(PASSWORD_SECRET) or ""
        conn = ObsConnection(obs.host, obs.port, password)
        images = ImageCache(str(getattr(room.adapter, "base_url", "") or ""))
        renderer = OverlayRenderer(obs.canvas, images.get)
        directory = overlay_dir or Path(obs.overlay_dir or data_dir() / "overlays")
        directory.mkdir(parents=True, exist_ok=True)
        sink = ObsOverlaySink(conn, renderer, directory)
        server = OverlayServer(port=obs.overlay_server_port)
        outputs = Outputs(conn)
        scenes = Scenes(conn)
        stack = cls(
            settings=settings,
            conn=conn,
            scenes=scenes,
            outputs=outputs,
            stats=StatsPoller(conn),
            images=images,
            renderer=renderer,
            sink=sink,
            server=server,
            controller=OverlayController(
                room,
                renderer,
                [sink, server],
                images=images,
                # the audience's language: the chat's, as the 聊天播报语言 choice says (read at
                # each update, so the operator's change shows at the next second)
                language=lambda: chat_language(room, settings.ui.chat_announce_language),
            ),
            target=StreamTargetSync(room, outputs, conn.on_connected),
            failover=Failover(conn, scenes, settings.failover),
        )
        stack._unsubs.append(stack.stats.subscribe(lambda s, _a: stack.drops.add(s)))
        stack._unsubs.append(
            follow_saved(conn, lambda: settings.picture)
        )  # picture presets per input
        return stack

    async def start(self) -> None:
        """Start the overlay page server, the overlays and the OBS link (which then retries by
        itself until OBS answers; the health bar says so)."""
        self.sink.prepare()  # image sources never point at a missing file
        try:
            await self.server.start()
        except OSError as exc:  # no port at all: overlays still reach OBS as PNGs
            self.server.note = tr("叠加层网页服务未启动：{why}").format(why=exc)
            log.warning("overlay page server not started: %s", exc)
        self.controller.start()
        self.conn.start()
        self.stats.start()

    async def stop(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        await self.failover.stop()
        await self.controller.stop()
        with contextlib.suppress(Exception):
            await self.server.stop()
        await self.stats.stop()
        await self.conn.stop()

    async def reconnect(self, host: str, port: int, password: str) -> None:
        """Point the link at a new host/port/password (connection settings saved by the user)."""
        await self.conn.restart(host, port, password)

    def camera(self, role: CameraRole = "host") -> ObsInputSpec | None:
        """The OBS input spec of ``role``'s saved camera (None: the role is not set)."""
        cam = self.settings.camera_for(role)
        if not cam.source:
            return None
        return camera_from_source(cam.source, Mode(cam.width, cam.height, cam.fps))

    async def set_up_scenes(self, orientation: str) -> SetupReport:
        """The "set up OBS for live selling" action: idempotent scene set, "16:9" or "9:16"."""
        if orientation not in ("16:9", "9:16"):
            raise ValueError(f"canvas must be 16:9 or 9:16, not {orientation!r}")
        canvas: Canvas = "9:16" if orientation == "9:16" else "16:9"
        self.renderer.canvas = canvas
        roles = self.settings.cameras
        report = await setup_live_selling(
            self.conn,
            canvas=canvas,
            camera=self.camera(),
            overlay_files=self.sink.prepare(),
            closeup=self.camera("closeup"),
            standby=self.camera("standby"),
            pip=Pip(roles.pip_corner, roles.pip_size, roles.pip_swap),
        )
        if self.settings.obs.canvas != canvas:
            from app.settings import save_settings

            self.settings.obs.canvas = canvas
            save_settings(self.settings)
        self.controller.refresh()
        await self.sink.reapply()
        return report

    def dropped_ratio(self) -> float | None:
        return self.drops.ratio()

    def overlay_urls(self) -> dict[Kind, str]:
        """Browser Source URL of each overlay page (empty while the page server is not running)."""
        return self.server.page_urls() if self.server.running else {}
