"""The replay window on sessions recorded from the real sandbox server (subprocess on 127.0.0.1).

What a reviewer notices: the window opens on a recorded session with its totals, charts and an
action marker for the explain (who did it); clicking a moment lists the comments and orders
around it, as plain text; the per-product table shows the explain window; the sessions list shows
both sessions and compares them; exports carry the same numbers.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from polling import until
from PySide6.QtWidgets import QApplication

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from app.session.report import build_html, write_csv
from app.session.share import SessionShare
from ui.replay.compare import CompareWindow
from ui.replay.sessions import SessionsWindow
from ui.replay.window import ReplayWindow

# the offscreen platform says it cannot propagate size hints when a window is shown
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints")]
HTMLISH = "<b>粗体</b> & <i>这个有几个码？</i>"


async def record_two_sessions(srv: Any, directory: Path) -> tuple[list[Path], float]:
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    rec = SessionRecorder(room, directory)
    room.start()
    await room.wait_loaded()
    rec.start()
    marked = 0.0
    try:
        await until(lambda: room.online, 20, "the event stream")
        for n in range(2):
            await room.start_session()
            await until(lambda: rec.recording, 20, "recording")
            await until(lambda: room.metrics.orders >= 1, 30, "an order")
            await room.explain(room.product_ids[n])
            if n == 0:
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
    finally:
        await rec.stop()
        await room.stop()
        await client.close()
    return list(rec.files), marked


async def test_replay_window_review_of_recorded_sessions(
    qtbot: Any, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=300, seed=21, debug_routes=True, extra=["--rate", "300"])
    files, marked = await record_two_sessions(srv, tmp_path / "sessions")
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

    # click the moment of the HTML-looking comment: it is listed, as plain text
    win.charts.set_cursor(marked)
    await until(
        lambda: any(
            win.comments.item(r, 2).text() == HTMLISH for r in range(win.comments.rowCount())
        ),
        10,
        "the comment around the clicked moment",
    )
    row = next(
        r for r in range(win.comments.rowCount()) if win.comments.item(r, 2).text() == HTMLISH
    )
    assert win.comments.item(row, 1).text() == "<i>昵称</i>"
    assert win.orders.rowCount() >= 0

    # per-product: the explained product has its window and time on screen
    explained = next(r for r in win.product_rows if r.windows)
    assert explained.on_screen_s >= 3
    titles = [win.products.item(r, 0).text() for r in range(win.products.rowCount())]
    assert explained.title in titles

    # comment analysis arrives from its worker thread
    await until(lambda: win.keywords.rowCount() > 0, 60, "keywords")
    assert win.questions.rowCount() > 0

    # exports: HTML escapes user text and shows the same GMV; CSV orders = the session's orders
    html = build_html(win.file, lang="en", keywords=[])
    assert "<b>粗体</b>" not in html  # user text never becomes markup
    assert f"¥{s.gmv_cents / 100:,.2f}" in html and "<script" not in html
    paths = write_csv(win.file, tmp_path / "csv")
    with paths[1].open(encoding="utf-8-sig") as fh:
        assert sum(1 for _ in csv.reader(fh)) - 1 == s.orders
    with paths[0].open(encoding="utf-8-sig") as fh:
        assert sum(1 for _ in csv.reader(fh)) - 1 == s.events
    win.close()

    # the sessions list shows both sessions; compare them side by side
    lst = SessionsWindow(tmp_path / "sessions")
    qtbot.addWidget(lst)
    assert lst.table.rowCount() == 2
    assert {lst.table.item(r, 2).text() for r in range(2)} == {
        SessionFile(p).session_id for p in files
    }
    # share one through the platform from the list; the reviewer sees it
    shared = SessionsWindow(
        tmp_path / "sessions", share=SessionShare(srv.url, srv.room, srv.tokens["host"])
    )
    qtbot.addWidget(shared)
    shared.table.selectRow(0)
    shared.upload_selected()
    await until(lambda: shared.where.text().startswith("已上传"), 30, "the upload")
    listed = await SessionShare(srv.url, srv.room, srv.tokens["reviewer"]).list()
    assert [i["name"] for i in listed] == [shared.summaries[0].path.name]

    cmp = CompareWindow(files[0], files[1])
    qtbot.addWidget(cmp)
    cmp.show()
    assert [len(c.getData()[0]) > 0 for c in cmp.plot.getPlotItem().listDataItems()] == [True, True]
    assert all(t.rowCount() > 0 for t in cmp.tables)
    QApplication.processEvents()
    cmp.close()
    app.setQuitOnLastWindowClosed(True)
