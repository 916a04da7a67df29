"""Clicking a moment on the replay window's timeline (real mouse events on the real pyqtgraph
chart): the 此刻 tab lists exactly the comments and orders recorded within 30 s of the clicked
moment — none missing, none from outside — with the orders' status as it is now."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.format import money
from app.platform import models as m
from app.session.replay import SessionFile
from app.session.writer import SessionWriter
from tests.support.polling import until
from tests.support.synth import products, session_events
from ui.replay.window import MOMENT_ROWS, MOMENT_WINDOW_S, ReplayWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
T0 = 1_760_000_000.0
ET = m.EventType
STATUS = {"created": "待支付", "paid": "已支付", "refunded": "已退款"}


def clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def click_chart(win: ReplayWindow, ts: float, plot: int = 2) -> float:
    """A left click (press + release, QTest) on plot ``plot`` at the x of ``ts``; returns the moment
    the click put the cursor on (pixel-rounded)."""
    charts = win.charts
    p = charts.plots[plot]
    y0, y1 = p.vb.viewRange()[1]
    scene = p.vb.mapViewToScene(QPointF((ts - charts.t0) / 60.0, (y0 + y1) / 2))
    pos = charts.view.mapFromScene(scene)
    assert charts.view.viewport().rect().contains(pos), "the moment is off the chart"
    before = charts.cursor_ts()
    QTest.mouseClick(charts.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), pos)
    assert charts.cursor_ts() != before, "the click did not move the cursor"
    return charts.cursor_ts()


def rows(table: Any) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def html_rows(page: str) -> list[list[str]]:
    """The cell texts of every body row of every table in an HTML report."""
    return [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", page)
        if "<td" in tr
    ]


def expected_around(events: list[m.Event], ts: float) -> tuple[list[list[str]], list[list[str]]]:
    """From the recorded events themselves: comments and orders (latest status) within the window,
    in time order — in a busy minute the MOMENT_ROWS nearest to the moment."""
    w = MOMENT_WINDOW_S
    inside = [e for e in events if e.type is ET.COMMENT and ts - w <= e.ts <= ts + w]
    nearest = sorted(inside, key=lambda e: (abs(e.ts - ts), e.seq))[:MOMENT_ROWS]
    comments = [
        [clock(e.ts), e.data.comment.nickname, e.data.comment.text]
        for e in sorted(nearest, key=lambda e: (e.ts, e.seq))
    ]
    latest: dict[str, m.Order] = {}
    for e in events:
        if e.type in (ET.ORDER_CREATED, ET.ORDER_PAID, ET.ORDER_REFUNDED):
            latest[e.data.order.id] = e.data.order
    near_orders = sorted(
        (o for o in latest.values() if ts - w <= o.created_ts <= ts + w),
        key=lambda o: (abs(o.created_ts - ts), o.id),
    )[:MOMENT_ROWS]
    orders = [
        [
            clock(o.created_ts),
            o.nickname,
            o.product_title,
            str(o.quantity),
            money(o.amount_cents),
            STATUS[o.status],
        ]
        for o in sorted(near_orders, key=lambda o: (o.created_ts, o.id))
    ]
    return comments, orders


async def test_clicking_a_moment_lists_exactly_the_comments_and_orders_around_it(
    qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "r1_s1.livedesk-session.sqlite"
    w = SessionWriter(path, {"room": "r1", "session_id": "s1", "started_ts": repr(T0)})
    w.put_products(products(), T0)
    events: list[m.Event] = []
    for b in session_events(total=6_000, hours=0.3, t0=T0):  # 18 minutes, ~5 events/s
        w.put_events(b)
        events.extend(b)
    w.close()
    orders = [e.data.order for e in events if e.type is ET.ORDER_CREATED]
    # a moment with orders, two thirds into the session (away from the initial cursor)
    target = sorted(orders, key=lambda o: o.created_ts)[len(orders) * 2 // 3].created_ts

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    win = ReplayWindow(path)
    win.show()
    qtbot.waitExposed(win)
    try:
        ts = click_chart(win, target)
        assert abs(ts - target) < 5  # a pixel is a second or two on an 18-minute axis
        want_comments, want_orders = expected_around(events, ts)
        assert want_orders, "the clicked moment has orders"
        n_comments = sum(e.type is ET.COMMENT for e in events)
        assert 0 < len(want_comments) < min(n_comments, MOMENT_ROWS)  # all of the window's
        await until(lambda: rows(win.orders) == want_orders, 10, "the orders around the click")
        assert rows(win.comments) == want_comments
        assert (
            f"评论 {len(want_comments)} 条，订单 {len(want_orders)} 笔" in win.moment_label.text()
        )
        assert clock(ts) in win.moment_label.text()

        # a second click elsewhere (another plot): the lists follow it
        later = target + 240
        ts2 = click_chart(win, later, plot=0)
        want_comments2, want_orders2 = expected_around(events, ts2)
        await until(
            lambda: rows(win.comments) == want_comments2, 10, "the comments around the second click"
        )
        assert rows(win.orders) == want_orders2
        assert want_comments2 != want_comments
    finally:
        win.close()


def test_a_busy_minute_lists_the_comments_nearest_the_moment(tmp_path: Path) -> None:
    """More comments than a table holds: the ones nearest the moment are listed (not the oldest)."""
    path = tmp_path / "busy.livedesk-session.sqlite"
    w = SessionWriter(path, {"room": "r1", "session_id": "s2", "started_ts": repr(T0)})
    w.put_products(products(), T0)
    events = [e for b in session_events(total=25_000, hours=0.04, t0=T0) for e in b]
    w.put_events(events)
    w.close()
    ts = T0 + 80.0
    inside = sorted(
        (e for e in events if e.type is ET.COMMENT and ts - 30 <= e.ts <= ts + 30),
        key=lambda e: abs(e.ts - ts),
    )
    assert len(inside) > 600
    with SessionFile(path) as f:
        got = f.comments_around(ts, 30, 30, 500)
        assert f.count_around(ts, 30, 30)[0] == len(inside)
    assert len(got) == 500
    assert [c.ts for c in got] == sorted(c.ts for c in got)
    assert {c.seq for c in got} == {e.seq for e in inside[:500]}
