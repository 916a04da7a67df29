"""OBS state into the session recording: scene switches, stream/record state, dropped frames, and
the recording's file (linked to the session so the replay can play it in sync).

Wire it where OBS is connected::

    unlink = follow_obs(recorder, conn, stats, scenes=scenes, outputs=outputs, role=room.role)

obs-websocket v5 events used: ``CurrentProgramSceneChanged`` (sceneName), ``StreamStateChanged``
and ``RecordStateChanged`` (outputActive, outputState, outputPath when the file is known — in v5
only once the recording stops).

Who did it: a switch or a stream/record start/stop this console asked for (``scenes.commands``,
``outputs.commands``) is an action of the console's operator — recorded in the actions table with
``role`` like a platform action, and OBS's resulting change carries that role. A change nobody
here asked for was made in OBS itself: role ``"obs"``.

What OBS is doing right now (program scene, streaming, recording and since when) is read on every
(re)connection and handed over as ``record_obs("state", …)``: the recorder writes it at the top of
each file it opens, and a recording already running when the console connected gets its real start
(now − GetRecordStatus.outputDuration) instead of none. A duration over a week is a wrong reading
(right after a start on a loaded machine OBS once reported twelve days): it is read again a few
times, half a second apart, and with no plausible one the start stays unknown rather than wrong.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from app.aio import spawn
from app.live.room import ActionRecord
from app.obs.commands import ObsCommand
from app.obs.connection import ObsConnection
from app.obs.errors import ObsError
from app.obs.outputs import Outputs
from app.obs.scenes import Scenes
from app.obs.stats import ObsStats, StatsPoller
from app.platform.connection import ConnectionStatus, LinkState

log = logging.getLogger(__name__)

STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"
OBS_ROLE = "obs"  # a change made in OBS itself, not from this console
#: readings of a running recording's duration until one is plausible
RECORD_START_READINGS = 6
RECORD_START_GAP_S = 0.5
#: a longer running recording is a wrong reading, not a broadcast (seen: twelve days)
MAX_RECORDING_S = 7 * 86400
# how long a command sent from this console claims OBS's next matching change (OBS may report
# the change before it answers the request; a switch that never came is forgotten after this)
CLAIM_S = 10.0
_OUTPUT_COMMANDS = {
    "start_stream": "stream",
    "stop_stream": "stream",
    "start_record": "record",
    "stop_record": "record",
}


class _Recorder(Protocol):
    def record_obs(self, kind: str, data: dict[str, Any]) -> None: ...

    def record_action(self, rec: ActionRecord) -> None: ...


def follow_obs(
    recorder: _Recorder,
    conn: ObsConnection,
    stats: StatsPoller | None = None,
    *,
    scenes: Scenes | None = None,
    outputs: Outputs | None = None,
    role: str | None = None,
) -> Callable[[], None]:
    """Record OBS changes into ``recorder``; returns a function that stops following.

    ``scenes``/``outputs``: the ones the console's OBS panel drives, so that what this console
    asked for is recorded with ``role`` (the console's operator role)."""
    follower = ObsFollower(recorder, conn, role)
    unsubs = [
        conn.on_event("CurrentProgramSceneChanged", follower.scene),
        conn.on_event("StreamStateChanged", follower.stream),
        conn.on_event("RecordStateChanged", follower.record),
        conn.on_connected(follower.read_state),
        conn.tracker.subscribe(follower.link_state),
    ]
    for hook in (scenes, outputs):
        if hook is not None:
            unsubs.append(hook.commands.subscribe(follower.command))
    if stats is not None:
        unsubs.append(stats.subscribe(follower.frames))
    if conn.connected:  # already up: its connect hooks have run without us
        spawn(follower.read_state(), name="obs-link:state")

    def unlink() -> None:
        for un in unsubs:
            un()

    return unlink


class ObsFollower:
    """What :func:`follow_obs` knows between OBS's reports, and what it makes of each one."""

    def __init__(self, recorder: _Recorder, conn: ObsConnection, role: str | None) -> None:
        self.recorder = recorder
        self.conn = conn
        self.role = role
        #: when OBS's current recording started (wall clock), None while it is not recording
        self.record_started: float | None = None
        #: what this console asked for and OBS has not reported yet: kind → (what, until
        #: monotonic); ``what`` None: any change of that kind
        self.claims: dict[str, tuple[str | None, float]] = {}
        #: the recording file last linked, and when: "start" (OBS 29+ names it when it starts)
        #: or "stop" (StopRecord's reply and the stopped event both name it: linked once)
        self.linked: tuple[str, str] | None = None
        self.was_connected = conn.connected
        self.last_stats: ObsStats | None = None

    def claimed(self, kind: str, what: str | None = None) -> str:
        """The role behind OBS's change ``kind``: this console's if it asked, else OBS's."""
        claim = self.claims.get(kind)
        if claim is None or claim[1] < time.monotonic():
            self.claims.pop(kind, None)
            return OBS_ROLE
        want, _ = claim
        if want is not None and what is not None and want != what:
            return OBS_ROLE
        return self.role or OBS_ROLE

    def link(self, path: str, by: str, phase: str) -> None:
        if self.linked == (path, phase):
            return
        self.linked = (path, phase)
        self.recorder.record_obs(
            "recording", {"path": path, "started_ts": self.record_started, "role": by}
        )

    # --- OBS events --------------------------------------------------------------------------
    def scene(self, _t: str, d: dict[str, Any]) -> None:
        name = str(d.get("sceneName", ""))
        by = self.claimed("scene", name)
        if by != OBS_ROLE:
            self.claims.pop("scene", None)
        self.recorder.record_obs("scene", {"scene": name, "role": by})

    def _output_state(self, kind: str, d: dict[str, Any]) -> str:
        state = str(d.get("outputState", ""))
        by = self.claimed(kind)
        if by != OBS_ROLE and state in (STARTED, STOPPED):
            self.claims.pop(kind, None)  # the change asked for is complete
        return by

    def stream(self, _t: str, d: dict[str, Any]) -> None:
        by = self._output_state("stream", d)
        self.recorder.record_obs(
            "stream",
            {"active": bool(d.get("outputActive")), "state": d.get("outputState", ""), "role": by},
        )

    def record(self, _t: str, d: dict[str, Any]) -> None:
        state = d.get("outputState", "")
        by = self._output_state("record", d)
        if state == STARTED or (d.get("outputActive") and self.record_started is None):
            self.record_started = time.time()
            self.linked = None
        self.recorder.record_obs(
            "record", {"active": bool(d.get("outputActive")), "state": state, "role": by}
        )
        path = d.get("outputPath")
        if path:  # at the stop again: a session begun while it ran learns its file only now
            self.link(str(path), by, "stop" if state == STOPPED else "start")
        if state == STOPPED:
            self.record_started = None

    # --- this console's commands ---------------------------------------------------------------
    def command(self, cmd: ObsCommand) -> None:
        role = self.role
        if cmd.ok is None:  # sent: OBS's change may come before the answer
            until = time.monotonic() + CLAIM_S
            if cmd.name == "switch_scene":
                self.claims["scene"] = (str(cmd.args.get("scene", "")), until)
            elif cmd.name == "transition":
                self.claims["scene"] = (None, until)  # whatever was in preview goes on air
            elif cmd.name in _OUTPUT_COMMANDS:
                self.claims[_OUTPUT_COMMANDS[cmd.name]] = (None, until)
            return
        if not cmd.ok:
            kind = "scene" if cmd.name in ("switch_scene", "transition") else None
            kind = _OUTPUT_COMMANDS.get(cmd.name, kind)
            if kind is not None:
                self.claims.pop(kind, None)
        self.recorder.record_action(
            ActionRecord(
                cmd.ts,
                f"obs_{cmd.name}",
                dict(cmd.args),
                role or OBS_ROLE,
                bool(cmd.ok),
                cmd.error,
                cmd.duration_ms,
            )
        )
        if cmd.ok and cmd.name == "stop_record" and cmd.result:
            self.link(str(cmd.result), role or OBS_ROLE, "stop")

    # --- the connection and its statistics ---------------------------------------------------
    async def read_state(self) -> None:
        """What OBS is doing now (at every connection): scene, stream, recording and its start."""
        conn = self.conn
        try:
            program = await conn.request("GetCurrentProgramScene")
            st = await conn.request("GetStreamStatus")
            rec = await conn.request("GetRecordStatus")
        except ObsError as exc:
            log.info("OBS state for the recording not read: %s", exc)
            return
        recording = bool(rec.get("outputActive"))
        if recording:
            real = await self._recording_start(rec)
            if real is not None and (
                self.record_started is None or abs(self.record_started - real) > 2.0
            ):
                self.record_started = real  # it ran before we knew (or while we were away)
        else:
            self.record_started = None
        self.recorder.record_obs(
            "state",
            {
                "connected": True,
                "scene": program.get("currentProgramSceneName") or program.get("sceneName") or "",
                "streaming": bool(st.get("outputActive")),
                "recording": recording,
                "record_started_ts": self.record_started if recording else None,
            },
        )

    async def _recording_start(self, first: dict[str, Any]) -> float | None:
        """When the running recording started (wall clock): now − its duration, from ``first``
        or, while that reads as implausible (over :data:`MAX_RECORDING_S` or negative), from up
        to :data:`RECORD_START_READINGS` further GetRecordStatus readings. None when none was
        plausible (or the recording stopped)."""
        rec = first
        for _ in range(RECORD_START_READINGS):
            duration = int(rec.get("outputDuration", 0)) / 1000
            if 0 <= duration <= MAX_RECORDING_S:
                return time.time() - duration
            log.warning("OBS reported an implausible recording duration (%.0f s)", duration)
            await asyncio.sleep(RECORD_START_GAP_S)
            try:
                rec = await self.conn.request("GetRecordStatus")
            except ObsError:
                return None
            if not rec.get("outputActive"):
                return None
        log.warning("OBS reported no plausible recording duration; its start is left unknown")
        return None

    def link_state(self, status: ConnectionStatus) -> None:
        up = status.state is LinkState.CONNECTED
        if self.was_connected and not up:
            self.recorder.record_obs("link", {"connected": False, "error": status.error or ""})
        self.was_connected = up

    def frames(self, now: ObsStats, _alerts: list[str]) -> None:
        """A ``dropped_frames`` record when any frame counter went up since the last poll."""
        before, self.last_stats = self.last_stats, now
        if before is None:
            return
        if (
            now.stream_dropped > before.stream_dropped
            or now.output_skipped > before.output_skipped
            or now.render_missed > before.render_missed
        ):
            self.recorder.record_obs(
                "dropped_frames",
                {
                    "stream_dropped": now.stream_dropped - before.stream_dropped,
                    "output_skipped": now.output_skipped - before.output_skipped,
                    "render_missed": now.render_missed - before.render_missed,
                    "stream_total": now.stream_total,
                },
            )
