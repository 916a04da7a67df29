"""The team at a glance (issue 20), in the real window against the real sandbox: the host's
invite (right url/room/role/token, never the host's token), joining from the 加入房间 dialog and
from ``livedesk join`` (a real console process), the 在线成员 list, a teammate's price edit in the
队友动态 feed with before → after, and the 「沙盒 · 模拟观众」 badge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QToolButton
from pytestqt.qtbot import QtBot

import app.secrets
from app.settings import load_settings
from app.team.invite import make_invite, parse_invite
from app.team.lan import invite_urls
from tests.support.console import main_window
from tests.support.polling import until
from tests.ui.products.test_product_queue import Connect, connect  # noqa: F401
from tests.ui.test_guardrails import _answer, _enter
from ui.team.invite_dialog import InviteDialog
from ui.team.join_dialog import JoinDialog
from ui.team.panel import TeamPanel

REPO = Path(__file__).resolve().parents[3]
CLEAN = "p02"


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Never the developer's own keyring: secrets for this test only."""
    store: dict[str, str] = {}
    monkeypatch.setattr(app.secrets, "_keyring_usable", lambda **_: False)
    monkeypatch.setattr(app.secrets, "_memory", store)
    return store


async def test_the_hosts_invite_decodes_to_the_room_and_never_holds_the_host_token(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server()
    w = main_window(qtbot, await connect(srv, "host"), tmp_path)
    button = w.findChild(QToolButton, "inviteButton")
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = w.team.invite_dialog
    assert isinstance(dialog, InviteDialog)
    await until(lambda: dialog.invite_text() != "", what="the invite")
    seen = {}
    for i, role in enumerate(("assistant", "reviewer")):
        dialog.role.setCurrentIndex(i)
        text = dialog.invite_text()
        assert srv.tokens["host"] not in text
        inv = parse_invite(text)
        assert (inv.url, inv.room, inv.role, inv.token) == (
            srv.url,
            srv.room,
            role,
            srv.tokens[role],
        )
        seen[role] = text
    qtbot.mouseClick(dialog.copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == seen["reviewer"]
    # a loopback platform: the host is told other machines cannot use it
    assert "127.0.0.1" in dialog.reach.text()
    dialog.close()
    # the room label in the toolbar opens it too
    label = w.findChild(QLabel, "roleLabel")
    assert label is not None
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
    assert w.team.invite_dialog is not dialog and w.team.invite_dialog.isVisible()
    w.team.invite_dialog.close()


def test_invite_urls_name_what_other_machines_can_reach() -> None:
    local = invite_urls("http://127.0.0.1:8765", "127.0.0.1", ["192.168.1.20"])
    assert [(u.url, u.reachable) for u in local] == [("http://127.0.0.1:8765", False)]
    lan = invite_urls("http://127.0.0.1:8765", "0.0.0.0", ["192.168.1.20"])
    assert [(u.url, u.reachable) for u in lan] == [
        ("http://192.168.1.20:8765", True),
        ("http://127.0.0.1:8765", False),
    ]
    remote = invite_urls("https://live.example.com", None)
    assert [(u.url, u.reachable) for u in remote] == [("https://live.example.com", True)]


async def test_the_host_sees_who_is_connected(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server()
    w = main_window(qtbot, await connect(srv, "host"), tmp_path)
    for role in ("assistant", "reviewer", "reviewer"):
        await connect(srv, role)
    panel = w.panels["team"]
    assert isinstance(panel, TeamPanel)
    await until(
        lambda: panel.members is not None and panel.members.count == 4,
        what="four consoles listed",
    )
    assert panel.members_list.item(0).text() == "主播 ×1 · 场控 ×1 · 复盘员 ×2"
    assert "在线成员：主播 ×1 · 场控 ×1 · 复盘员 ×2" in w.team.members_label.text()
    assert w.team.members_label.isVisible()


async def test_only_the_host_invites_and_lists_members(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server()
    w = main_window(qtbot, await connect(srv, "assistant"), tmp_path)
    assert not w.team.invite_action.isEnabled()
    panel = w.panels["team"]
    assert isinstance(panel, TeamPanel)
    assert panel.members_list.item(0).text() == "只有主播能看到在线成员"


async def test_a_teammates_price_edit_shows_in_the_hosts_feed_with_before_and_after(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server()
    host = await connect(srv, "host")
    w = main_window(qtbot, host, tmp_path)
    said: list[str] = []
    w.notifier.message.connect(lambda _level, text: said.append(text))
    assistant = await connect(srv, "assistant")
    p = host.products[CLEAN]
    new = p.price_cents - 2000
    await assistant.update_product(CLEAN, price_cents=new)
    panel = w.panels["team"]
    assert isinstance(panel, TeamPanel)
    await until(lambda: panel.activity.count() > 0, what="the feed row")
    a, b = p.price_cents / 100, new / 100
    want = f"场控 改价 {p.title} ¥{a:,.2f} → ¥{b:,.2f}"
    assert panel.activity.item(0).text().endswith(want)
    assert want in said
    # the host's own edits are not "teammates' changes"
    await host.update_product(CLEAN, price_cents=new - 100)
    await until(lambda: host.products[CLEAN].price_cents == new - 100)
    assert panel.activity.count() == 1


async def test_the_sandbox_badge_shows_on_a_rehearsal_room(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server()
    w = main_window(qtbot, await connect(srv, "reviewer"), tmp_path)
    await until(lambda: w.team.badge.isVisible(), what="the 沙盒 · 模拟观众 badge")
    assert w.team.badge.text() == "沙盒 · 模拟观众"


@pytest.mark.qt_log_ignore("propagateSizeHints")
async def test_join_dialog_checks_the_invite_and_remembers_it(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
    memory_keyring: dict[str, str],
) -> None:
    srv = sandbox_server()
    w = main_window(qtbot, await connect(srv, "reviewer"), tmp_path)
    w.team.join_action.trigger()
    dialog = w.team.join_dialog
    assert isinstance(dialog, JoinDialog)
    code = make_invite(srv.url, srv.room, "assistant", srv.tokens["assistant"])

    # a tampered invite: a clear sentence, no request, no join
    dialog.paste.setPlainText(code.replace("role=assistant", "role=reviewer"))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert "损坏或被修改" in dialog.outcome.text()
    assert not dialog.join_button.isEnabled()
    # a well-formed invite the platform does not know
    dialog.paste.setPlainText(make_invite(srv.url, srv.room, "assistant", "as_not-a-token"))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    await until(lambda: "重新获取" in dialog.outcome.text(), what="the refusal")
    assert not dialog.join_button.isEnabled()

    dialog.paste.setPlainText(code)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    await until(lambda: dialog.join_button.isEnabled(), what="the checked invite")
    assert f"房间 {srv.room}" in dialog.outcome.text()
    assert "身份：场控" in dialog.outcome.text()

    seen: list[dict[str, Any]] = []
    _answer(_enter, seen)  # 重新启动? Enter = 取消: stay, the invite is kept for the next start
    QTimer.singleShot(0, dialog.join_button.click)
    await until(lambda: bool(seen) and not dialog.isVisible(), what="the join")
    assert seen[0]["default"] == "取消"
    saved = load_settings()
    assert (saved.platform.url, saved.platform.room, saved.platform.role) == (
        srv.url,
        srv.room,
        "assistant",
    )
    assert memory_keyring[f"platform.token.{srv.room}.assistant"] == srv.tokens["assistant"]
    settings_text = (Path(os.environ["LIVEDESK_CONFIG_DIR"]) / "settings.json").read_text()
    assert srv.tokens["assistant"] not in settings_text


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        LIVEDESK_CONFIG_DIR=str(tmp_path / "config"),
        LIVEDESK_DATA_DIR=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONUNBUFFERED="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",  # never the user's keyring
    )


def test_livedesk_join_connects_a_real_console_as_assistant(
    sandbox_server: Any, tmp_path: Path
) -> None:
    srv = sandbox_server()
    code = make_invite(srv.url, srv.room, "assistant", srv.tokens["assistant"])
    shot = tmp_path / "joined.png"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.launch_join", "-", "--screenshot", str(shot), "--wait", "60"],
        cwd=REPO,
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr or []), daemon=True)
    reader.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(code + "\n")
        proc.stdin.close()
        line = json.loads(proc.stdout.readline() or "{}")
        assert line.get("role") == "assistant" and line.get("room") == srv.room, "".join(err)
        # the platform sees an assistant console connected (named by the machine)
        deadline = time.monotonic() + 90
        while True:
            r = httpx.get(srv.api() + "/members", headers=srv.headers("host"), timeout=30)
            roles = [m["role"] for m in r.json()["members"]]
            if "assistant" in roles:
                break
            assert proc.poll() is None, "".join(err[-20:])
            assert time.monotonic() < deadline, "no assistant console connected"
            time.sleep(0.3)
        [member] = [m for m in r.json()["members"] if m["role"] == "assistant"]
        assert member["client"]
    finally:
        proc.kill()
        proc.wait(30)
        reader.join(30)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    settings = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert settings["platform"]["role"] == "assistant" and settings["platform"]["url"] == srv.url
    assert srv.tokens["assistant"] not in json.dumps(settings)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda c: c.replace("t=as_", "t=ho_"), "损坏或被修改"),
        (lambda c: c[: len(c) // 2], "不完整"),
        (lambda c: "hello", "不是 LiveDesk 邀请码"),
    ],
)
def test_livedesk_join_refuses_a_bad_invite_clearly(
    sandbox_server: Any, tmp_path: Path, edit: Any, says: str
) -> None:
    srv = sandbox_server()
    code = edit(make_invite(srv.url, srv.room, "assistant", srv.tokens["assistant"]))
    done = subprocess.run(
        [sys.executable, "-m", "ui.launch_join", "-", "--check"],
        cwd=REPO,
        env=_env(tmp_path),
        input=code + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert says in done.stderr and "Traceback" not in done.stderr
    assert srv.tokens["assistant"] not in done.stderr
    assert not (tmp_path / "config" / "settings.json").exists()


def test_the_join_command_is_registered() -> None:
    import tomllib

    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["livedesk.commands"]["join"] == "ui.launch:join"


def test_the_built_in_sandbox_listens_on_the_lan_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: dict[str, str]
) -> None:
    """Loopback unless the LAN setting or --lan (the address is not bound here: tests stay on
    loopback)."""
    from types import SimpleNamespace

    from ui.launch import adapter_settings, parse_args

    plat = SimpleNamespace(url=None, room=None, role="host", lan=False)
    assert adapter_settings(parse_args([]), SimpleNamespace(platform=plat))["listen"] == "127.0.0.1"
    assert adapter_settings(parse_args(["--lan"]), SimpleNamespace(platform=plat))["listen"] == (
        "0.0.0.0"
    )
    plat.lan = True
    out = adapter_settings(parse_args([]), SimpleNamespace(platform=plat))
    assert out["listen"] == "0.0.0.0" and out["client"]


async def test_turning_lan_sharing_on_explains_and_asks_first(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    from tests.ui.test_guardrails import _click_action

    srv = sandbox_server()
    w = main_window(qtbot, await connect(srv, "host"), tmp_path)
    seen: list[dict[str, Any]] = []
    _answer(_enter, seen)  # Enter: 取消 — nothing changes
    QTimer.singleShot(0, w.team.lan_action.trigger)
    await until(lambda: bool(seen), what="the question")
    await until(lambda: not w.team.lan_action.isChecked(), what="unchecked again")
    assert seen[0]["default"] == "取消" and not w.settings.platform.lan
    _answer(_click_action, seen)
    QTimer.singleShot(0, w.team.lan_action.trigger)
    await until(lambda: w.settings.platform.lan, what="LAN sharing on")
    assert load_settings().platform.lan is True
