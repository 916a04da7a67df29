"""The stage in the real window on the real sandbox (issue "Safe on air"): its height holds with a
55-character title and a compliance note (the docks below do not move, the selling points still
fit); countdowns for a running flash sale and an open lottery; alert marks the fonts can draw."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QDockWidget, QLabel
from pytestqt.qtbot import QtBot

from app.platform import models as m
from tests.support.console import main_window
from tests.support.polling import until
from tests.ui.products.test_product_queue import CLEAN, Connect, connect  # noqa: F401
from ui.metrics.alerts_strip import MARKS
from ui.stage import Stage

LONG_TITLE = "【直播间专享】高腰直筒牛仔裤女春秋新款显瘦百搭宽松阔腿拖地裤小个子九分裤全网最低价限时秒杀包邮到家送运费险哦亲"
POINTS = [
    "高腰设计拉长腿部比例，小个子也能穿出大长腿",
    "弹力面料久坐不勒，国家级品质，史上最舒服的一条",
    "三种长度可选，九分、常规、加长，总有一款适合你",
    "今天直播间下单送同款腰带，前一百名再送袜子",
]


async def _raw(srv: Any, events: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        r = await c.post("/_debug/raw-events", json={"events": events})
        r.raise_for_status()


async def test_a_long_title_and_a_compliance_note_do_not_move_the_layout_or_clip_the_points(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert len(LONG_TITLE) == 55
    srv = sandbox_server(live=True, debug_routes=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    win.resize(1600, 1000)
    stage = win.stage
    assert isinstance(stage, Stage)
    coupons = next(d for d in win.findChildren(QDockWidget) if "coupons" in d.objectName())
    await room.explain(CLEAN)
    await until(lambda: "讲解中" in stage.status.text(), what="on stage")
    await asyncio.sleep(0.3)
    before = (stage.height(), coupons.geometry().top())
    assert stage.points_fit()
    product = room.products[CLEAN].model_dump(mode="json")
    product.update(title=LONG_TITLE, selling_points=POINTS)
    await _raw(srv, [{"type": "product_updated", "data": {"product": product}}])
    await until(lambda: "高腰直筒" in stage.title.text(), what="the long title on stage")
    await until(lambda: stage.warnings.text() != "", what="the compliance note")
    await asyncio.sleep(0.3)
    assert (stage.height(), coupons.geometry().top()) == before, "the layout moved"
    assert stage.points_fit(), "selling points clipped"
    assert "今天直播间下单送同款腰带" in stage.points.text()  # the last point is still there
    fm = stage.title.fontMetrics()
    assert stage.title.height() <= 2 * fm.lineSpacing() + 4  # two lines at most, elided
    assert stage.title.toolTip() == LONG_TITLE


async def test_a_running_flash_sale_counts_down_on_the_stage(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    stage = win.stage
    assert isinstance(stage, Stage)
    assert stage.countdown.isHidden()
    await room.explain(CLEAN)
    await room.start_flash_sale(
        m.FlashSaleSpec(product_id=CLEAN, price_cents=9900, quantity=30, duration_seconds=120)
    )
    await until(lambda: not stage.countdown.isHidden(), what="the countdown shown")
    first = stage.countdown.text()
    assert first.startswith("秒杀 剩 1:5") or first == "秒杀 剩 2:00"
    await until(lambda: stage.countdown.text() != first, within=10, what="the countdown ticking")
    assert stage.countdown.font().pointSizeF() >= 13  # large: read from 2 m


def test_alert_marks_are_glyphs_the_ui_fonts_have() -> None:
    metrics = QFontMetrics(QLabel().font())
    for mark in MARKS.values():
        assert metrics.inFontUcs4(ord(mark)), f"{mark!r} would show as a box"


async def test_an_open_lottery_counts_down_on_the_stage_and_draws_itself_once_at_zero(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    from app.live.room import ActionRecord
    from ui.marketing.lottery import LotteryPanel

    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    stage = win.stage
    panel = win.findChild(LotteryPanel)
    assert isinstance(stage, Stage) and panel is not None
    assert panel.auto_draw.isChecked()  # on by default
    said: list[tuple[str, str]] = []
    win.notifier.message.connect(lambda level, text: said.append((level, text)))
    draws: list[ActionRecord] = []
    room.subscribe_actions(lambda a: draws.append(a) if a.name == "draw_lottery" else None)
    panel.prize.setText("口红一支")
    panel.keyword.setText("福袋来")
    panel.duration.setValue(3)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: stage.countdown.text().startswith("福袋 剩"), what="the lottery clock")
    await until(
        lambda: any(lot.status == "drawn" for lot in room.lotteries.values()),
        within=30,
        what="the lottery drawn by itself",
    )
    assert any("到点，自动开奖" in text for _lv, text in said)
    await until(lambda: stage.countdown.isHidden(), what="no countdown once drawn")
    await asyncio.sleep(1.5)  # more ticks: it draws once, not on every tick
    assert len(draws) == 1 and draws[0].ok
