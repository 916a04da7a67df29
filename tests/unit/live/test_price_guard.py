"""Money typed live: which prices ask first, which undo goes out, and when an undo is refused."""

from __future__ import annotations

import pytest

from app.live.price_guard import (
    ProductEdit,
    UndoLog,
    UndoRefused,
    drop_percent,
    flash_floor_problem,
    price_risk,
    undo_patch,
)
from app.live.queue import step_in_stock
from app.platform import models as m


def product(price: int = 39900, stock: int = 150, sold: int = 0, **kw: object) -> m.Product:
    return m.Product(
        id="p03",
        title="轻薄羽绒服",
        price_cents=price,
        original_price_cents=69900,
        stock=stock,
        sold=sold,
        **kw,  # type: ignore[arg-type]
    )


def test_a_typo_asks_with_old_and_new_and_a_small_cut_does_not() -> None:
    risk = price_risk(product(), 359)
    assert risk is not None
    assert risk.change_text == "¥399.00 → ¥3.59（降价 99%）"
    assert "比当前价 ¥399.00 低 99%" in risk.reasons[0]
    assert price_risk(product(), 35900) is None  # 10 % off: goes through
    assert price_risk(product(), 27930) is None  # exactly 30 %: the limit is "more than"
    assert price_risk(product(), 27900) is not None
    assert price_risk(product(), 59900) is None  # a rise never asks
    # the limit is a setting
    assert price_risk(product(), 35900, max_drop_percent=5) is not None


def test_small_cuts_that_add_up_ask_against_the_starting_price() -> None:
    now = product(price=30000)  # already cut from 399 earlier in the show
    assert price_risk(now, 27000) is None  # 10 % below now, and no start price known
    risk = price_risk(now, 27000, start_cents=39900)
    assert risk is not None and "比开场价 ¥399.00 低 32%" in risk.reasons[0]


def test_a_price_at_or_below_the_flash_price_is_refused_here() -> None:
    assert flash_floor_problem(None, 100) == ""
    assert flash_floor_problem(29900, 30000) == ""
    assert "秒杀价 ¥299.00" in flash_floor_problem(29900, 29900)
    assert drop_percent(0, 10) == 0


def test_undo_puts_the_price_back_and_keeps_units_sold_since() -> None:
    edit = ProductEdit(product(), product(price=35900, stock=300))
    # 3 units sold since the edit: the stock goes back to 150 - 3, the price to 399
    assert undo_patch(edit, product(price=35900, stock=297, sold=3)) == {
        "price_cents": 39900,
        "stock": 147,
    }


def test_undo_is_refused_when_someone_changed_the_product_meanwhile() -> None:
    edit = ProductEdit(product(), product(price=35900))
    with pytest.raises(UndoRefused, match=r"已被改为 ¥349\.00"):
        undo_patch(edit, product(price=34900))
    stock_edit = ProductEdit(product(), product(stock=300))
    with pytest.raises(UndoRefused, match="库存已被其他人修改"):
        undo_patch(stock_edit, product(stock=250))  # not an order: sold did not move
    with pytest.raises(UndoRefused, match="不在购物袋"):
        undo_patch(edit, None)


def test_the_undo_window_closes() -> None:
    now = [100.0]
    log = UndoLog(seconds=10, clock=lambda: now[0])
    edit = ProductEdit(product(), product(price=35900), at=now[0])
    log.record(edit)
    now[0] += 9.5
    assert log.last() is edit
    now[0] += 1.0
    assert log.last() is None and log.take() is None


def test_next_passes_over_sold_out_products() -> None:
    ids = ["a", "b", "c", "d"]
    products = {
        i: m.Product(id=i, title=i, price_cents=100, stock=0 if i in "bc" else 5) for i in ids
    }
    assert step_in_stock(ids, products, "a", +1) == ("d", ["b", "c"])
    assert step_in_stock(ids, products, "d", -1) == ("a", ["c", "b"])
    assert step_in_stock(ids, products, "c", +1) == ("d", [])
    products["d"] = products["d"].model_copy(update={"stock": 0})
    assert step_in_stock(ids, products, "a", +1) == (None, ["b", "c", "d"])
