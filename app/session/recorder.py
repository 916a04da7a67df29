"""Session recording: every event, action, OBS change and a 1 Hz metrics snapshot of a live session.

``SessionRecorder(room)`` listens to the :class:`~app.live.room.LiveRoom`; on ``session_started``
(or, when the console connects to a room that is already live, at once) it opens one SQLite file
per session under ``data_dir()/sessions/`` and hands everything to a :class:`SessionWriter`
thread. The UI thread only appends to the writer's queue. On ``session_ended`` the file is closed.

Reopening after a crash: the file of the same session (same room, session id and start time) is
reopened and appended to; events the platform still has between the last recorded seq and the
room's current seq are fetched from the platform's event log (``after_seq``) to fill the gap.

OBS state: whoever watches OBS calls :meth:`SessionRecorder.record_obs` —
``record_obs("scene", {"scene": name})``, ``record_obs("stream", {"active": True})``,
``record_obs("record", {"active": True})``, ``record_obs("recording", {"path": file,
"started_ts": ts})`` (links the video to the session), ``record_obs("dropped_frames",
{"dropped": n, "total": n})``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.aio import spawn
from app.live.room import SESSION, ActionRecord, LiveRoom
from app.platform import models as m
from app.session import schema
from app.session.writer import SessionWriter
from app.settings import data_dir

log = logging.getLogger(__name__)

METRICS_INTERVAL = 1.0
# The operator's start/end action completes around the session_started/ended event: actions
# this close to the session's edges still go into its file.
EDGE_S = 3.0


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def session_filename(room: str, session: m.Session) -> str:
    start = time.strftime("%Y%m%d-%H%M%S", time.localtime(session.started_ts))
    return f"{schema.safe_name(room)}_{schema.safe_name(session.id)}_{start}{schema.SUFFIX}"


class SessionRecorder:
    """Records the room's live sessions, one file each. ``start()`` after ``room.start()``."""

    def __init__(self, room: LiveRoom, directory: Path | None = None) -> None:
        self.room = room
        self.directory = directory or sessions_dir()
        self.writer: SessionWriter | None = None
        self.session_id: str | None = None
        self._unsubs: list[Callable[[], None]] = []
        self._ticker: asyncio.Task[None] | None = None
        self._backfill: asyncio.Task[None] | None = None
        self._closing: list[SessionWriter] = []
        self.files: list[Path] = []  # every file this recorder wrote, in order
        self._recent_actions: deque[ActionRecord] = deque(maxlen=16)
        self._ended: tuple[SessionWriter, float] | None = None  # (writer, ended at) for EDGE_S

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._unsubs:
            return
        self._unsubs = [
            self.room.subscribe_events(self._on_events),
            self.room.subscribe_actions(self._on_action),
            self.room.subscribe(self._on_state),
        ]
        self._on_state(frozenset({SESSION}))
        with contextlib.suppress(RuntimeError):  # no running loop: no 1 Hz snapshots (tests)
            self._ticker = spawn(self._tick(), name="session-recorder:metrics")

    async def stop(self) -> None:
        """Stop listening and close the current file (waits for the writer off the loop)."""
        for un in self._unsubs:
            un()
        self._unsubs = []
        for task in (self._ticker, self._backfill):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._ticker = self._backfill = None
        self._close_current()
        pending, self._closing = self._closing, []
        loop = asyncio.get_running_loop()
        for w in pending:
            await loop.run_in_executor(None, w.close)

    def close_now(self) -> None:
        """Synchronously write what is queued and close every file (at exit)."""
        self._close_current()
        self._close_ended()
        for w in self._closing:
            w.close()
        self._closing = []

    @property
    def path(self) -> Path | None:
        return self.writer.path if self.writer is not None else None

    @property
    def recording(self) -> bool:
        return self.writer is not None

    # --- OBS (called by whoever watches OBS) ------------------------------------------------------
    def record_obs(self, kind: str, data: dict[str, Any]) -> None:
        if self.writer is not None:
            self.writer.put_obs(time.time(), kind, dict(data))

    # --- listeners (UI thread: O(batch) scan, then one queue put) ----------------------------------
    def _on_events(self, batch: Sequence[m.Event]) -> None:
        start = 0
        for i, ev in enumerate(batch):
            t = ev.type
            if t is m.EventType.SESSION_STARTED:
                if self.writer is not None and i > start:
                    self.writer.put_events(batch[start:i])
                self._close_current()
                self._open(ev.data.session)
                start = i
            elif t is m.EventType.SESSION_ENDED:
                if self.writer is not None:
                    self.writer.put_events(batch[start : i + 1])
                    self._close_current(linger=True)
                start = i + 1
        if self.writer is not None and start < len(batch):
            self.writer.put_events(batch[start:] if start else batch)

    def _on_action(self, rec: ActionRecord) -> None:
        if self.writer is not None:
            self.writer.put_action(rec)
            return
        ended = self._ended
        if ended is not None and time.monotonic() - ended[1] < EDGE_S:
            ended[0].put_action(rec)
        else:
            self._recent_actions.append(rec)

    def _on_state(self, changes: frozenset[str]) -> None:
        if SESSION not in changes or self.writer is not None:
            return
        s = self.room.session
        if s is not None and s.status == "live":
            self._open(s, gap_from_snapshot=True)

    # --- files -------------------------------------------------------------------------------------
    def _open(self, session: m.Session, *, gap_from_snapshot: bool = False) -> None:
        path = self.directory / session_filename(self.room.room_id, session)
        meta = {
            "room": self.room.room_id,
            "session_id": session.id,
            "started_ts": repr(session.started_ts),
            "role": self.room.role,
            "recorder_started_ts": repr(time.time()),
        }
        ex = self.room.explaining
        if ex is not None and session.status == "live":
            meta["explaining_at_start"] = f"{ex.product_id} {ex.since_ts!r}"
        w = SessionWriter(path, meta)
        w.put_products(self.room.bag, time.time())
        for rec in self._recent_actions:
            if rec.ts >= session.started_ts - EDGE_S:
                w.put_action(rec)
        self._recent_actions.clear()
        self.writer = w
        self.session_id = session.id
        self.files.append(path)
        log.info("recording session %s to %s", session.id, path)
        if gap_from_snapshot:
            # Connected mid-session: the room's state is from a snapshot at room.seq; events
            # between what this file has and room.seq come from the platform's log.
            # A fresh file starts from 0: the platform keeps the session's whole log, and
            # events from before the session's start are dropped in _fill.
            first = w.resume_seq
            if first < self.room.seq:
                with contextlib.suppress(RuntimeError):
                    self._backfill = spawn(
                        self._fill(w, first, self.room.seq), name="session-recorder:backfill"
                    )

    async def _fill(self, w: SessionWriter, after: int, upto: int) -> None:
        session_start = self.room.session.started_ts if self.room.session else 0.0
        stream = self.room.adapter.event_batches(after)
        try:
            async for batch in stream:
                keep = [e for e in batch if e.seq <= upto and e.ts >= session_start]
                if keep and self.writer is w:
                    w.put_events(keep)
                if batch and batch[-1].seq >= upto:
                    break
            log.info("recording %s: filled events %d..%d from the platform", w.path, after, upto)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not fill the recording's gap from the platform's log")
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def _close_current(self, *, linger: bool = False) -> None:
        """Close the current file; ``linger``: keep it open EDGE_S more for the end action."""
        self._close_ended()
        w = self.writer
        if w is None:
            return
        self.writer = None
        self.session_id = None
        if self._backfill is not None:
            self._backfill.cancel()
            self._backfill = None
        if linger:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                linger = False
            else:
                self._ended = (w, time.monotonic())
                loop.call_later(EDGE_S, self._close_ended)
                return
        w.close_soon()
        self._closing = [x for x in self._closing if x.alive] + [w]

    def _close_ended(self) -> None:
        if self._ended is None:
            return
        w = self._ended[0]
        self._ended = None
        w.close_soon()
        self._closing = [x for x in self._closing if x.alive] + [w]

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(METRICS_INTERVAL)
            w = self.writer
            if w is not None:
                w.put_metrics(time.time(), self.room.metrics.model_dump())


def start_recording(room: LiveRoom, directory: Path | None = None) -> SessionRecorder:
    """Start recording ``room`` (call after ``room.start()``); the file is flushed and closed
    at interpreter exit even if nobody calls :meth:`SessionRecorder.stop`."""
    import atexit

    rec = SessionRecorder(room, directory)
    rec.start()
    atexit.register(rec.close_now)
    return rec
