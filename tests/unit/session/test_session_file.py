"""Session files: what is written is what replay reads (totals, per product, lotteries, resume)."""

from __future__ import annotations

from pathlib import Path

from app.platform import models as m
from app.session.attribution import explain_log, per_product
from app.session.replay import SessionFile, list_sessions
from app.session.writer import SessionWriter
from tests.support.synth import ASSISTANT, products, session_events

T0 = 1_760_000_000.0


def write(path: Path, batches: list[list[m.Event]], **meta: str) -> None:
    w = SessionWriter(path, {"room": "r1", "session_id": "s1", "started_ts": repr(T0), **meta})
    w.put_products(products(), T0)
    for b in batches:
        w.put_events(b)
    w.close()


def test_replay_totals_equal_the_events_written(tmp_path: Path) -> None:
    batches = list(session_events(total=30_000, hours=0.3, t0=T0))
    events = [e for b in batches for e in b]
    path = tmp_path / "a.livedesk-session.sqlite"
    write(path, batches)

    created = [e.data.order for e in events if e.type is m.EventType.ORDER_CREATED]
    comments = [e for e in events if e.type is m.EventType.COMMENT]
    with SessionFile(path) as f:
        s = f.summary()
        assert s.orders == len(created)
        assert s.gmv_cents == sum(o.amount_cents for o in created)
        assert s.comments == len(comments)
        assert s.events == len(events)
        assert s.ended_ts == T0 + 1080
        # every event comes back, in order, with its data
        back = list(f.iter_events())
        assert [e.seq for e in back] == [e.seq for e in events]
        assert back[5].data.model_dump() == events[5].data.model_dump()
        # the timeline's last cumulative GMV is the session's GMV
        ser = f.series()
        assert int(ser.cum_gmv_cents[-1]) == s.gmv_cents
        per_bin = ser.bin_s / 60.0
        assert round(ser.orders_per_min.sum() * per_bin) == s.orders
        assert round(ser.comments_per_min.sum() * per_bin) == s.comments
        assert ser.online.min() > 0


def test_lottery_in_the_recording_verifies(tmp_path: Path) -> None:
    batches = list(session_events(total=20_000, hours=0.3, t0=T0))
    path = tmp_path / "b.livedesk-session.sqlite"
    write(path, batches)
    with SessionFile(path) as f:
        lots = f.lotteries()
    assert len(lots) == 1
    r = lots[0]
    assert r.lottery.status == "drawn"
    assert r.verification.ok
    assert r.participants_from_comments == r.lottery.entrants


def _explain(seq: int, ts: float, pid: str, on: bool) -> m.Event:
    return m.Event.model_construct(
        seq=seq,
        ts=ts,
        type=m.EventType.PRODUCT_EXPLAINING,
        data=m.ProductExplainingData(product_id=pid, explaining=on, actor=ASSISTANT),
    )


def _order(seq: int, ts: float, pid: str, amount: int, user: str = "u1") -> m.Event:
    o = m.Order(
        id=f"o{seq}",
        user_id=user,
        nickname=user,
        product_id=pid,
        quantity=1,
        unit_price_cents=amount,
        amount_cents=amount,
        status="created",
        created_ts=ts,
    )
    return m.Event.model_construct(
        seq=seq, ts=ts, type=m.EventType.ORDER_CREATED, data=m.OrderData(order=o)
    )


