"""A room made of two sources in the console: 平台 → 连接平台… offers a 商品与订单来源 (none by
default) with that backend's own fields, remembered apart from the platform's; and a window on
such a room (a chat-only sandbox, like Bilibili, plus a full sandbox as the shop) offers the
shop's panels and the chat's, each control following the combined capabilities."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.platform.composite import CompositeAdapter
from app.platform.credentials import save
from app.platform.fields import fields_of
from app.platform.registry import platform_factory
from app.settings import Settings, load_settings, save_settings
from plugins.bilibili import samples as bs
from plugins.bilibili.standin import danmaku as dm
from plugins.sandbox.adapter import SandboxAdapterFactory
from tests.support import polling
from tests.support.console import main_window
from tests.ui.platform.conftest import StartOpenLive, credentials
from ui.capability import Unavailable
from ui.launch import _main, parse_args
from ui.platform.connect_dialog import ConnectDialog

BILIBILI_LIKE = "interaction,live_state,viewers"


async def test_the_dialog_offers_a_shop_with_its_own_fields_remembered_apart(
    qtbot: QtBot, secrets: dict[str, str]
) -> None:
    settings = Settings()
    dialog = ConnectDialog(settings)
    qtbot.addWidget(dialog)
    assert dialog.chosen_commerce is None and dialog.shop.currentIndex() == 0  # none by default
    offered = [dialog.shop.itemData(i) for i in range(dialog.shop.count())]
    assert "sandbox" in offered  # a platform with a shop
    assert "bilibili" not in offered  # interaction only: not a shop
    assert dialog.shop_inputs == {} and dialog.choice().commerce is None
    dialog.shop.setCurrentIndex(dialog.shop.findData("sandbox"))
    assert list(dialog.shop_inputs) == ["url", "room", "token"]
    assert dialog.shop_inputs["url"].objectName() == "shop-field:url"
    dialog.shop_inputs["url"].setText("http://127.0.0.1:9")
    dialog.shop_inputs["room"].setText("shop1")
    dialog.shop_inputs["token"].setText("tok_shop")
    choice = dialog.choice()
    assert (choice.platform, choice.commerce) == ("sandbox", "sandbox")
    assert choice.commerce_values == {
        "url": "http://127.0.0.1:9",
        "room": "shop1",
        "token": "tok_shop",
    }
    assert dialog.inputs["url"].text() == ""  # the chat sandbox's own fields are untouched
    dialog.reject()

    # what the launcher saves once the room opened: the shop apart from the platform
    fields = fields_of(platform_factory("sandbox"))
    save("sandbox", fields, choice.commerce_values, settings, commerce=True)
    assert settings.platform.commerce == "sandbox" and settings.platform.url is None
    assert secrets == {"platform.sandbox.token": "tok_shop"}
    again = ConnectDialog(settings)
    qtbot.addWidget(again)
    assert again.chosen_commerce == "sandbox"  # the shop chosen last, first
    assert again.shop_inputs["url"].text() == "http://127.0.0.1:9"
    assert again.shop_inputs["token"].text() == ""  # a stored secret is never shown
    assert again.shop_values()["token"] == "tok_shop"  # left empty: kept
    again.shop.setCurrentIndex(0)
    assert again.choice().commerce is None and again.shop_inputs == {}
    again.reject()


async def _open(srv: Any, capabilities: str | None = None) -> Any:
    settings = {"url": srv.url, "room": srv.room, "token": srv.tokens["host"]}
    if capabilities:
        settings["capabilities"] = capabilities
    return await SandboxAdapterFactory().open(settings)


async def test_a_window_on_chat_plus_shop_offers_both_sides_controls(
    qtbot: QtBot, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    chat_srv = sandbox_server(debug_routes=True, live=True)
    shop_srv = sandbox_server(live=True)
    adapter = CompositeAdapter(await _open(chat_srv, BILIBILI_LIKE), await _open(shop_srv))
    room = LiveRoom(adapter)
    room.start()
    try:
        await asyncio.wait_for(room.wait_loaded(), polling.patience(30))
        await polling.until(lambda: room.online, 30, "both streams to connect")
        window = main_window(qtbot, room, tmp_path)
        # the shop's panels are there (the chat source alone has none of them)
        for key in ("products", "orders", "coupons", "flash_sale", "comments"):
            assert not isinstance(window.panels[key], Unavailable), key
        assert len(room.product_ids) > 0  # the shop's bag
        # the chat source's limits stay, with its reason
        start = window.start_action
        assert not start.isEnabled() and "不支持从中控台开播" in start.toolTip()
        assert not window.shortcuts.actions["comment.pin"].isEnabled()
        # the conversion says what it divides: the shop's buyers by the chat's viewers
        title = window.panels["metrics"].findChild(QLabel, "metricTitle:conversion")
        assert title is not None and title.text() == "转化率（买家/聊天观众）"
        assert "观众来自" in title.toolTip() and "买家来自" in title.toolTip()
        # a comment on the chat source and an order in the shop both reach the window's room
        seen: list[str] = []
        room.subscribe_events(lambda batch: seen.extend(e.type.value for e in batch))
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.post(
                chat_srv.api("/_debug/viewer-comment"),
                json={"user_id": "v1", "nickname": "小鱼", "text": "链接在哪"},
                headers=chat_srv.headers(),
            )
            assert r.status_code == 200, r.text
            r = await http.post(
                shop_srv.api("/orders"),
                json={"user_id": "v1", "nickname": "小鱼", "product_id": room.product_ids[0],
                      "quantity": 1, "pay": False},
                headers=shop_srv.headers(),
            )  # fmt: skip
            assert r.status_code == 200, r.text
        await polling.until(
            lambda: "comment" in seen and "order_created" in seen, 30, "the comment and the order"
        )
        window.close()
    finally:
        await room.stop()
        await adapter.close()


@pytest.mark.usefixtures("keep_signal_handlers")
async def test_console_platform_bilibili_commerce_sandbox_opens_one_room_of_both(
    open_live: StartOpenLive,
    secrets: dict[str, str],
    sandbox_server: Callable[..., Any],
) -> None:
    standin = open_live([dm.frame(bs.open_super_chat("m3", "o3", "老王", 30, "支持一下！"))])
    shop_srv = sandbox_server(live=True)
    settings = Settings()
    settings.obs.enabled = False
    save("bilibili", fields_of(platform_factory("bilibili")), credentials(standin), settings)
    shop = {"url": shop_srv.url, "room": shop_srv.room, "token": shop_srv.tokens["host"]}
    save("sandbox", fields_of(platform_factory("sandbox")), shop, settings, commerce=True)
    settings.platform.adapter = "sandbox"
    settings.platform.commerce = None  # the command line decides
    save_settings(settings)
    windows: list[Any] = []
    args = parse_args(["--platform", "bilibili", "--commerce", "sandbox"])
    main = asyncio.ensure_future(
        _main(QApplication.instance(), args, load_settings(), shown=windows.append)
    )
    try:
        await polling.until(lambda: bool(windows), 60, "the console on bilibili + the shop")
        window = windows[0]
        adapter = window.room.adapter
        assert isinstance(adapter, CompositeAdapter) and adapter.room == "21452505"
        assert window.connect_controls.current_commerce == "sandbox"
        # the shop's docks are shown (open-live alone hides them), the chat is Bilibili's
        for key in ("products", "orders", "coupons", "flash_sale", "comments"):
            assert window.docks[key].isVisible(), key
        model = window.panels["comments"].models["all"]
        texts = lambda: [model.line(r).text for r in range(model.rowCount())]  # noqa: E731
        await polling.until(lambda: "醒目留言 ¥30.00：支持一下！" in texts(), 60, "the Super Chat")
        await polling.until(lambda: len(window.room.product_ids) > 0, 30, "the shop's bag")
        window.close_without_asking()
        assert await asyncio.wait_for(main, polling.patience(60)) == 0
    finally:
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, polling.patience(60))


async def test_a_connection_test_opens_the_shop_too_and_says_when_it_refuses(
    qtbot: QtBot, secrets: dict[str, str], sandbox_server: Callable[..., Any]
) -> None:
    chat_srv, shop_srv = sandbox_server(), sandbox_server()
    dialog = ConnectDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.inputs["url"].setText(chat_srv.url)
    dialog.inputs["room"].setText(chat_srv.room)
    dialog.inputs["token"].setText(chat_srv.tokens["host"])
    dialog.shop.setCurrentIndex(dialog.shop.findData("sandbox"))
    dialog.shop_inputs["url"].setText(shop_srv.url)
    dialog.shop_inputs["room"].setText(shop_srv.room)
    dialog.shop_inputs["token"].setText("ho_not_the_token")
    dialog.test_button.click()
    await polling.until(lambda: not dialog.testing, 60, "the test to end")
    refused = dialog.outcome.text()
    assert refused.startswith("商品与订单来源："), refused  # which source refused
    dialog.shop_inputs["token"].setText(shop_srv.tokens["host"])
    dialog.test_button.click()
    await polling.until(lambda: not dialog.testing, 60, "the test to end")
    assert dialog.outcome.text().startswith(f"连接成功：房间 {chat_srv.room}")
    assert secrets == {}  # a test stores nothing
    dialog.reject()


def test_the_shop_of_the_first_window_command_line_then_settings_never_with_an_invite() -> None:
    from ui.launch import _wanted_commerce

    settings = Settings()
    assert _wanted_commerce(parse_args([]), settings) is None  # none by default
    settings.platform.commerce = "sandbox"
    assert _wanted_commerce(parse_args([]), settings) == "sandbox"  # remembered
    assert _wanted_commerce(parse_args(["--commerce", "none"]), settings) is None
    assert _wanted_commerce(parse_args(["--commerce", "twitch"]), settings) == "twitch"
    assert _wanted_commerce(parse_args(["--join", "-"]), settings) is None  # a teammate's room
