"""用 Twitch 账号登录 in 平台 → 连接平台…, through the real ``twitch`` adapter's device code flow
against the Twitch stand-in: the dialog shows the address and the code the stand-in issued, and
once the streamer agreed the token is in the masked input and 测试连接 reaches the channel; with
no Client ID the sign-in says what is missing and offers 重试. Nothing is stored by signing in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.settings import Settings
from plugins.bilibili.standin.runner import Served, serve_in_thread
from plugins.twitch.standin import server as s
from tests.support.platforms import ensure_platform
from tests.support.polling import until
from ui.platform.connect_dialog import ConnectDialog
from ui.platform.sign_in_dialog import SignInDialog

WAIT = 60.0


@pytest.fixture
def twitch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secrets: dict[str, str]
) -> Iterator[tuple[s.TwitchStandIn, Served]]:
    ensure_platform(
        "twitch", "plugins.twitch.adapter:TwitchFactory", tmp_path / "entry-points", monkeypatch
    )
    standin = s.TwitchStandIn([], s.Options(device_interval=0.05))
    with serve_in_thread(standin.app()) as served:
        monkeypatch.setenv("LIVEDESK_TWITCH_AUTH_BASE", served.base)
        monkeypatch.setenv("LIVEDESK_TWITCH_HELIX_BASE", served.base)
        monkeypatch.setenv(
            "LIVEDESK_TWITCH_EVENTSUB_URL", served.base.replace("http", "ws") + "/ws"
        )
        for name in ("TOKEN", "CLIENT_ID"):
            monkeypatch.delenv(f"LIVEDESK_TWITCH_{name}", raising=False)
        yield standin, served


def sign_in_dialog() -> SignInDialog | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, ConnectDialog):
            found = w.findChild(SignInDialog)
            if found is not None and found.isVisible():
                return found
    return None


async def test_signing_in_fills_the_token_and_the_test_reaches_the_channel(
    qtbot: QtBot, twitch: tuple[s.TwitchStandIn, Served]
) -> None:
    standin, _ = twitch
    settings = Settings()
    dialog = ConnectDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.platform.setCurrentIndex(dialog.platform.findData("twitch"))
    assert dialog.sign_in_button.isVisibleTo(dialog)
    assert dialog.sign_in_button.text() == "用 Twitch 直播 账号登录…"
    dialog.inputs["client_id"].setText(s.BROADCASTER.client_id)
    dialog.sign_in_button.click()
    await until(lambda: (d := sign_in_dialog()) is not None and d.code is not None, WAIT, "a code")
    shown = sign_in_dialog()
    assert shown is not None and shown.code is not None
    code = shown.user_code.text()
    # what the streamer is told: the stand-in's own code and address, and how long it lasts
    [issued] = [d["user_code"] for d in standin._devices.values()]
    assert code == issued and shown.address.text().endswith(f"device-code={issued}")
    assert "30 分钟内有效" in shown.step.text()
    assert shown.status.text() == "等待你在浏览器里授权…"
    shown.copy_button.click()
    assert QApplication.clipboard().text() == issued
    standin.approve_device(issued, s.BROADCASTER)
    token = dialog.inputs["token"]
    await until(lambda: bool(token.text()), WAIT, "the token filled in")
    assert sign_in_dialog() is None  # closed by itself
    assert token.echoMode() == QLineEdit.EchoMode.Password and token.text() in standin.accounts
    assert dialog.outcome.text() == "已登录：令牌已填入，连接成功后保存到系统钥匙串"
    assert settings.platform.fields == {} and twitch_secrets_empty(dialog)
    dialog.test_button.click()
    await until(lambda: not dialog.testing, WAIT, "the test to end")
    assert dialog.outcome.text().startswith("连接成功"), dialog.outcome.text()
    assert "twitchdev" in dialog.outcome.text() or "TwitchDev" in dialog.outcome.text()
    dialog.reject()


def twitch_secrets_empty(dialog: ConnectDialog) -> bool:
    import app.secrets

    return not app.secrets._memory


async def test_without_a_client_id_the_sign_in_says_so_and_offers_a_retry(
    qtbot: QtBot, twitch: tuple[s.TwitchStandIn, Served]
) -> None:
    standin, _ = twitch
    dialog = ConnectDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.platform.setCurrentIndex(dialog.platform.findData("twitch"))
    dialog.sign_in_button.click()
    await until(
        lambda: (d := sign_in_dialog()) is not None and d.retry_button.isVisible(),
        WAIT,
        "a refusal",
    )
    shown = sign_in_dialog()
    assert shown is not None
    assert "Client ID" in shown.status.text()
    assert not shown.user_code.isVisible() and not shown.open_button.isEnabled()
    assert standin._devices == {}  # nothing asked of Twitch without an app
    shown.reject()
    await until(lambda: sign_in_dialog() is None, WAIT, "the dialog closed")
    assert dialog.inputs["token"].text() == ""
    dialog.reject()
