"""The console on a platform that offers only part of the contract (a real sandbox restricted to
the interaction kinds, like Bilibili): what the platform cannot do is a calm note saying why, in
the user's language, never a control that fails; keys for missing actions only say why; the
chat and the metrics show what the platform does send (comments, gifts, paid messages)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.live.comment_kinds import Kind
from app.live.room import ActionRecord
from app.platform.capabilities import Capability
from tests.support.console import main_window
from ui.capability import Unavailable
from ui.marketing.lottery import LotteryPanel

BILIBILI_LIKE = "interaction,live_state,viewers"
Until = Callable[..., Awaitable[None]]


async def test_an_interaction_platform_gets_notes_instead_of_commerce_and_keys_that_explain(
    qtbot: QtBot, sandbox_server: Any, restricted_room: Any, tmp_path: Path, until: Until
) -> None:
    srv = sandbox_server(viewers=3000, live=True, seed=7, extra=["--rate", "300"])
    room = await restricted_room(srv, BILIBILI_LIKE)
    acted: list[ActionRecord] = []
    room.subscribe_actions(acted.append)
    window = main_window(qtbot, room, tmp_path)
    said: list[tuple[str, str]] = []
    window.notifier.message.connect(lambda level, text: said.append((level, text)))
    try:
        # commerce panels are notes with the platform's reason, never controls
        for key, reason in (
            ("products", "沙盒平台不提供商品数据（商品、库存、价格）"),
            ("orders", "沙盒平台不提供订单数据"),
            ("coupons", "沙盒平台不支持发放优惠券"),
            ("flash_sale", "沙盒平台不支持秒杀"),
        ):
            note = window.panels[key]
            assert isinstance(note, Unavailable), key
            assert reason in note.text.text(), (key, note.text.text())
            assert "在当前平台不可用" in note.heading.text()
        # the lottery is the console's own, saying so with the platform's reason
        lottery = window.panels["lottery"]
        assert isinstance(lottery, LotteryPanel) and lottery.console is not None
        assert "中控台抽奖 · 由本机抽取" in lottery.mode_note.text()
        assert "沙盒平台不支持平台抽奖（可用中控台自己的抽奖）" in lottery.mode_note.text()
        # the chat, the metrics and OBS are there
        assert not isinstance(window.panels["comments"], Unavailable)
        metrics = window.panels["metrics"]
        assert "gift_value" in metrics.values and "paid_messages" in metrics.values  # type: ignore[attr-defined]
        assert "gmv" not in metrics.values, "no GMV tile reading ¥0.00 on a platform without orders"  # type: ignore[attr-defined]

        # 开播/下播 are off, saying why; their keys only say why, nothing is sent
        start = window.start_action
        assert not start.isEnabled() and "不支持从中控台开播" in start.toolTip()
        window.activateWindow()
        await until(lambda: QApplication.activeWindow() is window, 5, "the window active")
        QTest.keySequence(window, start.shortcut())
        await until(lambda: any("不支持从中控台开播" in t for _, t in said), 10, "the reason")
        assert all(level == "info" for level, _ in said), said
        # moderation keys the same way (nothing selected: still only the reason, no warning)
        chat = window.panels["comments"]
        pin = window.shortcuts.actions["comment.pin"]
        assert not pin.isEnabled()
        QTest.keySequence(window, pin.shortcut())
        await until(lambda: any("不支持置顶评论" in t for _, t in said), 10, "the pin reason")
        # a replaced dock's keys are still listed, off, and pressed they only say why
        issue = window.shortcuts.actions["coupon.issue"]
        assert not issue.isEnabled() and issue.toolTip() == "沙盒平台不支持发放优惠券"
        QTest.keySequence(window, issue.shortcut())
        await until(lambda: any("不支持发放优惠券" in t for _, t in said), 10, "the coupon reason")
        QTest.keySequence(window, window.shortcuts.actions["product.next"].shortcut())
        await until(lambda: any("不提供商品数据" in t for _, t in said), 10, "the catalogue reason")
        assert "product.explain_selected" not in window.shortcuts.actions  # Space stays free
        assert not chat.reply.isEnabled() and "不支持从中控台发言" in chat.reply.placeholderText()  # type: ignore[attr-defined]
        assert acted == [], "nothing reached the room's actions"
        assert not any(level in ("error", "warning") for level, _ in said), said

        # the chat shows what the platform sends: comments, gifts and paid messages
        model = chat.models["all"]  # type: ignore[attr-defined]

        def kinds() -> Kind:
            seen = Kind(0)
            for row in range(model.rowCount()):
                seen |= model.line(row).kind
            return seen

        await until(lambda: Kind.PAID in kinds() and Kind.GIFT in kinds(), 90, "a paid message")
        await until(lambda: room.metrics.paid_messages > 0, 10, "the paid message counted")
        metrics.sample()  # type: ignore[attr-defined]
        assert (
            metrics.values["paid_messages"].text().startswith(f"{room.metrics.paid_messages:,} · ¥")
        )  # type: ignore[attr-defined]

        # a live language switch re-reads every reason in English
        window.choose_language("en")
        note = window.panels["orders"]
        assert isinstance(note, Unavailable)
        assert note.text.text() == "The sandbox platform does not provide order data", (
            note.text.text()
        )
        assert "not available" in note.heading.text()
        assert "从中控台" not in start.toolTip() and start.toolTip(), start.toolTip()
        said.clear()
        QTest.keySequence(window, pin.shortcut())
        await until(lambda: bool(said), 10, "the reason in English")
        assert not any(i18n_cjk(t) for _, t in said), said
        assert acted == []
    finally:
        window.choose_language("zh_CN")  # saved back too: later tests share the config dir
        window.close_without_asking()


def i18n_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


async def test_the_full_sandbox_console_is_unchanged(
    qtbot: QtBot, sandbox_server: Any, live_room: Any, tmp_path: Path
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv, "host")
    window = main_window(qtbot, room, tmp_path)
    try:
        assert not any(isinstance(p, Unavailable) for p in window.panels.values())
        assert window.shortcuts.actions["comment.pin"].isEnabled()
        assert window.end_action.isEnabled() and not window.end_action.toolTip().startswith("沙盒")
        assert room.can(Capability.ORDERS)
        assert {"gmv", "gift_value", "paid_messages"} <= set(window.panels["metrics"].values)  # type: ignore[attr-defined]
    finally:
        window.close_without_asking()


async def test_a_platform_without_push_urls_is_never_asked_for_one(
    sandbox_server: Any, restricted_room: Any
) -> None:
    """The streamer enters the target in OBS by hand there: the sync neither asks the platform
    (a refusal would read as an error) nor touches OBS."""
    from app.obs.stream_target import StreamTargetSync

    srv = sandbox_server(live=True)
    room = await restricted_room(srv, f"{BILIBILI_LIKE},sessions")
    assert room.session is not None and room.session.status == "live"
    assert room.why_not(Capability.PUSH_URL) == "沙盒平台不提供推流地址，请在 OBS 中手动填写"
    sync = StreamTargetSync(room, None, lambda _again: None)  # type: ignore[arg-type]  # no OBS: never reached
    await sync.apply()
    assert sync.error is None and sync.applied is None
