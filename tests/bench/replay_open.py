"""Benchmark: open a 4-hour, 2,000,000-event session in the replay window.

Generates the session with the recorder's own writer (a realistic mix: comments, viewers
entering, likes, orders and payments, gifts, follows, coupon claims, lottery entries; explains,
coupons, flash sales and lotteries by the host/assistant), then measures, offscreen:
- ``open_s``: ReplayWindow constructed, shown and painted (charts drawn; grab() of the window);
- ``per_product_s``: the per-product table computed on a freshly opened file;
- ``baseline_scan_s``: a bare full scan of the stored event log (``SELECT count(*),
  sum(length(data)) FROM event_blocks``) in the same run — the ratio open/baseline is reported;
- ``file_mb``, ``write_events_per_s`` (writer thread throughput while generating).
Targets: open ≤ 2 s, per-product ≤ 1 s, file ≤ 400 MB.

Prints ONE JSON line. ``--events N --hours H`` to change the size, ``--keep PATH`` to keep/reuse
the session file.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def generate(path: Path, events: int, hours: float) -> tuple[float, float, int]:
    from app.session.synth import products, session_events
    from app.session.writer import SessionWriter

    t0 = 1_760_000_000.0
    w = SessionWriter(path, {"room": "bench-room", "session_id": "s1", "started_ts": repr(t0)})
    w.put_products(products(), t0)
    gen = 0.0
    n = 0
    start = time.perf_counter()
    pending: list = []
    for batch in session_events(total=events, hours=hours, t0=t0):
        pending.append(batch)
        n += len(batch)
    gen = time.perf_counter() - start
    start = time.perf_counter()
    for batch in pending:
        w.put_events(batch)
    w.close(timeout=None)
    write = time.perf_counter() - start
    return gen, write, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="replay-bench-")
    path = args.keep or Path(tmp.name) / "bench.livedesk-session.sqlite"
    gen_s = write_s = None
    n = None
    if not path.exists():
        gen_s, write_s, n = generate(path, args.events, args.hours)
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())

    conn = sqlite3.connect(path)
    t = time.perf_counter()
    blocks, nbytes = conn.execute("SELECT count(*), sum(length(data)) FROM event_blocks").fetchone()
    baseline = time.perf_counter() - t
    t = time.perf_counter()
    (ncomments,) = conn.execute("SELECT count(*) FROM comments").fetchone()
    count_comments = time.perf_counter() - t
    conn.close()

    t = time.perf_counter()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph  # noqa: F401

    from ui.replay.window import ReplayWindow

    import_s = time.perf_counter() - t

    t = time.perf_counter()
    win = ReplayWindow(path)
    win.show()
    app.processEvents()
    win.grab()
    open_s = time.perf_counter() - t
    win.close()
    app.processEvents()

    from app.session.replay import SessionFile

    f = SessionFile(path)
    t = time.perf_counter()
    rows = f.per_product()
    per_product_s = time.perf_counter() - t
    s = f.summary()
    f.close()

    out = {
        "bench": "replay_open",
        "events": s.events,
        "hours": round(s.duration_s / 3600, 2),
        "orders": s.orders,
        "comments": s.comments,
        "products": len(rows),
        "file_mb": round(size / 1e6, 1),
        "generate_s": round(gen_s, 1) if gen_s is not None else None,
        "write_s": round(write_s, 1) if write_s is not None else None,
        "write_events_per_s": round(n / write_s) if n and write_s else None,
        "import_s": round(import_s, 3),
        "open_s": round(open_s, 3),
        "per_product_s": round(per_product_s, 3),
        "baseline_scan_s": round(baseline, 3),
        "baseline_blocks": blocks,
        "baseline_bytes_mb": round((nbytes or 0) / 1e6, 1),
        "count_comments_s": round(count_comments, 3),
        "open_vs_baseline": round(open_s / baseline, 2) if baseline else None,
        "targets": {"open_s": 2.0, "per_product_s": 1.0, "file_mb": 400},
        "ok": open_s <= 2.0 and per_product_s <= 1.0 and size / 1e6 <= 400,
    }
    print(json.dumps(out))
    del ncomments
    tmp.cleanup()


if __name__ == "__main__":
    main()
