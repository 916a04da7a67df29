"""平台 → 在聊天中播报讲解与抽奖 on the real console: on a platform whose chat the console writes
in (a real sandbox), an explain is posted in the room's chat once the option is on, and the choice
is remembered. It starts off there (a live-commerce platform shows its own product card) and on
where the chat platform has no catalogue (the sandbox restricted to a chat, as Twitch is); where
the console cannot write (the sandbox restricted like Bilibili's open-live room) the option is off
and says why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from app.settings import Settings, load_settings
from tests.support.console import main_window

Until = Callable[..., Awaitable[None]]


async def test_an_explain_reaches_the_chat_and_the_option_is_remembered(
    qtbot: QtBot, sandbox_server: Any, live_room: Any, tmp_path: Path, until: Until
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv)
    window = main_window(qtbot, room, tmp_path, Settings())
    controls = window.announce
    # off until chosen: the platform shows its own product card
    assert controls.action.isEnabled() and not controls.action.isChecked()
    assert controls.action in window.team.menu.actions()
    controls.action.setChecked(True)
    assert load_settings().ui.chat_announce is True
    product = room.bag[0]
    await room.explain(product.id)
    # the sandbox chat speaks the UI's language: the host's line comes back as a comment
    await until(
        lambda: any(line.text.startswith(f"正在讲解：{product.title}") for line in room.chat),
        30,
        "the announcement in the room's chat",
    )
    controls.action.setChecked(False)
    assert load_settings().ui.chat_announce is False
    controls.language_actions["en"].trigger()
    assert load_settings().ui.chat_announce_language == "en"
    assert controls.announcer.language == "en" and not controls.announcer.enabled


async def test_on_a_chat_platform_without_a_catalogue_it_starts_on(
    qtbot: QtBot, sandbox_server: Any, restricted_room: Any, tmp_path: Path
) -> None:
    srv = sandbox_server(live=True)
    room = await restricted_room(srv, "comments,reply,live_state,viewers")
    window = main_window(qtbot, room, tmp_path, Settings())
    controls = window.announce
    assert controls.action.isEnabled() and controls.action.isChecked()
    assert controls.announcer.enabled


async def test_without_a_chat_to_write_in_the_option_is_off_and_says_why(
    qtbot: QtBot, sandbox_server: Any, restricted_room: Any, tmp_path: Path
) -> None:
    srv = sandbox_server(live=True)
    room = await restricted_room(srv, "comments,live_state,viewers")
    window = main_window(qtbot, room, tmp_path)
    controls = window.announce
    assert not controls.action.isEnabled() and not controls.action.isChecked()
    assert controls.action.toolTip() == "沙盒平台不支持从中控台发言"
    assert not controls.languages.isEnabled()


async def test_the_chat_language_chosen_is_the_overlays_language(
    qtbot: QtBot, sandbox_server: Any, live_room: Any, tmp_path: Path, until: Until
) -> None:
    """The on-stream cards speak the chat's language: choosing 聊天播报语言 → English redraws the
    product card on stream in English at once (the OBS stack as the console builds it)."""
    from app.obs.stack import ObsStack
    from app.overlays.layout import Kind

    srv = sandbox_server(live=True)
    room = await live_room(srv)
    settings = Settings()
    stack = ObsStack.build(room, settings, password="", overlay_dir=tmp_path / "overlays")
    try:
        window = main_window(qtbot, room, tmp_path, settings, obs=stack)
        await room.explain(room.bag[0].id)
        await until(lambda: room.explaining is not None, 30, "the explain")
        controller, renderer = stack.controller, stack.renderer
        controller.refresh()
        state = controller.state
        assert state.product is not None and state.language == "zh_CN"  # the sandbox: the UI's
        renderer.render(Kind.PRODUCT, state.product, state.language)
        assert "正在讲解" in renderer.drawn
        window.announce.language_actions["en"].trigger()
        state = controller.state  # no wait: the choice redraws the cards at once
        assert state.language == "en"
        renderer.render(Kind.PRODUCT, state.product, state.language)
        assert "Now showing" in renderer.drawn and "正在讲解" not in renderer.drawn
    finally:
        await stack.stop()
