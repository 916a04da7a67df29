"""Money and the stage, driven through the real window on the real sandbox (issue 20 "Safe on
air"): a risky price asks first (取消 sends nothing), a small cut does not; the last edit is undone
from the toast and with Ctrl+Z; the editor shows the original and flash prices; "-5abc" is "not a
number"; each queue row's 讲解 button explains its product; 下一个 passes over sold-out products;
the flash-sale picker defaults to the product on stage and filters as the operator types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from tests.support.console import main_window
from tests.support.polling import until
from tests.ui.products.test_product_queue import Connect, connect  # noqa: F401
from ui.main_window import MainWindow
from ui.marketing.flash_sale import FlashSalePanel
from ui.notify import Notifier
from ui.products.delegate import explain_button_rect
from ui.products.editor import ProductEditor
from ui.products.panel import ProductQueuePanel

DOWN = "p03"  # 轻薄羽绒服 ¥399.00 (原价 ¥699.00)
CLEAN = "p02"  # 高腰直筒牛仔裤 ¥159.00: no compliance hits

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen dialogs


def _queue(w: MainWindow) -> ProductQueuePanel:
    panel = w.panels["products"]
    assert isinstance(panel, ProductQueuePanel)
    return panel


def _answer(press: str, seen: list[str]) -> None:
    """Once a question is up (in its own modal loop), note its text and press a button."""

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, poll)
            return
        default = box.defaultButton()
        seen.append(f"{box.text()}\n[default:{default.text() if default else None}]")
        button = box.findChild(QPushButton, press)
        assert button is not None
        button.click()

    QTimer.singleShot(20, poll)


async def _platform_product(srv: Any, pid: str) -> dict[str, Any]:
    async with httpx.AsyncClient(headers=srv.headers(), trust_env=False, timeout=30) as http:
        r = await http.get(srv.api(f"/products/{pid}"))
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


async def _order(srv: Any, pid: str) -> dict[str, Any]:
    async with httpx.AsyncClient(headers=srv.headers(), trust_env=False, timeout=30) as http:
        r = await http.post(srv.api("/orders"), json={"user_id": "fan1", "product_id": pid})
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


async def _edit(qtbot: QtBot, queue: ProductQueuePanel, pid: str) -> ProductEditor:
    win = queue.window()
    win.activateWindow()
    await until(lambda: QApplication.activeWindow() is win, 10, "the window active")
    queue.select(pid)
    queue.view.setFocus()
    qtbot.keyClick(queue.view, Qt.Key.Key_F2)  # 改价/改库存
    await until(lambda: queue.findChild(ProductEditor) is not None, what="the editor open")
    editor = queue.findChild(ProductEditor)
    assert isinstance(editor, ProductEditor)
    return editor


def _type(editor: ProductEditor, text: str) -> None:
    editor.price.selectAll()
    QTest.keyClicks(editor.price, text)


async def test_a_price_typo_asks_first_and_cancel_sends_nothing_a_small_cut_goes_through(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    queue = _queue(win)
    actions: list[str] = []
    room.subscribe_actions(lambda a: actions.append(a.name))
    editor = await _edit(qtbot, queue, DOWN)
    # the editor shows what the price is measured against
    assert editor.reference.text() == "现价 ¥399.00 · 原价 ¥699.00"
    _type(editor, "3.59")
    seen: list[str] = []
    _answer("confirmCancel", seen)
    QTimer.singleShot(0, editor.save_button.click)  # Enter / 保存, from Qt's dispatch
    await until(lambda: len(seen) == 1, what="the price question")
    assert "¥399.00 → ¥3.59（降价 99%）" in seen[0]
    assert "[default:取消]" in seen[0]
    await until(lambda: "form" in editor.errors(), what="cancel noted")
    assert editor.errors()["form"] == "已取消改价，未发送"
    assert editor.isVisible() and editor.price.text() == "3.59"  # the typed text stays
    assert actions == []
    assert (await _platform_product(srv, DOWN))["price_cents"] == 39900  # nothing reached it
    assert (await _order(srv, DOWN))["unit_price_cents"] == 39900  # a buyer pays ¥399

    # a 10 % cut goes through without a question
    _type(editor, "359")
    QTimer.singleShot(0, editor.save_button.click)
    await until(
        lambda: (
            room.products[DOWN].price_cents == 35900
            or isinstance(QApplication.activeModalWidget(), QMessageBox)
        ),
        what="the cut applied",
    )
    assert not isinstance(QApplication.activeModalWidget(), QMessageBox)
    assert (await _platform_product(srv, DOWN))["price_cents"] == 35900
    assert len(seen) == 1


async def test_the_last_edit_is_undone_from_the_toast_and_with_ctrl_z(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    queue = _queue(win)
    editor = await _edit(qtbot, queue, DOWN)
    _type(editor, "359")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: room.products[DOWN].price_cents == 35900, what="the cut applied")
    await until(lambda: queue.toast.isVisible(), what="the undo toast")
    assert queue.toast.label.text() == "已改价 ¥399.00 → ¥359.00"
    assert queue.toast.button.text().startswith("撤销")
    qtbot.mouseClick(queue.toast.button, Qt.MouseButton.LeftButton)
    await until(lambda: room.products[DOWN].price_cents == 39900, what="undone by the toast")
    assert (await _platform_product(srv, DOWN))["price_cents"] == 39900
    assert not queue.toast.isVisible()

    # stock this time, undone with the key
    editor = await _edit(qtbot, queue, DOWN)
    editor.stock.setText("500")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: room.products[DOWN].stock == 500, what="the restock applied")
    await _order(srv, DOWN)  # a unit sold meanwhile is not "someone else's change"
    await until(lambda: room.products[DOWN].sold == 1, what="the sale seen")
    win.activateWindow()
    await until(lambda: QApplication.activeWindow() is win, 10, "the window active")
    queue.view.setFocus()
    qtbot.keyClick(queue.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    await until(lambda: room.products[DOWN].stock == 149, what="undone by Ctrl+Z (150 - 1 sold)")
    assert (await _platform_product(srv, DOWN))["stock"] == 149


async def test_undo_is_refused_when_a_teammate_changed_the_price_meanwhile(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    assistant = await connect(srv, "assistant")
    win = main_window(qtbot, room, tmp_path)
    queue = _queue(win)
    messages: list[tuple[str, str]] = []
    win.notifier.message.connect(lambda lv, text: messages.append((lv, text)))
    editor = await _edit(qtbot, queue, DOWN)
    _type(editor, "359")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: room.products[DOWN].price_cents == 35900, what="the cut applied")
    await assistant.update_product(DOWN, price_cents=34900)
    await until(lambda: room.products[DOWN].price_cents == 34900, what="the teammate's price")
    qtbot.mouseClick(queue.toast.button, Qt.MouseButton.LeftButton)
    await until(lambda: any(lv == "error" for lv, _ in messages), what="the refusal")
    assert any("撤销失败" in t and "已被改为 ¥349.00" in t for _, t in messages), messages
    assert (await _platform_product(srv, DOWN))["price_cents"] == 34900  # theirs stays


async def test_a_price_that_is_not_a_number_says_so_and_the_flash_price_is_shown(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    queue = _queue(win)
    editor = await _edit(qtbot, queue, DOWN)
    _type(editor, "-5abc")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.errors()["price"] == "价格格式不对，请输入数字，如 129.90"
    assert editor.price.text() == "-5abc"
    _type(editor, "-5")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.errors()["price"] == "价格必须大于 0"
    editor.reject()
    from app.platform import models as m

    await room.start_flash_sale(
        m.FlashSaleSpec(product_id=DOWN, price_cents=29900, quantity=5, duration_seconds=600)
    )
    await until(lambda: any(f.status == "active" for f in room.flash_sales.values()))
    editor = await _edit(qtbot, queue, DOWN)
    assert "秒杀价 ¥299.00" in editor.reference.text()
    _type(editor, "299")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "售价须高于秒杀价 ¥299.00" in editor.errors()["price"]  # refused here, not sent


async def test_a_rows_explain_button_explains_it_and_next_skips_sold_out(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    queue = _queue(win)
    messages: list[tuple[str, str]] = []
    win.notifier.message.connect(lambda lv, text: messages.append((lv, text)))
    ids = room.product_ids
    assert ids[1] == CLEAN
    row = queue.model.row_of(CLEAN)
    queue.view.scrollTo(queue.model.index(row))
    rect = queue.view.visualRect(queue.model.index(row))
    button = explain_button_rect(rect)
    qtbot.mouseClick(queue.view.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    await until(
        lambda: room.explaining is not None and room.explaining.product_id == CLEAN,
        what="the row's product explained",
    )
    # the next two products sell out: 下一个 passes over them and says so
    for pid in ids[2:4]:
        await room.update_product(pid, stock=0)
    await until(lambda: all(room.products[p].stock == 0 for p in ids[2:4]))
    queue.acts["next"].trigger()
    await until(
        lambda: room.explaining is not None and room.explaining.product_id == ids[4],
        what="the next product in stock explained",
    )
    skipped = "、".join(room.products[p].title for p in ids[2:4])
    assert ("warning", f"已跳过售罄：{skipped}") in messages


def _ime(widget: QWidget, text: str) -> None:
    """Chinese typed as an input method commits it (QTest cannot type CJK as keys)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


