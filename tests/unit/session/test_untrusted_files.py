"""Session files are untrusted input (issue 13, D6): crafted files are refused quickly with a
clear reason, never hang or allocate GiBs; what is read is bounded."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.i18n import language, set_language
from app.session.replay import SessionFile, read_summary, scan_sessions
from app.session.safe_open import SessionFileError
from tests.support.session_files import CRAFTED, T0, valid, zip_bomb_block

DEADLINE_S = 5.0


def open_in_thread(path: Path, join_s: float = 30.0) -> tuple[BaseException | None, float]:
    """Open ``path`` on a thread; the error (or None) and the seconds it took. A thread that is
    still running after ``join_s`` fails the test instead of hanging it."""
    out: list[BaseException | None] = []

    def run() -> None:
        try:
            with SessionFile(path) as f:
                f.summary()
                f.series()
            out.append(None)
        except BaseException as exc:
            out.append(exc)

    t0 = time.monotonic()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(join_s)
    assert not t.is_alive(), f"opening {path.name} still running after {join_s} s"
    return out[0], time.monotonic() - t0


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_a_crafted_file_is_refused_with_a_clear_reason_within_a_deadline(
    tmp_path: Path, kind: str
) -> None:
    make, code = CRAFTED[kind]
    path = make(tmp_path / f"{kind}.livedesk-session.sqlite")
    err, took = open_in_thread(path)
    assert isinstance(err, SessionFileError), repr(err)
    assert err.code == code
    assert took < DEADLINE_S
    was = language()
    try:
        set_language("en")
        english = err.message()
        set_language("zh_CN")
        chinese = err.message()
    finally:
        set_language(was)
    assert english.isascii() and english[:1].isupper()
    assert english != chinese and not chinese.isascii()


def test_the_list_names_each_bad_file_and_keeps_the_good_one(tmp_path: Path) -> None:
    good = valid(tmp_path / "good.livedesk-session.sqlite", session_id="good")
    for kind, (make, _code) in CRAFTED.items():
        make(tmp_path / f"{kind}.livedesk-session.sqlite")
    t0 = time.monotonic()
    summaries, bad = scan_sessions(tmp_path, deadline_s=DEADLINE_S)
    assert time.monotonic() - t0 < DEADLINE_S * 2
    assert [s.path for s in summaries] == [good]
    assert sorted(u.path.name for u in bad) == sorted(
        f"{k}.livedesk-session.sqlite" for k in CRAFTED
    )
    assert all(u.reason for u in bad)


BOMB_SCRIPT = """
import json, resource, sys
from pathlib import Path
from app.session.replay import SessionFile
from app.session.report_csv import write_csv
from app.session.safe_open import SessionFileError

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code = None
try:
    with SessionFile(Path(sys.argv[1])) as f:
        write_csv(f, Path(sys.argv[2]))
except SessionFileError as exc:
    code = exc.code
except MemoryError:
    code = "MemoryError"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "peak_delta_mib": (after - before) / 1024}))
"""


def test_the_csv_export_refuses_a_zip_bomb_block_without_allocating_gibs(tmp_path: Path) -> None:
    """A ~2 MB block inflating to 2 GiB: the export stops at the block cap (64 MiB), with a clear
    error; the process's peak memory grows by far less than the bomb (measured in a child)."""
    path = zip_bomb_block(tmp_path / "bomb.livedesk-session.sqlite")
    assert path.stat().st_size < 8 * 1024**2
    run = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT, str(path), str(tmp_path / "csv")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["code"] == "too_large"
    assert got["peak_delta_mib"] < 256, got


def test_the_timeline_of_a_file_is_bounded_by_the_duration_cap(tmp_path: Path) -> None:
    """A per-second row 10 years after the start would make arrays of 315 million entries."""
    path = valid(tmp_path / "far.livedesk-session.sqlite")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO per_sec(sec, events) VALUES (?, 1)", (int(T0) + 10 * 365 * 86400,))
    conn.close()
    with pytest.raises(SessionFileError) as err:
        read_summary(path)
    assert err.value.code == "out_of_bounds" and "per_sec" in err.value.detail


@pytest.mark.parametrize("value", ["9e999", "-1", "'x'"])
def test_timestamps_that_are_not_finite_times_are_refused(tmp_path: Path, value: str) -> None:
    path = valid(tmp_path / "ts.livedesk-session.sqlite")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"UPDATE markers SET ts = {value} WHERE id = (SELECT min(id) FROM markers)")
    conn.close()
    with pytest.raises(SessionFileError) as err:
        read_summary(path)
    assert err.value.code == "out_of_bounds" and "markers.ts" in err.value.detail


def test_a_video_path_from_a_file_is_only_a_plain_local_video(tmp_path: Path) -> None:
    """The replay opens the recording's video by the path in the file: a network share, a
    URL or a device is dropped (the replay then says there is no video)."""
    path = valid(tmp_path / "v.livedesk-session.sqlite")
    for rec, kept in (
        ("/home/me/Videos/live.mkv", True),
        ("\\\\attacker\\share\\live.mp4", False),
        ("smb://attacker/share/live.mp4", False),
        ("/dev/zero", False),
        ("/home/me/live.mkv\n", False),
    ):
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('obs_recording', ?)", (rec,))
        conn.close()
        assert (read_summary(path).obs_recording == rec) is kept, rec


def test_opening_never_writes_the_file(tmp_path: Path) -> None:
    path = valid(tmp_path / "ro.livedesk-session.sqlite")
    before = path.read_bytes()
    with SessionFile(path) as f:
        f.summary()
        with pytest.raises(sqlite3.OperationalError):
            f.conn.execute("DELETE FROM meta")
    assert path.read_bytes() == before


def test_no_query_on_a_file_runs_past_its_time_budget(tmp_path: Path) -> None:
    path = valid(tmp_path / "q.livedesk-session.sqlite")
    with SessionFile(path) as f:
        f.conn.budget = 0.5  # type: ignore[attr-defined]
        t0 = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="interrupt"):
            f.conn.execute(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                " SELECT count(*) FROM c"
            ).fetchone()
        assert time.monotonic() - t0 < 5
