"""Property (hypothesis) over the sandbox's event log on real SQLite (issue 13, D1): whatever
sequence of appends and commits, some failing (unserialisable payloads, an injected SQLITE_FULL via
``PRAGMA max_page_count``, an unserialisable entity), the log holds contiguous seqs 1..N and every
acknowledged event is readable exactly once, from the ring and from SQLite after a restart."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from plugins.sandbox.eventlog import EventLog, LogWriteError, StorageFailed, Unserialisable
from plugins.sandbox.store import Store

BIG = st.integers(min_value=2000, max_value=9000).map(lambda n: "x" * n)  # needs new pages
GOOD = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=30),
    BIG,
)
BAD = st.sampled_from([10**23, "evil\ud800", -(2**64), {"k": "\udfff"}])

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), GOOD),
        st.tuples(st.just("append_bad"), BAD),
        st.tuples(st.just("entity"), GOOD),
        st.tuples(st.just("entity_bad"), BAD),
        st.tuples(st.just("flush"), st.none()),
        st.tuples(st.just("disk_full"), st.booleans()),
        st.tuples(st.just("disk_full"), st.just(True)),
        st.tuples(st.just("append"), BIG),
    ),
    min_size=10,
    max_size=60,
)


def read_all(elog: EventLog, page: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = 0
    for _ in range(10_000):
        batch = elog.read_after(cursor, page)
        assert batch is not None, f"a gap after seq {cursor}"
        if not batch:
            break
        out.extend(orjson.loads(t) for t in batch)
        cursor += len(batch)
    return out


def check(elog: EventLog, acked: list[Any]) -> None:
    assert elog.committed == len(acked)
    for page in (1, 7, 2000):
        events = read_all(elog, page)
        assert [e["seq"] for e in events] == list(range(1, len(acked) + 1))
        assert [e["data"] for e in events] == acked


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_failed_appends_and_commits_leave_contiguous_acknowledged_events(ops: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "room.db"
        store = Store(path)
        unlimited = store.db.execute("PRAGMA max_page_count").fetchone()[0]
        elog = EventLog(store)
        acked: list[Any] = []
        pending: list[Any] = []
        tainted = False  # a failed append: the batch must not be committed
        entity_bad = False  # the entity's latest value cannot be serialised
        for kind, value in ops:
            if kind in ("append", "append_bad"):
                seq_before = elog.seq
                try:
                    seq = elog.append("test", value, 1.0)
                except Unserialisable:
                    assert kind == "append_bad"
                    assert elog.seq == seq_before  # no seq handed out
                    tainted = True
                else:
                    assert kind == "append"
                    assert seq == elog.committed + len(pending) + 1
                    pending.append(value)
            elif kind in ("entity", "entity_bad"):
                elog.dirty("thing", "x", {"v": value})  # the latest value is the one written
                entity_bad = kind == "entity_bad"
            elif kind == "disk_full":
                if value:
                    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
                    store.db.execute(f"PRAGMA max_page_count = {pages}")
                else:
                    store.db.execute(f"PRAGMA max_page_count = {unlimited}")
            else:
                try:
                    elog.flush()
                except LogWriteError as exc:
                    event(type(exc).__name__)
                    assert tainted or entity_bad or isinstance(exc, StorageFailed)
                    assert elog.seq == elog.committed  # the batch's seqs are given back
                else:
                    assert not (tainted or entity_bad)
                    acked.extend(pending)
                pending, tainted, entity_bad = [], False, False
                check(elog, acked)
        # whatever is still pending is not acknowledged: a restart reads exactly the acked events
        store.db.execute(f"PRAGMA max_page_count = {unlimited}")
        store.close()
        store = Store(path)
        try:
            check(EventLog(store), acked)
        finally:
            store.close()
