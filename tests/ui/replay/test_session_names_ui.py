"""The 直播场次 list with recordings of both names (``….livedesk`` and, from before it,
``….livedesk-session.sqlite``): both listed, a file being written never; the 打开文件… dialog
offers both; a shared file's room, session and start are read from either name."""

from __future__ import annotations

from pathlib import Path

from app.session.schema import CREATING_PREFIX
from app.session.share import PART_PREFIX, PART_SUFFIX
from tests.support.session_files import valid
from ui.replay.sessions import FILE_FILTER, NAME, rescan

OLD = ".livedesk-session.sqlite"


def test_rescan_lists_both_names_and_no_file_being_written(tmp_path: Path) -> None:
    old = valid(tmp_path / f"r1_a_20251009-120000{OLD}", session_id="a")
    new = valid(tmp_path / "r1_b_20251009-130000.livedesk", session_id="b")
    valid(tmp_path / f"{CREATING_PREFIX}r1_c_20251009-140000.livedesk.part", session_id="c")
    valid(tmp_path / f"{PART_PREFIX}abc{PART_SUFFIX}", session_id="d")
    found, bad, cache, changed = rescan(tmp_path, {})
    assert changed and bad == []
    assert sorted(s.session_id for s in found) == ["a", "b"]
    assert set(cache) == {old, new}


def test_the_open_dialog_and_the_shared_list_know_both_names() -> None:
    assert "*.livedesk" in FILE_FILTER.split("(")[1] and f"*{OLD}" in FILE_FILTER
    for suffix in (".livedesk", OLD):
        m = NAME.match(f"r1_s9_20251009-120000{suffix}")
        assert m is not None and (m["room"], m["sid"], m["start"]) == (
            "r1",
            "s9",
            "20251009-120000",
        )
    assert NAME.match("r1_s9_20251009-120000.sqlite") is None
