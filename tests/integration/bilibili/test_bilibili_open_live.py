"""The ``bilibili`` (open-live) adapter through ``livedesk events`` against the local stand-in
(plugins/bilibili/standin/open_live.py: the signed HTTP API + the danmaku long connection): the
scripted events printed once each across a forced disconnect with a duplicate, the heartbeats
that keep a game alive, a restart on 7003 and on LIVE_OPEN_PLATFORM_INTERACTION_END, the 7001
back-off, /v2/app/end on exit, refused credentials as one sentence and exit 1, and no secret in
any log line. Time is sped up by the adapter's time scale, never by sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.api import Capability, PlatformError
from app.i18n import language, set_language
from app.live.room import LiveRoom
from plugins.bilibili import samples
from plugins.bilibili.open_adapter import OpenLiveAdapter, OpenLiveFactory, credentials_from
from plugins.bilibili.open_api import OpenLiveApi, OpenLiveError
from plugins.bilibili.standin import danmaku as dm
from plugins.bilibili.standin.open_live import OpenLiveStandin
from plugins.bilibili.standin.runner import serve_in_thread
from tests.support import file_keyring
from tests.support.platforms import ensure_platform
from tests.support.polling import until, until_sync
from tests.support.processes import spawn, stop

REPO = Path(__file__).resolve().parents[3]
SCALE = 0.05  # 20 s heartbeats every 1 s, the 60 s game timeout 3 s, the 7001 wait 0.5 s
WAIT = 90.0  # a busy machine


class Running:
    def __init__(self, standin: OpenLiveStandin, base: str) -> None:
        self.standin = standin
        self.base = base

    def env(self, **override: str) -> dict[str, str]:
        s = self.standin
        values = {
            "LIVEDESK_BILIBILI_OPEN_BASE": self.base,
            "LIVEDESK_BILIBILI_APP_ID": str(s.app_id),
            "LIVEDESK_BILIBILI_ACCESS_KEY_ID": s.access_key_id,
            "LIVEDESK_BILIBILI_ACCESS_KEY_SECRET": s.access_key_secret,
            "LIVEDESK_BILIBILI_CODE": s.code,
            "LIVEDESK_BILIBILI_TIME_SCALE": str(SCALE),
            **override,
        }
        return dict(os.environ, **values)

    def settings(self, **override: Any) -> dict[str, Any]:
        s = self.standin
        return {
            "base": self.base,
            "app_id": s.app_id,
            "access_key_id": s.access_key_id,
            "access_key_secret": s.access_key_secret,
            "code": s.code,
            "time_scale": SCALE,
            **override,
        }


@pytest.fixture
def open_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Running]]:
    """``open_live(steps, **options)``: a stand-in serving on a free port until the test ends;
    the ``bilibili`` adapter registered for this process and the taps it starts."""
    ensure_platform(
        "bilibili",
        "plugins.bilibili.open_adapter:OpenLiveFactory",
        tmp_path / "entry-points",
        monkeypatch,
    )
    contexts: list[Any] = []

    def start(steps: list[dm.Step] | None = None, **options: Any) -> Running:
        options.setdefault("heartbeat_timeout", 60 * SCALE)
        standin = OpenLiveStandin.scripted(steps or [], **options)
        cm = serve_in_thread(standin.app())
        served = cm.__enter__()
        contexts.append(cm)
        return Running(standin, served.base)

    yield start
    for cm in reversed(contexts):
        cm.__exit__(None, None, None)


class Tap:
    """``livedesk events --platform bilibili ARGS`` as a child process; stdout read line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        cmd = [sys.executable, "-m", "app.events_tap", "--platform", "bilibili", *args]
        self.proc = spawn(
            cmd,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: list[dict[str, Any]] = []
        self.err = b""
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._errt = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._errt.start()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.err = self.proc.stderr.read()

    def wait_lines(self, n: int) -> None:
        until_sync(lambda: len(self.lines) >= n or self.proc.poll() is not None, WAIT, f"{n} lines")
        assert len(self.lines) >= n, f"{len(self.lines)} lines; stderr:\n{self.stderr}"

    def finish(self) -> int:
        try:
            code = self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the tap did not end; printed {self.lines}") from None
        self._out.join(10)
        self._errt.join(10)
        return code

    @property
    def stderr(self) -> str:
        return self.err.decode(errors="replace")


@pytest.fixture
def taps() -> Iterator[list[Tap]]:
    started: list[Tap] = []
    yield started
    for t in started:
        stop(t.proc, signal.SIGKILL)


def tap(taps: list[Tap], env: dict[str, str], *args: str) -> Tap:
    t = Tap(env, *args)
    taps.append(t)
    return t


def comment_of(line: dict[str, Any]) -> dict[str, Any]:
    c = line["data"]["comment"]
    return {k: c[k] for k in ("id", "user_id", "nickname", "text")}


# --- the tests ----------------------------------------------------------------------------------


def test_prints_the_scripted_events_once_each_across_a_dropped_connection(
    open_live: Callable[..., Running], taps: list[Tap]
) -> None:
    s = samples
    steps = [
        dm.frame(s.open_dm("m1", "o1", "一", "你好"), ver=0),
        dm.frame(s.open_gift("m2", "o2", "二", "小花花", 2, 100), s.open_guard("m3", "o3", "三")),
        dm.frame(
            s.open_super_chat("m4", "o4", "四", 30, "主播好"),
            s.open_like("m5", "o5", "五", 5, key="openid"),  # the misspelt release
            ver=2,
        ),
        dm.frame(s.open_enter("o6", "六")),
        dm.disconnect(),  # a network fault; the platform resends the last gift after it
        dm.frame(s.open_gift("m2", "o2", "二", "小花花", 2, 100)),
        dm.frame(s.open_dm("m7", "o7", "七", "再见"), s.open_live_start("m8")),
    ]
    run = open_live(steps)
    t = tap(taps, run.env(), "--limit", "8", "--seconds", str(WAIT))
    assert t.finish() == 0, t.stderr
    lines = t.lines
    assert [line["seq"] for line in lines] == list(range(1, 9))
    assert [line["type"] for line in lines] == [
        "comment", "gift", "membership", "paid_message", "like", "viewer_enter", "comment",
        "session_started",
    ]  # fmt: skip
    data = [line["data"] for line in lines]
    assert comment_of(lines[0]) == {"id": "m1", "user_id": "o1", "nickname": "一", "text": "你好"}
    assert data[1] == {"user_id": "o2", "nickname": "二", "gift": "小花花", "count": 2,
                       "value_cents": 20, "currency": "CNY"}  # fmt: skip
    assert data[2] == {"user_id": "o3", "nickname": "三", "tier": "captain", "months": 1,
                       "gifted": 0, "amount_cents": 19800, "currency": "CNY"}  # fmt: skip
    assert data[3] == {"user_id": "o4", "nickname": "四", "amount_cents": 3000,
                       "currency": "CNY", "text": "主播好"}  # fmt: skip
    assert data[4] == {"user_id": "o5", "count": 5, "total": 5}
    assert data[5] == {"user_id": "o6", "nickname": "六"}
    assert comment_of(lines[6])["id"] == "m7"
    assert data[7]["session"]["status"] == "live"
    # the long connection: dropped once by the script, then reconnected with the same auth_body
    conns = run.standin.danmaku.connections
    until_sync(lambda: all(c.ended for c in conns), what="the server saw the tap leave")
    assert [c.ended for c in conns] == ["dropped by the script", "client closed"]
    game = next(iter(run.standin.games.values()))
    assert [c.auth_body for c in conns] == [game.auth_body.encode()] * 2
    # /v2/app/end on exit, for that game
    assert [(c.code, c.game_id) for c in run.standin.calls_of("/v2/app/end")] == [(0, game.game_id)]
    assert game.status == "ended"
    assert "Traceback" not in t.stderr


def test_heartbeats_keep_the_game_alive_past_the_platforms_timeout(
    open_live: Callable[..., Running], taps: list[Tap]
) -> None:
    run = open_live([dm.frame(samples.open_dm("m1", "o1", "一", "在吗"))])
    timeout = run.standin.heartbeat_timeout  # 3 s here, 60 s on the platform
    t = tap(taps, run.env(), "--seconds", str(timeout * 2))
    assert t.finish() == 0, t.stderr
    assert [line["data"]["comment"]["id"] for line in t.lines] == ["m1"]
    beats = run.standin.calls_of("/v2/app/heartbeat")
    assert len(beats) >= 2 and all(b.code == 0 for b in beats)
    gaps = [b.at - a.at for a, b in itertools.pairwise(beats)]
    assert max(gaps, default=0) < timeout
    assert min(gaps) >= 20 * SCALE * 0.95  # every 20 s, not more often than the platform asks
    ws_beats = run.standin.danmaku.connections[0].heartbeats
    assert len(ws_beats) >= 2
    # one game all along, ended by the adapter (not closed by the platform for silence)
    assert [c.code for c in run.standin.calls_of("/v2/app/start")] == [0]
    assert [g.status for g in run.standin.games.values()] == ["ended"]


def test_a_closed_game_and_an_interaction_end_each_start_a_new_game(
    open_live: Callable[..., Running], taps: list[Tap]
) -> None:
    steps = [
        dm.frame(samples.open_dm("m1", "o1", "一", "第一局")),
        dm.sleep(WAIT),  # played again only if the adapter never left this connection
        dm.frame(samples.open_dm("m2", "o2", "二", "第二局"), samples.open_interaction_end()),
        dm.sleep(WAIT),
        dm.frame(samples.open_dm("m3", "o3", "三", "第三局")),
    ]
    run = open_live(steps)
    s = run.standin
    t = tap(taps, run.env(), "--limit", "3", "--seconds", str(WAIT))
    t.wait_lines(1)
    s.fail_next("/v2/app/start", 7001)  # the restart meets the cool-down first
    first = s.expire()  # heartbeats now answer 7003
    assert t.finish() == 0, t.stderr
    assert [comment_of(line)["text"] for line in t.lines] == ["第一局", "第二局", "第三局"]
    starts = s.calls_of("/v2/app/start")
    assert [c.code for c in starts] == [0, 7001, 0, 0]
    assert starts[2].at - starts[1].at >= 10 * SCALE * 0.95  # waited the 7001 back-off
    games = list(s.games.values())
    assert games[0] is first and [g.status for g in games] == ["closed", "ended", "ended"]
    # each connection authenticated with its own game's auth_body, verbatim
    assert [c.auth_body for c in s.danmaku.connections] == [g.auth_body.encode() for g in games]
    ends = {c.game_id: c.code for c in s.calls_of("/v2/app/end")}
    assert ends == {games[0].game_id: 7003, games[1].game_id: 0, games[2].game_id: 0}


def test_a_refused_long_connection_auth_starts_a_new_game(
    open_live: Callable[..., Running], taps: list[Tap]
) -> None:
    """The long connection refuses the game's auth_body (-101, an expired token): the adapter ends
    that game, starts a new one and reads the room through it."""
    run = open_live(
        [dm.frame(samples.open_dm("m1", "o1", "一", "新场次"))],
        danmaku=dm.DanmakuOptions(reject_auth=1),
    )
    t = tap(taps, run.env(), "--limit", "1", "--seconds", str(WAIT))
    assert t.finish() == 0, t.stderr
    assert [comment_of(line) for line in t.lines] == [
        {"id": "m1", "user_id": "o1", "nickname": "一", "text": "新场次"}
    ]
    s = run.standin
    games = list(s.games.values())
    assert [c.code for c in s.calls_of("/v2/app/start")] == [0, 0]
    assert [g.status for g in games] == ["ended", "ended"]  # the refused one ended, not left open
    conns = s.danmaku.connections
    assert [c.auth_code for c in conns] == [-101, 0]
    assert [c.auth_body for c in conns] == [g.auth_body.encode() for g in games]


async def test_an_end_of_a_game_already_over_counts_as_ended(
    open_live: Callable[..., Running],
) -> None:
    """/v2/app/end answered 7000 (no game) or 7003 (closed) is success, as the docs say; any other
    refusal is an error."""
    run = open_live()
    s = run.standin
    api = OpenLiveApi(credentials_from(run.settings()), run.base)
    try:
        first = await api.start()
        await api.end(first.game_id)  # 0
        await api.end(first.game_id)  # 7000: ended already
        second = await api.start()
        s.expire(second.game_id)
        await api.end(second.game_id)  # 7003: the platform closed it
        s.fail_next("/v2/app/end", 4002)
        with pytest.raises(OpenLiveError) as refused:
            await api.end(second.game_id)
        assert refused.value.code == 4002
    finally:
        await api.aclose()
    assert [c.code for c in s.calls_of("/v2/app/end")] == [0, 7000, 7003, 4002]


def test_a_cooling_down_start_is_retried_after_the_back_off(
    open_live: Callable[..., Running], taps: list[Tap]
) -> None:
    run = open_live([dm.frame(samples.open_dm("m1", "o1", "一", "终于连上"))])
    run.standin.fail_next("/v2/app/start", 7001, times=2)
    t = tap(taps, run.env(), "--limit", "1", "--seconds", str(WAIT))
    assert t.finish() == 0, t.stderr
    assert comment_of(t.lines[0])["text"] == "终于连上"
    starts = run.standin.calls_of("/v2/app/start")
    assert [c.code for c in starts] == [7001, 7001, 0]
    waits = [b.at - a.at for a, b in itertools.pairwise(starts)]
    assert waits[0] >= 10 * SCALE * 0.95 and waits[1] >= 20 * SCALE * 0.95  # 10 s, then 20 s


@pytest.mark.parametrize(
    ("override", "says", "hidden"),
    [
        ({"LIVEDESK_BILIBILI_ACCESS_KEY_SECRET": "not-the-secret"}, "access_key_secret",
         "not-the-secret"),
        ({"LIVEDESK_BILIBILI_CODE": "WRONGCODE42"}, "7007", "WRONGCODE42"),
        ({"LIVEDESK_BILIBILI_CODE": ""}, "LIVEDESK_BILIBILI_CODE", "standin-key-secret"),
    ],
)  # fmt: skip
def test_refused_or_missing_credentials_are_one_sentence_and_exit_1(
    open_live: Callable[..., Running],
    taps: list[Tap],
    override: dict[str, str],
    says: str,
    hidden: str,
) -> None:
    run = open_live()
    t = tap(taps, run.env(**override), "--seconds", "30")
    assert t.finish() == 1
    assert t.lines == []
    err = t.stderr.strip()
    assert err.startswith("livedesk events: ") and len(err.splitlines()) == 1, err
    assert says in err and hidden not in err
    assert "Traceback" not in err
    assert run.standin.games == {}


async def test_no_log_line_holds_the_secret_or_the_code(
    open_live: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    """A whole lifecycle at DEBUG (httpx, websockets, the adapter): start, events, a refused
    auth, a restart, a failed start with a wrong secret, end."""
    steps = [dm.frame(samples.open_dm("m1", "o1", "一", "你好")), dm.disconnect()]
    run = open_live(steps)
    caplog.set_level(logging.DEBUG)
    adapter = await OpenLiveFactory().open(run.settings())
    assert isinstance(adapter, OpenLiveAdapter)
    try:
        batches = adapter.event_batches((await adapter.snapshot()).seq)
        got = await anext(batches)
        assert [e.data.comment.text for e in got] == ["你好"]
        run.standin.expire()
        await until(lambda: adapter.restarts == 1)
        await batches.aclose()
    finally:
        await adapter.close()
    with pytest.raises(PlatformError) as refused:
        await OpenLiveFactory().open(run.settings(access_key_secret="wrong-secret-123"))
    secrets = [run.standin.access_key_secret, run.standin.code, "wrong-secret-123"]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/v2/app/start" in text and "heartbeat" in text  # the log did see the run
    for secret in secrets:
        assert secret not in text
        assert secret not in str(refused.value) and secret not in repr(adapter.api.credentials)


async def test_capabilities_and_refusals_say_what_open_live_does_not_offer(
    open_live: Callable[..., Running],
) -> None:
    run = open_live()
    adapter = await OpenLiveFactory().open(run.settings())
    try:
        assert adapter.capabilities == OpenLiveFactory.capabilities
        for cap in (Capability.COMMENTS, Capability.GIFTS, Capability.PAID_MESSAGES,
                    Capability.MEMBERSHIPS, Capability.LIKES, Capability.ENTRIES,
                    Capability.LIVE_STATE):  # fmt: skip
            assert adapter.can(cap) and adapter.why_not(cap) is None
        assert adapter.why_not(Capability.ORDERS) == "B站开放平台不提供订单数据"
        with pytest.raises(PlatformError) as refused:
            await adapter.orders()
        assert refused.value.code == "not_supported"
        assert refused.value.message == "B站开放平台不提供订单数据"
        before = language()
        set_language("en")
        try:
            assert adapter.why_not(Capability.ORDERS) == (
                "Bilibili Open Live does not provide order data"
            )
            assert "mute" in str(adapter.why_not(Capability.MUTE))
        finally:
            set_language(before)
        for cap in (Capability.CATALOGUE, Capability.COUPONS, Capability.MUTE,
                    Capability.SESSIONS, Capability.PUSH_URL):  # fmt: skip
            assert not adapter.can(cap) and "B站开放平台" in str(adapter.why_not(cap))
    finally:
        await adapter.close()


async def test_a_room_other_than_the_codes_is_refused(open_live: Callable[..., Running]) -> None:
    run = open_live()
    with pytest.raises(PlatformError) as wrong:
        await OpenLiveFactory().open(run.settings(room="6"))
    assert "21452505" in wrong.value.message
    # the game it had to start for the check is ended again
    assert [g.status for g in run.standin.games.values()] == ["ended"]


def test_the_stand_in_runs_on_its_own_for_a_tap(
    open_live: Callable[..., Running], taps: list[Tap]
) -> None:
    """``python -m plugins.bilibili.standin.open_live`` (the demo room) says how to reach it."""
    server = spawn(
        [sys.executable, "-m", "plugins.bilibili.standin.open_live"],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.stdout is not None
        env = json.loads(server.stdout.readline())
        assert env["LIVEDESK_BILIBILI_OPEN_BASE"].startswith("http://127.0.0.1:")
        t = tap(taps, dict(os.environ, **env), "--limit", "6", "--seconds", str(WAIT))
        assert t.finish() == 0, t.stderr
        assert [line["seq"] for line in t.lines] == [1, 2, 3, 4, 5, 6]
        assert [line["type"] for line in t.lines] == [
            "session_started", "comment", "gift", "like", "viewer_enter", "comment",
        ]  # fmt: skip
        server.send_signal(signal.SIGTERM)
        assert server.wait(WAIT) == 0
    finally:
        stop(server, signal.SIGKILL)


async def test_a_live_room_fed_by_open_live_counts_gifts_paid_messages_and_guards(
    open_live: Callable[..., Running],
) -> None:
    s = samples
    steps = [
        dm.frame(s.open_live_start("st")),
        dm.frame(
            s.open_dm("m1", "o1", "一", "扣1"), s.open_gift("m2", "o2", "二", "小花花", 2, 100)
        ),
        dm.frame(
            s.open_super_chat("m3", "o3", "三", 50, "讲讲这款"), s.open_guard("m4", "o4", "四")
        ),
        dm.frame(s.open_gift("m5", "o5", "五", "辣条", 10, 100, paid=False)),  # free: worth 0
    ]
    run = open_live(steps)
    adapter = await OpenLiveFactory().open(run.settings())
    room = LiveRoom(adapter)
    room.start()
    try:
        await room.wait_loaded()
        await until(lambda: room.seq >= 6, 20, "every event")
    finally:
        await room.stop()
        await adapter.close()
    assert room.session is not None and room.session.status == "live"
    assert [line.text for line in room.chat if line.text == "扣1"] == ["扣1"]
    assert room.metrics.gift_value_cents == 20  # 2 × 100 gold coins; the free gift adds 0
    assert (room.metrics.paid_messages, room.metrics.paid_message_cents) == (1, 5000)
    assert room.metrics.memberships == 1


async def test_the_operators_reconnect_cuts_the_cool_down_wait_short(
    open_live: Callable[..., Running],
) -> None:
    """重连 while a restart waits out 7001 (10 s at full time): the next start goes at once."""
    run = open_live([dm.frame(samples.open_interaction_end())])
    adapter = await OpenLiveFactory().open(run.settings(time_scale=1.0))
    assert isinstance(adapter, OpenLiveAdapter)
    run.standin.fail_next("/v2/app/start", 7001)  # the restart meets the cool-down
    batches = adapter.event_batches(0)
    reading = asyncio.ensure_future(anext(batches))
    try:
        await until(lambda: len(run.standin.calls_of("/v2/app/start")) >= 2, 20, "the restart")
        adapter.reconnect_now()
        await until(lambda: adapter.restarts >= 1, 20, "the new game")
        starts = run.standin.calls_of("/v2/app/start")
        assert [c.code for c in starts[:3]] == [0, 7001, 0]
        assert starts[2].at - starts[1].at < 5.0  # not the 10 s cool-down
    finally:
        # each step bounded: a hang here names itself instead of pytest's timeout
        reading.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(reading, 30)
        await asyncio.wait_for(batches.aclose(), 30)
        await asyncio.wait_for(adapter.close(), 30)


SAVE_AS_THE_CONSOLE_DOES = """
import sys
from app.platform.credentials import save
from app.platform.fields import fields_of
from app.platform.registry import platform_factory
from app.settings import load_settings, save_settings

settings = load_settings()
values = dict(zip(("app_id", "access_key_id", "access_key_secret", "code"), sys.argv[1:]))
save("bilibili", fields_of(platform_factory("bilibili")), values, settings)
save_settings(settings)
"""


def test_the_tap_connects_with_the_account_saved_in_the_console(
    open_live: Callable[..., Running], taps: list[Tap], tmp_path: Path
) -> None:
    # the console's 连接平台… dialog saved the account (secrets in the keyring, the rest in the
    # settings); `livedesk events` then needs no environment variables to read the room
    run = open_live([dm.frame(samples.open_dm("m1", "o1", "一", "在吗"), ver=0)])
    s = run.standin
    common = {
        "LIVEDESK_CONFIG_DIR": str(tmp_path / "config"),
        **file_keyring.env(tmp_path / "keyring.json"),
    }
    saver = dict(os.environ, **common)
    subprocess.run(
        [sys.executable, "-c", SAVE_AS_THE_CONSOLE_DOES, str(s.app_id), s.access_key_id,
         s.access_key_secret, s.code],
        cwd=REPO, env=saver, check=True, timeout=WAIT,
    )  # fmt: skip
    stored = (tmp_path / "config").rglob("*")
    on_disk = "".join(p.read_text(errors="replace") for p in stored if p.is_file())
    assert s.access_key_id in on_disk  # a plain field, in the settings
    assert s.access_key_secret not in on_disk and s.code not in on_disk  # secrets: keyring only
    env = run.env(**common)
    for key in ("APP_ID", "ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "CODE"):
        env.pop(f"LIVEDESK_BILIBILI_{key}")
    t = tap(taps, env, "--limit", "1", "--seconds", str(WAIT))
    assert t.finish() == 0, t.stderr
    assert comment_of(t.lines[0]) == {"id": "m1", "user_id": "o1", "nickname": "一", "text": "在吗"}
    # and without the saved account, the same tap says what is missing
    bare = dict(env, LIVEDESK_CONFIG_DIR=str(tmp_path / "other"))
    t = tap(taps, bare, "--seconds", "20")
    assert t.finish() == 1 and t.lines == []
