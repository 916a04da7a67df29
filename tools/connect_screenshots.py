"""Screenshots of connecting to a real platform (issue 15 §4), against the Bilibili stand-ins:
the 连接平台 dialog with bilibili selected after a successful 测试连接 (zh, en) and with
bilibili-web selected (its personal-use note), and the console opened with ``--platform
bilibili`` on the open-live stand-in, its chat showing danmaku, gifts, Super Chats and guards
(zh), and with ``--platform bilibili-web`` as a guest (names masked: the adapter's note on its
line under the toolbar). A 1600×960 window needs a screen that big: Xvfb (``DISPLAY``) rather
than offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/connect_screenshots.py [OUT_DIR]

Each shot runs in its own process with throw-away settings; secrets stay in that process's
memory (never the machine's keyring).
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from shots import REPO, run_all

sys.path.insert(0, str(REPO))

SHOTS = [
    "connect-dialog-zh",
    "connect-dialog-en",
    "connect-dialog-web-zh",
    "console-bilibili-zh",
    "console-bili-web-zh",
    "console-bilibili-lottery-zh",
]
ONLY = os.environ.get("SHOTS_ONLY", "")


def _feed() -> list[Any]:
    from plugins.bilibili import samples as s
    from plugins.bilibili.standin import danmaku as dm

    people = ["小红", "阿亮", "老王", "橙子", "一只猫", "大熊", "Lily", "豆豆"]
    says = ["主播晚上好！", "今天有什么好物", "这个多少钱", "扣1", "链接在哪", "支持主播",
            "声音有点小", "上次买的很好用", "能讲讲尺码吗", "来了来了"]  # fmt: skip
    steps: list[Any] = [dm.frame(s.open_live_start("live-1", "晚八点好物分享"))]
    n = 0
    for i in range(24):
        n += 1
        who = people[i % len(people)]
        steps.append(dm.frame(s.open_dm(f"m{n}", f"o{i % 8}", who, says[i % len(says)])))
        if i % 5 == 2:
            n += 1
            steps.append(dm.frame(s.open_gift(f"m{n}", f"g{i}", who, "小花花", 3 + i, 100)))
        if i % 7 == 3:
            n += 1
            steps.append(dm.frame(s.open_super_chat(f"m{n}", f"p{i}", who, 30, "主播加油！")))
        if i % 9 == 4:
            n += 1
            steps.append(dm.frame(s.open_guard(f"m{n}", f"v{i}", who)))
        if i % 6 == 5:
            n += 1
            steps.append(dm.frame(s.open_like(f"m{n}", f"o{i}", who, 12)))
        steps.append(dm.sleep(0.15))
    return steps


def _private_secrets() -> None:
    import app.secrets

    app.secrets._keyring_usable = lambda **_: False  # type: ignore[assignment]


def _credentials(standin: Any) -> dict[str, str]:
    return {
        "app_id": str(standin.app_id),
        "access_key_id": standin.access_key_id,
        "access_key_secret": standin.access_key_secret,
        "code": standin.code,
        "room": "",
    }


def dialog_shot(lang: str, out: Path, platform: str = "bilibili") -> int:
    from PySide6.QtWidgets import QApplication

    from plugins.bilibili.standin.open_live import OpenLiveStandin
    from plugins.bilibili.standin.runner import serve_in_thread
    from ui.event_loop import QEventLoop
    from ui.i18n import set_language, use_qt_translations
    from ui.theme import apply_look

    _private_secrets()
    set_language(lang)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_look(app)
    use_qt_translations(app)
    standin = OpenLiveStandin(uname="小明")
    with ExitStack() as stack:
        served = stack.enter_context(serve_in_thread(standin.app()))
        os.environ["LIVEDESK_BILIBILI_OPEN_BASE"] = served.base
        loop = QEventLoop(app)
        asyncio.set_event_loop(loop)

        async def main() -> int:
            from app.settings import Settings
            from ui.platform.connect_dialog import ConnectDialog

            dialog = ConnectDialog(Settings())
            dialog.platform.setCurrentIndex(dialog.platform.findData(platform))
            dialog.show()
            if platform == "bilibili":
                for name, value in _credentials(standin).items():
                    dialog.inputs[name].setText(value)
                dialog.test_button.click()
            task = dialog.test_task
            if task is not None:
                await task
            await asyncio.sleep(0.5)
            out.parent.mkdir(parents=True, exist_ok=True)
            dialog.grab().save(str(out))
            dialog.close()
            return 0

        with loop:
            return loop.run_until_complete(main())


def console_shot(out: Path) -> int:
    from plugins.bilibili.standin.danmaku import DanmakuStandIn, Script
    from plugins.bilibili.standin.open_live import OpenLiveStandin
    from plugins.bilibili.standin.runner import serve_in_thread

    _private_secrets()
    standin = OpenLiveStandin(danmaku=DanmakuStandIn(Script(_feed())), uname="小明")
    with ExitStack() as stack:
        served = stack.enter_context(serve_in_thread(standin.app()))
        os.environ["LIVEDESK_BILIBILI_OPEN_BASE"] = served.base
        from app.platform.credentials import save
        from app.platform.fields import fields_of
        from app.platform.registry import platform_factory
        from app.settings import load_settings, save_settings
        from ui.launch import run

        settings = load_settings()
        save("bilibili", fields_of(platform_factory("bilibili")), _credentials(standin), settings)
        save_settings(settings)
        return run(["--lang", "zh_CN", "--screenshot", str(out), "--wait", "9"])


def web_console_shot(out: Path) -> int:
    from plugins.bilibili import samples as s
    from plugins.bilibili.standin import danmaku as dm
    from plugins.bilibili.standin.danmaku import Script
    from plugins.bilibili.standin.runner import serve_in_thread
    from plugins.bilibili.standin.web import WebOptions, WebStandIn

    _private_secrets()
    steps = [
        dm.frame(s.danmu_msg(101, "观众甲", "主播好", id_str="w-1")),
        dm.frame(s.send_gift(102, "观众乙", "辣条", 5, 100, tid="w-g1")),
        dm.frame(
            {
                "cmd": "LOG_IN_NOTICE",
                "data": {"notice_msg": "为保护用户隐私，未登录无法查看他人昵称"},
            }
        ),
        dm.frame(s.danmu_msg(0, "观****", "这个怎么卖", id_str="w-2")),
    ]
    options = WebOptions()
    standin = WebStandIn.scripted(Script(steps), options)
    with ExitStack() as stack:
        served = stack.enter_context(serve_in_thread(standin.app()))
        os.environ["LIVEDESK_BILIBILI_WEB_BASE"] = served.base
        from app.platform.credentials import save
        from app.platform.fields import fields_of
        from app.platform.registry import platform_factory
        from app.settings import load_settings, save_settings
        from ui.launch import run

        settings = load_settings()
        values = {"room": str(options.short_id), "sessdata": ""}
        save("bilibili-web", fields_of(platform_factory("bilibili-web")), values, settings)
        save_settings(settings)
        return run(["--lang", "zh_CN", "--platform", "bilibili-web", "--screenshot", str(out),
                    "--wait", "6"])  # fmt: skip


def _lottery_feed() -> list[Any]:
    """Danmaku for a lottery among Bilibili commenters: a few lines, a pause (the console opens
    the lottery), then viewers sending the keyword, one of them twice, and one who does not."""
    from plugins.bilibili import samples as s
    from plugins.bilibili.standin import danmaku as dm

    steps: list[Any] = [dm.frame(s.open_live_start("live-1", "晚八点好物分享"))]
    steps += [dm.frame(s.open_dm(f"a{i}", f"o{i}", n, "主播晚上好")) for i, n in
              enumerate(["小红", "阿亮", "老王"])]  # fmt: skip
    steps.append(dm.sleep(6.0))
    people = ["小红", "阿亮", "老王", "橙子", "一只猫", "大熊", "Lily", "豆豆", "奶茶不加糖"]
    for i, who in enumerate(people):
        steps.append(dm.frame(s.open_dm(f"k{i}", f"o{i}", who, "我要签名照")))
        steps.append(dm.sleep(0.2))
    steps.append(dm.frame(s.open_dm("k-again", "o0", "小红", "我要签名照！！")))
    steps.append(dm.frame(s.open_dm("k-no", "o99", "路人甲", "几点下播")))
    steps.append(dm.frame(s.open_super_chat("sc1", "o4", "一只猫", 50, "抽我抽我")))
    return steps


def lottery_console_shot(out: Path) -> int:
    from plugins.bilibili.standin.danmaku import DanmakuStandIn, Script
    from plugins.bilibili.standin.open_live import OpenLiveStandin
    from plugins.bilibili.standin.runner import serve_in_thread

    _private_secrets()
    standin = OpenLiveStandin(danmaku=DanmakuStandIn(Script(_lottery_feed())), uname="小明")

    async def prepare(window: Any) -> None:
        from PySide6.QtCore import Qt

        room = window.room
        for _ in range(600):
            if room.online:
                break
            await asyncio.sleep(0.1)
        window.resize(1600, 960)
        dock = window.docks["lottery"]
        dock.raise_()
        window.resizeDocks([dock], [560], Qt.Orientation.Horizontal)
        panel = window.panels["lottery"]
        panel.prize.setText("主播签名照 + 口红一支")
        panel.keyword.setText("我要签名照")
        panel.winners.setValue(3)
        panel.duration.setValue(0)  # 不限时: drawn by hand
        panel.start()
        for _ in range(600):
            lots = list(room.lotteries.values())
            if lots and lots[0].entrants >= 9:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        panel.draw()
        for _ in range(300):
            if panel.winners_list.count() == 3:
                break
            await asyncio.sleep(0.1)
        panel.grab().save(str(out.with_suffix("")) + "-panel.png")

    with ExitStack() as stack:
        served = stack.enter_context(serve_in_thread(standin.app()))
        os.environ["LIVEDESK_BILIBILI_OPEN_BASE"] = served.base
        from app.platform.credentials import save
        from app.platform.fields import fields_of
        from app.platform.registry import platform_factory
        from app.settings import load_settings, save_settings
        from ui.launch import run

        settings = load_settings()
        save("bilibili", fields_of(platform_factory("bilibili")), _credentials(standin), settings)
        save_settings(settings)
        argv = [
            "--lang",
            "zh_CN",
            "--platform",
            "bilibili",
            "--screenshot",
            str(out),
            "--wait",
            "2",
        ]
        return run(argv, prepare)


def one(name: str, out: Path) -> int:
    if name == "console-bilibili-lottery-zh":
        return lottery_console_shot(out)
    if name == "connect-dialog-web-zh":
        return dialog_shot("zh_CN", out, "bilibili-web")
    if name.startswith("connect-dialog-"):
        return dialog_shot("en" if name.endswith("-en") else "zh_CN", out)
    if name == "console-bilibili-zh":
        return console_shot(out)
    return web_console_shot(out)


if __name__ == "__main__":
    sys.exit(run_all(__file__, [n for n in SHOTS if ONLY in n], sys.argv[1:], one))
