"""Benchmark: the real console window ingesting the live event stream (issue 3, "feed_ui").

For each stream rate (default 2,000 / 10,000 / 20,000 events/s) a real sandbox server is started
as a subprocess with a simulated audience (``--viewers 2000 --rate R --debug-routes``). Likes are
merged and the mix of the room changes as it goes (explains bring orders), so the stream carries
some varying share of R: a :class:`RateHolder` measures the stream's rate (the platform's log
growth) every 2 s and corrects R through the sandbox's ``/_debug/audience-rate``, from the start of
each phase's warm-up to the end of its window, so the STREAM carries the target rate. Then, on ONE
qasync loop as in ``ui/launch.py``:

1. baseline: a bare console with no window — :class:`PlatformClient` + :class:`LiveRoom` — starts
   a live session (the audience runs while one is live), follows the stream for
   ``--baseline-seconds`` (default min(15, seconds)) and ends the session;
2. console: the real :class:`MainWindow` (every panel, shown offscreen) on its own PlatformClient +
   LiveRoom, with the session recorder as ``ui/launch.py`` starts it, starts a session (as the
   开播 button does) and follows the stream for ``--seconds`` (default 60) while ~50 explain
   clicks are made through the product queue's explain action (``ProductQueuePanel.explain``,
   what the button and the Space key call).

Measured per rate (all in the same run):

- ``server_events_per_s``: the platform's own log growth (room ``seq``) over the window;
- ``console_events_per_s``: how far ``room.seq`` advanced over the same window; ``backlog_events``
  = server seq − console seq at the end, ``catch_up_ms`` until the console reached that seq;
- ``loop_lag_ms``: p50/p99/max lateness of a 20 ms precise QTimer re-armed each time it fires;
  ``asyncio_step_ms``: how long one ``await asyncio.sleep(0)`` takes (see :class:`LagProbe`);
  ``gc_pauses_ms``: the cyclic garbage collector's pauses per generation (``gc.callbacks``);
- ``process_cpu_share``: this process's CPU time (all threads) / wall time over the window;
- ``ingest_ms``: time in ``LiveRoom.ingest`` per platform batch (state + every listener: chat
  views, orders, metrics, recorder queue), measured by wrapping the instance's method;
- ``flush_ms``: each batched model's flush, from its first row signal to the end of its
  ``flushed`` signal's slots (the view's follow/scroll included); ``*_share`` = fraction of wall
  time; painting happens later, in the event loop, and shows in the loop lag;
- ``rss_mb``: VmRSS from /proc/self/status at the start and end of the window, and the peak;
- ``explain_ms``: click → ``room.explaining`` shows the product (the platform's event came back);
  ``request_ms``: of that, the explain request's own round trip. The baseline makes the same
  clicks with no window (``room.explain`` straight from the loop): the platform's share.

Prints ONE JSON line. Targets (issue 3): 20,000 events/s kept up with and no backlog, loop lag
p99 < 50 ms, < 50 MB RSS growth, explain click-to-back <= 100 ms p95.

Usage: ``.venv/bin/python tests/bench/feed_ui.py [--seconds 60] [--rates 2000,10000,20000]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from tests.support.processes import spawn, stop  # noqa: E402  (tests/support/processes.py: dies with the bench)

#: stream events per audience event asked with --rate (likes are merged into fewer events): the
#: first guess, which the RateHolder then corrects
RATE_FACTOR = 0.75
#: the RateHolder's measuring period, and the largest correction it makes at once
HOLD_PERIOD_S = 2.0
HOLD_MAX_STEP = 1.5
LAG_INTERVAL_MS = 20
EXPLAIN_SAMPLES = 50
EXPLAIN_TIMEOUT = 5.0
WARMUP_S = 6.0  # the RateHolder's first three corrections


# --- helpers ---------------------------------------------------------------------------------------
def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return round(s[k], 2)


def summary(xs: list[float]) -> dict[str, Any]:
    return {
        "n": len(xs),
        "p50": pct(xs, 50),
        "p95": pct(xs, 95),
        "p99": pct(xs, 99),
        "max": round(max(xs), 2) if xs else None,
        "mean": round(statistics.fmean(xs), 2) if xs else None,
    }


class Server:
    """The real sandbox server as a subprocess on 127.0.0.1 (as tests/support/sandbox_server.py starts it)."""

    def __init__(self, db: Path, log: Path, args: list[str]) -> None:
        cmd = [sys.executable, "-m", "app.main", "sandbox", "--port", "0", "--db", str(db), *args]
        with open(log, "ab") as logf:
            self.proc = spawn(
                cmd,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=logf,
                stdin=subprocess.DEVNULL,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        try:
            info = json.loads(line)
        except ValueError:
            self.stop()
            raise RuntimeError(f"sandbox printed {line!r}; see {log}") from None
        self.url: str = info["url"]
        self.room: str = info["room"]
        self.tokens: dict[str, str] = dict(info["tokens"])

    def stop(self) -> None:
        stop(self.proc, grace=15)


class LagProbe:
    """A precise 20 ms single-shot QTimer, re-armed each time, recording how late it fired.

    And ``steps``: every 20 ms, how long one ``await asyncio.sleep(0)`` takes, i.e. how long a
    ready asyncio callback waits for its turn (qasync runs each as a 0 ms Qt timer). Every step
    of an operator's request (socket readable, future resolved, task resumed) waits that long;
    the timer above measures Qt timers, not this."""

    def __init__(self, interval_ms: int = LAG_INTERVAL_MS) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.samples: list[float] = []
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._fired)
        self._armed = 0.0
        self._on = False
        self.steps: list[float] = []
        self._stepper: asyncio.Task[None] | None = None

    async def _step(self) -> None:
        while self._on:
            await asyncio.sleep(self.interval)
            t0 = time.perf_counter()
            await asyncio.sleep(0)
            self.steps.append((time.perf_counter() - t0) * 1000)

    def start(self) -> None:
        self.samples = []
        self.steps = []
        self.gc_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._gc_t0 = 0.0
        gc.callbacks.append(self._gc)
        self._on = True
        self._arm()
        self._stepper = asyncio.get_running_loop().create_task(self._step())

    def stop(self) -> None:
        self._on = False
        self._timer.stop()
        if self._stepper is not None:
            self._stepper.cancel()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        """The cyclic garbage collector's pauses (they block the loop like any other work)."""
        if phase == "start":
            self._gc_t0 = time.perf_counter()
        else:
            self.gc_pauses[info["generation"]].append((time.perf_counter() - self._gc_t0) * 1000)

    def gc_summary(self) -> dict[str, Any]:
        return {
            f"gen{g}": {
                "n": len(xs),
                "total": round(sum(xs), 1),
                "max": round(max(xs), 1) if xs else None,
            }
            for g, xs in self.gc_pauses.items()
        }

    def _arm(self) -> None:
        self._armed = time.perf_counter()
        self._timer.start(int(self.interval * 1000))

    def _fired(self) -> None:
        late = (time.perf_counter() - self._armed - self.interval) * 1000
        self.samples.append(max(0.0, late))
        if self._on:
            self._arm()