@pytest.mark.qt_log_ignore("propagateSizeHints", "raise", "grabbing the keyboard")  # its popup
async def test_the_flash_sale_picker_defaults_to_the_stage_and_filters(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    await room.explain(DOWN)
    await until(lambda: room.explaining is not None)
    panel = FlashSalePanel(room, Notifier())
    qtbot.addWidget(panel)
    panel.show()
    chosen = panel.chosen()
    assert chosen is not None and chosen.id == DOWN  # the product on stage
    assert panel.price.value() == pytest.approx(319.20)  # 20 % off as a starting point
    await room.explain(CLEAN)  # the stage moves on: the form follows (nothing picked yet)
    await until(lambda: (p := panel.chosen()) is not None and p.id == CLEAN, what="follows")
    line = panel.product.lineEdit()
    line.selectAll()
    _ime(line, "牛仔")
    completer = panel.product.completer()
    matches = [
        completer.completionModel().index(i, 0).data()
        for i in range(completer.completionModel().rowCount())
    ]
    assert matches and all("牛仔" in t for t in matches), matches
    line.selectAll()
    _ime(line, "没有这个商品")
    assert panel.chosen() is None and not panel.start_button.isEnabled()
    assert panel.problem_label.text() == "没有找到这个商品：请从列表中选择"
