"""The explain hold keeps a card up: re-sends after a foreign stop and on a timer, yields to "next"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from app.live.hold import ExplainHold
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.connection import ConnectionTracker, LinkState


class _Platform:
    """Stands in for the adapter's explain/stop calls (the room under test is real).

    The test plays the platform: it decides which events come back, through ``room.ingest``.
    """

    room = "r1"
    role = m.Role.HOST

    def __init__(self) -> None:
        self.connection = ConnectionTracker()
        self.connection.set_state(LinkState.CONNECTED)
        self.calls: list[tuple[str, str]] = []

    async def explain(self, product_id: str) -> None:
        self.calls.append(("explain", product_id))

    async def stop_explain(self, product_id: str) -> None:
        self.calls.append(("stop", product_id))


class _Feed:
    def __init__(self, room: LiveRoom) -> None:
        self.room = room
        self.seq = room.seq

    def explaining(self, *changes: tuple[str, bool], actor: str = "assistant") -> None:
        batch = []
        for pid, on in changes:
            self.seq += 1
            data: dict[str, Any] = {"product_id": pid, "explaining": on}
            data["actor"] = {"role": actor, "token_id": f"t-{actor}"}
            batch.append(
                m.parse_event(
                    {
                        "seq": self.seq,
                        "ts": 1000.0 + self.seq,
                        "type": "product_explaining",
                        "data": data,
                    }
                )
            )
        self.room.ingest(batch)


def _setup(**kw: Any) -> tuple[_Platform, _Feed, ExplainHold]:
    platform = _Platform()
    room = LiveRoom(platform)  # type: ignore[arg-type]
    products = [{"id": p, "title": p, "price_cents": 100, "stock": 5} for p in ("p1", "p2", "p3")]
    room.apply_snapshot(
        m.Snapshot.model_validate(
            {"room": "r1", "seq": 10, "bag": {"version": 1, "products": products}}
        )
    )
    hold = ExplainHold(room, **{"interval": 60.0, "grace": 0.05, **kw})
    return platform, _Feed(room), hold


async def _until(cond: Callable[[], bool], within: float = 5.0) -> None:
    for _ in range(int(within / 0.01)):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_holding_a_product_that_is_not_explained_pushes_it() -> None:
    platform, _feed, hold = _setup()
    seen: list[str | None] = []
    hold.subscribe(seen.append)
    hold.hold("p2")
    await _until(lambda: platform.calls == [("explain", "p2")])
    assert seen == ["p2"] and hold.active
    hold.close()


async def test_a_stop_from_elsewhere_is_answered_with_a_resend() -> None:
    platform, feed, hold = _setup()
    feed.explaining(("p1", True))
    hold.hold("p1")
    await asyncio.sleep(0.1)
    assert platform.calls == []  # already explained: nothing to send
    feed.explaining(("p1", False))  # the card expired, or another console stopped it
    await _until(lambda: platform.calls == [("explain", "p1")])
    assert hold.resends == 1 and hold.product_id == "p1"
    hold.close()


async def test_next_from_another_console_releases_instead_of_fighting() -> None:
    platform, feed, hold = _setup()
    feed.explaining(("p1", True))
    hold.hold("p1")
    released: list[str | None] = []
    hold.subscribe(released.append)
    feed.explaining(("p1", False), ("p2", True))  # the platform's "next": stop + start
    await asyncio.sleep(0.2)
    assert platform.calls == [] and not hold.active and released == [None]
    hold.close()


async def test_next_split_across_two_batches_does_not_push_the_old_product_back() -> None:
    platform, feed, hold = _setup(grace=0.2)
    feed.explaining(("p1", True))
    hold.hold("p1")
    feed.explaining(("p1", False))
    await asyncio.sleep(0.05)
    feed.explaining(("p3", True))  # the start arrives in the next batch, within the grace
    await asyncio.sleep(0.4)
    assert platform.calls == [] and not hold.active
    hold.close()


async def test_own_stop_releases_and_is_not_answered() -> None:
    platform, feed, hold = _setup()
    feed.explaining(("p1", True))
    hold.hold("p1")
    await hold.stop_explain("p1")
    feed.explaining(("p1", False), actor="host")
    await asyncio.sleep(0.2)
    assert platform.calls == [("stop", "p1")] and not hold.active
    hold.close()


async def test_held_card_is_refreshed_on_the_interval_until_released() -> None:
    platform, feed, hold = _setup(interval=0.1)
    feed.explaining(("p1", True))
    hold.hold("p1")
    await _until(lambda: len(platform.calls) >= 3)
    assert set(platform.calls) == {("explain", "p1")}
    hold.release()
    n = len(platform.calls)
    await asyncio.sleep(0.3)
    assert len(platform.calls) == n
    hold.close()


async def test_offline_resend_is_reported_and_the_hold_stays() -> None:
    platform, feed, hold = _setup()
    errors: list[str] = []
    hold.on_error = lambda exc: errors.append(exc.code)
    feed.explaining(("p1", True))
    hold.hold("p1")
    platform.connection.set_state(LinkState.RECONNECTING)
    feed.explaining(("p1", False))
    await _until(lambda: errors == ["offline"])
    assert hold.active and platform.calls == []
    hold.close()