def test_per_product_windows_orders_during_and_after(tmp_path: Path) -> None:
    evs = [
        _explain(1, T0 + 10, "p1", True),
        _order(2, T0 + 20, "p1", 1000, "u1"),
        _order(3, T0 + 30, "p1", 1000, "u2"),
        _explain(4, T0 + 70, "p2", True),  # implicitly ends p1's window
        _order(5, T0 + 80, "p1", 500),  # after p1's explain
        _order(6, T0 + 90, "p2", 700),
        _explain(7, T0 + 100, "p2", False),
        _order(8, T0 + 1000, "p1", 300),  # long after: neither during nor after
    ]
    path = tmp_path / "c.livedesk-session.sqlite"
    write(path, [evs[:4], evs[4:]])
    with SessionFile(path) as f:
        rows = {r.product_id: r for r in per_product(f)}
    p1, p2 = rows["p1"], rows["p2"]
    assert p1.windows == [(T0 + 10, T0 + 70)]
    assert p1.on_screen_s == 60
    assert (p1.orders_during, p1.gmv_during_cents, p1.buyers_during) == (2, 2000, 2)
    assert (p1.orders_after, p1.gmv_after_cents) == (1, 500)
    assert (p1.orders_total, p1.gmv_total_cents) == (4, 2800)
    assert p2.windows == [(T0 + 70, T0 + 100)]
    assert (p2.orders_during, p2.gmv_during_cents) == (1, 700)
    assert p1.stock_start == p1.stock_end == 100_000
    assert rows["p3"].windows == []  # in the bag, never explained


def test_reopened_file_appends_without_duplicates(tmp_path: Path) -> None:
    batches = list(session_events(total=5_000, hours=0.05, t0=T0))
    path = tmp_path / "d.livedesk-session.sqlite"
    half = len(batches) // 2
    write(path, batches[:half])
    # the console restarts: the same events are seen again, then the rest
    write(path, batches)
    events = [e for b in batches for e in b]
    with SessionFile(path) as f:
        assert f.event_seqs() == [e.seq for e in events]
        assert f.summary().orders == sum(e.type is m.EventType.ORDER_CREATED for e in events)
    assert [s.session_id for s in list_sessions(tmp_path)] == ["s1"]


def test_a_reopened_file_knows_its_holes_and_takes_exactly_what_fills_them(tmp_path: Path) -> None:
    """A console killed while back-filling leaves a hole; reopened, the file names the hole, takes
    the events that fill it, and ignores events it already holds (no double counts)."""
    events = [e for b in session_events(total=3_000, hours=0.05, t0=T0) for e in b]
    seqs = [e.seq for e in events]
    path = tmp_path / "h.livedesk-session.sqlite"
    lo, hi = seqs[999], seqs[1999]  # the file gets ..lo and hi+1..; lo+1..hi is the hole
    write(path, [events[:1000], events[2000:2500]])

    w = SessionWriter(path)
    assert w.holes == [(lo, hi)]
    assert w.resume_seq == seqs[2499]
    w.put_events(events[500:1500])  # half already held, half the hole
    w.put_events(events[1500:])  # the rest of the hole, then held, then new
    w.close()
    with SessionFile(path) as f:
        assert f.event_seqs() == seqs
        s = f.summary()  # per-second counters: an event written twice would count twice
        assert s.events == len(events)
        assert s.comments == sum(1 for e in events if e.type is m.EventType.COMMENT)
    again = SessionWriter(path)
    assert again.holes == []
    again.close()


def _viewers(seq: int, ts: float, online: int) -> m.Event:
    return m.Event.model_construct(
        seq=seq, ts=ts, type=m.EventType.VIEWERS, data=m.ViewersData(online=online, uv=online)
    )


