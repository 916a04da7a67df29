"""Benchmark: open a 4-hour, 2,000,000-event session in the replay window.

Generates the session with the recorder's own writer (a realistic mix: comments, viewers
entering, likes, orders and payments, gifts, follows, coupon claims, lottery entries; explains,
coupons, flash sales and lotteries by the host/assistant), then measures, offscreen:
- ``open_s``: ReplayWindow constructed, shown and painted (charts drawn; grab() of the window);
- ``per_product_s``: the per-product table computed on a freshly opened file;
- ``baseline_scan_s``: a bare full read of the stored event log (every compressed block's bytes,
  no decoding) in the same run — the ratio open/baseline is reported;
- ``file_mb``; ``writer_events_per_s``: the writer thread's throughput on 100k pre-generated
  events (what the recorder sustains; the 2M-event file itself is streamed from the generator).
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


def generate(path: Path, events: int, hours: float) -> float:
    """Stream the synthetic session into the writer (bounded backlog); returns seconds taken."""
    from app.session.writer import SessionWriter
    from tests.support.synth import products, session_events

    t0 = 1_760_000_000.0
    w = SessionWriter(path, {"room": "bench-room", "session_id": "s1", "started_ts": repr(t0)})
    w.put_products(products(), t0)
    start = time.perf_counter()
    for batch in session_events(total=events, hours=hours, t0=t0):
        w.put_events(batch)
        while w.backlog > 2000:
            time.sleep(0.01)
    w.close(timeout=None)
    return time.perf_counter() - start


def writer_throughput(events: int = 100_000) -> float:
    """Events/s the writer thread stores when fed faster than it can write (pre-generated)."""
    from app.session.writer import SessionWriter
    from tests.support.synth import session_events

    batches = list(session_events(total=events, hours=events / 2_000_000 * 4.0))
    n = sum(len(b) for b in batches)
    with tempfile.TemporaryDirectory() as d:
        w = SessionWriter(Path(d) / "w.livedesk-session.sqlite", {"started_ts": "0"})
        start = time.perf_counter()
        for b in batches:
            w.put_events(b)
        w.close(timeout=None)
        return n / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="replay-bench-")
    path = args.keep or Path(tmp.name) / "bench.livedesk-session.sqlite"
    gen_write_s = None
    if not path.exists():
        gen_write_s = generate(path, args.events, args.hours)
    write_rate = writer_throughput()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())

    # baselines, same run: read every stored event byte (no decoding), and count comments
    conn = sqlite3.connect(path)
    t = time.perf_counter()
    blocks = nbytes = 0
    for (blob,) in conn.execute("SELECT data FROM event_blocks"):
        blocks += 1
        nbytes += len(blob)
    baseline = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute("SELECT count(*) FROM comments").fetchone()
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

    from app.session.attribution import per_product
    from app.session.replay import SessionFile

    f = SessionFile(path)
    t = time.perf_counter()
    rows = per_product(f)
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
        "generate_and_write_s": round(gen_write_s, 1) if gen_write_s is not None else None,
        "writer_events_per_s": round(write_rate),
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
    tmp.cleanup()


if __name__ == "__main__":
    main()
