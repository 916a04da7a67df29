"""Session recording: every event, action, OBS change and a 1 Hz metrics snapshot of a live session.

``SessionRecorder(room)`` listens to the :class:`~app.live.room.LiveRoom`; on ``session_started``
(or, when the console connects to a room that is already live, at once) it opens one SQLite file
per session under ``data_dir()/sessions/`` (``<room>_<session>_<start>.livedesk``; the session's
file named before that, ``….livedesk-session.sqlite``, is found and appended to) and hands
everything to a :class:`SessionWriter` thread. The UI thread only appends to the writer's queue.
On ``session_ended`` the file is closed.

One event stream: the recorder reads no stream of its own. It records the batches the room has
already ingested (``room.subscribe_events`` — the very events the console shows, in order),
the console's actions (``room.subscribe_actions``) and every operator's changes with before →
after (``room.subscribe_activity``: the action log, :mod:`app.session.actions`), and the events
this console made itself (``room.subscribe_local``: its own lottery, app/live/console_lottery.py,
and quiz, app/live/quiz.py), kept apart from the platform's in the file's ``local_events`` table. A dropped
connection is resumed by the room's stream from its last seq, so nothing is missed. Only a *gap* — events this file lacks that the
room will never deliver again — is read from the platform's stored log, on a short-lived reader
of its own (``adapter.event_log(after_seq)``, which leaves the operator's link indicator alone)
that stops at the gap's end:

- the console connects (or restarts) mid-session: the room starts from a snapshot, so the events
  between what the file has (a reopened file of the same session — same room, session id and
  start time — is appended to) and the snapshot's seq come from the log. A platform without a
  log numbers its events anew on each connection (Twitch, Shopify): when the snapshot's seq is
  below what the reopened file holds, the rest of the session goes to a continuation file
  (``…-2``, meta ``continues``) instead of being dropped as already recorded;
- the room reloads its snapshot mid-session (``resync_required``): the skipped seqs come from the
  log if the platform still has them, else the gap is noted in the file's meta (``gaps``); a
  session that ended meanwhile is completed from the log up to its ``session_ended`` and closed.

A file is closed only after its gaps are filled.

OBS state: whoever watches OBS (:func:`app.session.obs_link.follow_obs`) calls
:meth:`SessionRecorder.record_obs` — ``record_obs("scene", {"scene": name, "role": r})``,
``record_obs("stream", {"active": True, …})``, ``record_obs("record", {"active": True, …})``,
``record_obs("recording", {"path": file, "started_ts": ts})`` (links the video to the session),
``record_obs("dropped_frames", {…})``, ``record_obs("state", {"connected": True, "scene": …,
"streaming": …, "recording": …, "record_started_ts": …})`` (what OBS is doing, at each connection)
and ``record_obs("link", {"connected": False})`` — and :meth:`SessionRecorder.record_action` for
what this console asked OBS to do. The recorder keeps OBS's current state: a file opened while OBS
is connected starts with it (an ``obs`` row of kind ``state``, ``"initial": true``).

The recording's file: obs-websocket names it only when the recording stops, and operators usually
stop recording after they end the broadcast. So a session that ends while OBS is recording keeps
its file open for OBS's record state (up to ``OBS_LINGER_S``): the stop, with the file's path, still
lands in the session it belongs to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.aio import spawn
from app.live.activity import TeamChange
from app.live.room import SESSION, ActionRecord, LiveRoom
from app.platform import models as m
from app.session import schema
from app.session.actions import change_rows
from app.session.writer import SessionWriter
from app.settings import data_dir

log = logging.getLogger(__name__)

METRICS_INTERVAL = 1.0
#: live events queued for the file's writer past which new ones are left to the back-fill from the
#: platform's log (read once the writer has caught up): a writer that falls behind a burst holds
#: ~2.5 s of a 20,000 events/s stream in memory, not everything (nothing is lost: it is in the log)
MAX_QUEUED_EVENTS = 50_000
# The operator's start/end action completes around the session_started/ended event: actions
# this close to the session's edges still go into its file.
EDGE_S = 3.0
# A session that ended while OBS records waits this long for OBS to stop (and name the file).
OBS_LINGER_S = 30 * 60.0
# What a lingering (ended) session still takes from OBS: its recording's state and file.
_LINGER_KINDS = frozenset({"record", "recording", "stream", "state", "link"})


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def session_stem(room: str, session: m.Session) -> str:
    """A session's file name without its suffix (room, session id, start time)."""
    start = time.strftime("%Y%m%d-%H%M%S", time.localtime(session.started_ts))
    return f"{schema.safe_name(room)}_{schema.safe_name(session.id)}_{start}"


