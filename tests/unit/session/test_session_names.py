"""Session file names: new recordings end in ``.livedesk`` (a final extension Windows Explorer
and macOS can associate with LiveDesk); files named before it (``….livedesk-session.sqlite``)
stay session files everywhere — listed, scored, found for the summary, downloaded under their own
names — and files being written are never listed."""

from __future__ import annotations

from pathlib import Path

from app.session import schema, summary
from app.session.replay import scan_sessions
from app.session.score import folder_raws
from app.session.share import PART_PREFIX, PART_SUFFIX, download_name, publish, shared_by
from tests.support.session_files import valid

OLD = ".livedesk-session.sqlite"


def both_kinds(folder: Path) -> tuple[Path, Path]:
    """An old-named recording and a new one of the same room, an hour apart (session ids a, b)."""
    folder.mkdir(parents=True, exist_ok=True)
    old = valid(folder / f"r1_a_20251009-120000{OLD}", session_id="a")
    new = valid(folder / "r1_b_20251009-130000.livedesk", session_id="b")
    return old, new


def in_progress(folder: Path) -> list[Path]:
    """What the recorder and a download leave in the folder while they write."""
    making = folder / f"{schema.CREATING_PREFIX}r1_c_20251009-140000.livedesk.part"
    making_old = folder / f"{schema.CREATING_PREFIX}r1_d_20251009-140000{OLD}.part"
    download = folder / f"{PART_PREFIX}x1y2{PART_SUFFIX}"
    for p in (making, making_old, download):
        valid(p)  # a whole session file inside: still not listed
    side = [folder / "r1_z.livedesk-wal", folder / f"r1_z{OLD}-shm"]  # orphans of a crash
    for p in side:
        p.write_bytes(b"")
    return [making, making_old, download, *side]


def test_a_new_session_file_is_named_livedesk_and_an_existing_one_keeps_its_name(
    tmp_path: Path,
) -> None:
    stem = "r1_s1_20251009-120000"
    assert schema.session_path(tmp_path, stem) == tmp_path / f"{stem}.livedesk"
    old = valid(tmp_path / f"{stem}{OLD}")
    assert schema.session_path(tmp_path, stem) == old  # a resumed session appends to its file
    assert not (tmp_path / f"{stem}.livedesk").exists()
    assert schema.stem(old) == stem and schema.stem(tmp_path / f"{stem}.livedesk") == stem


def test_a_folder_with_both_kinds_lists_both_and_never_a_file_being_written(
    tmp_path: Path,
) -> None:
    old, new = both_kinds(tmp_path)
    hidden = in_progress(tmp_path)
    assert schema.session_files(tmp_path) == sorted([old, new])
    found, bad = scan_sessions(tmp_path)
    assert sorted(s.session_id for s in found) == ["a", "b"] and bad == []
    assert {r.path for r in folder_raws(tmp_path)} == {old, new}  # both scored
    assert not any(schema.is_session_file(p) for p in hidden)


def test_the_summary_finds_a_session_under_either_name(tmp_path: Path) -> None:
    old, new = both_kinds(tmp_path)
    assert summary.session_file(tmp_path, "r1", "a") == old
    assert summary.session_file(tmp_path, "r1", "b") == new
    # the same session continued into a second file (-2): the later one, whatever their names
    cont = valid(tmp_path / "r1_a_20251009-120000-2.livedesk", session_id="a")
    assert summary.session_file(tmp_path, "r1", "a") == cont


def test_a_download_keeps_each_files_own_name(tmp_path: Path) -> None:
    assert download_name(f"r1_a{OLD}", "host") == f"r1_a.shared-host{OLD}"
    assert download_name("r1_b.livedesk", "host") == "r1_b.shared-host.livedesk"
    assert shared_by(tmp_path / f"r1_a.shared-host{OLD}") == "host"
    assert shared_by(tmp_path / "r1_b.shared-host.livedesk") == "host"
    assert shared_by(tmp_path / "r1_b.livedesk") is None

    dest = tmp_path / "sessions"
    dest.mkdir()
    for name in (f"r1_a.shared-host{OLD}", "r1_b.shared-host.livedesk"):
        first = publish(valid(tmp_path / "t1", session_id="x"), dest, name)
        second = publish(valid(tmp_path / "t2", session_id="y"), dest, name)  # other content
        assert first.name == name
        stem, suffix = schema.split_name(name) or ("", "")
        assert second.name == f"{stem}-2{suffix}"
        for p in (tmp_path / "t1", tmp_path / "t2"):
            assert not p.exists()
    found, _ = scan_sessions(dest)
    assert sorted(s.session_id for s in found) == ["x", "x", "y", "y"]


def test_names_that_are_not_session_files(tmp_path: Path) -> None:
    for name in ("x.sqlite", "x.livedesk-wal", f"x{OLD}-shm", "x.livedesk.part", ".livedesk", OLD):
        assert not schema.is_session_file(tmp_path / name), name
    for name in ("x.livedesk", f"x{OLD}", "带货 第一场.livedesk"):
        assert schema.is_session_file(name), name


def test_a_suffix_in_capitals_is_still_a_session_file() -> None:
    """Windows lists and opens ``X.LIVEDESK`` (its extensions ignore case): so does LiveDesk,
    keeping the file's own spelling of the suffix."""
    assert schema.split_name("Show.LIVEDESK") == ("Show", ".LIVEDESK")
    assert schema.split_name(f"Show{OLD.upper()}") == ("Show", OLD.upper())
    assert schema.stem(Path("C:/rec/Show.LiveDesk")) == "Show"
    assert not schema.is_session_file("Show.LIVEDESK-WAL")
