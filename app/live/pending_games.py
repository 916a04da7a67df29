"""The journal of this console's open games, so that a restart (or a crash) can finish them.

The console's own lottery (app/live/console_lottery.py) publishes only ``sha256(seed)`` when it
opens; its quiz (app/live/quiz.py) counts answers as they come. Both lived only in memory: a
console restarted while one was open lost the seed — the draw could never be revealed, the
commitment viewers saw was worth nothing — and the quiz's answers. So each keeps a journal file
here, and a restarted console reads it back:

- **Where**: ``data_dir()/games/<sha256(platform room)[:16]>.<name>.jsonl``, created owner-only
  (0600): until the draw the seed is a secret of this console, as it was in its memory; it is in
  no event, log line or recording before the draw. A drawn lottery, a quiz whose draw opened or a
  newer quiz leave the journal (the file is rewritten without them, and removed when empty).
- **What**: :meth:`GameJournal.rewrite` writes the whole current state at the rare steps (a
  lottery opened or drawn, a quiz started, closed or revealed), atomically (a temporary file,
  fsync, rename); :meth:`GameJournal.append` adds one line for the frequent ones (entries,
  answers) and flushes it to the OS at once (a crashed process loses nothing the OS has; a power
  cut may lose the last lines, never the seed, which the rewrite fsyncs). :meth:`GameJournal.load`
  reads the lines back, skipping a torn last line.
- **When**: :class:`GameRecovery` waits for the room's first snapshot after the console starts
  (the window is built before the room connects; a room already loaded does not wait), then — on the next turn of the event loop, after
  the session recorder has reopened the session's file — asks the lotteries and the quiz to
  restore what belongs to the session that is live now, and to void (drop, and say so) what
  belonged to a session that has ended. The operator is told each outcome in plain words
  (``on_message``): what came back, what did not count while the console was down, what was
  voided.

What a restored game keeps is described where the rules are (ConsoleLotteries.restore,
Quizzes.restore). No widgets here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from app.live.room import SESSION, LiveRoom
from app.settings import data_dir

log = logging.getLogger(__name__)

Record = dict[str, Any]


class GameJournal:
    """One owner's journal file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._out: IO[bytes] | None = None

    @classmethod
    def for_room(cls, room: LiveRoom, name: str, base: Path | None = None) -> GameJournal:
        key = f"{type(room.adapter).__module__}:{room.room_id}".encode()
        digest = hashlib.sha256(key).hexdigest()[:16]
        return cls((base or data_dir()) / "games" / f"{digest}.{name}.jsonl")

    def load(self) -> list[Record]:
        """The records in order; a line that does not parse (torn by a crash) ends the read."""
        try:
            data = self.path.read_bytes()
        except OSError:
            return []
        out: list[Record] = []
        for line in data.splitlines():
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:
                log.warning("game journal %s: unreadable line, the rest ignored", self.path)
                break
            if isinstance(rec, dict):
                out.append(rec)
        return out

    def rewrite(self, records: Sequence[Record]) -> None:
        """Replace the journal by ``records`` (atomically, fsynced); none: remove the file."""
        self._close_out()
        try:
            if not records:
                self.path.unlink(missing_ok=True)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(b"".join(orjson.dumps(r) + b"\n" for r in records))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError:
            log.exception("game journal %s not written", self.path)

    def append(self, record: Record) -> None:
        """Add one line and hand it to the OS now."""
        try:
            if self._out is None:
                if not self.path.exists():
                    return  # nothing open: rewrite() made no journal to add to
                self._out = open(self.path, "ab")  # kept open between appends
            self._out.write(orjson.dumps(record) + b"\n")
            self._out.flush()
        except OSError:
            log.exception("game journal %s: line not written", self.path)

    def close(self) -> None:
        self._close_out()

    def _close_out(self) -> None:
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None


class Restorable(Protocol):
    def restore(self) -> list[str]: ...


class GameRecovery:
    """After the room's first snapshot, restore (or void) what the journals hold, once."""

    def __init__(
        self,
        room: LiveRoom,
        games: Sequence[Restorable],
        on_message: Callable[[str], None],
    ) -> None:
        self.room = room
        self.games = list(games)
        self.on_message = on_message
        self.done = False
        self._closed = False
        self._unsubscribe: Callable[[], None] | None = None
        if room.loaded:  # built on a room that already follows its platform
            self._soon()
        else:
            self._unsubscribe = room.subscribe(self._on_state)

    def close(self) -> None:
        """Nothing more (the window went): no restore after this."""
        self._closed = True
        self._stop_listening()

    def _stop_listening(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_state(self, changes: frozenset[str]) -> None:
        if SESSION not in changes or self._unsubscribe is None:
            return
        self._stop_listening()
        self._soon()

    def _soon(self) -> None:
        try:
            asyncio.get_running_loop().call_soon(self._restore)
        except RuntimeError:  # no loop (a synchronous test): now
            self._restore()

    def _restore(self) -> None:
        if self._closed or self.done:
            return
        self.done = True
        for game in self.games:
            try:
                messages = game.restore()
            except Exception:  # a bad journal must not take the console down
                log.exception("restoring %s failed", type(game).__name__)
                continue
            for text in messages:
                self.on_message(text)
