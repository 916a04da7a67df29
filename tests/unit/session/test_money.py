"""Gift value, paid messages, memberships and shares in a session file (real SQLite): the writer
counts them per second, the file reads them back as totals and per minute, the HTML report
shows them (KPI and a table), and a file recorded before they were kept still opens and reads
as "none"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.platform import models as m
from app.session.money import Money, per_minute, totals
from app.session.replay import SessionFile
from app.session.report import build_html
from app.session.safe_open import SessionFileError
from app.session.writer import SessionWriter
from tests.support.session_files import T0, name, valid


def _ev(seq: int, ts: float, kind: str, **data: object) -> m.Event:
    return m.parse_event({"seq": seq, "ts": ts, "type": kind, "data": data})


def _record(path: Path) -> Path:
    w = SessionWriter(path, {"room": "r1", "session_id": "s1", "started_ts": repr(T0)})
    u = {"user_id": "u1", "nickname": "阿明"}
    w.put_events(
        [
            _ev(1, T0 + 5, "gift", **u, gift="小电视", count=1, value_cents=24500),
            _ev(2, T0 + 5.5, "gift", **u, gift="辣条", count=3, value_cents=0),  # a free gift
            _ev(3, T0 + 30, "paid_message", **u, amount_cents=3000, text="主播好！"),
        ]
    )
    w.put_events(
        [
            _ev(4, T0 + 61, "paid_message", **u, amount_cents=5000, text="再来一首"),
            _ev(5, T0 + 62, "membership", **u, tier="舰长", months=1, amount_cents=13800),
            _ev(6, T0 + 63, "share", **u),
            _ev(7, T0 + 64, "gift", **u, gift="小电视", count=1, value_cents=24500),
        ]
    )
    w.close()
    return path


def test_the_recording_keeps_gift_value_and_paid_messages_per_minute(tmp_path: Path) -> None:
    path = _record(tmp_path / name("money"))
    with SessionFile(path) as f:
        assert totals(f) == Money(
            gift_value_cents=49000,
            paid_messages=2,
            paid_message_cents=8000,
            memberships=1,
            shares=1,
        )
        rows = per_minute(f)
        assert [r.minute for r in rows] == [0, 1]
        assert rows[0].money == Money(24500, 1, 3000, 0, 0)
        assert rows[1].money == Money(24500, 1, 5000, 1, 1)
        page = build_html(f, lang="en")
        zh = build_html(f)
    assert "Gift value" in page and "¥490.00" in page  # the KPI tile
    assert "Gifts and paid messages" in page and "¥50.00" in page  # the per-minute table
    assert "礼物价值" in zh and "礼物与醒目留言" in zh


def test_a_file_recorded_before_the_money_table_opens_and_reads_none(tmp_path: Path) -> None:
    path = valid(tmp_path / name("old"))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE per_sec_money")  # as a console before this change wrote it
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with SessionFile(path) as f:
        assert totals(f) == Money() and not totals(f).any
        assert per_minute(f) == []
        page = build_html(f, lang="en")
    assert "No gift value or paid messages in this session" in page
    assert "Gift value</span>" not in page  # no KPI tile of zeros


def test_a_shared_file_with_money_rows_far_outside_its_session_is_refused(tmp_path: Path) -> None:
    path = _record(tmp_path / name("hostile"))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO per_sec_money(sec, gift_value_cents) VALUES (?, 1)", (2**40,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with pytest.raises(SessionFileError) as refused:
        SessionFile(path)
    assert refused.value.code == "out_of_bounds"


def test_gifted_subs_count_as_that_many_memberships_in_the_recording(tmp_path: Path) -> None:
    path = tmp_path / name("gifted")
    w = SessionWriter(path, {"room": "r1", "session_id": "s1", "started_ts": repr(T0)})
    gifter = {"user_id": "9", "nickname": "Gifter", "tier": "Tier 1", "currency": "USD"}
    w.put_events(
        [
            _ev(1, T0 + 5, "membership", **gifter, months=1, gifted=5),  # Twitch: 5 subs given
            _ev(2, T0 + 6, "membership", **gifter, months=5),  # an event from before `gifted`
        ]
    )
    w.close()
    with SessionFile(path) as f:
        assert totals(f).memberships == 6
