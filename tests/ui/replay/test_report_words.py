"""One translation catalog: the English report says what the English replay window says.

A reviewer reads a session in the replay window and mails the exported report: a marker called
"Draw" in one must not be "Lottery drawn" in the other, and a role must not be named twice. The
report translates through the same catalog (app/resources/i18n/en.json) and holds no per-language
table of its own.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson

from app.names import ACTION_NAMES, MARKER_NAMES, ROLE_NAMES
from app.session.replay import SessionFile
from app.session.report import build_html
from app.session.writer import SessionWriter
from tests.support.synth import products, session_events
from ui.i18n import language, set_language
from ui.replay.window import ReplayWindow

REPO = Path(__file__).resolve().parents[3]
T0 = 1_760_000_000.0
CJK = re.compile(r"[\u4e00-\u9fff]")
ROLES = ["host", "assistant", "reviewer", "obs"]
ROLE_EN = ["Host", "Assistant", "Reviewer", "OBS"]


def make_session(path: Path) -> None:
    """A recorded session with one marker of every kind and one action of every name (written
    into the recording's own tables, as the writer and the room record them)."""
    w = SessionWriter(path, {"room": "r1", "session_id": "s9", "started_ts": repr(T0)})
    w.put_products(products(), T0)
    for b in session_events(total=2_000, hours=0.1, t0=T0):
        w.put_events(b)
    w.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM markers")
        conn.executemany(
            "INSERT INTO markers(seq, ts, kind, role, token_id, product_id, label)"
            " VALUES (NULL, ?, ?, ?, NULL, NULL, '')",
            [
                (T0 + 10 + i, kind, ROLES[i % len(ROLES)])
                for i, kind in enumerate(sorted(MARKER_NAMES))
            ],
        )
        conn.executemany(
            "INSERT INTO actions(ts, name, role, ok, error, duration_ms, args)"
            " VALUES (?, ?, ?, 1, NULL, 12.5, ?)",
            [
                (T0 + 10 + i, name, ROLES[i % len(ROLES)], orjson.dumps({}).decode())
                for i, name in enumerate(sorted(ACTION_NAMES))
            ],
        )
    conn.close()


class _Timeline(HTMLParser):
    """The rows of the report's last table (操作时间线: time, what, who)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, _attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _window_marker(tip: str) -> tuple[str, str]:
    """("Draw", "Host") of the chart's tooltip "Draw（Host）"."""
    what, _, who = tip.partition("（")
    return what, who.rstrip("）")


def test_the_english_report_uses_the_english_replay_windows_words(
    qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "w.livedesk-session.sqlite"
    make_session(path)
    was = language()
    try:
        set_language("en")
        win = ReplayWindow(path)
        try:
            tips = [str(p.data()) for p in win.charts.scatter.points()]
            window_markers = [_window_marker(t) for t in tips]
            # the markers around the cursor (at the start: every marker of this short session)
            moment = win.marker_table
            qtbot.waitUntil(lambda: moment.rowCount() == len(MARKER_NAMES), timeout=20_000)
            [stop_text] = [
                moment.item(r, 1).text()
                for r in range(moment.rowCount())
                if moment.item(r, 1).text().startswith("Stop explaining")
            ]
            table = win.actions_table
            window_actions = {
                table.item(r, 1).text(): table.item(r, 2).text() for r in range(table.rowCount())
            }
        finally:
            win.close()
    finally:
        set_language(was)
    with SessionFile(path) as f:
        markers = f.markers()
        html = build_html(f, lang="en")
    parser = _Timeline()
    parser.feed(html)
    timeline = parser.tables[-1]
    assert timeline[0] == ["Time", "Action", "By"]
    report_markers = [(what, who) for _, what, who in timeline[1:]]

    # every marker: the same words for what happened and who did it, and they are English (the
    # chart leaves out 结束讲解; the moment's marker table lists it in the same words)
    assert len(markers) == len(MARKER_NAMES) == len(report_markers)
    charted = [
        pair for mk, pair in zip(markers, report_markers, strict=True) if mk.kind != "explain_stop"
    ]
    assert window_markers == charted
    [stop] = [i for i, mk in enumerate(markers) if mk.kind == "explain_stop"]
    assert (
        _window_marker(stop_text) == report_markers[stop] == ("Stop explaining", ROLE_EN[stop % 4])
    )
    assert not [w for pair in report_markers for w in pair if CJK.search(w)]
    by_kind = dict(zip((mk.kind for mk in markers), report_markers, strict=True))
    assert by_kind["lottery_drawn"][0] == "Draw"  # the lottery panel's button says Draw too

    # every action the actions tab lists is English, and where an action and a marker are the same
    # thing in Chinese (开奖, 发券, 讲解商品 …) they are the same word in English too
    assert len(window_actions) == len(ACTION_NAMES)
    assert not [a for a in window_actions if CJK.search(a)]
    marker_word = {MARKER_NAMES[k]: by_kind[k][0] for k in MARKER_NAMES}
    shared = {zh for zh in ACTION_NAMES.values() if zh in marker_word}
    assert len(shared) >= 8
    action_word = {zh: en for zh, en in zip(ACTION_NAMES.values(), _english_actions(), strict=True)}
    for zh in shared:
        assert action_word[zh] == marker_word[zh] and action_word[zh] in window_actions, zh
    # roles: the window's actions tab and the report's timeline name them alike
    report_roles = {who for _, who in report_markers}
    assert report_roles == set(window_actions.values()) == {"Host", "Assistant", "Reviewer", "OBS"}


def _english_actions() -> list[str]:
    from app.i18n import translator
    from app.names import action_name

    en = translator("en")
    return [action_name(name, en) for name in ACTION_NAMES]


def test_the_report_modules_hold_no_per_language_table() -> None:
    """Every Chinese word in the report's modules is a catalog key (inside tr() or tr_noop()),
    and no table is keyed by language: English exists only in app/resources/i18n/en.json."""
    modules = [
        REPO / "app/session/report.py",
        REPO / "app/session/report_charts.py",
        REPO / "app/session/report_csv.py",
        REPO / "app/session/columns.py",
        REPO / "app/names.py",
    ]
    loose: list[str] = []
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        translated = {
            id(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("tr", "tr_noop")
            and node.args
        }
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                assert not keys & {"en", "zh_CN"}, f"{path.name}:{node.lineno}: a language table"
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CJK.search(node.value)
                and id(node) not in translated | docstrings
            ):
                loose.append(f"{path.name}:{node.lineno}: {node.value}")
    assert not loose, "Chinese outside the catalog:\n" + "\n".join(loose)
    assert set(ROLE_NAMES) == set(ROLES)
