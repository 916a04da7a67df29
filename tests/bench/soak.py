"""Soak benchmark: the real console against the real sandbox for a long time (issue 13).

A real sandbox server (subprocess, ``--viewers 2000 --debug-routes``) makes a busy but realistic
room: its stream is held at ``--rate`` events/s (default 2,000) by feed_ui's :class:`RateHolder`.
On ONE qasync loop, as ``ui/launch.py`` runs the console:

1. baseline: the headless room (``PlatformClient`` + ``LiveRoom``, no window, no recorder, as
   feed_ui's baseline) follows a live session for ``--baseline-minutes`` with the same operator
   actions;
2. console: the real :class:`MainWindow` (every panel, shown offscreen), the session recorder and
   the GC pacer as the app starts them, follow a live session for ``--minutes``, while an operator
   acts every ``--action-every`` seconds (default 5), in turn: explain the next product (the
   product queue's "next", what its button and shortcut call), issue a coupon, start a lottery
   (drawn at its next turn), start a flash sale, pin the latest comment.

Sampled every ``--sample-seconds`` (default 10) and reported per minute: RSS (VmRSS), open fds,
OS threads, asyncio tasks, the loop lag p99 of feed_ui's :class:`LagProbe` over that minute
(Qt timer lateness; and the asyncio step), the recorder writer's queue (events and items), the
stream's events/s and the console's backlog behind the platform, actions done / failed.

Prints ONE JSON line at the end with both series and a verdict ``flat_after_warmup``: over the
second half of the console's run, the RSS slope (least squares over the fine samples) is below
``--rss-slope-mb-per-min`` (default 1.0), fds and threads do not grow, asyncio tasks stay bounded,
each minute's loop-lag p99 < 50 ms, the recorder's queue drains, and the console keeps up.
``conclusive`` says whether the bounded histories (chat lines, orders; memory grows until they
are full) were full when the second half began: chat fills in under a minute at 2,000 events/s,
the orders (5,000 kept) take far longer, so a 3-minute run is a smoke test of the bench, not a
verdict on leaks.

CI-sized: ``--minutes 10`` (the default). A broadcast day: ``--minutes 480`` (8 h; the baseline
is then 10 minutes). Not part of ``make test``.

Usage: ``.venv/bin/python tests/bench/soak.py [--minutes 10] [--rate 2000]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # feed_ui, beside this file

from feed_ui import (  # the bench helpers shared with feed_ui
    RATE_FACTOR,
    WARMUP_S,
    LagProbe,
    RateHolder,
    Server,
    _Background,
    clean_products,
    close_room,
    head_seq,
    open_room,
    pct,
    rss_mb,
)

LAG_P99_MS = 50.0


# --- what is sampled ------------------------------------------------------------------------------
def os_threads() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def slope_per_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 3:
        return None
    xs = [p[0] / 60 for p in points]
    ys = [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den, 3)


class Sampler(_Background):
    """Every ``period`` seconds: RSS, fds, threads, tasks, writer queue; rolled up per minute."""

    def __init__(
        self,
        http: Any,
        srv: Server,
        room: Any,
        lag: LagProbe,
        recorder: Any,
        period: float,
        rows: int,
    ) -> None:
        self.http, self.srv, self.room, self.lag, self.recorder = http, srv, room, lag, recorder
        self.period = period
        self.fine: list[dict[str, Any]] = []
        self.minutes: list[dict[str, Any]] = []
        self.actions: Operator | None = None
        self.rows = rows
        self.lag_max = self.step_max = 0.0
        #: how full the bounded histories are (0..1, the least full of chat and orders):
        #: memory grows until they are full (orders come far slower than chat lines)
        self.fill: Any = lambda: min(
            len(room.chat) / (room.chat.maxlen or 1), len(room.orders) / (room.orders.maxlen or 1)
        )
        self.enough = asyncio.Event()  # set once ``rows`` minutes are reported

    def _writer_queue(self) -> tuple[int | None, int | None]:
        w = self.recorder.writer if self.recorder is not None else None
        return (w.backlog_events, w.backlog) if w is not None else (None, None)

    async def _run(self) -> None:
        t0 = time.perf_counter()
        minute_start = t0
        seq0, head0 = self.room.seq, await head_seq(self.http, self.srv)
        done0 = failed0 = 0
        per_minute = max(1, round(60 / self.period))
        while not self._stopped:
            # on a fixed schedule: a stalled loop makes a sample late, never shifts the rest
            due = t0 + (len(self.fine) + 1) * self.period
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            now = time.perf_counter()
            q_events, q_items = self._writer_queue()
            self.fine.append(
                {
                    "t": round(now - t0, 1),
                    "rss_mb": rss_mb(),
                    "fds": open_fds(),
                    "threads": os_threads(),
                    "tasks": len(asyncio.all_tasks()),
                    "writer_queue_events": q_events,
                    "history_fill": round(self.fill(), 3),
                }
            )
            if len(self.fine) % per_minute:
                continue
            head = await head_seq(self.http, self.srv)
            lags, steps = self.lag.samples[:], self.lag.steps[:]
            # the probe's lists are emptied each minute: over 8 h they would be the bench's own
            # leak (~100 floats a second)
            del self.lag.samples[:], self.lag.steps[:]
            self.lag_max = max(self.lag_max, max(lags, default=0.0))
            self.step_max = max(self.step_max, max(steps, default=0.0))
            dt = now - minute_start
            ops = self.actions
            done = ops.done if ops else 0
            failed = ops.failed if ops else 0
            row = {
                **{k: v for k, v in self.fine[-1].items() if k != "writer_queue_events"},
                "minute": len(self.minutes) + 1,
                "loop_lag_p99_ms": pct(lags, 99),
                "loop_lag_max_ms": round(max(lags), 1) if lags else None,
                "asyncio_step_p99_ms": pct(steps, 99),
                "writer_queue_events": q_events,
                "writer_queue_items": q_items,
                "server_events_per_s": round((head - head0) / dt),
                "console_events_per_s": round((self.room.seq - seq0) / dt),
                # the console's seq is read after the platform answered: it may be ahead
                "backlog_events": max(0, head - self.room.seq),
                "actions": done - done0,
                "actions_failed": failed - failed0,
            }
            self.minutes.append(row)
            if len(self.minutes) >= self.rows:
                self.enough.set()
            print(f"soak: {json.dumps(row, ensure_ascii=False)}", file=sys.stderr, flush=True)
            minute_start, seq0, head0, done0, failed0 = now, self.room.seq, head, done, failed


class Operator(_Background):
    """An operator's actions every ``every`` seconds, in turn. ``explain_next`` is what the
    window's "next product" does (None: the headless room explains the next clean product)."""

    def __init__(self, room: Any, every: float, explain_next: Any = None) -> None:
        self.room = room
        self.every = every
        self.explain_next = explain_next
        self.done = 0
        self.failed = 0
        self.errors: dict[str, int] = {}
        self._lottery: str | None = None
        self._i = 0

    async def _explain(self) -> None:
        if self.explain_next is not None:
            self.explain_next()  # the panel runs it through the notifier, as a click does
            return
        pids = clean_products(self.room)
        current = self.room.explaining.product_id if self.room.explaining else None
        nxt = pids[(pids.index(current) + 1) % len(pids)] if current in pids else pids[0]
        await self.room.explain(nxt)

    async def _coupon(self) -> None:
        from app.platform import models as m

        await self.room.issue_coupon(
            m.CouponSpec(
                kind=m.CouponKind.NO_THRESHOLD,
                name=f"浸泡券{self._i}",
                amount_cents=500,
                quantity=100,
                valid_seconds=60,
            )
        )

    async def _lottery_turn(self) -> None:
        from app.platform import models as m

        if self._lottery is not None:
            lid, self._lottery = self._lottery, None
            await self.room.draw_lottery(lid)
            return
        lot = await self.room.start_lottery(
            m.LotterySpec(prize="浸泡奖品", keyword="抽奖", winners=1, duration_seconds=10)
        )
        self._lottery = lot.id

    async def _flash_sale(self) -> None:
        from app.platform import models as m

        products = [p for p in self.room.bag if p.listed and p.price_cents > 1]
        p = products[self._i % len(products)]
        await self.room.start_flash_sale(
            m.FlashSaleSpec(
                product_id=p.id,
                price_cents=max(1, p.price_cents // 2),
                quantity=20,
                duration_seconds=30,
            )
        )

    async def _pin(self) -> None:
        from app.live.comment_kinds import Kind

        # the latest comment (a gift line cannot be pinned, as the chat panel says)
        line = next((x for x in reversed(self.room.chat) if Kind.GIFT not in x.kind), None)
        if line is not None:
            await self.room.pin_comment(line.id)

    async def _run(self) -> None:
        turns = [self._explain, self._coupon, self._lottery_turn, self._flash_sale, self._pin]
        while not self._stopped:
            await asyncio.sleep(self.every)
            turn = turns[self._i % len(turns)]
            self._i += 1
            try:
                await turn()
                self.done += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # refused by the platform (e.g. a sale already running)
                self.failed += 1
                key = f"{turn.__name__}: {type(exc).__name__}: {exc}"[:120]
                self.errors[key] = self.errors.get(key, 0) + 1


def verdict(run: dict[str, Any], slope_limit: float) -> dict[str, Any]:
    """Flat after warm-up: judged on the second half of the run (the rings fill in the first)."""
    fine, minutes = run["fine"], run["minutes"]
    half = fine[len(fine) // 2 :]
    rss_slope = slope_per_min([(s["t"], s["rss_mb"]) for s in half])
    tasks = [s["tasks"] for s in half]
    late = minutes[len(minutes) // 2 :]  # after warm-up, as for the rest
    lag = [m["loop_lag_p99_ms"] for m in late if m["loop_lag_p99_ms"] is not None]
    queue_end = run.get("writer_queue_events_end")
    checks = {
        "rss_slope_second_half_mb_per_min": rss_slope,
        "rss_growth_second_half_mb": round(half[-1]["rss_mb"] - half[0]["rss_mb"], 1)
        if half
        else None,
        "rss_flat": rss_slope is not None and rss_slope < slope_limit,
        "fds_flat": bool(half) and max(s["fds"] for s in half) - half[0]["fds"] <= 2,
        "threads_flat": bool(half) and max(s["threads"] for s in half) - half[0]["threads"] <= 2,
        "tasks_bounded": bool(tasks) and max(tasks) - min(tasks) <= 20,
        "loop_lag_p99_lt_50ms_each_minute_second_half": bool(lag) and max(lag) < LAG_P99_MS,
        "recorder_queue_drains": queue_end is None or queue_end < 20_000,
        "kept_up": all(m["backlog_events"] < 2 * max(1, m["server_events_per_s"]) for m in late),
    }
    flags = [v for k, v in checks.items() if isinstance(v, bool)]
    checks["flat_after_warmup"] = all(flags)
    # memory grows until the bounded histories are full: a run whose second half starts before
    # that says nothing about leaks (run longer)
    checks["conclusive"] = bool(half) and half[0]["history_fill"] >= 0.99
    return checks


# --- the two phases -------------------------------------------------------------------------------
async def phase(
    http: Any, srv: Server, hold: RateHolder, minutes: float, a: argparse.Namespace, window: bool
) -> dict[str, Any]:
    room = await open_room(srv)
    recorder = pacer = win = chat_all = orders_model = None
    explain_next = None
    if window:
        from PySide6.QtCore import QSettings

        from app.gc_tuning import THRESHOLDS, GcPacer, freeze_startup_objects
        from app.session.recorder import start_recording
        from app.settings import Settings
        from ui.main_window import MainWindow

        recorder = start_recording(room)
        qs = QSettings(str(Path(a.tmp) / "layout.ini"), QSettings.Format.IniFormat)
        win = MainWindow(room, Settings(), qsettings=qs)
        win.show()
        if gc.get_threshold() == THRESHOLDS:
            freeze_startup_objects()
            pacer = GcPacer()  # as ui/launch.py does once the window is up
            pacer.start()
        panel: Any = win.panels["products"]
        panel.confirm = lambda *_a, **_k: True  # never a dialog in a bench
        explain_next = panel.next
        chat_all: Any = win.panels["comments"].models["all"]  # type: ignore[attr-defined]
        orders_model: Any = win.panels["orders"].model  # type: ignore[attr-defined]
    lag = LagProbe()
    ops = Operator(room, a.action_every, explain_next)
    sampler = Sampler(http, srv, room, lag, recorder, a.sample_seconds, math.ceil(minutes))
    sampler.actions = ops
    if chat_all is not None:  # the window's own histories of chat lines and orders
        sampler.fill = lambda: min(
            chat_all.rowCount() / chat_all.capacity,
            orders_model.rowCount() / orders_model.capacity,
        )
    rss_open = rss_mb()
    try:
        await room.start_session()  # the audience runs while a session is live
        hold.start()
        await asyncio.sleep(WARMUP_S)
        lag.start()
        ops.start()
        sampler.start()
        # every minute reported, however slow the machine (with a deadline)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sampler.enough.wait(), 2 * minutes * 60 + 120)
        await sampler.stop()
        await ops.stop()
        lag.stop()
        hold.cancel()
        writer = recorder.writer if recorder is not None else None
        queue_end = writer.backlog_events if writer is not None else None
        if room.session is not None:
            await room.end_session()
    finally:
        await sampler.stop()
        await ops.stop()
        lag.stop()
        await hold.stop()
        await room.stop()  # first: panels listen to the room until the window is gone
        if win is not None:
            win.close()
            win.deleteLater()
        if recorder is not None:
            await recorder.stop()
        await close_room(room)
        if pacer is not None:
            pacer.stop()
    lags = [m["loop_lag_p99_ms"] for m in sampler.minutes if m["loop_lag_p99_ms"] is not None]
    return {
        "minutes": sampler.minutes,
        "fine": sampler.fine,
        "rss_mb_at_open": rss_open,
        "loop_lag_ms": {
            "p99_worst_minute": max(lags, default=None),
            "p99_median_minute": statistics.median(lags) if lags else None,
            "max": round(sampler.lag_max, 1),
        },
        "asyncio_step_max_ms": round(sampler.step_max, 1),
        "actions": {"done": ops.done, "failed": ops.failed, "errors": ops.errors},
        "writer_queue_events_end": queue_end,
        "skipped_events": room.adapter.connection.status.skipped,
        "reconnects": room.adapter.stream.reconnects,
    }


async def run(a: argparse.Namespace) -> dict[str, Any]:
    import httpx

    base_minutes = a.baseline_minutes or min(10.0, max(1.0, a.minutes / 5))
    with tempfile.TemporaryDirectory(prefix="livedesk-soak-") as t:
        tmp = Path(t)
        a.tmp = t
        os.environ["LIVEDESK_DATA_DIR"] = str(tmp / "data")  # recordings, not the user's
        os.environ["LIVEDESK_CONFIG_DIR"] = str(tmp / "config")
        first = round(a.rate / RATE_FACTOR)
        args = ["--viewers", str(a.viewers), "--rate", str(first), "--seed", "1", "--debug-routes"]
        srv = Server(tmp / "sandbox.db", tmp / "sandbox.log", args)
        try:
            headers = {"Authorization": f"Bearer {srv.tokens['reviewer']}"}
            async with httpx.AsyncClient(headers=headers, timeout=30) as http:
                base = await phase(http, srv, RateHolder(srv, a.rate), base_minutes, a, False)
                gc.collect()
                con = await phase(http, srv, RateHolder(srv, a.rate), a.minutes, a, True)
        finally:
            srv.stop()
    con_verdict = verdict(con, a.rss_slope_mb_per_min)
    return {
        "bench": "soak",
        "minutes": a.minutes,
        "baseline_minutes": base_minutes,
        "target_events_per_s": a.rate,
        "action_every_s": a.action_every,
        "cpus": os.cpu_count(),
        "console": con,
        "baseline": base,
        "baseline_verdict": verdict(base, a.rss_slope_mb_per_min),
        "verdict": con_verdict,
        "flat_after_warmup": con_verdict["flat_after_warmup"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    p.add_argument("--minutes", type=float, default=10.0, help="console run (8 h: 480)")
    p.add_argument("--baseline-minutes", type=float, default=0.0, help="default minutes/5, 1-10")
    p.add_argument("--rate", type=int, default=2000, help="stream events/s held")
    p.add_argument("--viewers", type=int, default=2000)
    p.add_argument("--action-every", type=float, default=5.0, help="seconds between actions")
    p.add_argument("--sample-seconds", type=float, default=10.0)
    p.add_argument("--rss-slope-mb-per-min", type=float, default=1.0)
    a = p.parse_args()

    from PySide6.QtWidgets import QApplication

    from app.gc_tuning import tune_gc
    from ui.i18n import set_language

    set_language("zh_CN")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    tune_gc()  # as ui/launch.py runs the console
    from ui.event_loop import QEventLoop

    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop, contextlib.suppress(KeyboardInterrupt):
        out = loop.run_until_complete(run(a))
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
