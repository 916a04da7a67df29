"""The queue model's data() is safe to call at repaint rates (the PySide6 6.12 None pitfall)."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.platform import models as m
from ui.products.model import ImageRole, QueueModel


def test_queue_model_data_does_not_leak_none_references(qtbot: QtBot) -> None:
    model = QueueModel()
    products = [
        m.Product(id=f"p{i}", title=f"商品{i}", price_cents=100, stock=1) for i in range(50)
    ]
    model.set_rows(products, "p3", None)
    assert model.row(3).explaining and model.row(0).price == "¥1.00"
    before = sys.getrefcount(None)
    for _ in range(100):
        for row in range(50):
            idx = model.index(row, 0)
            idx.data(Qt.ItemDataRole.DecorationRole)  # None
            idx.data(ImageRole)  # None: no image cache
    after = sys.getrefcount(None)
    assert after >= before - 50, f"None refcount fell from {before} to {after}"


def test_same_order_updates_rows_in_place_and_a_new_order_keeps_the_selection(
    qtbot: QtBot,
) -> None:
    model = QueueModel()
    products = [m.Product(id=f"p{i}", title=f"商品{i}", price_cents=100, stock=1) for i in range(5)]
    model.set_rows(products, None, None)
    changed: list[tuple[int, int]] = []
    resets: list[int] = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row())))
    model.layoutChanged.connect(lambda *_: resets.append(1))
    model.set_rows(
        [*products[:2], products[2].model_copy(update={"stock": 0}), *products[3:]], None, None
    )
    assert changed == [(2, 2)] and resets == []
    from PySide6.QtCore import QPersistentModelIndex

    held = QPersistentModelIndex(model.index(4))
    model.set_rows(list(reversed(products)), None, None)
    assert resets == [1] and held.row() == 0  # p4 is first now; the selection follows it
