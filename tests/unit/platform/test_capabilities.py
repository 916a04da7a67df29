"""Capabilities: a platform that offers only part of the contract refuses the rest with a reason
in the operator's language, and the console refuses such an action before it reaches the
platform (nothing pretends to work)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from app.i18n import set_language
from app.live.room import ActionRecord, LiveRoom
from app.platform.adapter import PlatformAdapter
from app.platform.capabilities import INTERACTION, REQUIRED_BY_ACTION, Capability
from app.platform.connection import ConnectionTracker, LinkState
from app.platform.errors import PlatformError
from app.platform.models import Bag, Event, Role, Snapshot


class CommentsOnly(PlatformAdapter):
    """An adapter that implements only what every adapter must: a room's interaction events
    (as a real platform without commerce would, e.g. Bilibili's open platform)."""

    capabilities = INTERACTION | {Capability.LIVE_STATE, Capability.VIEWERS}
    platform_name = "B站开放平台"

    def __init__(self) -> None:
        self.room = "r1"
        self.role = Role.HOST
        self.connection = ConnectionTracker()

    async def close(self) -> None:
        pass

    async def snapshot(self) -> Snapshot:
        return Snapshot(room=self.room, seq=0, bag=Bag(version=0, products=[]))

    async def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[Event]]:
        yield []


@pytest.fixture
def english() -> object:
    set_language("en")
    yield None
    set_language("zh_CN")


async def test_a_missing_capability_is_refused_with_the_reason_in_the_users_language() -> None:
    adapter = CommentsOnly()
    assert adapter.can(Capability.COMMENTS) and not adapter.can(Capability.ORDERS)
    assert adapter.why_not(Capability.COMMENTS) is None
    assert adapter.why_not(Capability.ORDERS) == "B站开放平台不提供订单数据"
    with pytest.raises(PlatformError) as refused:
        await adapter.orders()
    assert refused.value.code == "not_supported"
    assert refused.value.message == "B站开放平台不提供订单数据"
    # every action it did not implement says why
    calls = {
        "orders": (),
        "products": (),
        "reorder": (1, ["p1"]),
        "update_product": ("p1",),
        "explain": ("p1",),
        "stop_explain": ("p1",),
        "issue_coupon": (None,),
        "end_coupon": ("cp1",),
        "start_flash_sale": (None,),
        "start_lottery": (None,),
        "draw_lottery": ("l1",),
        "start_red_envelope": (None,),
        "end_red_envelope": ("re1",),
        "reserve_stock": (None,),
        "release_reservation": ("rs1",),
        "send_comment": ("你好",),
        "pin_comment": ("c1",),
        "hide_comment": ("c1",),
        "mute_user": ("u1",),
        "unmute_user": ("u1",),
        "start_session": (),
        "end_session": ("s1",),
        "stream_target": ("s1",),
        "team_review": (),
        "set_team_review": (1, {}),
    }
    assert set(calls) == set(REQUIRED_BY_ACTION)
    for name, args in calls.items():
        with pytest.raises(PlatformError, match=r"^B站开放平台不"):
            await getattr(adapter, name)(*args)


async def test_the_reason_follows_the_ui_language(english: object) -> None:
    adapter = CommentsOnly()
    assert adapter.why_not(Capability.COUPONS) == "B站开放平台 does not support coupons"
    adapter.platform_name = ""
    assert adapter.why_not(Capability.ORDERS) == "This platform does not provide order data"


async def test_the_console_refuses_an_unsupported_action_before_the_platform_sees_it() -> None:
    adapter = CommentsOnly()
    adapter.connection.set_state(LinkState.CONNECTED)
    room = LiveRoom(adapter)
    records: list[ActionRecord] = []
    room.subscribe_actions(records.append)
    assert room.can(Capability.GIFTS) and not room.can(Capability.COUPONS)
    assert room.why_not(Capability.SESSIONS) == "B站开放平台不支持从中控台开播/下播，请在平台上操作"
    with pytest.raises(PlatformError, match="B站开放平台不支持从中控台开播"):
        await room.start_session()
    assert [(r.name, r.ok, r.error) for r in records] == [
        ("start_session", False, "B站开放平台不支持从中控台开播/下播，请在平台上操作")
    ]


def test_the_sandbox_declares_every_capability() -> None:
    from plugins.sandbox.adapter import SandboxAdapter, SandboxAdapterFactory

    assert SandboxAdapterFactory.capabilities == frozenset(Capability)
    assert SandboxAdapter.capabilities == frozenset(Capability)


async def test_no_real_platform_keeps_team_settings_and_each_says_why() -> None:
    """The score settings stay on each console on the real platforms: the 复盘评分 tab says so in
    the platform's words instead of offering a team save that could not work."""
    from plugins.bilibili.open_adapter import CAPABILITIES as OPEN
    from plugins.bilibili.open_adapter import _reason
    from plugins.bilibili.web_adapter import WEB_CAPABILITIES, web_reason
    from plugins.shopify.adapter import CAPABILITIES as SHOPIFY
    from plugins.twitch.adapter import CAPABILITIES as TWITCH
    from plugins.twitch.adapter import twitch_reason

    for caps in (OPEN, WEB_CAPABILITIES, SHOPIFY, TWITCH):
        assert Capability.TEAM_SETTINGS not in caps
    t = Capability.TEAM_SETTINGS
    assert _reason(t) == "B站开放平台不提供团队共享设置：评分设置只保存在本机"
    assert web_reason(t) == "B站网页弹幕不提供团队共享设置：评分设置只保存在本机"
    assert twitch_reason(t, {}) == "Twitch 不提供团队共享设置：评分设置只保存在本机"
    adapter = CommentsOnly()
    assert adapter.why_not(t) == "B站开放平台不提供团队共享设置：评分设置只保存在本机"
    with pytest.raises(PlatformError, match="评分设置只保存在本机") as refused:
        await adapter.set_team_review(0, {})
    assert refused.value.code == "not_supported"


def test_the_team_settings_reason_reads_in_english(english: object) -> None:
    adapter = CommentsOnly()
    assert adapter.why_not(Capability.TEAM_SETTINGS) == (
        "B站开放平台 does not keep shared team settings: the score settings are saved on this "
        "computer only"
    )
