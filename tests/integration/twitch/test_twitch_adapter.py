"""The ``twitch`` adapter in process against the stand-in: the keepalive watchdog, 4003 after a
slow subscription, close codes, revocation, the scopes a token lacks, reply and mute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from app.api import Capability, LinkState, PlatformError, models
from app.i18n import set_language
from app.live.room import LiveRoom
from plugins.bilibili.standin.runner import Served
from plugins.twitch import payloads as p
from plugins.twitch.adapter import TwitchAdapter, TwitchFactory
from plugins.twitch.standin import server as s
from tests.support.polling import patience, until

from .conftest import endpoints

Start = Callable[[s.TwitchStandIn], Any]
ME = (s.BROADCASTER.user_id, s.BROADCASTER.display_name)
FAST = s.Options(keepalive=0.5, unused_timeout=1.0, reconnect_grace=2.0)


@pytest.fixture(autouse=True)
def chinese() -> None:
    set_language("zh_CN")


@pytest.fixture
async def adapters() -> AsyncIterator[list[TwitchAdapter]]:
    opened: list[TwitchAdapter] = []
    yield opened
    for a in opened:
        await a.close()


async def _open(
    start: Start, standin: s.TwitchStandIn, adapters: list[TwitchAdapter], **settings: Any
) -> TwitchAdapter:
    served: Served = await start(standin)
    settings = {"room": "twitchdev", "token": s.BROADCASTER.token, "backoff_base": 0.05,
                "backoff_cap": 0.2, **endpoints(served), **settings}  # fmt: skip
    adapter = await TwitchFactory().open(settings)
    assert isinstance(adapter, TwitchAdapter)
    adapters.append(adapter)
    return adapter


async def _collect(adapter: TwitchAdapter, n: int) -> list[models.Event]:
    got: list[models.Event] = []
    batches = adapter.event_batches(0)
    try:
        async with asyncio.timeout(patience(30)):
            async for batch in batches:
                got += batch
                if len(got) >= n:
                    return got
    except TimeoutError:
        raise AssertionError(f"only {len(got)} of {n} events arrived: {got}") from None
    finally:
        await batches.aclose()  # type: ignore[attr-defined]
    return got


def chat(text: str, mid: str | None = None) -> s.Step:
    return s.notify(p.CHAT_MESSAGE, p.chat_message(ME, ("42", "Fan"), text), mid)


def _texts(events: list[models.Event]) -> list[str]:
    return [e.data.comment.text for e in events if e.type is models.EventType.COMMENT]


async def test_a_silent_connection_is_given_up_and_a_fresh_session_subscribes_again(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([chat("before"), s.silence(), chat("after")], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    events = await _collect(adapter, 2)
    assert _texts(events) == ["before", "after"]
    first, second = standin.connections[:2]
    assert first.dead and second.reconnected_from is None  # a fresh session, not a hand-off
    posts = "/helix/eventsub/subscriptions"
    await until(lambda: len(standin.calls(posts)) == 12, within=5, what="six types, twice")
    assert adapter.sessions == 2 and adapter.handoffs == 0


async def test_keepalives_keep_a_quiet_connection_open(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([s.sleep(2.5), chat("still here")], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 1)) == ["still here"]
    assert len(standin.connections) == 1 and standin.connections[0].keepalives >= 3
    assert adapter.connection.status.state is LinkState.CONNECTED


async def test_a_session_closed_4003_while_subscribing_is_replaced_and_subscribed_in_time(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    # Helix holds the first subscription longer than the session may stay unused: Twitch closes
    # it with 4003 and the subscription then finds the session gone (400)
    options = s.Options(keepalive=0.5, unused_timeout=0.5, slow_subscribe=(1.0, 1))
    standin = s.TwitchStandIn([chat("subscribed at last")], options)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 1)) == ["subscribed at last"]
    assert standin.connections[0].ended.startswith("4003") and not standin.connections[0].subs
    # the held subscription, answered at last, found its session gone
    posts = "/helix/eventsub/subscriptions"
    await until(lambda: 400 in [c[2] for c in standin.calls(posts)], within=5, what="the 400")


@pytest.mark.parametrize("code", [4000, 4002, 4005, 4006])
async def test_after_a_close_code_the_adapter_opens_a_fresh_session(
    twitch_standin: Start, adapters: list[TwitchAdapter], code: int
) -> None:
    standin = s.TwitchStandIn([chat("one"), s.close(code), chat("two")], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 2)) == ["one", "two"]
    assert standin.connections[0].ended.startswith(str(code))
    assert adapter.sessions == 2


async def test_a_reconnect_hand_off_keeps_the_subscriptions_and_drops_the_duplicate(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    # the last type subscribed, so the rest starts once all six are
    gift = s.notify(p.SUBSCRIPTION_GIFT, p.subscription_gift(ME, ("7", "Gifter"), 1))
    steps = [gift, chat("a", "m-1"), s.reconnect(), chat("a", "m-1"), chat("b")]
    standin = s.TwitchStandIn(steps, FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 3)) == ["a", "b"]
    assert adapter.handoffs == 1 and adapter.duplicates == 1 and adapter.sessions == 1
    assert len(standin.calls("/helix/eventsub/subscriptions")) == 6  # none after the hand-off
    await until(lambda: standin.connections[0].ended != "", within=5, what="the old socket closed")
    assert standin.connections[0].ended.startswith("client closed")  # before the 4004


async def test_a_revoked_subscription_is_a_note_and_is_not_asked_for_again(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([s.revoke(p.CHEER), s.close(4000), chat("after")], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 1)) == ["after"]
    assert any(p.CHEER in n and "authorization_revoked" in n for n in adapter.notes)
    assert p.CHEER not in adapter.types
    await until(lambda: len(standin.connections[-1].subs) == 5, within=5, what="resubscribed")
    assert p.CHEER not in standin.connections[-1].subs


async def test_a_token_without_some_scopes_names_them_and_loses_only_what_they_allow(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    scopes = ("user:read:chat", "moderator:read:followers")
    narrow = s.Account("narrow", s.BROADCASTER.user_id, "twitchdev", "TwitchDev", scopes=scopes)
    standin = s.TwitchStandIn([], FAST, accounts=[narrow])
    adapter = await _open(twitch_standin, standin, adapters, token="narrow")
    assert adapter.can(Capability.COMMENTS) and adapter.can(Capability.FOLLOWS)
    assert adapter.can(Capability.MEMBERSHIPS)  # from the chat's sub notices
    for capability, scope in [(Capability.PAID_MESSAGES, "bits:read"),
                              (Capability.REPLY, "user:write:chat"),
                              (Capability.MUTE, "moderator:manage:banned_users")]:  # fmt: skip
        assert not adapter.can(capability)
        assert scope in (adapter.why_not(capability) or "")
    with pytest.raises(PlatformError) as refused:
        await adapter.send_comment("hi")
    assert "user:write:chat" in refused.value.message
    await until(lambda: [len(c.subs) for c in standin.connections] == [3], within=5, what="subs")
    assert sorted(standin.connections[0].subs) == [p.CHAT_MESSAGE, p.CHAT_NOTIFICATION, p.FOLLOW]
    assert any("bits:read" in n for n in adapter.notes)


async def test_a_token_without_user_read_chat_is_refused_at_open(twitch_standin: Start) -> None:
    bare = s.Account("bare", s.BROADCASTER.user_id, "twitchdev", "TwitchDev", scopes=("bits:read",))
    served: Served = await twitch_standin(s.TwitchStandIn([], FAST, accounts=[bare]))
    with pytest.raises(PlatformError) as refused:
        await TwitchFactory().open({"token": "bare", "room": "twitchdev", **endpoints(served)})
    assert "user:read:chat" in refused.value.message


async def test_an_unknown_channel_and_a_wrong_client_id_are_clear_errors(
    twitch_standin: Start,
) -> None:
    served: Served = await twitch_standin(s.TwitchStandIn([], FAST))
    base = {"token": s.BROADCASTER.token, **endpoints(served)}
    with pytest.raises(PlatformError) as unknown:
        await TwitchFactory().open({**base, "room": "nobody_here"})
    assert "nobody_here" in unknown.value.message
    with pytest.raises(PlatformError) as other_app:
        await TwitchFactory().open({**base, "room": "twitchdev", "client_id": "someone-else"})
    assert s.BROADCASTER.client_id in other_app.value.message


async def test_reply_goes_to_chat_and_comes_back_as_the_hosts_comment(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([chat("question?")], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 1)) == ["question?"]
    sent = await adapter.send_comment("answer!")
    assert sent.role == "host" and sent.user_id == s.BROADCASTER.user_id
    assert standin.sent == [{"broadcaster_id": s.BROADCASTER.user_id,
                             "sender_id": s.BROADCASTER.user_id, "message": "answer!"}]  # fmt: skip
    echo = (await _collect(adapter, 1))[0]
    assert echo.data.comment.id == sent.id and echo.data.comment.role == "host"


async def test_mute_is_a_helix_timeout_or_ban_and_unmute_lifts_it_once(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    await adapter.mute_user("42", 600, nickname="Fan")
    await adapter.mute_user("43")
    assert standin.bans == {"42": 600, "43": None}
    with pytest.raises(PlatformError) as session_mute:
        await adapter.mute_user("44", until_session_end=True)
    assert "本场" in session_mute.value.message and "44" not in standin.bans
    await adapter.unmute_user("42")
    await adapter.unmute_user("42")  # not banned any more: no error
    assert standin.bans == {"43": None}
    events = await _collect(adapter, 4)
    assert [e.type for e in events] == [models.EventType.USER_MUTED] * 2 + [
        models.EventType.USER_UNMUTED
    ] * 2
    assert events[0].data.seconds == 600 and events[0].data.actor is not None


async def test_an_expired_token_during_the_session_leaves_the_link_offline_with_the_reason(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([chat("one"), s.close(4000)], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    await _collect(adapter, 1)
    standin.accounts[s.BROADCASTER.token].expired = True  # the 4000 leads to a resubscribe: 401
    await until(lambda: adapter.connection.status.state is LinkState.OFFLINE, within=10,
                what="offline")  # fmt: skip
    assert "令牌已过期" in (adapter.connection.status.error or "")


async def test_a_back_fill_is_told_there_is_no_log_and_takes_nothing_from_the_live_reader(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([chat("one"), s.sleep(0.5), chat("two")], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 1)) == ["one"]
    backfill = [batch async for batch in adapter.event_log(0)]
    assert [[e.type for e in b] for b in backfill] == [[models.EventType.RESYNC_REQUIRED]]
    live = adapter.event_batches(1)
    try:
        async with asyncio.timeout(patience(10)):
            batch = await anext(live)
    finally:
        await live.aclose()  # type: ignore[attr-defined]
    assert _texts(list(batch)) == ["two"]


async def test_a_reconnect_url_refused_with_4007_leads_to_a_fresh_subscribed_session(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([chat("one"), s.reconnect(invalid=True), chat("two")], FAST)
    adapter = await _open(twitch_standin, standin, adapters)
    assert _texts(await _collect(adapter, 2)) == ["one", "two"]
    assert standin.connections[1].ended.startswith("4007")
    assert standin.connections[2].reconnected_from is None and adapter.sessions == 2


async def test_a_live_room_fed_by_twitch_shows_chat_cheers_and_subs_and_mutes_through_helix(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    fan = ("42", "Fan")
    standin = s.TwitchStandIn(
        [
            s.notify(p.SUBSCRIPTION_GIFT, p.subscription_gift(ME, ("9", "Gifter"), 3)),
            chat("hello"),
            s.notify(p.CHAT_MESSAGE, p.chat_message(ME, fan, "gg", bits=300)),
            s.notify(p.CHEER, p.cheer(ME, fan, 300, "Cheer300 gg")),
            s.notify(p.SUBSCRIBE, p.subscribe(ME, ("10", "Newbie"), "1000")),
        ],
        FAST,
    )
    adapter = await _open(twitch_standin, standin, adapters)
    room = LiveRoom(adapter)
    room.start()
    try:
        await room.wait_loaded()
        # three subs given and one bought: four memberships the streamer is paid for
        await until(lambda: room.metrics.memberships == 4, 20, "the four memberships")
        assert [c.text for c in room.chat if c.user_id in ("9", "10")] == [
            "赠送了 3 个 Tier 1 订阅",
            "开通 Tier 1 ×1 个月",
        ]
        await until(lambda: room.metrics.paid_messages == 1, 20, "the cheer")
        assert room.metrics.paid_message_cents == 300
        await room.mute_user("42", 60, nickname="Fan")
        await until(lambda: "42" in room.muted_user_ids, 10, "the mute")
        assert standin.bans == {"42": 60}
    finally:
        await room.stop()


async def test_the_token_is_validated_again_and_its_expiry_ends_the_session_with_the_reason(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    soon = s.Account("soon", s.BROADCASTER.user_id, "twitchdev", "TwitchDev", expires_in=300)
    standin = s.TwitchStandIn([chat("one")], FAST, accounts=[soon])
    adapter = await _open(twitch_standin, standin, adapters, token="soon", validate_every=0.2)
    assert _texts(await _collect(adapter, 1)) == ["one"]
    assert any("5 分钟后过期" in n for n in adapter.notes)
    validations = len(standin.calls("/oauth2/validate"))
    await until(lambda: len(standin.calls("/oauth2/validate")) > validations, 5, "validated again")
    standin.accounts["soon"].expired = True
    await until(lambda: adapter.connection.status.state is LinkState.OFFLINE, 5, "offline")
    assert "令牌已过期" in (adapter.connection.status.error or "")
    await until(lambda: not standin.connections[0].open, 5, "the session closed")


async def test_going_live_and_offline_on_twitch_are_session_events(
    twitch_standin: Start, adapters: list[TwitchAdapter]
) -> None:
    standin = s.TwitchStandIn([], FAST)
    standin.go_live(s.BROADCASTER, "Sale night")
    adapter = await _open(twitch_standin, standin, adapters, poll_every=0.2)
    snap = await adapter.snapshot()
    assert snap.session is not None and snap.session.status == "live"
    assert adapter.can(Capability.LIVE_STATE)
    standin.live.clear()
    ended = await _collect(adapter, 1)
    assert [e.type for e in ended] == [models.EventType.SESSION_ENDED]
    assert ended[0].data.session.id == snap.session.id
    assert (await adapter.snapshot()).session is None
    standin.go_live(s.BROADCASTER)
    started = await _collect(adapter, 1)
    assert [e.type for e in started] == [models.EventType.SESSION_STARTED]
