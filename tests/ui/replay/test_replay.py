"""The replay window on sessions recorded from the real sandbox server (subprocess on 127.0.0.1).

What a reviewer notices: the window opens on a recorded session with its totals, charts and an
action marker for the explain (who did it); clicking a moment lists the comments and orders
around it, as plain text; the per-product table shows the explain window; the sessions list shows
both sessions and compares them; exports carry the same numbers.
"""

from __future__ import annotations

import asyncio
import csv
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QApplication

from app.format import hms, money
from app.platform import models as m
from app.session.replay import SessionFile
from app.session.report import build_html
from app.session.report_csv import write_csv
from app.session.share import SessionShare
from tests.support.polling import until
from tests.support.recording_rig import recording_host
from tests.ui.replay.test_replay_moment import click_chart, expected_around, html_rows, rows
from ui.replay.compare import CompareWindow
from ui.replay.sessions import SessionsWindow
from ui.replay.window import ReplayWindow

# the offscreen platform says it cannot propagate size hints when a window is shown
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints")]
ET = m.EventType
HTMLISH = "<b>粗体</b> & <i>这个有几个码？</i>"


async def record_two_sessions(srv: Any, directory: Path) -> tuple[list[Path], float, list[str]]:
    marked = 0.0
    async with recording_host(srv, directory) as (room, rec):
        for n in range(2):
            await room.start_session()
            await until(lambda: rec.recording, 20, "recording")
            await until(lambda: room.metrics.orders >= 1, 30, "an order")
            await room.explain(room.product_ids[n])
            if n == 0:  # explain windows: p0, p1, p0 again
                await asyncio.sleep(1.5)
                await room.explain(room.product_ids[1])
                await asyncio.sleep(1.5)
                await room.explain(room.product_ids[0])
                async with httpx.AsyncClient() as http:
                    r = await http.post(
                        srv.api("/_debug/viewer-comment"),
                        json={"user_id": "u-html", "nickname": "<i>昵称</i>", "text": HTMLISH},
                        headers=srv.headers("host"),
                    )
                    r.raise_for_status()
                    marked = float(r.json()["comment"]["ts"])
            await asyncio.sleep(4)
            await room.end_session()
            await until(lambda: not rec.recording, 20, "the file to close")
    return list(rec.files), marked, list(room.product_ids[:2])


def expected_explains(f: SessionFile, events: list[m.Event]) -> list[tuple[str, list[str]]]:
    """Each explain window from the recorded events (product_explaining on/off; a new product ends
    the previous one; the session's end ends the last), with its orders and GMV during [start,
    end) and after [end, end + 5 min, the product's next window) from the recorded orders, as the
    讲解记录 table shows it. Average online: the recording's per-second timeline."""
    titles = {p: str(last["title"]) for p, (_, last) in f.products().items()}
    end_ts = next(e.ts for e in reversed(events) if e.type is ET.SESSION_ENDED)
    spans: list[tuple[str, float, float]] = []
    cur: tuple[str, float] | None = None
    for e in events:
        if e.type is not ET.PRODUCT_EXPLAINING:
            continue
        pid, on = e.data.product_id, e.data.explaining
        if cur is not None and ((on and cur[0] != pid) or (not on and cur[0] == pid)):
            spans.append((cur[0], cur[1], e.ts))
            cur = None
        if on and cur is None:
            cur = (pid, e.ts)
    if cur is not None:
        spans.append((cur[0], cur[1], end_ts))
    orders = [e.data.order for e in events if e.type is ET.ORDER_CREATED]
    ser = f.series()
    out = []
    for i, (pid, a, b) in enumerate(spans):
        nxt = min((s[1] for s in spans[i + 1 :] if s[0] == pid), default=float("inf"))
        during = [o for o in orders if o.product_id == pid and a <= o.created_ts < b]
        after = [o for o in orders if o.product_id == pid and b <= o.created_ts < min(b + 300, nxt)]
        secs = (ser.sec + ser.t0 >= math.floor(a)) & (ser.sec + ser.t0 < b)
        avg = float(ser.online[secs].mean())
        buyers = len({o.user_id for o in during})
        out.append(
            (
                titles[pid],
                [
                    titles[pid],
                    time.strftime("%H:%M:%S", time.localtime(a)),
                    time.strftime("%H:%M:%S", time.localtime(b)),
                    hms(b - a),
                    str(len(during)),
                    money(sum(o.amount_cents for o in during)),
                    str(len(after)),
                    money(sum(o.amount_cents for o in after)),
                    str(buyers),
                    str(round(avg)),
                    f"{buyers / avg:.1%}",
                ],
            )
        )
    return out