class RoomProbe:
    """Times ``room.ingest`` per batch (wraps the instance attribute; behaviour unchanged)."""

    def __init__(self, room: Any) -> None:
        self.ms: list[float] = []
        self.sizes: list[int] = []
        self.on = False
        inner = room.ingest

        def ingest(batch: Any) -> None:
            if not self.on:
                inner(batch)
                return
            t0 = time.perf_counter()
            inner(batch)
            self.ms.append((time.perf_counter() - t0) * 1000)
            self.sizes.append(len(batch))

        room.ingest = ingest


async def head_seq(http: Any, srv: Server) -> int:
    import httpx

    url = f"{srv.url}/api/v1/rooms/{srv.room}"
    try:
        r = await http.get(url)
    except httpx.RemoteProtocolError:  # a kept-alive connection the server closed while idle
        r = await http.get(url)
    r.raise_for_status()
    return int(r.json()["seq"])


class _Background:
    """A bench task run from :meth:`start` until :meth:`cancel`/:meth:`stop`. ``_run`` loops
    ``while not self._stopped``: a flag as well as the cancel, because Python 3.11's wait_for
    can swallow a cancellation that lands as what it waits for arrives (a run clicked on for
    6 minutes)."""

    _task: asyncio.Task[None] | None = None
    _stopped = False

    async def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._stopped = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    def cancel(self) -> None:
        """Stop at once (the window is over); :meth:`stop` waits for the task to end."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()

    async def stop(self) -> None:
        self.cancel()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class RateHolder(_Background):
    """Holds the platform's stream at ``target`` events/s: every :data:`HOLD_PERIOD_S` it reads
    the room's seq, and scales the audience's rate by target / measured (at most
    :data:`HOLD_MAX_STEP` either way) through the sandbox's ``POST /_debug/audience-rate``."""

    def __init__(self, srv: Server, target: int) -> None:
        self.srv = srv
        self.target = target
        self.asked = target / RATE_FACTOR
        self.corrections = 0

    async def _post(self, http: Any) -> None:
        url = f"{self.srv.url}/api/v1/rooms/{self.srv.room}/_debug/audience-rate"
        (await http.post(url, json={"rate": round(self.asked, 1)})).raise_for_status()

    async def _run(self) -> None:
        import httpx

        host = {"Authorization": f"Bearer {self.srv.tokens['host']}"}
        async with httpx.AsyncClient(headers=host, timeout=30) as http:
            await self._post(http)
            s0, t0 = await head_seq(http, self.srv), time.perf_counter()
            while not self._stopped:
                await asyncio.sleep(HOLD_PERIOD_S)
                s1, t1 = await head_seq(http, self.srv), time.perf_counter()
                measured = (s1 - s0) / (t1 - t0)
                s0, t0 = s1, t1
                if measured <= 0:
                    continue  # not live yet
                step = min(HOLD_MAX_STEP, max(1 / HOLD_MAX_STEP, self.target / measured))
                self.asked = min(self.asked * step, 4 * self.target / RATE_FACTOR)
                self.corrections += 1
                await self._post(http)