def test_each_explain_window_has_its_own_orders_gmv_and_conversion(tmp_path: Path) -> None:
    """p1 is explained twice: each window is listed with the orders and GMV during it and in the
    5 minutes after it (until p1's next window), and its conversion = buyers during the window ÷
    average viewers online during it (docs/user-guide.md)."""
    evs = [
        _viewers(1, T0 + 0, 100),
        _explain(2, T0 + 10, "p1", True),
        _order(3, T0 + 20, "p1", 1000, "u1"),
        _order(4, T0 + 30, "p1", 1000, "u1"),  # the same buyer twice: one buyer
        _order(5, T0 + 35, "p1", 2500, "u2"),
        _order(6, T0 + 36, "p2", 900, "u3"),  # another product: not p1's
        _viewers(7, T0 + 40, 300),
        _explain(8, T0 + 70, "p1", False),  # window 1: [10, 70): 30 s at 100, 30 s at 300
        _order(9, T0 + 100, "p1", 700, "u4"),  # after window 1
        _order(10, T0 + 200, "p1", 400, "u5"),  # after window 1 too (< 5 min, before window 2)
        _explain(11, T0 + 250, "p1", True),
        _order(12, T0 + 260, "p1", 600, "u1"),  # during window 2
        _explain(13, T0 + 280, "p2", True),  # window 2 ends: [250, 280) at 300 online
        _order(14, T0 + 290, "p1", 800, "u6"),  # after window 2
        _order(15, T0 + 900, "p1", 100, "u7"),  # more than 5 min after: neither
        _explain(16, T0 + 300, "p2", False),
    ]
    path = tmp_path / "e.livedesk-session.sqlite"
    write(path, [evs[:7], evs[7:]], ended_ts=repr(T0 + 1000))
    with SessionFile(path) as f:
        log = explain_log(f)
        rows = {r.product_id: r for r in per_product(f)}
    got = [
        (
            w.product_id,
            w.start_ts - T0,
            w.end_ts - T0,
            w.orders_during,
            w.gmv_during_cents,
            w.orders_after,
            w.gmv_after_cents,
            w.buyers_during,
            w.avg_online,
        )
        for w in log
    ]
    assert got == [
        ("p1", 10, 70, 3, 4500, 2, 1100, 2, 200.0),
        ("p1", 250, 280, 1, 600, 1, 800, 1, 300.0),
        ("p2", 280, 300, 0, 0, 0, 0, 0, 300.0),
    ]
    assert log[0].conversion == 2 / 200 and log[1].conversion == 1 / 300
    assert log[2].conversion == 0.0
    p1 = rows["p1"]
    assert p1.explains == log[:2]
    assert (p1.orders_during, p1.gmv_during_cents, p1.orders_after) == (4, 5100, 3)
    # the product's conversion: distinct buyers over both windows ÷ online over both windows
    assert p1.buyers_during == 2  # u1 (twice in window 1, once in window 2) and u2
    assert p1.avg_online_during == (30 * 100 + 30 * 300 + 30 * 300) / 90
    assert p1.conversion == 2 / p1.avg_online_during


