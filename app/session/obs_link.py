"""OBS state into the session recording: scene switches, stream/record state, dropped frames, and
the recording's file (linked to the session so the replay can play it in sync).

Wire it where OBS is connected::

    unlink = follow_obs(recorder, obs_connection, stats_poller)

obs-websocket v5 events used: ``CurrentProgramSceneChanged`` (sceneName), ``StreamStateChanged``
and ``RecordStateChanged`` (outputActive, outputState, outputPath when the file is known).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from app.obs.connection import ObsConnection
from app.obs.stats import ObsStats, StatsPoller

STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"


class _Recorder(Protocol):
    def record_obs(self, kind: str, data: dict[str, Any]) -> None: ...


def follow_obs(
    recorder: _Recorder, conn: ObsConnection, stats: StatsPoller | None = None
) -> Callable[[], None]:
    """Record OBS changes into ``recorder``; returns a function that stops following."""
    record_started: list[float] = []

    def scene(_t: str, d: dict[str, Any]) -> None:
        recorder.record_obs("scene", {"scene": d.get("sceneName", "")})

    def stream(_t: str, d: dict[str, Any]) -> None:
        recorder.record_obs(
            "stream", {"active": bool(d.get("outputActive")), "state": d.get("outputState", "")}
        )

    def record(_t: str, d: dict[str, Any]) -> None:
        state = d.get("outputState", "")
        if state == STARTED or (d.get("outputActive") and not record_started):
            record_started[:] = [time.time()]
        recorder.record_obs("record", {"active": bool(d.get("outputActive")), "state": state})
        path = d.get("outputPath")
        if path:
            started = record_started[0] if record_started else None
            recorder.record_obs("recording", {"path": str(path), "started_ts": started})

    last: list[ObsStats] = []

    def frames(now: ObsStats, _alerts: list[str]) -> None:
        before = last[0] if last else None
        last[:] = [now]
        if before is None:
            return
        if (
            now.stream_dropped > before.stream_dropped
            or now.output_skipped > before.output_skipped
            or now.render_missed > before.render_missed
        ):
            recorder.record_obs(
                "dropped_frames",
                {
                    "stream_dropped": now.stream_dropped - before.stream_dropped,
                    "output_skipped": now.output_skipped - before.output_skipped,
                    "render_missed": now.render_missed - before.render_missed,
                    "stream_total": now.stream_total,
                },
            )

    unsubs = [
        conn.on_event("CurrentProgramSceneChanged", scene),
        conn.on_event("StreamStateChanged", stream),
        conn.on_event("RecordStateChanged", record),
    ]
    if stats is not None:
        unsubs.append(stats.subscribe(frames))

    def unlink() -> None:
        for un in unsubs:
            un()

    return unlink
