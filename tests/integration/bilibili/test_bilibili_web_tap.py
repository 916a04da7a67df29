"""``livedesk events --platform bilibili-web`` against the local Bilibili stand-in (real HTTP,
real WebSocket, the real packet protocol): what a user piping a room into other tools sees."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from plugins.bilibili import samples
from plugins.bilibili.codec import Ver
from plugins.bilibili.standin import danmaku as dm
from plugins.bilibili.standin.runner import Served
from plugins.bilibili.standin.web import WebOptions, WebStandIn
from tests.support.processes import spawn, stop

REPO = Path(__file__).resolve().parents[3]
WAIT = 90.0
SHORT, REAL = 6, 21452505


def run_tap(
    served: Served, *args: str, sessdata: str | None = None
) -> tuple[int, list[dict[str, Any]], str]:
    env = dict(os.environ, LIVEDESK_BILIBILI_WEB_BASE=served.base)
    env.pop("LIVEDESK_BILIBILI_SESSDATA", None)
    if sessdata:
        env["LIVEDESK_BILIBILI_SESSDATA"] = sessdata
    cmd = [sys.executable, "-m", "app.events_tap", "--platform", "bilibili-web", *args]
    proc = spawn(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=WAIT)
    finally:
        stop(proc)
    lines = [orjson.loads(line) for line in out.splitlines()]
    return proc.returncode, lines, err.decode(errors="replace")


def gift(uid: int, name: str, tid: str) -> dict[str, Any]:
    return samples.send_gift(uid, name, "小花花", 2, 100, tid=tid)


def script_with_a_disconnect() -> list[dm.Step]:
    start = 1764800000
    return [
        dm.frame(samples.danmu_msg(101, "甲", "你好", id_str="dm-1"), gift(102, "乙", "t-1")),
        dm.frame(
            samples.super_chat(9, 103, "丙", 30, "加油"),
            samples.guard_buy(104, "丁", 3, 1, 198000, start),
            # the same purchase again, as the toast Bilibili sends next to GUARD_BUY
            samples.user_toast_v2(104, "丁", 3, 1, 198000, start),
            ver=Ver.ZLIB,
        ),
        dm.frame(samples.interact_word_v2(105, "戊", 2), samples.like_click(106, "己"), ver=0),
        dm.disconnect(),
        # Bilibili re-sends around a reconnect: a duplicate, then new messages
        dm.frame(samples.super_chat(9, 103, "丙", 30, "加油"), gift(102, "乙", "t-1")),
        dm.frame(samples.danmu_msg(107, "庚", "回来了", id_str="dm-2")),
        dm.frame(samples.danmu_msg(108, "辛", "结束", id_str="dm-end")),
    ]


EXPECTED = [
    ("comment", {"comment": {"id": "dm-1", "user_id": "101", "nickname": "甲", "text": "你好"}}),
    ("gift", {"user_id": "102", "nickname": "乙", "gift": "小花花", "count": 2,
              "value_cents": 20, "currency": "CNY"}),
    ("paid_message", {"user_id": "103", "nickname": "丙", "amount_cents": 3000,
                      "currency": "CNY", "text": "加油"}),
    ("membership", {"user_id": "104", "nickname": "丁", "tier": "captain", "months": 1,
                    "amount_cents": 19800, "currency": "CNY"}),
    ("follow", {"user_id": "105", "nickname": "戊"}),
    ("like", {"user_id": "106", "count": 1, "total": 1}),
    ("comment", {"comment": {"id": "dm-2", "user_id": "107", "nickname": "庚", "text": "回来了"}}),
    ("comment", {"comment": {"id": "dm-end", "user_id": "108", "nickname": "辛", "text": "结束"}}),
]  # fmt: skip


def _subset(data: dict[str, Any], want: dict[str, Any]) -> bool:
    for k, v in want.items():
        if isinstance(v, dict):
            if not isinstance(data.get(k), dict) or not _subset(data[k], v):
                return False
        elif data.get(k) != v:
            return False
    return True


def test_the_tap_prints_the_scripted_events_once_each_across_a_forced_disconnect(
    web_standin_thread: Callable[[WebStandIn], Served],
) -> None:
    standin = WebStandIn.scripted(script_with_a_disconnect())
    served = web_standin_thread(standin)
    code, lines, err = run_tap(served, "--room", str(SHORT), "--limit", str(len(EXPECTED)))
    assert code == 0, err
    assert [line["seq"] for line in lines] == list(range(1, len(EXPECTED) + 1))
    assert [line["type"] for line in lines] == [t for t, _ in EXPECTED]
    for line, (_, want) in zip(lines, EXPECTED, strict=True):
        assert _subset(line["data"], want), (line, want)
    # the stand-in saw a real client: auth at once on both connections, heartbeats after it
    conns = standin.danmaku.connections
    assert len(conns) == 2 and conns[0].ended == "dropped by the script"
    for c in conns:
        assert c.auth_at is not None and c.auth_at - c.opened < 5.0
        assert c.auth_code == 0
    assert conns[1].heartbeats and conns[1].heartbeats[0] >= (conns[1].auth_at or 0)
    auth = conns[0].auth_json
    assert auth["roomid"] == REAL and auth["uid"] == 0 and auth["protover"] == 3
    assert auth["buvid"] in standin.buvids and auth["key"] in standin.tokens
    # the short id was resolved, and getDanmuInfo was WBI-signed (the stand-in checks it)
    assert standin.calls("/room/v1/Room/get_info")[0].query["room_id"] == str(SHORT)
    assert [r.code for r in standin.calls("/xlive/web-room/v1/index/getDanmuInfo")] == [0]


def test_risk_control_once_then_the_chain_starts_again_and_connects(
    web_standin_thread: Callable[[WebStandIn], Served],
) -> None:
    standin = WebStandIn.scripted(
        [dm.frame(samples.danmu_msg(1, "一", "风控之后", id_str="r-1"))],
        WebOptions(risk_control=1),
    )
    served = web_standin_thread(standin)
    code, lines, err = run_tap(served, "--room", str(REAL), "--limit", "1")
    assert code == 0, err
    assert [line["data"]["comment"]["text"] for line in lines] == ["风控之后"]
    assert [r.code for r in standin.calls("/xlive/web-room/v1/index/getDanmuInfo")] == [-352, 0]
    assert len(standin.calls("/")) == 2  # a fresh buvid3 after the -352
    assert len(standin.calls("/x/web-interface/nav")) == 2  # and fresh WBI keys


def test_a_guest_is_told_why_names_turned_into_masks(
    web_standin_thread: Callable[[WebStandIn], Served],
) -> None:
    notice = {"cmd": "LOG_IN_NOTICE", "data": {
        "notice_msg": "为保护用户隐私，未注册登陆用户将无法查看他人昵称", "image_web": "",
        "image_app": ""}}  # fmt: skip
    standin = WebStandIn.scripted(
        [dm.frame(notice, samples.danmu_msg(0, "张****", "看不到名字", user_hash="1a2b3c4d"))]
    )
    served = web_standin_thread(standin)
    code, lines, err = run_tap(served, "--room", str(REAL), "--limit", "2")
    assert code == 0, err
    assert lines[0]["type"] == "room_note"  # Bilibili's own notice, as it said it
    assert lines[0]["data"] == {"kind": "names_masked", "text": notice["data"]["notice_msg"]}
    comment = lines[1]["data"]["comment"]
    assert comment["nickname"] == "张****" and comment["user_id"] == "anon-1a2b3c4d"
    assert "张****" in err and "SESSDATA" in err  # the note, on stderr, says why and what to do


def test_with_a_sessdata_the_connection_authenticates_as_the_user(
    web_standin_thread: Callable[[WebStandIn], Served],
) -> None:
    standin = WebStandIn.scripted(
        [dm.frame(samples.danmu_msg(1, "一", "登录了", id_str="s-1"))],
        WebOptions(require_login=True),
    )
    served = web_standin_thread(standin)
    code, lines, err = run_tap(
        served, "--room", str(REAL), "--limit", "1", sessdata=standin.options.sessdata
    )
    assert code == 0, err
    assert lines[0]["data"]["comment"]["text"] == "登录了"
    assert standin.danmaku.auth_bodies[0]["uid"] == standin.options.login_uid


def test_an_unknown_room_is_one_sentence_and_exit_1(
    web_standin_thread: Callable[[WebStandIn], Served],
) -> None:
    served = web_standin_thread(WebStandIn())
    code, lines, err = run_tap(served, "--room", "999", "--limit", "1")
    assert code == 1 and lines == []
    assert "999" in err and "Traceback" not in err


@pytest.mark.usefixtures("bilibili_web_registered")
def test_the_stand_in_process_plays_a_script_file_for_the_tap(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_bytes(orjson.dumps(script_with_a_disconnect()))
    server = spawn(
        [sys.executable, "-m", "plugins.bilibili.standin", "--script", str(script)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        start = orjson.loads(server.stdout.readline())
        env = dict(os.environ, LIVEDESK_BILIBILI_WEB_BASE=start["base"])
        cmd = [sys.executable, "-m", "app.events_tap", "--platform", "bilibili-web",
               "--room", str(start["room"]), "--limit", str(len(EXPECTED))]  # fmt: skip
        tap = spawn(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            out, err = tap.communicate(timeout=WAIT)
        finally:
            stop(tap)
        assert tap.returncode == 0, err
        lines = [orjson.loads(line) for line in out.splitlines()]
        assert [line["type"] for line in lines] == [t for t, _ in EXPECTED]
    finally:
        stop(server)
    assert server.returncode == 0  # SIGTERM is a clean stop