def test_the_last_partial_minute_is_drawn_at_its_own_rate(tmp_path: Path) -> None:
    """A session ending a few seconds into a minute: the charts' last bar is not a drop to zero
    (its orders over the seconds it has, or merged into the minute before when very short)."""
    from app.session.replay import display_bins

    def session(end_s: int, name: str) -> tuple[list[float], list[float]]:
        evs = [_order(i + 1, T0 + i * 2.0, "p1", 100, f"u{i}") for i in range(end_s // 2 + 1)]
        path = tmp_path / name
        write(path, [evs], ended_ts=repr(T0 + end_s))
        with SessionFile(path) as f:
            ser = f.series()
        assert ser.bin_s == 60  # longer than 20 minutes: minute bins
        edges, opm, _ = display_bins(ser)
        return list(edges), list(opm)

    # one order every 2 s (30 a minute) for 21 minutes and 30 s: 60 s bins, the last one half
    edges, opm = session(21 * 60 + 30, "half.livedesk-session.sqlite")
    assert edges[-1] == 21 * 60 + 31 and edges[-2] == 21 * 60
    assert opm[-1] == 16 * 60 / 31  # 16 orders in its 31 seconds, per minute
    assert all(abs(r - 30) <= 1 for r in opm[:-1])
    # ending 2 s into a minute: merged into the minute before, no bar for two seconds
    edges, opm = session(21 * 60 + 2, "short.livedesk-session.sqlite")
    assert edges[-1] == 21 * 60 + 3 and edges[-2] == 20 * 60
    assert opm[-1] == (30 + 2) * 60 / 63


def test_actions_and_roles_are_named_for_the_reader() -> None:
    """The actions tab and markers say what an operator did and who, in the reader's language:
    a scene switch made in OBS itself is OBS's, not an unnamed role."""
    from app.i18n import translator
    from app.names import action_name, role_name

    zh, en = translator("zh_CN"), translator("en")
    assert action_name("issue_coupon", zh) == "发券"
    assert action_name("obs_switch_scene", en) == "OBS: switch scene"
    assert action_name("something_new", en) == "something_new"  # unknown: shown as stored
    assert role_name("obs", zh) == "OBS" and role_name("assistant", en) == "Assistant"
    assert role_name(None, en) == ""


def test_the_platforms_own_lines_are_stored_and_a_line_with_a_newline_is_encoded_again(
    tmp_path: Path,
) -> None:
    """The stream's batches carry each event's wire line (EventBatch.wire): the recorder keeps
    those bytes (fields the console does not model included) instead of serialising again."""
    import orjson

    from app.session.writer import encode_event

    batches = list(session_events(total=3_000, hours=0.05, t0=T0))
    events = [e for b in batches for e in b]
    wire = []
    for e in events:
        obj = orjson.loads(encode_event(e))
        obj["data"]["platform_extra"] = "kept"  # a field the console has no model for
        wire.append(orjson.dumps(obj))
    pretty = 7  # a platform may send pretty-printed JSON: a line break inside the message
    wire[pretty] = orjson.dumps(orjson.loads(wire[pretty]), option=orjson.OPT_INDENT_2)
    assert b"\n" in wire[pretty]
    path = tmp_path / "w.livedesk-session.sqlite"
    write(
        path, [m.EventBatch(events[:1500], wire[:1500]), m.EventBatch(events[1500:], wire[1500:])]
    )

    import sqlite3
    import zlib

    conn = sqlite3.connect(path)
    lines = [
        line
        for (blob,) in conn.execute("SELECT data FROM event_blocks ORDER BY first_seq")
        for line in zlib.decompress(blob).split(b"\n")
    ]
    conn.close()
    assert len(lines) == len(events)  # one event per line, the pretty one included
    assert lines[0] == wire[0] and lines[-1] == wire[-1]  # byte for byte what the platform sent
    assert lines[pretty] == encode_event(events[pretty])  # re-encoded: it would break the block
    with SessionFile(path) as f:
        back = list(f.iter_events())
        assert [e.seq for e in back] == [e.seq for e in events]
        assert back[100].data.model_dump() == events[100].data.model_dump()
        assert f.summary().comments == sum(e.type is m.EventType.COMMENT for e in events)


def test_a_folder_being_recorded_into_never_shows_a_half_made_session(tmp_path: Path) -> None:
    """The sessions list scans the folder while a console starts its recording: it sees a new
    session whole (its start time included) or not at all, never as 已损坏."""
    import threading

    from app.session.replay import scan_sessions

    made: list[Path] = []
    done = threading.Event()

    def record() -> None:
        try:
            for i in range(40):
                path = tmp_path / f"s{i}.livedesk-session.sqlite"
                SessionWriter(
                    path, {"room": "r1", "session_id": f"s{i}", "started_ts": repr(T0)}
                ).close()
                made.append(path)
        finally:
            done.set()

    worker = threading.Thread(target=record)
    worker.start()
    damaged = []
    while not done.is_set():
        damaged += scan_sessions(tmp_path)[1]
    worker.join()
    assert damaged == []
    assert [s.path for s in scan_sessions(tmp_path)[0]] != [] and len(made) == 40
    # a crash's half-made leftover is not a session, and making that session again replaces it
    leftover = tmp_path / ".creating-s40.livedesk-session.sqlite.part"
    leftover.write_bytes(b"")
    assert scan_sessions(tmp_path)[1] == []
    write(tmp_path / "s40.livedesk-session.sqlite", [])
    assert not leftover.exists() and len(list_sessions(tmp_path)) == 41
