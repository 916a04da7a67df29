"""The action log of a session file (app/session/actions.py): older files without the ``changes``
table still open and list who did what; a file with it never lists an action twice; a crafted
``changes`` table is refused like any other table; two operators of one role are told apart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.i18n import translator
from app.session import actions
from app.session.actions import LoggedAction, action_log, operator_names
from app.session.replay import SessionFile
from app.session.safe_open import SessionFileError
from tests.support.session_files import T0, _edit, valid


def _older(path: Path) -> Path:
    """A recording as a console before the action log wrote it: no ``changes`` table."""
    valid(path)
    return _edit(path, "DROP TABLE changes")


def test_a_file_without_the_changes_table_lists_its_operators_from_the_markers(
    tmp_path: Path,
) -> None:
    path = _older(tmp_path / "old.sqlite")
    with SessionFile(path) as f:
        log = action_log(f.conn)
        names = operator_names(log, translator("zh_CN"))
        rows = [actions.cells(e, names, translator("zh_CN"))[1:] for e in log]
    assert rows[0] == ["主播", "开播", "", ""]
    assert rows[-1] == ["主播", "下播", "", ""]
    assert any(who == "场控" and what.startswith("开始讲解 · ") for who, what, _b, _a in rows)
    assert all(before == after == "" for _w, _x, before, after in rows)  # nothing to compare


def test_recorded_changes_replace_their_markers_and_the_rest_still_shows(tmp_path: Path) -> None:
    path = valid(tmp_path / "new.sqlite")
    conn = sqlite3.connect(path, isolation_level=None)
    seq, ts, label = conn.execute(
        "SELECT seq, ts, label FROM markers WHERE kind='explain' ORDER BY ts LIMIT 1"
    ).fetchone()
    conn.execute(
        actions.INSERT_SQL,
        (seq, ts, "assistant", "t-asst", "explain_start", label, None, None, "场控 开始讲解"),
    )
    conn.execute(
        actions.INSERT_SQL,
        (seq + 1, ts, "assistant", "t-asst", "price", label, "¥399.00", "¥359.00", "…"),
    )
    conn.close()
    with SessionFile(path) as f:
        log = action_log(f.conn)
        markers = f.conn.execute(
            "SELECT count(*) FROM markers WHERE role IS NOT NULL AND role != 'obs'"
        ).fetchone()[0]
    assert len([e for e in log if e.seq == seq]) == 1  # the change, not its marker as well
    assert len(log) == markers + 1  # plus the price edit (a change with no marker of its own)
    price = next(e for e in log if e.action == "price")
    assert actions.cells(price, {price.operator: "场控"}, translator("zh_CN"))[2:] == [
        f"改价 · {label}",
        "¥399.00",
        "¥359.00",
    ]
    assert (
        actions.cells(price, {price.operator: "Assistant"}, translator("en"))[2]
        == f"Price change · {label}"
    )


def test_a_crafted_changes_table_is_refused(tmp_path: Path) -> None:
    path = _edit(
        _older(tmp_path / "bad.sqlite"),
        "CREATE TABLE changes (id INTEGER PRIMARY KEY, seq INTEGER, ts REAL)",
    )
    with pytest.raises(SessionFileError) as err:
        SessionFile(path)
    assert err.value.code == "bad_schema"
    path = valid(tmp_path / "far.sqlite")
    _edit(
        path,
        actions.INSERT_SQL,
        params=(1, 1e300, "assistant", "t", "price", "x", "1", "2", "t"),
    )
    with pytest.raises(SessionFileError) as err:
        SessionFile(path)
    assert err.value.code == "out_of_bounds"


def test_two_operators_of_one_role_are_two_names_and_queue_moves_read_as_positions() -> None:
    def e(token: str, action: str = "stock", before: str = "50", after: str = "40") -> LoggedAction:
        return LoggedAction(T0, 1, "assistant", token, action, "口红", before, after)

    log = [e("tok-aaaa"), e("tok-bbbb"), LoggedAction(T0, 2, "host", "h", "pin", "x", None, None)]
    names = operator_names(log, translator("zh_CN"))
    assert list(names.values()) == ["场控 ·aaaa", "场控 ·bbbb", "主播"]
    move = e("tok-aaaa", "reorder", "3", "1")
    assert actions.cells(move, names, translator("zh_CN"))[2:] == [
        "调整排品 · 口红",
        "第 3 位",
        "第 1 位",
    ]
    assert actions.cells(move, names, translator("en"))[3:] == ["No. 3", "No. 1"]