async def test_replay_window_review_of_recorded_sessions(
    qtbot: Any, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=300, seed=21, debug_routes=True, extra=["--rate", "300"])
    files, marked, srv_products = await record_two_sessions(srv, tmp_path / "sessions")
    assert len(files) == 2

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # closing a window must not stop the test's loop
    win = ReplayWindow(files[0])  # deletes itself on close (not handed to qtbot)
    win.show()
    s = win.summary
    assert s.orders > 0 and s.comments > 0
    assert f"订单 {s.orders}" in win.header.text()
    # charts drawn from the recording: one point per second, GMV ends at the session's GMV
    x, y = win.charts.curves[1].getData()
    assert len(x) >= 4 and round(float(y[-1]) * 100) == s.gmv_cents
    # the explain is a marker, with who did it
    tips = [p.data() for p in win.charts.scatter.points()]
    assert any("讲解商品" in t and "主播" in t for t in tips)
    # a short session's axes read as they are: minutes and counts, no "(x0.001)" scale
    for plot in win.charts.plots:
        assert "(x" not in plot.getAxis("bottom").labelString()
        assert "(x" not in plot.getAxis("left").labelString()

    # click (mouse press + release on the chart) the moment of the HTML-looking comment, which
    # came after the first order: exactly the recorded comments and orders around it are listed,
    # user text as plain text
    qtbot.waitExposed(win)
    ts = click_chart(win, marked)
    assert abs(ts - marked) < 1
    recorded = list(win.file.iter_events())
    explained_titles = [
        str(win.file.products()[p][1]["title"]) for p in (srv_products[0], srv_products[1])
    ]
    want_comments, want_orders = expected_around(recorded, ts)
    assert want_orders, "orders around the clicked moment"
    await until(lambda: rows(win.comments) == want_comments, 10, "the comments around the click")
    assert rows(win.orders) == want_orders
    assert [c[1:] for c in rows(win.comments)].count(["<i>昵称</i>", HTMLISH]) == 1
    n_comments, n_orders = win.file.count_around(ts, 30, 30)
    assert f"评论 {n_comments} 条，订单 {n_orders} 笔" in win.moment_label.text()
    if n_comments > len(want_comments):  # a busy room: the label says only the nearest are listed
        assert "只列出离此刻最近的 500 条" in win.moment_label.text()

    # per-product: the explained product has its window and time on screen
    explained = next(r for r in win.product_rows if r.windows)
    assert explained.on_screen_s >= 3
    titles = [win.products.item(r, 0).text() for r in range(win.products.rowCount())]
    assert explained.title in titles
    # 讲解记录: one row per explain window, with the figures the recorded events give
    want = expected_explains(win.file, recorded)
    assert [w[0] for w in want] == [explained_titles[0], explained_titles[1], explained_titles[0]]
    assert rows(win.explains) == [w[1] for w in want]
    assert any(int(w[1][4]) > 0 for w in want)  # orders during an explain

    # comment analysis arrives from its worker thread
    await until(lambda: win.keywords.rowCount() > 0, 60, "keywords")
    assert win.questions.rowCount() > 0

    # exports: HTML escapes user text and shows the same GMV; CSV orders = the session's orders
    html = build_html(win.file, lang="en", keywords=[])
    assert "<b>粗体</b>" not in html  # user text never becomes markup
    assert f"¥{s.gmv_cents / 100:,.2f}" in html and "<script" not in html
    assert html.count(">Explain log<") == 1
    table_rows = html_rows(html)
    for _, cells in want:
        assert cells in table_rows
    paths = write_csv(win.file, tmp_path / "csv")
    with paths[3].open(encoding="utf-8-sig") as fh:
        ex = list(csv.reader(fh))
    assert ex[0][:3] == ["商品 ID", "商品", "开始"]
    assert [r[2:] for r in ex[1:]] == [cells[1:] for _, cells in want]
    with paths[1].open(encoding="utf-8-sig") as fh:
        assert sum(1 for _ in csv.reader(fh)) - 1 == s.orders
    with paths[0].open(encoding="utf-8-sig") as fh:
        assert sum(1 for _ in csv.reader(fh)) - 1 == s.events
    win.close()

    # the sessions list shows both sessions; compare them side by side
    lst = SessionsWindow(tmp_path / "sessions")
    qtbot.addWidget(lst)
    await until(lambda: not lst.loading, 30, "the sessions list (read in a worker)")
    assert lst.table.rowCount() == 2
    assert {lst.table.item(r, 2).text() for r in range(2)} == {
        SessionFile(p).session_id for p in files
    }
    # share one through the platform from the list; the reviewer sees it
    shared = SessionsWindow(
        tmp_path / "sessions", share=SessionShare(srv.url, srv.room, srv.tokens["host"])
    )
    qtbot.addWidget(shared)
    await until(lambda: not shared.loading, 30, "the sessions list")
    shared.table.selectRow(0)
    shared.upload_selected()
    await until(lambda: shared.where.text().startswith("已上传"), 30, "the upload")
    listed = await SessionShare(srv.url, srv.room, srv.tokens["reviewer"]).list()
    assert [i["name"] for i in listed] == [shared.summaries[0].path.name]

    cmp = CompareWindow(files[0], files[1])
    qtbot.addWidget(cmp)
    cmp.show()
    assert [len(c.getData()[0]) > 0 for c in cmp.plot.getPlotItem().listDataItems()] == [True, True]
    assert cmp.kpis.rowCount() == 7 and cmp.products.rowCount() > 0  # 5 KPIs + score, interaction
    QApplication.processEvents()
    cmp.close()
    app.setQuitOnLastWindowClosed(True)
