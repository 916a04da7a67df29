"""Against the real sandbox server: the interaction-drop alert fires when the audience goes quiet
(the debug route scripts the drop), not before its window fills, not off-air; and `livedesk
report --format json` on a rehearsal the console recorded holds the summary, the products, the
explain log and the replay score — also through `python -m app.main report`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.live.alerts import AlertBook, AlertConfig
from app.live.metrics import MetricsTracker
from app.session.replay import SessionFile
from app.session.score import score_file
from app.settings import ReviewSettings
from tests.support.polling import until
from tests.support.recording_rig import recording_host
from tests.support.session_files import not_sqlite, valid
from ui.replay.report_command import run

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SPEED = 20.0  # the tracker's clock runs 20× real time: a 1-minute baseline fills in 3 s


async def test_the_interaction_drop_alert_fires_when_the_audience_goes_quiet(
    sandbox_server: Any, tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=200, seed=5, debug_routes=True, extra=["--rate", "300"])
    async with recording_host(srv, tmp_path / "sessions") as (room, _rec):
        m0 = time.monotonic()
        tracker = MetricsTracker(room, clock=lambda: 1e9 + (time.monotonic() - m0) * SPEED)
        # the default −10 %, against the previous minute (N = 1), a 1-minute window
        book = AlertBook(AlertConfig(interaction_baseline_minutes=1))
        fired: list[tuple[float, str]] = []

        def tick(live: bool) -> None:
            s = tracker.tick()
            new, _ = book.update(tracker.history, [], now=s.ts, live=live)
            fired.extend((s.ts, a.key) for a in new)

        await room.start_session()
        await until(lambda: room.session is not None and room.session.status == "live", 20)
        tracker.history.clear()
        t_start = tracker.clock()
        # the audience chats, likes and sends gifts at its usual pace: the first 2 minutes
        # (on the tracker's clock) fill the baseline and the window, nothing is judged before
        while tracker.clock() - t_start < 120:
            tick(live=True)
            await asyncio.sleep(0.1)
        assert tracker.interaction_rate() > 0
        assert all(ts - t_start >= 120 for ts, key in fired if key == "interaction_drop")
        fired.clear()
        # the audience goes quiet (comments, likes and gifts almost stop)
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.post(
                srv.api("/_debug/audience-rate"), json={"rate": 1}, headers=srv.headers()
            )
            r.raise_for_status()
        dropped_at = tracker.clock()
        while not any(key == "interaction_drop" for _, key in fired):
            assert tracker.clock() - dropped_at < 120, "no alert a whole window after the drop"
            tick(live=True)
            await asyncio.sleep(0.1)
        alert = book.active["interaction_drop"]
        assert int(str(alert.params["percent"])) >= 10
        # 下播: off-air the rule judges nothing, the alert clears and does not come back
        await room.end_session()
        await until(lambda: room.session is not None and room.session.status != "live", 20)
        fired.clear()
        for _ in range(10):
            tick(live=False)
            await asyncio.sleep(0.05)
        assert "interaction_drop" not in book.active and fired == []


async def _record_rehearsal(srv: Any, directory: Path) -> Path:
    async with recording_host(srv, directory) as (room, rec):
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        await room.explain(room.product_ids[0])
        await until(lambda: room.metrics.orders >= 3, 40, "orders")
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
    [path] = rec.files
    return path


async def test_report_json_of_a_recorded_rehearsal(
    sandbox_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srv = sandbox_server(viewers=200, seed=8, extra=["--rate", "200"])
    directory = tmp_path / "sessions"
    path = await _record_rehearsal(srv, directory)
    out = tmp_path / "report.json"

    assert await asyncio.to_thread(run, [str(path), "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    with SessionFile(path) as f:
        want = f.summary()
        score = score_file(f, ReviewSettings())
    s = doc["summary"]
    assert (s["orders"], s["gmv_cents"], s["session_id"]) == (
        want.orders,
        want.gmv_cents,
        want.session_id,
    )
    assert s["orders"] >= 3 and s["uv"] > 0 and 0 < s["conversion"] <= 1
    assert sum(p["orders_total"] for p in doc["products"]) == want.orders
    assert doc["explains"] and doc["explains"][0]["product_id"]
    sc = doc["score"]
    assert sc["total"] == score.total and 0 <= sc["total"] <= 100
    assert [c["name"] for c in sc["components"]] == ["gmv", "conversion", "interaction"]
    for c in sc["components"]:
        assert set(c) >= {"name", "raw", "normalised", "weight"}
        assert 0 <= c["normalised"] <= 100
    assert [c["weight"] for c in sc["components"]] == [50, 30, 20]
    gmv = sc["components"][0]
    assert gmv["raw"] == want.gmv_cents
    assert sc["components"][2]["raw"] > 0  # the audience interacted

    # html and csv beside it, in English
    assert (
        run([str(path), "--format", "html", "--lang", "en", "--out", str(tmp_path / "r.html")]) == 0
    )
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Replay score" in page and f"{score.total:.1f}" in page
    assert run([str(path), "--format", "csv", "--out", str(tmp_path / "csv")]) == 0
    [score_csv] = (tmp_path / "csv").glob("*_score.csv")
    assert "综合评分" in score_csv.read_text(encoding="utf-8-sig")

    # the same through the one startup path: app.main dispatches to the entry point that
    # pyproject.toml declares (a dist-info on the path stands in for the re-install)
    commands = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "entry-points"
    ]["livedesk.commands"]
    assert commands["report"] == "ui.replay.report_command:run"
    dist = tmp_path / "ep" / "livedesk_report_probe-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: livedesk-report-probe\nVersion: 0\n"
    )
    (dist / "entry_points.txt").write_text(f"[livedesk.commands]\nreport = {commands['report']}\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(tmp_path / "ep")]))
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.main", "report", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["score"]["total"] == score.total


def test_a_damaged_or_hostile_file_exits_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = not_sqlite(valid(tmp_path / "bad.livedesk-session.sqlite"))
    assert run([str(bad), "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "不是场次文件" in err and "Traceback" not in err
    assert run([str(tmp_path / "missing.livedesk-session.sqlite"), "--format", "html"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_report_pdf_without_a_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = valid(tmp_path / "v.livedesk-session.sqlite")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    out = tmp_path / "v.pdf"
    assert run([str(path), "--format", "pdf", "--lang", "en", "--out", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 10_000
