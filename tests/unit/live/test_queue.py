"""Queue edits an operator makes: a move re-applied on someone else's order, run-order paste, next."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest

from app.live.queue import (
    MAX_ATTEMPTS,
    RunOrderError,
    move,
    parse_run_order,
    reorder,
    run_order,
    step,
)
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.client import PlatformClient
from app.platform.errors import StaleVersionError
from tests.support.polling import until

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


# --- sending a reorder under contention (the real sandbox: two consoles on one room) ----------
async def _console(srv: Any, role: str) -> LiveRoom:
    room = LiveRoom(PlatformClient(srv.url, srv.room, srv.tokens[role], role=role))
    room.start()
    await asyncio.wait_for(room.wait_loaded(), 30)
    await until(lambda: room.online, 30, f"the {role}'s event stream")
    return room


def _to_top(pid: str) -> Callable[[list[str]], list[str]]:
    return lambda ids: [pid, *(i for i in ids if i != pid)]


def _to_bottom(pid: str) -> Callable[[list[str]], list[str]]:
    return lambda ids: [*(i for i in ids if i != pid), pid]


PACE = 0.01  # s between one console's moves (faster than any operator drags)


async def test_two_consoles_reordering_rapidly_never_lose_a_move(sandbox_server: Any) -> None:
    srv = sandbox_server()
    host, assistant = await _console(srv, "host"), await _console(srv, "assistant")
    try:
        ids = list(host.product_ids)
        start_seq = host.seq
        n = 12
        tops, bottoms = ids[:n], ids[-n:]

        async def run(room: LiveRoom, moves: list[Callable[[list[str]], list[str]]]) -> list[Any]:
            out = []
            for build in moves:  # both consoles start together and keep pace: they collide
                out.append(await reorder(room, build))
                await asyncio.sleep(PACE)
            return out

        a, b = await asyncio.gather(
            run(host, [_to_top(p) for p in tops]),
            run(assistant, [_to_bottom(p) for p in bottoms]),
        )
        # every move was saved: each result's bag has its product where the move put it
        for pid, result in zip(tops, a, strict=True):
            assert result.bag.products[0].id == pid
        for pid, result in zip(bottoms, b, strict=True):
            assert result.bag.products[-1].id == pid
        resolved = sum(r.resolved_conflict for r in a + b)
        assert resolved >= 1, "the consoles never raced: the test did not test contention"
        # and the platform logged exactly one products_reordered per move, none lost
        await until(lambda: host.bag_version == assistant.bag_version, 30, "both consoles agree")
        events = srv.read_events(start_seq, role="reviewer")
        reorders = [e for e in events if e["type"] == "products_reordered"]
        assert len(reorders) == 2 * n
        final = host.product_ids
        assert final[:n] == list(reversed(tops))  # each top move is above the earlier ones…
        assert final[-n:] == bottoms  # …each bottom move below the earlier ones
        assert sorted(final) == sorted(ids)
    finally:
        for room in (host, assistant):
            await room.stop()
            await room.adapter.close()


class _AlwaysStale:
    """A room whose every reorder loses the race (the platform's current bag in each 409)."""

    def __init__(self) -> None:
        self.product_ids = ["a", "b", "c"]
        self.bag_version = 1
        self.sent: list[tuple[int, list[str]]] = []

    async def reorder(self, ids: list[str], version: int) -> m.Bag:
        self.sent.append((version, ids))
        current = m.Bag(version=version + 1, products=[])
        raise StaleVersionError("stale_version", "版本已过期 (stale)", current=current)


async def test_a_move_is_retried_on_each_new_order_a_bounded_number_of_times() -> None:
    room = _AlwaysStale()
    with pytest.raises(StaleVersionError):
        await reorder(cast(LiveRoom, room), _to_top("c"), attempts=MAX_ATTEMPTS)
    assert [v for v, _ in room.sent] == [1, 2, 3, 4, 5]  # each try on the newest version
    assert MAX_ATTEMPTS == 5


class _StaleTwice(_AlwaysStale):
    """Loses two races (another console saved twice meanwhile), then the move goes through."""

    async def reorder(self, ids: list[str], version: int) -> m.Bag:
        if len(self.sent) < 2:
            return await super().reorder(ids, version)
        self.sent.append((version, ids))
        return m.Bag(version=version + 1, products=[])


async def test_a_move_that_loses_two_races_in_a_row_still_lands() -> None:
    room = _StaleTwice()
    result = await reorder(cast(LiveRoom, room), _to_top("c"))
    assert result.resolved_conflict and result.bag.version == 4
    assert [v for v, _ in room.sent] == [1, 2, 3]
