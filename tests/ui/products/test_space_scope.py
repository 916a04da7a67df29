"""Space pushes a product on air only from the product queue (issue "Safe on air"), and the row
the keys act on never looks like the row on air: driven through the real window and sandbox."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from tests.support.console import main_window
from tests.support.polling import until
from tests.ui.products.test_product_queue import CLEAN, Connect, connect  # noqa: F401
from ui.chat.panel import ChatPanel
from ui.products import delegate as d
from ui.products.panel import ProductQueuePanel


async def _focus(widget: Any) -> None:
    widget.activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    await until(lambda: QApplication.focusWidget() is widget, what="keyboard focus")


async def test_space_in_the_comment_list_leaves_the_stage_alone_space_in_the_queue_explains(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    panel = win.panels["products"]
    chat = win.findChild(ChatPanel)
    assert isinstance(panel, ProductQueuePanel) and chat is not None
    await until(lambda: panel.model.rowCount() == len(room.product_ids) > 0, what="the bag")
    panel.select(CLEAN)  # a product is selected in the queue, as during a show
    await _focus(chat.view)
    QTest.keyClick(chat.view, Qt.Key.Key_Space)
    await asyncio.sleep(1.0)  # an explain comes back within ms from this sandbox
    assert room.explaining is None, "Space in the comment list put a product on air"
    await _focus(panel.paste)  # a text field of the queue: Space is a space
    QTest.keyClick(panel.paste, Qt.Key.Key_Space)
    await asyncio.sleep(0.5)
    assert room.explaining is None and panel.paste.text() == " "
    await _focus(panel.view)
    QTest.keyClick(panel.view, Qt.Key.Key_Space)
    await until(lambda: room.explaining is not None, what="Space in the queue explains")
    assert room.explaining is not None and room.explaining.product_id == CLEAN


def _pixel(panel: ProductQueuePanel, product_id: str) -> QColor:
    """The colour painted in the row's top-left corner, right of the on-stage bar."""
    rect = panel.view.visualRect(panel.model.index(panel.model.row_of(product_id)))
    image = panel.view.viewport().grab().toImage()
    return image.pixelColor(rect.left() + d.ON_STAGE_BAR + 3, rect.top() + 4)


async def test_the_selected_row_and_the_row_on_stage_look_different(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    panel = win.panels["products"]
    assert isinstance(panel, ProductQueuePanel)
    await until(lambda: panel.model.rowCount() == len(room.product_ids) > 0, what="the bag")
    win.resize(1600, 1000)
    await room.explain(CLEAN)
    await until(lambda: panel.model.row(panel.model.row_of(CLEAN)).explaining, what="on air")
    other = room.product_ids[room.product_ids.index(CLEAN) + 1]  # the row below: both in view
    panel.select(other)
    palette = panel.view.palette()
    on_stage = d.row_look(selected=False, on_stage=True, palette=palette)
    selected = d.row_look(selected=True, on_stage=False, palette=palette)
    both = d.row_look(selected=True, on_stage=True, palette=palette)
    assert on_stage.background != selected.background
    assert on_stage.bar == d.EXPLAINING and selected.bar is None  # only the row on air has a bar
    assert selected.background is not None and selected.background.hsvSaturation() < 40
    assert both.background == on_stage.background and both.outline == selected.outline
    # and so on screen: the pixels of each row are the colours the delegate says
    panel.view.scrollTo(
        panel.model.index(panel.model.row_of(CLEAN)), QAbstractItemView.ScrollHint.PositionAtTop
    )
    assert _pixel(panel, CLEAN) == on_stage.background
    assert _pixel(panel, other) == selected.background
