"""Snapshot tests of the Twitch mapping: EventSub event objects as Twitch's reference shows them
(eventsub_snapshots.json) → the LiveDesk events they become, validated by LiveDesk's models;
and the rule that keeps a sub or a cheer from being counted twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from app.api import models
from app.i18n import set_language
from plugins.twitch import payloads as p
from plugins.twitch.mapping import TwitchMapper

CASES: list[dict[str, Any]] = orjson.loads(
    (Path(__file__).parent / "eventsub_snapshots.json").read_bytes()
)
ME = ("1971641", "streamer")


@pytest.fixture(autouse=True)
def chinese() -> None:
    set_language("zh_CN")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_documented_payloads_map_to_these_events(case: dict[str, Any]) -> None:
    mapped = TwitchMapper().map(case["type"], case["event"])
    assert mapped.reason is None
    assert [[t, d] for t, d in mapped.events] == case["expected"]
    for etype, data in mapped.events:  # and each fits LiveDesk's event schema
        models.EVENT_DATA[models.EventType(etype)].model_validate(data)


def test_subs_come_from_the_chat_only_when_the_sub_events_are_not_subscribed() -> None:
    sub = p.chat_notification(ME, ("7", "Neo"), "sub", p.notice_sub("3000"))
    community = p.chat_notification(ME, ("8", "Gifter"), "community_sub_gift",
                                    p.notice_community_gift("g-1", 5))  # fmt: skip
    inside = p.chat_notification(ME, ("8", "Gifter"), "sub_gift",
                                 p.notice_sub_gift(("9", "Lucky"), community_id="g-1"))  # fmt: skip
    single = p.chat_notification(ME, ("8", "Gifter"), "sub_gift", p.notice_sub_gift(("9", "Lucky")))
    resub = p.chat_notification(ME, ("6", "Old"), "resub", p.notice_resub(14, "2000", 3, 14))
    mapper = TwitchMapper()
    assert all(
        mapper.map(p.CHAT_NOTIFICATION, e).events == () for e in (sub, community, inside, single)
    )
    # a resub has no channel.subscribe: it always counts, for the months just paid for
    assert [d for _, d in mapper.map(p.CHAT_NOTIFICATION, resub).events] == [
        {"user_id": "6", "nickname": "Old", "tier": "Tier 2", "months": 3, "currency": "USD"}
    ]
    mapper.subs_from_chat = True
    got = [mapper.map(p.CHAT_NOTIFICATION, e).events for e in (sub, community, inside, single)]
    assert [
        [(d["user_id"], d["tier"], d["months"], d.get("gifted", 0)) for _, d in ev] for ev in got
    ] == [
        [("7", "Tier 3", 1, 0)],
        [("8", "Tier 1", 1, 5)],  # five one-month subs given, not one sub of five months
        [],  # one of the five above: counted once, by the community gift
        [("8", "Tier 1", 1, 1)],
    ]


def test_a_cheer_with_its_chat_message_is_one_comment_and_one_paid_message() -> None:
    mapper = TwitchMapper()
    chat = mapper.map(p.CHAT_MESSAGE, p.chat_message(ME, ("5", "Ann"), "gg", bits=250))
    cheer = mapper.map(p.CHEER, p.cheer(ME, ("5", "Ann"), 250, "Cheer250 gg"))
    kinds = [t for t, _ in chat.events + cheer.events]
    assert kinds == ["comment", "paid_message"]
    assert cheer.events[0][1]["amount_cents"] == 250 and cheer.events[0][1]["currency"] == "USD"


@pytest.mark.parametrize(
    ("sub_type", "event"),
    [
        (p.CHEER, {"bits": -5, "user_id": "1", "user_name": "x"}),
        (p.CHEER, {"bits": "100", "user_id": "1"}),
        (p.SUBSCRIBE, {"tier": "4000", "user_id": "1", "is_gift": False}),
        (p.CHAT_MESSAGE, {"message_id": "m", "chatter_user_id": "1", "message": "text"}),
        (p.CHAT_MESSAGE, {"chatter_user_id": "1", "message": {"text": "no id"}}),
        (p.FOLLOW, {"user_id": None}),
        (p.CHAT_NOTIFICATION, {"notice_type": "resub", "resub": None}),
        (p.SUBSCRIPTION_GIFT, []),
    ],
)
def test_malformed_events_are_skipped_with_a_reason_never_raised(sub_type: str, event: Any) -> None:
    mapped = TwitchMapper().map(sub_type, event)
    assert mapped.events == () and mapped.reason and sub_type in mapped.reason


def test_unknown_types_are_ignored_quietly() -> None:
    assert TwitchMapper().map("channel.raid", {"from_broadcaster_user_id": "1"}) == ((), None)
    assert TwitchMapper().map(None, None) == ((), None)


def test_the_connection_dialog_gets_the_fields_it_needs_with_english_for_them() -> None:
    from app.i18n import tr
    from plugins.twitch.adapter import TwitchFactory

    factory = TwitchFactory()
    fields = {f.name: f for f in factory.fields}
    assert list(fields) == ["room", "token", "client_id"]
    assert fields["token"].secret and not fields["token"].optional
    assert fields["room"].optional and fields["client_id"].optional and not fields["room"].secret
    assert "user:read:chat" in fields["token"].help
    set_language("en")
    try:
        assert factory.display_name == "Twitch"
        assert tr(fields["token"].label) == "User access token"
        assert tr(fields["room"].help).startswith("The broadcaster's Twitch login")
    finally:
        set_language("zh_CN")
