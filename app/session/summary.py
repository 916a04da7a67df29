"""The 下播总结: a session's headline figures, read from its recording once the recorder has
written the end, so it says exactly what the replay of the same file will say.

- GMV, orders, peak online and duration are :meth:`SessionFile.summary` (the replay's header);
- paid / refunded orders are the ``orders`` table's latest states;
- conversion is the metrics definition (``app.live.metrics.Sample.conversion``): distinct buyers
  ÷ UV (distinct viewers who entered), UV being the last 1 Hz snapshot the recorder stored;
- the best products are the replay's per-product rows by GMV, the best explains its explain log
  by the orders attributed to each window;
- the alerts are what the recording can prove: products that sold out or ended low on stock,
  dropped frames reported by OBS, lotteries that failed verification, and seq ranges the file
  will never have (``gaps``). (Live-only alerts such as an online drop are not recorded.)

:func:`wait_and_read` is for a worker thread: it polls the file (opened through the validating
opener, every query time-limited) until its ``session_ended`` and every event before it are in,
or a deadline passes; it never touches Qt.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.session import schema
from app.session.attribution import ExplainWindow, ProductRow, explain_log, per_product
from app.session.replay import SessionFile, Summary
from app.session.safe_open import SessionFileError

TOP_N = 5
LOW_STOCK = 10  # the alert rules' default threshold (app.live.alerts.AlertConfig)
WAIT_S = 30.0  # how long the end of a session may take to reach its file
POLL_S = 0.2


@dataclass(frozen=True)
class SummaryAlert:
    kind: str  # sold_out, low_stock, frames_dropped, lottery_failed, gap
    subject: str = ""  # a product title, a prize, a seq range
    value: int = 0  # stock left, frames dropped


@dataclass(frozen=True)
class ShowSummary:
    summary: Summary
    paid_orders: int
    refunded_orders: int
    buyers: int
    uv: int
    top_products: list[ProductRow] = field(default_factory=list)
    top_explains: list[ExplainWindow] = field(default_factory=list)
    alerts: list[SummaryAlert] = field(default_factory=list)
    complete: bool = True  # False: the file's end had not arrived by the deadline

    @property
    def conversion(self) -> float | None:
        """Buyers ÷ UV, as the live metrics define it; None before anyone watched."""
        return self.buyers / self.uv if self.uv else None


def holes(f: SessionFile) -> list[tuple[int, int]]:
    """Seq ranges (after, upto] missing between the file's event blocks and not noted as gone."""
    runs: list[tuple[int, int]] = []
    for first, last in f.conn.execute(
        "SELECT first_seq, last_seq FROM event_blocks ORDER BY first_seq"
    ):
        if runs and first <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], max(runs[-1][1], last))
        else:
            runs.append((first, last))
    gone = noted_gaps(f)
    out = []
    for a, b in itertools.pairwise(runs):
        lo, hi = a[1] + 1, b[0] - 1
        if not any(g0 <= lo and hi <= g1 for g0, g1 in gone):
            out.append((a[1], b[0] - 1))
    return out


def noted_gaps(f: SessionFile) -> list[tuple[int, int]]:
    """The ranges the recorder noted as gone from the platform's log (meta ``gaps``)."""
    out = []
    for part in str(f.meta.get("gaps", "")).split():
        lo, _, hi = part.partition("-")
        if lo.isdigit() and hi.isdigit():
            out.append((int(lo), int(hi)))
    return out


def ended(f: SessionFile) -> bool:
    """The file holds the session's end and every event before it."""
    return bool(f.meta.get("ended_ts")) and not holes(f)


def read(f: SessionFile, *, complete: bool = True) -> ShowSummary:
    s = f.summary()
    (paid,) = f.one("SELECT count(*) FROM orders WHERE status = 'paid'")
    (refunded,) = f.one("SELECT count(*) FROM orders WHERE status = 'refunded'")
    (buyers,) = f.one("SELECT count(DISTINCT user_id) FROM orders")
    row = f.one("SELECT uv FROM metrics ORDER BY sec DESC LIMIT 1")
    uv = int(row[0]) if row else 0
    products = per_product(f)
    top_products = [r for r in products if r.gmv_total_cents > 0][:TOP_N]
    explains = sorted(
        (w for w in explain_log(f) if w.orders_during > 0),
        key=lambda w: (-w.orders_during, -w.gmv_during_cents, w.start_ts),
    )[:TOP_N]
    alerts: list[SummaryAlert] = []
    for r in products:
        if r.stock_end is None or r.stock_start is None:
            continue
        if r.stock_end <= 0 < r.stock_start:
            alerts.append(SummaryAlert("sold_out", r.title))
        elif 0 < r.stock_end <= LOW_STOCK < r.stock_start:
            alerts.append(SummaryAlert("low_stock", r.title, r.stock_end))
    dropped = 0
    for _ts, kind, data in f.obs_changes():
        if kind == "dropped_frames" and isinstance(data, dict):
            for key in ("stream_dropped", "output_skipped", "render_missed"):
                n = data.get(key, 0)
                if isinstance(n, int) and not isinstance(n, bool) and 0 < n < 2**31:
                    dropped += n
    if dropped:
        alerts.append(SummaryAlert("frames_dropped", "", dropped))
    alerts.extend(
        SummaryAlert("lottery_failed", r.lottery.prize)
        for r in f.lotteries()
        if r.verification.failed
    )
    alerts.extend(SummaryAlert("gap", f"{lo}-{hi}") for lo, hi in noted_gaps(f))
    return ShowSummary(
        s,
        int(paid),
        int(refunded),
        int(buyers),
        uv,
        top_products,
        explains,
        alerts,
        complete,
    )


def read_path(path: Path) -> ShowSummary:
    """The summary of a file as it is now (a worker thread)."""
    try:
        with SessionFile(path) as f:
            return read(f, complete=ended(f))
    except sqlite3.Error as exc:
        raise SessionFileError("damaged", str(exc)) from exc


def session_file(directory: Path, room: str, session_id: str) -> Path | None:
    """The recording of ``session_id`` in ``directory`` (the newest if there are several)."""
    stems = f"{schema.safe_name(room)}_{schema.safe_name(session_id)}_*"
    found = sorted(schema.session_files(directory, stems), key=schema.stem)
    return found[-1] if found else None


def wait_and_read(
    directory: Path,
    room: str,
    session_id: str,
    *,
    within: float = WAIT_S,
    poll: float = POLL_S,
    stop: threading.Event | None = None,
) -> ShowSummary | None:
    """Wait until the recording of ``session_id`` holds its end (or ``within`` seconds), then
    read its summary; None if no recording of it appeared or ``stop`` was set (the console is
    closing: the thread must not hold up the exit). For a worker thread."""
    deadline = time.monotonic() + within
    while True:
        if stop is not None and stop.is_set():
            return None
        path = session_file(directory, room, session_id)
        if path is not None:
            try:
                with SessionFile(path) as f:
                    if ended(f) or time.monotonic() > deadline:
                        return read(f, complete=ended(f))
            except SessionFileError:
                if time.monotonic() > deadline:
                    raise
        elif time.monotonic() > deadline:
            return None
        if stop is not None:
            stop.wait(poll)
        else:
            time.sleep(poll)
