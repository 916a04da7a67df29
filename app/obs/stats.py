"""Live output health: duration, bitrate, dropped/skipped frames, CPU, render lag, with alerts when
frames start dropping (GetStats + GetStreamStatus + GetRecordStatus, polled once a second)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.aio import spawn
from app.i18n import tr
from app.listeners import Listeners
from app.obs.connection import ObsConnection
from app.obs.errors import ObsError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ObsStats:
    ts: float = 0.0
    streaming: bool = False
    recording: bool = False
    stream_duration_ms: int = 0
    record_duration_ms: int = 0
    stream_kbps: float = 0.0  # from the byte counter between two polls
    cpu_percent: float = 0.0
    fps: float = 0.0
    render_missed: int = 0  # frames the renderer missed (render lag)
    average_render_ms: float = 0.0
    output_skipped: int = 0  # encoder could not keep up
    output_total: int = 0
    stream_dropped: int = 0  # network: frames dropped by the stream output
    stream_total: int = 0

    @property
    def dropped_percent(self) -> float:
        return 100.0 * self.stream_dropped / self.stream_total if self.stream_total else 0.0


def alerts_between(before: ObsStats | None, now: ObsStats) -> list[str]:
    """Operator alerts for frames lost since the previous poll (empty when all is well)."""
    if before is None:
        return []
    out: list[str] = []
    if now.stream_dropped > before.stream_dropped:
        out.append(
            tr("推流丢帧：{n} 帧（网络不稳定，累计 {pct}%）").format(
                n=now.stream_dropped - before.stream_dropped, pct=f"{now.dropped_percent:.1f}"
            )
        )
    if now.output_skipped > before.output_skipped:
        out.append(
            tr("编码跳帧：{n} 帧（编码器过载）").format(
                n=now.output_skipped - before.output_skipped
            )
        )
    if now.render_missed > before.render_missed:
        out.append(
            tr("渲染延迟：丢失 {n} 帧（显卡/CPU 过载）").format(
                n=now.render_missed - before.render_missed
            )
        )
    return out


StatsListener = Callable[[ObsStats, list[str]], None]


class StatsPoller:
    def __init__(self, conn: ObsConnection, interval: float = 1.0) -> None:
        self._conn = conn
        self.interval = interval
        self.last: ObsStats | None = None
        self._bytes: tuple[float, int] | None = None
        self._active_since: dict[str, float] = {}  # output → monotonic time first seen active
        self._listeners = Listeners[[ObsStats, list[str]]]("OBS stats listener")
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, listener: StatsListener) -> Callable[[], None]:
        return self._listeners.add(listener)

    async def poll(self) -> ObsStats:
        s = await self._conn.request("GetStats")
        st = await self._conn.request("GetStreamStatus")
        rec = await self._conn.request("GetRecordStatus")
        now = time.monotonic()
        sent = int(st.get("outputBytes", 0))
        kbps = 0.0
        if self._bytes is not None and st.get("outputActive") and now > self._bytes[0]:
            kbps = max(0.0, (sent - self._bytes[1]) * 8 / 1000 / (now - self._bytes[0]))
        self._bytes = (now, sent)
        stats = ObsStats(
            ts=time.time(),
            streaming=bool(st.get("outputActive")),
            recording=bool(rec.get("outputActive")),
            stream_duration_ms=self._duration("stream", st, now),
            record_duration_ms=self._duration("record", rec, now),
            stream_kbps=kbps,
            cpu_percent=float(s.get("cpuUsage", 0.0)),
            fps=float(s.get("activeFps", 0.0)),
            render_missed=int(s.get("renderSkippedFrames", 0)),
            average_render_ms=float(s.get("averageFrameRenderTime", 0.0)),
            output_skipped=int(s.get("outputSkippedFrames", 0)),
            output_total=int(s.get("outputTotalFrames", 0)),
            stream_dropped=int(st.get("outputSkippedFrames", 0)),
            stream_total=int(st.get("outputTotalFrames", 0)),
        )
        alerts = alerts_between(self.last, stats)
        self.last = stats
        self._listeners.emit(stats, alerts)
        return stats

    def _duration(self, output: str, status: dict[str, object], now: float) -> int:
        """OBS's outputDuration, or the time since the output was first seen active when OBS says 0
        (obs-websocket 5.1 counts it from frames; with OBS rendering at a few fps under load it
        stayed 0 for a whole recording here while the file grew)."""
        if not status.get("outputActive"):
            self._active_since.pop(output, None)
            return 0
        since = self._active_since.setdefault(output, now)
        reported = status.get("outputDuration", 0)
        ms = int(reported) if isinstance(reported, int | float) else 0
        return ms if ms > 0 else int((now - since) * 1000)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = spawn(self._run(), name="obs-stats")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            if self._conn.connected:
                try:
                    await self.poll()
                except ObsError as exc:
                    log.debug("stats poll failed: %s", exc)
            await asyncio.sleep(self.interval)
