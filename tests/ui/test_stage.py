"""The streamer's stage shows the flash price while a flash sale runs on the explained product."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from app.platform import models as m
from tests.support.polling import until
from tests.ui.products.test_product_queue import CLEAN, Connect, _panel, connect  # noqa: F401


async def test_stage_shows_flash_price_and_remaining_then_next_preview(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    panel, console = _panel(qtbot, room)
    stage = console.stage
    assert stage.status.text() == "未在讲解" and stage.points.text() == ""
    await room.start_flash_sale(
        m.FlashSaleSpec(product_id=CLEAN, price_cents=9900, quantity=30, duration_seconds=120)
    )
    panel.explain(CLEAN)
    await until(lambda: "秒杀 ¥99.00" == stage.price.text(), what="flash price on stage")
    assert stage.original.text() == "¥159.00"
    assert "秒杀剩余 30 件" in stage.stock.text()
    assert stage.status.text() == "● 讲解中"
