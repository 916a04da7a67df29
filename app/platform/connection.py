"""Observable connection state of a platform link: connected / reconnecting since T, attempt N / offline.

It also keeps what the link had to leave out: :meth:`ConnectionTracker.skipped` counts the events
and messages the stream skipped because it could not receive them (too large, malformed) and tells
its skip listeners once per skip (the window shows a note: "跳过了 1 条无法接收的事件 (seq N)").

Beside the link state, an adapter that looks after its platform itself (the built-in sandbox,
which the console starts as a child process and restarts when it dies) reports what it is doing
about an outage as a :class:`Recovery` note; the note is cleared when the link is connected again.
Listeners hear state transitions and recovery notes, never individual event batches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from app.listeners import Listeners


class RecoveryStep(StrEnum):
    """What an adapter is doing about its platform being down (beside reconnecting)."""

    RESTARTING = "restarting"  # the platform process exited; starting it again
    RESTARTED = "restarted"  # started again (same address and data); reconnecting to it
    GAVE_UP = "gave_up"  # could not start it again; the operator's 重连 tries once more


@dataclass(frozen=True, slots=True)
class Recovery:
    step: RecoveryStep
    attempt: int = 1  # restart number in this outage
    detail: str = ""  # why (a start error), as "中文 (English)" for localize()
    exit_code: int | None = None  # how the platform process ended, when it did


class LinkState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    state: LinkState = LinkState.OFFLINE
    since: float = 0.0  # wall-clock time the current state began
    attempt: int = 0  # reconnect attempt number while reconnecting
    last_event_ts: float | None = None  # wall-clock time the last event arrived (monotonic-free)
    last_seq: int = 0
    error: str | None = None  # why we are not connected, for the operator
    skipped: int = 0  # events and messages skipped on this link (could not be received)
    skipped_seqs: tuple[int, ...] = ()  # the latest seqs skipped (at most SKIPPED_KEPT)
    recovery: Recovery | None = None  # what the adapter is doing about an outage

    def last_event_age(self, now: float | None = None) -> float | None:
        if self.last_event_ts is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.last_event_ts)

    @property
    def online(self) -> bool:
        return self.state is LinkState.CONNECTED


Listener = Callable[[ConnectionStatus], None]

#: skipped seqs a status keeps (the count has them all)
SKIPPED_KEPT = 20


@dataclass(frozen=True, slots=True)
class Skip:
    """One report of messages the stream could not take: numbered events (``seqs``) and
    messages without a readable seq (``unnumbered``), and why."""

    seqs: tuple[int, ...]
    unnumbered: int
    reason: str  # "too_big" | "malformed"

    @property
    def count(self) -> int:
        return len(self.seqs) + self.unnumbered


SkipListener = Callable[[Skip], None]


class ConnectionTracker:
    """Holds the current :class:`ConnectionStatus` and tells listeners when it changes state.

    ``last_event_ts``/``last_seq`` are updated silently on every event batch (read them when
    rendering); listeners hear only state transitions, so they are never flooded.
    """

    def __init__(self) -> None:
        self._status = ConnectionStatus(since=time.time())
        self._listeners = Listeners[[ConnectionStatus]]("link state listener")
        self._skip_listeners = Listeners[[Skip]]("skip listener")

    @property
    def status(self) -> ConnectionStatus:
        return self._status

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def subscribe_skips(self, listener: SkipListener) -> Callable[[], None]:
        """``listener(skip)`` once for every report of skipped messages."""
        return self._skip_listeners.add(listener)

    def skipped(self, seqs: tuple[int, ...], unnumbered: int, reason: str) -> None:
        """The stream skipped messages it could not take; counted, and listeners told."""
        skip = Skip(tuple(seqs), int(unnumbered), reason)
        if not skip.count:
            return
        old = self._status
        kept = (old.skipped_seqs + skip.seqs)[-SKIPPED_KEPT:]
        self._status = replace(old, skipped=old.skipped + skip.count, skipped_seqs=kept)
        self._skip_listeners.emit(skip)  # a listener's bug does not stop the stream that reports

    def set_state(self, state: LinkState, *, attempt: int = 0, error: str | None = None) -> None:
        old = self._status
        since = (
            old.since if (old.state is state and state is LinkState.RECONNECTING) else time.time()
        )
        recovery = None if state is LinkState.CONNECTED else old.recovery
        self._status = replace(
            old, state=state, since=since, attempt=attempt, error=error, recovery=recovery
        )
        self._notify()

    def set_recovery(self, recovery: Recovery | None) -> None:
        """Say what the adapter is doing about the outage (None: nothing, or it is over)."""
        if recovery == self._status.recovery:
            return
        self._status = replace(self._status, recovery=recovery)
        self._notify()

    def _notify(self) -> None:
        self._listeners.emit(self._status)

    def saw_events(self, last_seq: int) -> None:
        self._status = replace(self._status, last_event_ts=time.time(), last_seq=last_seq)
