"""The drill engine (应急演练): inject one fault at a time and time LiveDesk's reactions. No widgets.

A :class:`Drill` holds one :class:`Injector` per fault it may inject (app/drill/faults.py makes
them: only the faults this room and this OBS can honestly produce are offered). Whoever wires it
(the console's 应急演练 dialog, a test) feeds it LiveDesk's reactions with :meth:`Drill.observe`
(:func:`watch` connects the usual ones: the failover's events, the OBS link, the platform link;
the console adds its alerts and the chat's complaint flags). Each reaction is matched against the
fault being run (:data:`SPECS`): the first matching *detection* becomes ``detected_at``, automatic
actions and operator actions are listed with their times, the first *recovery* reaction after the
fault is removed becomes ``recovered_at``.

Running a fault (:meth:`Drill.run_fault`): inject; hold it ``hold_s`` (at least until detected,
at most its ``deadline_s``); remove it; wait up to ``recover_s`` for LiveDesk to see it gone;
record the result (:class:`app.drill.report.FaultResult`) and tell the listeners (the console
records it: ``record_obs("drill", result.record())``). :meth:`Drill.run_script` runs a sequence
with gaps; :meth:`Drill.stop` cancels it and removes the fault being injected — a drill never
leaves a fault behind (removal runs even when the run is cancelled).

Guarantees: everything runs on the event loop; one fault at a time; times are wall-clock
(``time.time()``, the recording's clock); a fault not reacted to within its deadline is reported
missed, not dropped; an injector that fails leaves a result with its note and the drill goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.aio import wait_event
from app.drill.report import FaultResult
from app.listeners import Listeners
from app.live.comment_kinds import Kind
from app.live.room import ChatLine, LiveRoom
from app.obs.connection import ObsConnection
from app.obs.failover import Failover
from app.platform.connection import ConnectionStatus, ConnectionTracker, LinkState

log = logging.getLogger(__name__)


class Injector(Protocol):
    """One fault: ``inject()`` makes it happen, ``restore()`` undoes exactly that."""

    async def inject(self) -> None: ...

    async def restore(self) -> None: ...


@dataclass(frozen=True)
class Spec:
    detects: frozenset[str]  # reactions that mean LiveDesk noticed
    auto: frozenset[str] = frozenset()  # reactions that are LiveDesk acting by itself
    recovers: frozenset[str] = frozenset()  # reactions that mean LiveDesk saw it gone


# a camera fault is over when the program shows the camera again (switched back, by itself or by
# the operator's 切回直播画面 when auto-return is off): "recovered" is only the camera seen back
_CAMERA = Spec(
    detects=frozenset({"failover:switched"}),
    auto=frozenset({"failover:switched", "failover:recovered", "failover:switched_back"}),
    recovers=frozenset({"failover:switched_back"}),
)
SPECS: dict[str, Spec] = {
    "camera_black": _CAMERA,
    "camera_lost": _CAMERA,
    "camera_frozen": _CAMERA,
    "mic_silence": Spec(frozenset({"failover:mic_alert"}), recovers=frozenset({"failover:mic_ok"})),
    "network_loss": Spec(frozenset({"platform:offline"}), recovers=frozenset({"platform:online"})),
    "obs_killed": Spec(frozenset({"obs:offline"}), recovers=frozenset({"obs:online"})),
    "complaint_burst": Spec(frozenset({"chat:complaint", "alert:complaint"})),
    "viewer_drop": Spec(frozenset({"alert:online_drop", "alert:interaction_drop"})),
}
#: reactions that are the operator's doing (listed under 操作员操作)
OPERATOR = frozenset({"failover:emergency", "failover:emergency_end"})


@dataclass(frozen=True)
class Step:
    """One step of a drill script: the fault, how long it stays, the pause after it."""

    kind: str
    hold_s: float = 8.0
    gap_s: float = 3.0
    deadline_s: float = 30.0
    recover_s: float = 20.0


class Drill:
    def __init__(
        self, injectors: dict[str, Injector], *, clock: Callable[[], float] = time.time
    ) -> None:
        self.injectors = injectors
        self.clock = clock
        self.results: list[FaultResult] = []
        self.current: FaultResult | None = None
        self.running = False
        self._restored = False
        self._changed = asyncio.Event()
        self._listeners = Listeners[[FaultResult]]("drill listener")
        self._status = Listeners[[FaultResult | None]]("drill status listener")
        self._task: asyncio.Task[None] | None = None

    @property
    def offered(self) -> list[str]:
        return [k for k in SPECS if k in self.injectors]

    def subscribe(self, listener: Callable[[FaultResult], None]) -> Callable[[], None]:
        """``listener(result)`` once per finished fault (to record it)."""
        return self._listeners.add(listener)

    def subscribe_status(
        self, listener: Callable[[FaultResult | None], None]
    ) -> Callable[[], None]:
        """``listener(current or None)`` on every change while a drill runs (a live view)."""
        return self._status.add(listener)

    # --- reactions --------------------------------------------------------------------------------
    def observe(self, kind: str, ts: float | None = None) -> None:
        """A reaction of LiveDesk's (or an operator action) at ``ts`` (default: now)."""
        r = self.current
        if r is None:
            return
        t = self.clock() if ts is None else ts
        if t < r.injected_at:
            return
        spec = SPECS[r.kind]
        changed = False
        if kind in OPERATOR or kind.startswith("operator:"):
            r.operator.append((t, kind))
            changed = True
        if kind in spec.auto:
            r.auto.append((t, kind))
            changed = True
        if r.detected_at is None and kind in spec.detects:
            r.detected_at, r.detected_by = t, kind
            changed = True
        if r.recovered_at is None and kind in spec.recovers and r.detected_at is not None:
            r.recovered_at = t  # only after a detection: a late echo of an earlier fault is not it
            changed = True
        if changed:
            self._changed.set()
            self._status.emit(r)

    # --- running ----------------------------------------------------------------------------------
    async def run_fault(
        self,
        kind: str,
        *,
        hold_s: float = 8.0,
        deadline_s: float = 30.0,
        recover_s: float = 20.0,
    ) -> FaultResult:
        """Inject ``kind``, time the reactions, remove it (see the module docstring)."""
        injector = self.injectors[kind]
        r = FaultResult(kind, self.clock(), deadline_s)
        self.current, self._restored = r, False
        self._status.emit(r)
        try:
            try:
                await injector.inject()
            except Exception as exc:
                log.warning("drill: injecting %s failed", kind, exc_info=True)
                r.note = f"{type(exc).__name__}: {exc}"
                return r
            end_hold = r.injected_at + hold_s
            end_detect = r.injected_at + deadline_s
            while True:
                now = self.clock()
                if now >= end_detect or (now >= end_hold and r.detected_at is not None):
                    break
                await self._wait(min(end_detect, max(end_hold, now + 0.05)) - now)
            await self._remove(injector, r)
            end = self.clock() + recover_s
            spec = SPECS[kind]
            while spec.recovers and r.recovered_at is None and self.clock() < end:
                await self._wait(end - self.clock())
            return r
        finally:
            if not self._restored:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._remove(injector, r))
            self.current = None
            self.results.append(r)
            self._listeners.emit(r)
            self._status.emit(None)

    async def _remove(self, injector: Injector, r: FaultResult) -> None:
        if self._restored:
            return
        self._restored = True
        r.restored_at = self.clock()
        try:
            await injector.restore()
        except Exception as exc:
            log.warning("drill: removing %s failed", r.kind, exc_info=True)
            r.note = (r.note + "; " if r.note else "") + f"restore: {exc}"
        self._status.emit(r)

    async def _wait(self, seconds: float) -> None:
        self._changed.clear()
        await wait_event(self._changed, max(0.01, seconds))

    async def run_script(self, steps: Sequence[Step]) -> list[FaultResult]:
        """The steps one after another (a fault not offered here is skipped)."""
        self.running = True
        done: list[FaultResult] = []
        try:
            for i, step in enumerate(steps):
                if step.kind not in self.injectors:
                    continue
                done.append(
                    await self.run_fault(
                        step.kind,
                        hold_s=step.hold_s,
                        deadline_s=step.deadline_s,
                        recover_s=step.recover_s,
                    )
                )
                if i < len(steps) - 1:
                    await asyncio.sleep(step.gap_s)
        finally:
            self.running = False
        return done

    def start(self, steps: Sequence[Step]) -> asyncio.Task[None]:
        """Run a script in the background (the dialog); :meth:`stop` ends it."""

        async def go() -> None:
            await self.run_script(steps)

        self._task = asyncio.get_running_loop().create_task(go(), name="drill")
        return self._task

    async def stop(self) -> None:
        """End the drill: the fault being injected is removed (and reported as it stands)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


#: the chat flags a complaint burst when this many complaints come within BURST_S seconds
BURST_N = 5
BURST_S = 20.0


def watch(
    drill: Drill,
    *,
    failover: Failover | None = None,
    obs: ObsConnection | None = None,
    room: LiveRoom | None = None,
) -> Callable[[], None]:
    """Feed ``drill`` the usual reactions: the failover's events (``failover:<kind>``), the OBS
    link and the room's platform link (``obs:``/``platform:`` ``offline``/``online``, on
    transitions), and the room's chat: ``chat:complaint`` when the comments LiveDesk flags as
    complaints (app/live/comment_kinds.py) reach :data:`BURST_N` within :data:`BURST_S` seconds
    (LiveDesk has no complaint alert of its own: the flag is its reaction). Alerts come from
    the console (ui/drill.py). Returns the unsubscriber."""
    unsubs: list[Callable[[], None]] = []
    if failover is not None:
        unsubs.append(failover.subscribe(lambda e: drill.observe(f"failover:{e.kind}", e.ts)))
    if room is not None:
        recent: deque[float] = deque()

        def on_chat(lines: Sequence[ChatLine]) -> None:
            for line in lines:
                if line.kind & Kind.COMPLAINT:
                    now = time.time()
                    recent.append(now)
                    while recent and recent[0] < now - BURST_S:
                        recent.popleft()
                    if len(recent) >= BURST_N:
                        recent.clear()
                        drill.observe("chat:complaint", now)

        unsubs.append(room.subscribe_chat(on_chat))

    def link(prefix: str, tracker: ConnectionTracker) -> None:
        last = [tracker.status.state is LinkState.CONNECTED]

        def on(status: ConnectionStatus) -> None:
            up = status.state is LinkState.CONNECTED
            if status.state is LinkState.CONNECTING or up == last[0]:
                return
            last[0] = up
            drill.observe(f"{prefix}:{'online' if up else 'offline'}")

        unsubs.append(tracker.subscribe(on))

    if obs is not None:
        link("obs", obs.tracker)
    if room is not None:
        link("platform", room.adapter.connection)

    def off() -> None:
        for u in unsubs:
            u()

    return off
