"""``livedesk events``' own rules, with an adapter of a platform that has no log to resume from
(message ids instead of seqs, like Bilibili): a message replayed after a reconnect is printed
once, and a ``resync_required`` makes the tap re-read the room and go on, unprinted."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Hashable, Sequence

from app.events_tap import tap
from app.platform.adapter import PlatformAdapter
from app.platform.capabilities import INTERACTION
from app.platform.connection import ConnectionTracker
from app.platform.models import Bag, Event, Role, Snapshot, parse_event


def comment(seq: int, msg_id: str, text: str) -> Event:
    data = {"comment": {"id": msg_id, "user_id": "42", "nickname": "阿伟", "text": text}}
    return parse_event({"seq": seq, "ts": 1000.0 + seq, "type": "comment", "data": data})


RESYNC = parse_event({"seq": 0, "ts": 1.0, "type": "resync_required", "data": {"reason": "x"}})


class Replaying(PlatformAdapter):
    """Each call of ``event_batches`` is one connection; its batches are scripted."""

    capabilities = INTERACTION

    def __init__(self, connections: list[list[list[Event]]]) -> None:
        self.room = "r1"
        self.role = Role.REVIEWER
        self.connection = ConnectionTracker()
        self.connections = connections
        self.asked: list[int] = []
        self.snapshots = 0

    async def close(self) -> None:
        pass

    async def snapshot(self) -> Snapshot:
        self.snapshots += 1
        return Snapshot(room=self.room, seq=100, bag=Bag(version=0, products=[]))

    async def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[Event]]:
        self.asked.append(after_seq)
        for batch in self.connections.pop(0):
            yield batch

    def event_key(self, event: Event) -> Hashable:
        return event.data.comment.id  # the platform's message id


async def test_a_message_replayed_after_a_reconnect_is_printed_once() -> None:
    adapter = Replaying(
        [
            [[comment(1, "m1", "一"), comment(2, "m2", "二")], [RESYNC]],
            # after the resync the platform sends m2 again (its own numbering started over)
            [[comment(1, "m2", "二"), comment(2, "m3", "三")]],
        ]
    )
    out = io.BytesIO()
    printed = await tap(adapter, 0, out, limit=3)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert printed == 3
    assert [(x["seq"], x["data"]["comment"]["text"]) for x in lines] == [
        (1, "一"),
        (2, "二"),
        (3, "三"),
    ]
    assert "resync_required" not in out.getvalue().decode()
    assert adapter.asked == [0, 100] and adapter.snapshots == 1  # re-read the room, went on