@dataclass
class _Gap:
    """Events (after, upto] of one session that its file lacks and the room will not deliver."""

    writer: SessionWriter
    after: int
    upto: int
    session_id: str
    session_start: float


class SessionRecorder:
    """Records the room's live sessions, one file each. ``start()`` after ``room.start()``."""

    def __init__(self, room: LiveRoom, directory: Path | None = None) -> None:
        self.room = room
        self.directory = directory or sessions_dir()
        self.writer: SessionWriter | None = None
        self.session_id: str | None = None
        self._session_start = 0.0
        self._unsubs: list[Callable[[], None]] = []
        self._ticker: asyncio.Task[None] | None = None
        self._backfill: asyncio.Task[None] | None = None  # fills self._gaps, one after another
        self._gaps: deque[_Gap] = deque()
        self._filling: _Gap | None = None
        self._close_after_fill: list[SessionWriter] = []
        self._closing: list[SessionWriter] = []
        self._seen = 0  # last seq of the room's feed handed to the current file (or skipped)
        self.files: list[Path] = []  # every file this recorder wrote, in order
        self.filled = 0  # events taken from the platform's log (gaps), for diagnostics
        self._gap_notes: dict[Path, list[str]] = {}
        self._recent_actions: deque[ActionRecord] = deque(maxlen=16)
        self._ended: tuple[SessionWriter, float] | None = None  # (writer, ended at) for EDGE_S
        # ended sessions waiting for OBS to stop recording: writer → (handle of the deadline)
        self._obs_wait: dict[SessionWriter, asyncio.TimerHandle] = {}
        #: what OBS is doing now, as last reported (empty: OBS not connected)
        self.obs_state: dict[str, Any] = {}

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._unsubs:
            return
        self._seen = self.room.seq
        self._unsubs = [
            self.room.subscribe_events(self._on_events),
            self.room.subscribe_actions(self._on_action),
            self.room.subscribe_activity(self._on_changes),
            self.room.subscribe_local(self._on_local),
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
        self._gaps.clear()
        self._close_current()
        self._close_ended(wait_for_obs=False)
        self._end_obs_wait()
        pending = self._closing + self._close_after_fill
        self._closing, self._close_after_fill = [], []
        loop = asyncio.get_running_loop()
        for w in pending:
            await loop.run_in_executor(None, w.close)

    def close_now(self) -> None:
        """Synchronously write what is queued and close every file (at exit)."""
        self._gaps.clear()
        self._close_current()
        self._close_ended(wait_for_obs=False)
        self._end_obs_wait()
        for w in self._closing + self._close_after_fill:
            w.close()
        self._closing, self._close_after_fill = [], []

    @property
    def path(self) -> Path | None:
        return self.writer.path if self.writer is not None else None

    @property
    def recording(self) -> bool:
        return self.writer is not None

    @property
    def filling(self) -> bool:
        """A gap is being read from the platform's log."""
        return self._backfill is not None and not self._backfill.done()

    @property
    def waiting_for_obs(self) -> list[Path]:
        """Files of ended sessions kept open until OBS stops recording (and names the file)."""
        files = [w.path for w in self._obs_wait]
        if self._ended is not None and self.obs_state.get("recording"):
            files.append(self._ended[0].path)  # still in its EDGE_S; it will wait next
        return files

    # --- OBS (called by whoever watches OBS) ------------------------------------------------------
    def record_obs(self, kind: str, data: dict[str, Any]) -> None:
        ts = time.time()
        self._track_obs(kind, data)
        w = self.writer
        if w is None and self._ended is not None:
            w = self._ended[0]  # just ended: the switch at the end still belongs to it
        if w is not None:
            w.put_obs(ts, kind, dict(data))
        if kind in _LINGER_KINDS:
            for waiting in self._obs_wait:
                if waiting is not w:
                    waiting.put_obs(ts, kind, dict(data))
        if self._obs_wait and not self.obs_state.get("recording"):
            # OBS stopped recording: the file's path comes with the stop (or right after it)
            self._end_obs_wait(after=EDGE_S)

    def record_action(self, rec: ActionRecord) -> None:
        """An action this console made outside the platform (OBS), recorded like the room's."""
        self._on_action(rec)

    def _track_obs(self, kind: str, data: dict[str, Any]) -> None:
        st = self.obs_state
        if kind == "state":
            st.clear()
            st.update(data)
        elif kind == "link" and not data.get("connected", False):
            # OBS is away: what it does now is unknown, but a recording it had goes on
            st["connected"] = False
        elif kind == "scene":
            st["scene"] = data.get("scene")
        elif kind == "stream":
            st["streaming"] = bool(data.get("active"))
        elif kind == "record":
            active = bool(data.get("active"))
            if active and not st.get("recording"):
                st["record_started_ts"] = time.time()
            st["recording"] = active
            if not active:
                st["record_started_ts"] = None

    def _initial_obs(self, w: SessionWriter) -> None:
        """A new file starts with what OBS is doing (if OBS is connected)."""
        st = self.obs_state
        if st.get("connected"):
            w.put_obs(time.time(), "state", {**st, "initial": True})

    # --- listeners (UI thread: O(batch) scan, then one queue put) ----------------------------------
    def _on_events(self, batch: Sequence[m.Event]) -> None:
        if not batch:
            return
        if self.writer is not None and batch[0].seq > self._seen + 1:
            # the room skipped seqs (it reloaded its snapshot): take them from the log
            self._add_gap(self._seen, batch[0].seq - 1)
        self._seen = batch[-1].seq
        start = 0
        for i, ev in enumerate(batch):
            t = ev.type
            if t is m.EventType.SESSION_STARTED:
                if self.writer is not None and i > start:
                    self._queue(_part(batch, start, i))
                self._close_current()
                self._open(ev.data.session)
                start = i
            elif t is m.EventType.SESSION_ENDED:
                if self.writer is not None:
                    self._queue(_part(batch, start, i + 1))
                    self._close_current(linger=True)
                start = i + 1
        if self.writer is not None and start < len(batch):
            self._queue(_part(batch, start) if start else batch)

    def _queue(self, events: Sequence[m.Event]) -> None:
        """Hand live events to the current file's writer; while it is far behind, leave them to
        the back-fill instead (one gap, extended while the writer stays behind)."""
        w = self.writer
        if w is None or not events:
            return
        if w.backlog_events <= MAX_QUEUED_EVENTS:
            w.put_events(events)
            return
        first, last = events[0].seq, events[-1].seq
        tail = self._gaps[-1] if self._gaps else None
        if tail is not None and tail.writer is w and tail.upto == first - 1:
            tail.upto = last
            return
        log.warning("recording %s: the writer is %d events behind", w.path, w.backlog_events)
        self._add_gap(first - 1, last)

    def _on_action(self, rec: ActionRecord) -> None:
        if self.writer is not None:
            self.writer.put_action(rec)
            return
        ended = self._ended
        if ended is not None and time.monotonic() - ended[1] < EDGE_S:
            ended[0].put_action(rec)
        else:
            self._recent_actions.append(rec)

    def _on_local(self, events: Sequence[m.Event]) -> None:
        # the console's own lottery: in the open file, or the one that just ended (its EDGE_S)
        w = self.writer or (self._ended[0] if self._ended is not None else None)
        if w is not None:
            w.put_local(events)

    def _open_console_lotteries(self, w: SessionWriter) -> None:
        """A new file starts with the console's own lotteries still open, as published at their
        start (the commitment this console made then): their draw verifies from the file."""
        now = time.time()
        w.put_local(
            [
                m.Event(
                    seq=self.room.seq,
                    ts=now,
                    type=m.EventType.LOTTERY_STARTED,
                    data=m.LotteryData(lottery=lot),
                )
                for lot in self.room.lotteries.values()
                if lot.origin == "console" and lot.status != "drawn"
            ]
        )

    def _on_changes(self, changes: Sequence[TeamChange]) -> None:
        # after the batch's events: the file of a session_started is open, a session_ended's
        # file lingers (its 下播 belongs to it)
        w = self.writer or (self._ended[0] if self._ended is not None else None)
        if w is not None:
            w.put_changes(change_rows(changes))

    def _on_state(self, changes: frozenset[str]) -> None:
        if SESSION not in changes:
            return
        s = self.room.session
        live = s is not None and s.status == "live"
        if self.writer is not None:
            if live and s is not None and s.id == self.session_id:
                return
            # the room reloaded its snapshot and the recorded session is over: its end is in
            # the log between what the file has and the snapshot; the file closes once filled
            self._add_gap(self._seen, self.room.seq)
            self._seen = self.room.seq
            self._close_current(session_over=True)
        if live and s is not None:
            self._open(s, gap_from_snapshot=True)
        self._seen = self.room.seq

    # --- files -------------------------------------------------------------------------------------
    def _open(self, session: m.Session, *, gap_from_snapshot: bool = False) -> None:
        # the session's file if it exists (an old-named one too: appended to), else a new one
        path = schema.session_path(self.directory, session_stem(self.room.room_id, session))
        meta = {
            "room": self.room.room_id,
            "session_id": session.id,
            "started_ts": repr(session.started_ts),
            "role": self.room.role,
            "recorder_started_ts": repr(time.time()),
            "currency": self.room.currency,  # of the catalogue, orders and GMV
        }
        ex = self.room.explaining
        if ex is not None and session.status == "live":
            meta["explaining_at_start"] = f"{ex.product_id} {ex.since_ts!r}"
        w = SessionWriter(path, meta)
        if gap_from_snapshot and w.resume_seq > self.room.seq:
            w = self._continuation(w, path, meta)
            path = w.path
        w.put_products(self.room.bag, time.time())
        for rec in self._recent_actions:
            if rec.ts >= session.started_ts - EDGE_S:
                w.put_action(rec)
        self._recent_actions.clear()
        self._initial_obs(w)
        self._open_console_lotteries(w)
        self.writer = w
        self.session_id = session.id
        self._session_start = session.started_ts
        self.files.append(path)
        log.info("recording session %s to %s", session.id, path)
        if gap_from_snapshot:
            # Connected mid-session: the room's state is from a snapshot at room.seq; events
            # between what this file has and room.seq come from the platform's log.
            # A fresh file starts from 0: the platform keeps the session's whole log, and
            # events from before the session's start are dropped in _fill.
            for after, upto in w.holes:  # a crash interrupted an earlier back-fill
                self._add_gap(after, min(upto, self.room.seq))
            if w.resume_seq < self.room.seq:
                self._add_gap(w.resume_seq, self.room.seq)

    def _continuation(
        self, reopened: SessionWriter, path: Path, meta: dict[str, str]
    ) -> SessionWriter:
        """A file of its own for the rest of a session whose platform numbered its events anew
        since this file was written (it keeps no log: Twitch, Shopify number from 1 on every
        connection): appended to ``path``, what comes now would share the seqs the file holds
        and be dropped as already recorded."""
        reopened.close_soon()
        stem = schema.stem(path)
        k = 2
        while (nxt := schema.session_path(path.parent, f"{stem}-{k}")).exists():
            k += 1
        log.warning(
            "recording: the platform numbers its events anew (seq %d, the file holds up to %d); "
            "the rest of the session goes to %s",
            self.room.seq,
            reopened.resume_seq,
            nxt.name,
        )
        return SessionWriter(nxt, {**meta, "continues": path.name})

    # --- gaps: read from the platform's stored log ------------------------------------------------
    def _add_gap(self, after: int, upto: int) -> None:
        w = self.writer
        if w is None or upto <= after:
            return
        self._gaps.append(_Gap(w, after, upto, self.session_id or "", self._session_start))
        log.info("recording %s: events %d..%d to fill from the platform", w.path, after + 1, upto)
        if self._backfill is None or self._backfill.done():
            with contextlib.suppress(RuntimeError):  # no running loop (tests): left unfilled
                self._backfill = spawn(self._fill_gaps(), name="session-recorder:backfill")

    async def _fill_gaps(self) -> None:
        while self._gaps:
            gap = self._filling = self._gaps.popleft()
            try:
                await self._fill(gap)
            finally:
                self._filling = None
            self._close_filled()

    async def _fill(self, gap: _Gap) -> None:
        w = gap.writer
        stream = self.room.adapter.event_log(gap.after)
        got = 0
        try:
            async for batch in stream:
                if batch and batch[-1].type is m.EventType.RESYNC_REQUIRED:
                    # the platform no longer has these events: say so in the file
                    w.put_meta("gaps", self._note_gap(w, gap))
                    log.warning(
                        "recording %s: events %d..%d are gone from the platform's log",
                        w.path,
                        gap.after + 1,
                        gap.upto,
                    )
                    return
                keep: list[m.Event] = []
                done = bool(batch) and batch[-1].seq >= gap.upto
                for e in batch:
                    if e.seq > gap.upto:
                        break
                    if e.seq <= gap.after or e.ts < gap.session_start:
                        continue
                    keep.append(e)
                    if e.type is m.EventType.SESSION_ENDED and e.data.session.id == gap.session_id:
                        done = True  # the session's last event: nothing after it is ours
                        break
                if keep:
                    # the writer (a thread) is still behind: do not pile on
                    while w.backlog_events > MAX_QUEUED_EVENTS // 2 and w.alive:  # noqa: ASYNC110
                        await asyncio.sleep(0.2)
                    w.put_events(keep)
                    got += len(keep)
                if done:
                    break
            log.info(
                "recording %s: filled %d events of %d..%d from the platform",
                w.path,
                got,
                gap.after + 1,
                gap.upto,
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not fill the recording's gap from the platform's log")
            w.put_meta("gaps", self._note_gap(w, gap))
        finally:
            self.filled += got
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def _note_gap(self, w: SessionWriter, gap: _Gap) -> str:
        """The file's meta ``gaps``: every seq range it will never have, space-separated."""
        noted = self._gap_notes.setdefault(w.path, [])
        noted.append(f"{gap.after + 1}-{gap.upto}")
        return " ".join(noted)

    def _pending_fill(self, w: SessionWriter) -> bool:
        return (self._filling is not None and self._filling.writer is w) or any(
            g.writer is w for g in self._gaps
        )

    def _retire(self, w: SessionWriter) -> None:
        """Close ``w`` now, or once its gaps are filled."""
        if self._pending_fill(w):
            self._close_after_fill.append(w)
            return
        w.close_soon()
        self._closing = [x for x in self._closing if x.alive] + [w]

    def _close_filled(self) -> None:
        waiting, self._close_after_fill = self._close_after_fill, []
        for w in waiting:
            self._retire(w)

    def _close_current(self, *, linger: bool = False, session_over: bool = False) -> None:
        """Close the current file; ``linger``: keep it open EDGE_S more for the end action (then,
        like ``session_over``, for OBS while it records)."""
        self._close_ended()
        w = self.writer
        if w is None:
            return
        self.writer = None
        self.session_id = None
        if linger:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                linger = False
            else:
                self._ended = (w, time.monotonic())
                loop.call_later(EDGE_S, self._close_ended)
                return
        if session_over and self.obs_state.get("recording"):
            self._wait_for_obs(w)
            return
        self._retire(w)

    def _close_ended(self, *, wait_for_obs: bool = True) -> None:
        if self._ended is None:
            return
        w = self._ended[0]
        self._ended = None
        if wait_for_obs and self.obs_state.get("recording"):
            self._wait_for_obs(w)
        else:
            self._retire(w)

    def _wait_for_obs(self, w: SessionWriter) -> None:
        """Keep ``w`` open for OBS's record state until OBS stops recording or OBS_LINGER_S."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._retire(w)
            return
        log.info("recording %s: kept open until OBS stops recording", w.path)
        self._obs_wait[w] = loop.call_later(OBS_LINGER_S, self._stop_waiting, w)

    def _stop_waiting(self, w: SessionWriter) -> None:
        handle = self._obs_wait.pop(w, None)
        if handle is not None:
            handle.cancel()
            self._retire(w)

    def _end_obs_wait(self, after: float = 0.0) -> None:
        """Close the files waiting for OBS, now or ``after`` seconds (the path may follow)."""
        for w, handle in list(self._obs_wait.items()):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                after = 0.0
            if after <= 0:
                self._stop_waiting(w)
                continue
            if handle.when() <= loop.time() + after:
                continue  # already closing sooner
            handle.cancel()
            self._obs_wait[w] = loop.call_later(after, self._stop_waiting, w)

    async def _tick(self) -> None:
        while True:
            # on the wall clock's seconds (+10 ms), so a late wake-up never skips or repeats one
            await asyncio.sleep(METRICS_INTERVAL - time.time() % METRICS_INTERVAL + 0.01)
            w = self.writer
            if w is not None:
                w.put_metrics(time.time(), self.room.metrics.model_dump())


def _part(batch: Sequence[m.Event], start: int, stop: int | None = None) -> Sequence[m.Event]:
    """A slice of a batch, keeping what the room worked out for it (wire lines, chat kinds)."""
    if isinstance(batch, m.EventBatch):
        return batch.part(start, stop)
    return batch[start:stop]


def start_recording(room: LiveRoom, directory: Path | None = None) -> SessionRecorder:
    """Start recording ``room`` (call after ``room.start()``); the file is flushed and closed
    at interpreter exit even if nobody calls :meth:`SessionRecorder.stop`."""
    import atexit

    rec = SessionRecorder(room, directory)
    rec.start()
    atexit.register(rec.close_now)
    return rec
