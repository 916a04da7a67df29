"""Queue edits an operator makes: a move re-applied on someone else's order, run-order paste, next."""

from __future__ import annotations

import pytest

from app.live.queue import RunOrderError, move, parse_run_order, run_order, step
from app.platform import models as m

IDS = ["a", "b", "c", "d", "e"]


def test_a_move_lands_where_dropped_and_keeps_its_neighbours() -> None:
    order, mv = move(IDS, "e", 1)
    assert order == ["a", "e", "b", "c", "d"]
    assert (mv.after, mv.before, mv.index) == ("a", "b", 1)


def test_a_move_reapplied_on_a_concurrent_order_keeps_the_relative_position() -> None:
    _, mv = move(IDS, "e", 1)  # operator: e right after a
    theirs, _ = move(IDS, "a", 2)  # meanwhile another console: a down to 3rd
    assert theirs == ["b", "c", "a", "d", "e"]
    assert mv.apply(theirs) == ["b", "c", "a", "e", "d"]  # e right after a; their move kept
    # top stays top
    _, to_top = move(IDS, "d", 0)
    assert to_top.apply(theirs)[0] == "d"


def test_reapplied_move_falls_back_to_the_neighbour_below_then_the_index() -> None:
    _, mv = move(IDS, "e", 1)  # after a, before b
    assert mv.apply(["b", "c", "d", "e"]) == ["e", "b", "c", "d"]  # a gone: before b
    assert mv.apply(["c", "d", "e"]) == ["c", "e", "d"]  # both gone: same index


def test_run_order_by_positions_ranges_and_ids() -> None:
    assert parse_run_order("1,4,7", list("abcdefg")) == ["a", "d", "g"]
    assert parse_run_order("3-5，1、B", IDS) == ["c", "d", "e", "a", "b"]
    assert run_order(IDS, ["d", "b"]) == ["d", "b", "a", "c", "e"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "请输入"),
        ("1,9", "序号 9 超出范围"),
        ("0", "序号 0 超出范围"),
        ("1,x1", "无法识别“x1”"),
        ("2,2", "重复的商品：2(b)"),
        ("1,a", "重复的商品：1(a)"),
        ("4-2", "写反了"),
    ],
)
def test_bad_run_orders_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(RunOrderError) as err:
        parse_run_order(text, IDS)
    assert says in str(err.value)


def _p(pid: str, listed: bool = True) -> m.Product:
    return m.Product(id=pid, title=pid, price_cents=100, stock=1, listed=listed)


def test_next_and_previous_skip_delisted_products() -> None:
    products = {i: _p(i, listed=i != "c") for i in IDS}
    assert step(IDS, products, "b", +1) == "d"
    assert step(IDS, products, "d", -1) == "b"
    assert step(IDS, products, "e", +1) is None
    assert step(IDS, products, None, +1) == "a" and step(IDS, products, None, -1) == "e"
