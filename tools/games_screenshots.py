"""Screenshots of the console's own games on a platform without lotteries (the built-in sandbox
restricted to interaction, as Bilibili would be): the 答题 dock with a question running and its
live tally, then revealed with the draw among the correct answerers verified; the lottery dock's
盲盒 mode with its pool, then drawn with each winner's prize. The real `livedesk` start-up, real
window; commenters answer through the sandbox's debug route, over the real event stream.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/games_screenshots.py [OUT_DIR]

Per shot NAME: NAME.png (the window at the end), NAME-quiz-open.png / NAME-quiz-revealed.png
(the whole quiz panel), NAME-blind-box-setup.png / NAME-blind-box-drawn.png (the whole lottery
panel), and the overlay cards NAME-overlay-quiz-open.png, NAME-overlay-quiz-revealed.png,
NAME-overlay-quiz-9x16.png and NAME-overlay-blind-box.png; NAME-replay-quiz.png and
NAME-replay-lottery.png: the replay's 答题 and 抽奖 tabs on a file with the games in it
(tests/support/games.py); NAME-report-quiz.png: that file's HTML report 答题 section (headless
Chromium).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from shots import run_all, until

SHOTS = {"games-zh": "zh_CN", "games-en": "en"}
CAPABILITIES = "interaction,live_state,viewers"
OUT: dict[str, Path] = {}
ANSWERS = [("小鹿", "B"), ("阿杰", "２"), ("Momo", "A"), ("奶茶不加糖", "02 豆沙"),
           ("老王", "C"), ("林林", "b"), ("晴天", "3"), ("大白", "B")]  # fmt: skip


def _comment(adapter: Any, user_id: str, nickname: str, text: str) -> None:
    url = f"{adapter.base_url}/api/v1/rooms/{adapter.room}/_debug/viewer-comment"
    token = adapter.child.tokens["host"]
    body = {"user_id": user_id, "nickname": nickname, "text": text}
    httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}).raise_for_status()


def _overlay(room: Any, kind_name: str, path: str, canvas: str = "16:9", later: float = 0) -> None:
    from app.overlays.controller import derive
    from app.overlays.images import ImageCache
    from app.overlays.layout import Kind
    from app.overlays.render import OverlayRenderer

    seen: dict[str, float] = {}
    now = time.time()
    derive(room, now, ImageCache(), seen)
    state = derive(room, now + later, ImageCache(), seen)
    kind = Kind(kind_name)
    card = state.get(kind)
    assert card is not None, kind
    OverlayRenderer(canvas).render(kind, card).save(path)  # type: ignore[arg-type]


async def _prepare(window: Any) -> None:
    from PySide6.QtCore import Qt

    room = window.room
    await until(lambda: room.online and room.session is not None)
    window.resize(1600, 1000)
    base = str(OUT["path"].with_suffix(""))
    # the quiz
    dock = window.docks["quiz"]
    dock.raise_()
    window.resizeDocks([dock], [620], Qt.Orientation.Horizontal)
    panel = window.panels["quiz"]
    panel.bank.setEditText("美妆专场")
    panel.question.setText("主播今天涂的是几号色？")
    for e, text in zip(panel.options, ["01 正红", "02 豆沙", "03 橘棕"], strict=False):
        e.setText(text)
    panel.correct.setCurrentIndex(panel.correct.findData(1))
    panel.duration.setValue(60)
    panel.save_to_bank()
    panel.start()
    await until(lambda: panel.current() is not None)
    for i, (nick, text) in enumerate(ANSWERS):
        await asyncio.to_thread(_comment, room.adapter, f"bili{3000 + i}", nick, text)
    await until(lambda: panel.current().answerers == len(ANSWERS))
    await asyncio.sleep(1.0)
    window.grab().save(base + "-window-quiz.png")
    panel.grab().save(base + "-quiz-open.png")
    _overlay(room, "quiz", base + "-overlay-quiz-open.png")
    _overlay(room, "quiz", base + "-overlay-quiz-9x16.png", "9:16")
    panel.reveal()
    panel.prize.setText("正红口红一支")
    panel.winners.setValue(2)
    panel.open_draw()
    panel.draw()
    await asyncio.sleep(0.5)
    panel.grab().save(base + "-quiz-revealed.png")
    _overlay(room, "quiz", base + "-overlay-quiz-revealed.png")
    # the blind box
    dock = window.docks["lottery"]
    dock.raise_()
    lot_panel = window.panels["lottery"]
    lot_panel.prize.setText("神秘盲盒")
    lot_panel.keyword.setText("开盒")
    lot_panel.winners.setValue(3)
    lot_panel.duration.setValue(0)
    lot_panel.blind_box.setChecked(True)
    for i, (name, n) in enumerate([("隐藏款 限定公仔", 1), ("普通款 公仔", 4), ("贴纸一套", 3)]):
        lot_panel.pool_names[i].setText(name)
        lot_panel.pool_counts[i].setValue(n)
    await asyncio.sleep(0.3)
    lot_panel.grab().save(base + "-blind-box-setup.png")
    lot_panel.start()
    await until(lambda: any(lo.pool for lo in room.lotteries.values()))
    for i, (nick, _) in enumerate(ANSWERS):
        await asyncio.to_thread(_comment, room.adapter, f"bili{4000 + i}", nick, "开盒开盒！")
    await until(lambda: lot_panel.current() is not None and lot_panel.current().entrants == 8)
    lot_panel.draw()
    await until(lambda: lot_panel.winners_list.count() == 3)
    await asyncio.sleep(0.5)
    lot_panel.grab().save(base + "-blind-box-drawn.png")
    _overlay(room, "winners", base + "-overlay-blind-box.png", later=10)
    _replay(base)


def _replay(base: str) -> None:
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.support.games import synthesise_games
    from ui.replay.window import ReplayWindow

    with tempfile.TemporaryDirectory() as tmp:
        path = synthesise_games(Path(tmp) / "games.livedesk")
        win = ReplayWindow(path)
        win.resize(1500, 700)
        win.show()
        for name, tab in (("quiz", win.quiz_tab), ("lottery", win.lottery_tab)):
            win.tabs.setCurrentWidget(tab)
            win.tabs.grab().save(f"{base}-replay-{name}.png")
        win.close()
        _report_html(path, base, tmp)


def _report_html(session: Path, base: str, tmp: str) -> None:
    """The HTML report's 答题 section in the shot's language, as headless Chromium renders it
    (the section alone, with the report's own stylesheet)."""
    import shutil
    import subprocess

    from app.i18n import translator
    from app.session.replay import SessionFile
    from app.session.report import CSS, quizzes_html

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is missing: no HTML shot")
        return
    lang = "en" if base.endswith("-en") else "zh_CN"
    with SessionFile(session) as f:
        body = quizzes_html(f, translator(lang))
    page = Path(tmp) / "quiz-report.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{CSS}</style></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp}/profile", "--window-size=1500,200",
         f"--screenshot={base}-report-quiz.png", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def one(name: str, out: Path) -> int:
    from ui.launch import run

    OUT["path"] = out
    argv = ["--lang", SHOTS[name], "--screenshot", str(out), "--wait", "2",
            "--capabilities", CAPABILITIES, "--sandbox-arg=--live", "--sandbox-arg=--rate=20",
            "--sandbox-arg=--viewers=300", "--sandbox-arg=--debug-routes"]  # fmt: skip
    return run(argv, prepare=_prepare)


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
