"""平台 → 连接平台… as a streamer uses it, against the open-live stand-in through the real
``bilibili`` adapter: every platform listed by name (bilibili-web marked personal use), 测试连接
shows the room the 身份码 belongs to and closes the test game, a wrong secret shows the platform's
reason, stored values are prefilled with secrets masked and kept when left empty, and a test or
a cancel saves nothing (the settings file and the keyring as before)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.platform.credentials import save
from app.platform.fields import fields_of
from app.platform.registry import platform_factory
from app.settings import Settings, load_settings, save_settings, settings_path
from tests.support.polling import until
from tests.ui.platform.conftest import StartOpenLive, credentials
from ui.platform.connect_dialog import ConnectDialog


def fill(dialog: ConnectDialog, values: dict[str, str]) -> None:
    for name, value in values.items():
        dialog.inputs[name].setText(value)


def select(dialog: ConnectDialog, platform: str) -> None:
    dialog.platform.setCurrentIndex(dialog.platform.findData(platform))


async def test_the_dialog_lists_every_platform_with_what_each_needs(
    qtbot: QtBot, secrets: dict[str, str]
) -> None:
    dialog = ConnectDialog(Settings())
    qtbot.addWidget(dialog)
    names = {dialog.platform.itemData(i): dialog.platform.itemText(i) for i in range(3)}
    assert set(names) >= {"sandbox", "bilibili", "bilibili-web"}
    assert "个人使用" in names["bilibili-web"]
    assert dialog.chosen == "sandbox"  # the settings' platform first
    assert not dialog.test_button.isEnabled()  # the built-in sandbox: nothing to test
    # 商品与订单来源 无: the sandbox's own catalogue; Bilibili has none to fall back on
    assert dialog.shop.itemText(0) == "无（使用平台自己的商品与订单）"
    select(dialog, "bilibili")
    assert dialog.shop.itemText(0) == "无（只有评论与礼物，没有商品与订单）"
    assert list(dialog.inputs) == ["code", "app_id", "access_key_id", "access_key_secret", "room"]
    assert dialog.inputs["code"].echoMode() == QLineEdit.EchoMode.Password
    assert dialog.inputs["access_key_secret"].echoMode() == QLineEdit.EchoMode.Password
    assert dialog.inputs["app_id"].echoMode() == QLineEdit.EchoMode.Normal
    assert not dialog.note.text()
    select(dialog, "bilibili-web")
    assert list(dialog.inputs) == ["room", "sessdata"]
    assert "个人使用" in dialog.note.text() and dialog.note.isVisibleTo(dialog)
    # 测试连接 with a required field empty: says which, asks nothing of the platform
    dialog.test_button.click()
    assert dialog.outcome.text() == "请填写：直播间号"
    assert not dialog.testing


async def test_a_test_shows_the_room_and_closes_the_test_game(
    qtbot: QtBot, open_live: StartOpenLive
) -> None:
    standin = open_live(uname="小明")
    settings = Settings()
    dialog = ConnectDialog(settings)
    qtbot.addWidget(dialog)
    select(dialog, "bilibili")
    fill(dialog, credentials(standin))
    dialog.test_button.click()
    assert dialog.testing and dialog.test_button.text() == "取消测试"
    await until(lambda: not dialog.testing, 60, "the test to end")
    assert dialog.outcome.text() == "连接成功：房间 21452505 · 小明的直播间"
    assert dialog.test_button.text() == "测试连接"
    # the test game was started once and ended again: the room is free for the real connection
    [start] = standin.calls_of("/v2/app/start")
    assert [c.code for c in standin.calls_of("/v2/app/end")] == [0]
    assert all(g.status == "ended" for g in standin.games.values())
    assert start.code == 0
    # nothing stored by a test
    assert settings.platform.adapter == "sandbox" and settings.platform.fields == {}
    dialog.reject()
    assert secretsless(settings)


def secretsless(settings: Settings) -> bool:
    import app.secrets

    return not app.secrets._memory and not settings_path().exists()


async def test_a_wrong_secret_shows_the_platforms_reason(
    qtbot: QtBot, open_live: StartOpenLive
) -> None:
    standin = open_live()
    dialog = ConnectDialog(Settings())
    qtbot.addWidget(dialog)
    select(dialog, "bilibili")
    fill(dialog, credentials(standin, access_key_secret="not-the-secret"))
    dialog.test_button.click()
    await until(lambda: not dialog.testing, 60, "the test to end")
    text = dialog.outcome.text()
    assert text.startswith("B站开放平台拒绝了请求签名，请检查 access_key_id 和 access_key_secret")
    assert "not-the-secret" not in text
    assert standin.games == {}


async def test_a_test_can_be_cancelled(qtbot: QtBot, open_live: StartOpenLive) -> None:
    standin = open_live()
    standin.fail_next("/v2/app/start", 7001, times=50)  # the platform keeps saying "cool down"
    dialog = ConnectDialog(Settings())
    qtbot.addWidget(dialog)
    select(dialog, "bilibili")
    fill(dialog, credentials(standin))
    dialog.test_button.click()
    await until(lambda: standin.calls_of("/v2/app/start"), 30, "the first start")
    dialog.test_button.click()  # 取消测试
    assert not dialog.testing
    assert dialog.outcome.text() == "已取消测试"
    calls = len(standin.calls_of("/v2/app/start"))
    await asyncio.sleep(0.5)
    assert len(standin.calls_of("/v2/app/start")) == calls  # nothing keeps trying


async def test_stored_values_are_prefilled_and_a_secret_left_empty_is_kept(
    qtbot: QtBot, open_live: StartOpenLive, tmp_path: Path
) -> None:
    standin = open_live()
    settings = Settings()
    fields = fields_of(platform_factory("bilibili"))
    save("bilibili", fields, credentials(standin, room="21452505"), settings)
    save_settings(settings)
    on_disk = settings_path().read_text(encoding="utf-8")
    assert standin.access_key_secret not in on_disk and standin.code not in on_disk
    assert standin.access_key_id in on_disk  # not a secret

    dialog = ConnectDialog(load_settings())
    qtbot.addWidget(dialog)
    assert dialog.chosen == "bilibili"  # remembered
    assert dialog.inputs["app_id"].text() == str(standin.app_id)
    assert dialog.inputs["room"].text() == "21452505"
    for secret in ("code", "access_key_secret"):
        assert dialog.inputs[secret].text() == ""  # never shown, not even masked
        assert dialog.inputs[secret].placeholderText() == "已保存 · 留空则保留"
    assert dialog.choice().values["code"] == standin.code
    dialog.test_button.click()
    await until(lambda: not dialog.testing, 60, "the test to end")
    assert dialog.outcome.text().startswith("连接成功：房间 21452505")
    # a secret typed anew replaces the stored one in the choice (saved only once connected)
    dialog.inputs["code"].setText("NEWCODE")
    assert dialog.choice().values["code"] == "NEWCODE"
    assert settings_path().read_text(encoding="utf-8") == on_disk