async def wait_until(cond: Callable[[], object], timeout: float, what: str) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def open_room(srv: Server, role: str = "host") -> Any:
    from app.live.room import LiveRoom
    from app.platform.client import PlatformClient

    client = PlatformClient(srv.url, srv.room, srv.tokens[role], role=role)
    room = LiveRoom(client, chat_capacity=20_000)
    room.start()
    await asyncio.wait_for(room.wait_loaded(), 30)
    await wait_until(lambda: room.online, 30, "the event stream to connect")
    return room


async def close_room(room: Any) -> None:
    await room.stop()
    await room.adapter.close()


async def follow(
    http: Any,
    srv: Server,
    room: Any,
    seconds: float,
    during: Callable[[], None] | None = None,
    at_end: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Measure server vs console seq over ``seconds``; then how long the console takes to catch up."""
    s0 = await head_seq(http, srv)
    c0 = room.seq
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    end = t0 + seconds
    while time.perf_counter() < end:
        await asyncio.sleep(min(1.0, max(0.0, end - time.perf_counter())))
        if during is not None:
            during()
    s1 = await head_seq(http, srv)
    c1 = room.seq  # read right after the platform answered: the same instant
    t1 = time.perf_counter()
    cpu = time.process_time() - cpu0
    if at_end is not None:
        at_end()  # stop the probes before waiting for the catch-up
    dt = t1 - t0
    catch_up_ms: float | None = None
    try:
        await wait_until(lambda: room.seq >= s1, 30, "the console to catch up")
        catch_up_ms = round((time.perf_counter() - t1) * 1000, 1)
    except TimeoutError:
        pass
    server_rate = (s1 - s0) / dt
    return {
        "seconds": round(dt, 2),
        "server_events": s1 - s0,
        "server_events_per_s": round(server_rate),
        "console_events": c1 - c0,
        "console_events_per_s": round((c1 - c0) / dt),
        "backlog_events": s1 - c1,
        "backlog_ms": round((s1 - c1) / server_rate * 1000, 1) if server_rate > 0 else None,
        "catch_up_ms": catch_up_ms,
        "process_cpu_share": round(cpu / dt, 2),  # all threads; 1.0 = one core
    }


# --- one rate --------------------------------------------------------------------------------------
async def baseline(http: Any, srv: Server, seconds: float, hold: RateHolder) -> dict[str, Any]:
    from app.aio import spawn

    room = await open_room(srv)
    probe = RoomProbe(room)
    lag = LagProbe()
    # the same clicks with no window: room.explain straight from the loop
    explainer = Explainer(room, lambda pid: spawn(room.explain(pid), "bench-explain"), seconds)
    try:
        await room.start_session()  # the audience runs while a session is live
        hold.start()
        await asyncio.sleep(WARMUP_S)
        lag.start()
        probe.on = True
        explainer.start()

        def stop_probes() -> None:
            hold.cancel()
            explainer.cancel()
            probe.on = False
            lag.stop()

        out = await follow(http, srv, room, seconds, at_end=stop_probes)
        await explainer.stop()
        if room.session is not None:
            await room.end_session()
    finally:
        await explainer.stop()
        await close_room(room)
    out["loop_lag_ms"] = summary(lag.samples)
    out["asyncio_step_ms"] = summary(lag.steps)
    out["gc_pauses_ms"] = lag.gc_summary()
    out["ingest_ms"] = summary(probe.ms)
    out["explain_ms"] = explainer.summary()
    return out


class Explainer(_Background):
    """~:data:`EXPLAIN_SAMPLES` explain clicks spread over a window, one at a time: ``push(pid)``
    is what a click does; measured: click → ``room.explaining`` shows the product (the platform's
    event came back) and, of that, the explain request's own round trip (the action's duration)."""

    def __init__(self, room: Any, push: Callable[[str], object], seconds: float) -> None:
        self.room = room
        self.push = push
        self.gap = seconds / EXPLAIN_SAMPLES
        self.pids = clean_products(room)
        self.clicks: list[float] = []
        self.http: list[float] = []
        self.missed = 0
        self._pending: dict[str, float] = {}
        self._back = asyncio.Event()
        self._unsub = [room.subscribe(self._on_state), room.subscribe_actions(self._on_action)]

    def _on_state(self, changes: frozenset[str]) -> None:
        from app.live.room import EXPLAINING

        ex = self.room.explaining
        if EXPLAINING in changes and ex is not None and ex.product_id in self._pending:
            self.clicks.append((time.perf_counter() - self._pending.pop(ex.product_id)) * 1000)
            self._back.set()

    def _on_action(self, rec: Any) -> None:
        if rec.name == "explain" and rec.ok and self._task is not None and not self._stopped:
            self.http.append(rec.duration_ms)

    async def _run(self) -> None:
        await asyncio.sleep(self.gap / 2)
        i = 0
        while not self._stopped:
            current = self.room.explaining.product_id if self.room.explaining else None
            choices = [p for p in self.pids if p != current] or self.pids
            pid = choices[i % len(choices)]
            i += 1
            self._pending.clear()
            self._back.clear()
            self._pending[pid] = time.perf_counter()
            self.push(pid)
            t = time.perf_counter()
            try:
                await asyncio.wait_for(self._back.wait(), EXPLAIN_TIMEOUT)
            except TimeoutError:
                self.missed += 1
                self._pending.clear()
            await asyncio.sleep(max(0.0, self.gap - (time.perf_counter() - t)))

    async def stop(self) -> None:
        await super().stop()
        for unsub in self._unsub:
            unsub()
        self._unsub = []

    def summary(self) -> dict[str, Any]:
        return {**summary(self.clicks), "missed": self.missed, "request_ms": summary(self.http)}


def clean_products(room: Any) -> list[str]:
    """Listed products whose title and selling points pass the compliance check (so a click
    pushes at once, no confirmation dialog)."""
    from app.compliance import check_many

    ids = [p.id for p in room.bag if p.listed and not check_many([p.title, *p.selling_points])]
    return ids or [p.id for p in room.bag if p.listed]


async def console(
    http: Any, srv: Server, seconds: float, tmp: Path, hold: RateHolder
) -> dict[str, Any]:
    from PySide6.QtCore import QObject, QSettings

    from app.gc_tuning import THRESHOLDS, GcPacer, freeze_startup_objects
    from app.session.recorder import start_recording
    from app.settings import Settings
    from ui.batched_model import BatchedModel
    from ui.main_window import MainWindow

    rss_before_window = rss_mb()
    room = await open_room(srv)
    recorder = start_recording(room)
    settings = Settings()
    qsettings = QSettings(str(tmp / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(room, settings, qsettings=qsettings)
    window.show()
    pacer: GcPacer | None = None
    if gc.get_threshold() == THRESHOLDS:  # the app's settings (not an experiment)
        freeze_startup_objects()
        pacer = GcPacer()  # as ui/launch.py does once the window is up
        pacer.start()
    probe = RoomProbe(room)
    lag = LagProbe()

    # render time of one flush: from the model's first row signal to after every slot of its
    # ``flushed`` signal (the view's follow/scroll), connected last so it runs last
    flushes: list[float] = []
    flush_rows: list[int] = []
    began: dict[int, float] = {}
    measuring = False

    def on_begin(key: int, *_: Any) -> None:
        began.setdefault(key, time.perf_counter())

    def on_flush(key: int, inserted: int, _removed: int, ms: float) -> None:
        t0 = began.pop(key, None)
        if measuring:
            flushes.append((time.perf_counter() - t0) * 1000 if t0 is not None else ms)
            flush_rows.append(inserted)

    models = [o for o in window.findChildren(QObject) if isinstance(o, BatchedModel)]
    for key, model in enumerate(models):
        model.rowsAboutToBeRemoved.connect(partial(on_begin, key))
        model.rowsAboutToBeInserted.connect(partial(on_begin, key))
        model.flushed.connect(partial(on_flush, key))

    panel: Any = window.panels["products"]
    panel.confirm = lambda *_a, **_k: True  # only if no clean product exists (never a dialog)
    explainer = Explainer(room, panel.explain, seconds)  # what the explain button / Space calls

    rss_samples: list[float] = []
    try:
        await room.start_session()  # as the streamer's 开播: the audience starts now
        hold.start()
        await asyncio.sleep(WARMUP_S)
        gc.collect()
        rss_start = rss_mb()
        rss_samples.append(rss_start)
        measuring = True
        probe.on = True
        lag.start()
        explainer.start()
        ended: dict[str, float] = {}

        def stop_probes() -> None:
            nonlocal measuring
            hold.cancel()
            explainer.cancel()
            measuring = False
            probe.on = False
            lag.stop()
            ended["rss"] = rss_mb()

        out = await follow(
            http,
            srv,
            room,
            seconds,
            during=lambda: rss_samples.append(rss_mb()),
            at_end=stop_probes,
        )
        await explainer.stop()
        rss_end = ended["rss"]
        chat_rows = {k: m.rowCount() for k, m in window.panels["comments"].models.items()}  # type: ignore[attr-defined]
        writer = recorder.writer
        recorder_backlog = writer.backlog if writer is not None else None
    finally:
        await explainer.stop()
        await room.stop()  # first: panels listen to the room until the window is gone
        window.close()
        window.deleteLater()
        await recorder.stop()
        await room.adapter.close()
        if pacer is not None:
            pacer.stop()
    dt = out["seconds"]
    out.update(
        {
            "loop_lag_ms": summary(lag.samples),
            "asyncio_step_ms": summary(lag.steps),
            "gc_pauses_ms": lag.gc_summary(),
            "ingest_ms": {**summary(probe.ms), "share": round(sum(probe.ms) / 1000 / dt, 3)},
            "mean_batch_events": round(statistics.fmean(probe.sizes)) if probe.sizes else 0,
            "flush_ms": {
                **summary(flushes),
                "share": round(sum(flushes) / 1000 / dt, 3),
                "models": len(models),
                "mean_rows": round(statistics.fmean(flush_rows)) if flush_rows else 0,
            },
            "rss_mb": {
                "before_window": rss_before_window,
                "start": rss_start,
                "end": rss_end,
                "peak": max([*rss_samples, rss_end]),
                "growth": round(rss_end - rss_start, 1),
                # the rings fill during the first half; a bounded console is flat after that
                "growth_second_half": round(rss_end - rss_samples[len(rss_samples) // 2], 1),
            },
            "chat_rows": chat_rows,
            "recorder_backlog": recorder_backlog,
            "explain_ms": explainer.summary(),
        }
    )
    return out


async def one_rate(
    rate: int, seconds: float, base_seconds: float, viewers: int, tmp: Path
) -> dict[str, Any]:
    import httpx

    d = tmp / f"rate{rate}"
    d.mkdir()
    # not --live: each phase starts its own session once its console is connected (a console
    # that connects mid-session first back-fills its recording from the platform's log)
    first = round(rate / RATE_FACTOR)
    args = ["--viewers", str(viewers), "--rate", str(first), "--seed", "1", "--debug-routes"]
    srv = Server(d / "sandbox.db", d / "sandbox.log", args)
    hold = RateHolder(srv, rate)
    try:
        headers = {"Authorization": f"Bearer {srv.tokens['reviewer']}"}
        async with httpx.AsyncClient(headers=headers, timeout=30) as http:
            base = await baseline(http, srv, base_seconds, hold)
            base["audience_rate_asked"] = round(hold.asked)
            await hold.stop()
            con = await console(http, srv, seconds, d, hold)
            con["audience_rate_asked"] = round(hold.asked)
            await hold.stop()
    finally:
        await hold.stop()
        srv.stop()
    return {
        "target_events_per_s": rate,
        "audience_rate_first_asked": first,
        "rate_corrections": hold.corrections,
        "console": con,
        "baseline": base,
        "ratio": round(con["console_events_per_s"] / max(1, base["console_events_per_s"]), 3),
    }


def verdict(results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in results:
        c = r["console"]
        kept_up = (
            c["console_events_per_s"] >= 0.97 * c["server_events_per_s"]
            and c["catch_up_ms"] is not None
            and c["catch_up_ms"] <= 1000
        )
        out[str(r["target_events_per_s"])] = {
            "kept_up": kept_up,
            "server_at_target": c["server_events_per_s"] >= 0.95 * r["target_events_per_s"],
            "loop_lag_p99_lt_50ms": (c["loop_lag_ms"]["p99"] or 0) < 50,
            "rss_growth_lt_50mb": c["rss_mb"]["growth"] < 50,
            "rss_flat_second_half_lt_25mb": c["rss_mb"]["growth_second_half"] < 25,
            "explain_p95_le_100ms": c["explain_ms"]["p95"] is not None
            and c["explain_ms"]["p95"] <= 100
            and c["explain_ms"]["missed"] == 0,
        }
    return out


async def run(a: argparse.Namespace) -> dict[str, Any]:
    rates = [int(x) for x in a.rates.split(",") if x.strip()]
    base_seconds = a.baseline_seconds if a.baseline_seconds else min(15.0, a.seconds)
    results = []
    with tempfile.TemporaryDirectory(prefix="livedesk-feedbench-") as t:
        tmp = Path(t)
        os.environ["LIVEDESK_DATA_DIR"] = str(tmp / "data")  # recordings, not the user's
        os.environ["LIVEDESK_CONFIG_DIR"] = str(tmp / "config")
        for rate in rates:
            # a deadline per rate: a bench that hangs says so instead of running on for good
            deadline = 2 * (a.seconds + base_seconds) + 180
            try:
                one = one_rate(rate, a.seconds, base_seconds, a.viewers, tmp)
                results.append(await asyncio.wait_for(one, deadline))
            except TimeoutError:
                msg = f"feed_ui: the {rate} events/s run took over {deadline:.0f} s"
                raise SystemExit(msg) from None
            gc.collect()
    checks = verdict(results)
    return {
        "bench": "feed_ui",
        "seconds_per_rate": a.seconds,
        "baseline_seconds": base_seconds,
        "cpus": os.cpu_count(),
        "gc_threshold": list(gc.get_threshold()),
        "rates": results,
        "targets": checks,
        "target_met": all(all(v.values()) for v in checks.values()),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=60.0, help="console window per rate")
    p.add_argument("--baseline-seconds", type=float, default=0.0, help="default min(15, seconds)")
    p.add_argument("--rates", default="2000,10000,20000", help="stream events/s, comma-separated")
    p.add_argument("--viewers", type=int, default=2000)
    p.add_argument(
        "--gc-threshold",
        default="",
        help="e.g. 700,10,10: gc.set_threshold for an experiment (default: as the app runs)",
    )
    a = p.parse_args()

    from PySide6.QtWidgets import QApplication

    from ui.i18n import set_language

    set_language("zh_CN")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    from app.gc_tuning import tune_gc

    tune_gc()  # as ui/launch.py runs the console
    if a.gc_threshold:
        gc.set_threshold(*(int(x) for x in a.gc_threshold.split(",")))
    from ui.event_loop import QEventLoop

    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        out = loop.run_until_complete(run(a))
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
