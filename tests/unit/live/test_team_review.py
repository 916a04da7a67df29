"""The team's replay-score settings in the room (issue 18): each newer ``team_review_changed``
replaces them and tells state listeners; an older one (a read and the stream crossed) or one with
values the console cannot use changes nothing; the local ``review`` section follows them."""

from __future__ import annotations

from typing import Any

from app.live.room import TEAM_REVIEW, LiveRoom
from app.live.team_review import follow_team_review
from app.platform import models as m
from app.platform.connection import ConnectionTracker
from app.settings import ReviewSettings, Settings


class _NoAdapter:
    """ingest never calls the adapter (saving is tested against the sandbox)."""

    room = "r1"
    role = m.Role.ASSISTANT
    connection = ConnectionTracker()


def _changed(seq: int, version: int, **values: Any) -> m.Event:
    review = {**ReviewSettings().model_dump(), **values}
    data = {"version": version, "review": review, "actor": {"role": "host", "token_id": "t1"}}
    return m.parse_event({"seq": seq, "ts": 1.0, "type": "team_review_changed", "data": data})


def test_newer_values_replace_older_never_and_listeners_hear() -> None:
    room = LiveRoom(_NoAdapter())  # type: ignore[arg-type]
    heard: list[frozenset[str]] = []
    room.subscribe(heard.append)
    settings = Settings()
    saves: list[int] = []
    follow_team_review(room, settings, lambda: saves.append(settings.review.weight_gmv))
    assert room.team_review is None and saves == []  # never saved: the console's own
    room.ingest([_changed(1, 2, weight_gmv=70)])
    assert room.team_review_version == 2 and room.team_review is not None
    assert room.team_review.weight_gmv == 70
    assert TEAM_REVIEW in heard[-1]
    assert settings.review.weight_gmv == 70 and saves == [70]  # the local section caches it
    room.ingest([_changed(2, 1, weight_gmv=10)])  # older than what the room holds
    assert room.team_review.weight_gmv == 70 and room.team_review_version == 2
    room.ingest([_changed(3, 3, weight_gmv=0, weight_conversion=0, weight_interaction=0)])
    assert room.team_review.weight_gmv == 70  # values a score cannot use: ignored
    room.ingest([_changed(4, 4, weight_gmv=40)])
    assert room.team_review.weight_gmv == 40 and settings.review.weight_gmv == 40
    assert saves == [70, 40]


def test_a_teammates_save_is_in_the_activity_feed_with_the_weights() -> None:
    room = LiveRoom(_NoAdapter())  # type: ignore[arg-type]
    changes: list[Any] = []
    room.subscribe_activity(changes.extend)
    room.ingest([_changed(1, 1, weight_gmv=60, weight_conversion=20, weight_interaction=20)])
    room.ingest([_changed(2, 2, weight_gmv=40, weight_conversion=40, weight_interaction=20)])
    first, second = changes
    assert first.text == "主播 修改团队评分设置（权重 成交额/转化率/互动率 60 / 20 / 20）"
    assert not first.mine and first.action == "team_review" and first.before is None
    assert (second.before, second.after) == ("60 / 20 / 20", "40 / 40 / 20")
