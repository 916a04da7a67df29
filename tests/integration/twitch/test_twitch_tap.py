"""``livedesk events --platform twitch --room LOGIN`` against the Twitch stand-in (real HTTP, real
EventSub WebSocket): each scripted event printed once, across a session_reconnect and a
duplicate delivery; an expired token is one clear sentence."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from plugins.bilibili.standin.runner import Served
from plugins.twitch import payloads as p
from plugins.twitch.standin import server as s
from plugins.twitch.standin.__main__ import demo_script
from tests.support.processes import spawn, stop

from .conftest import endpoints

REPO = Path(__file__).resolve().parents[3]
WAIT = 90.0
ME = (s.BROADCASTER.user_id, s.BROADCASTER.display_name)


def run_tap(
    served: Served, *args: str, token: str = s.BROADCASTER.token
) -> tuple[int, list[dict[str, Any]], str]:
    env = dict(os.environ, LIVEDESK_TWITCH_TOKEN=token)
    env.update({f"LIVEDESK_TWITCH_{k.upper()}": v for k, v in endpoints(served).items()})
    env.pop("LIVEDESK_TWITCH_CLIENT_ID", None)
    cmd = [sys.executable, "-m", "app.events_tap", "--platform", "twitch", *args]
    with tempfile.TemporaryDirectory() as config:  # a fresh user's settings: messages in 中文
        env["LIVEDESK_CONFIG_DIR"] = config
        proc = spawn(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            out, err = proc.communicate(timeout=WAIT)
        finally:
            stop(proc)
    return (
        proc.returncode,
        [orjson.loads(line) for line in out.splitlines()],
        err.decode(errors="replace"),
    )


EXPECTED = [
    ("comment", {"comment": {"id": "c-1", "user_id": "1337", "nickname": "awesome_user", "text": "hello chat"}}),
    ("comment", {"comment": {"id": "c-2", "user_id": "2001", "nickname": "Alice", "text": "Cheer100 take my bits"}}),
    ("paid_message", {"user_id": "2001", "nickname": "Alice", "amount_cents": 100, "currency": "USD",
                      "text": "Cheer100 take my bits"}),
    ("membership", {"user_id": "2002", "nickname": "Bob", "tier": "Tier 2", "months": 1, "currency": "USD"}),
    ("membership", {"user_id": "1337", "nickname": "awesome_user", "tier": "Tier 1", "months": 1,
                    "gifted": 5}),
    ("follow", {"user_id": "2003", "nickname": "Carol"}),
]  # fmt: skip


def _subset(data: dict[str, Any], want: dict[str, Any]) -> bool:
    return all(
        _subset(data.get(k) or {}, v) if isinstance(v, dict) else data.get(k) == v
        for k, v in want.items()
    )


def test_each_scripted_event_is_printed_once_across_a_reconnect_and_a_duplicate(
    twitch_thread: Callable[[s.TwitchStandIn], Served],
) -> None:
    # the demo: chat, a cheer with its chat line, session_reconnect, the cheer delivered again
    # (same message_id) on the new connection, a sub, a gifted sub, a follow
    standin = s.TwitchStandIn(demo_script(), s.Options(reconnect_grace=5.0))
    served = twitch_thread(standin)
    code, lines, err = run_tap(
        served, "--room", "twitchdev", "--limit", str(len(EXPECTED) + 1), "--seconds", "6"
    )
    assert code == 0, err
    assert [line["seq"] for line in lines] == list(range(1, len(EXPECTED) + 1))  # nothing more came
    assert [line["type"] for line in lines] == [t for t, _ in EXPECTED]
    for line, (_, want) in zip(lines, EXPECTED, strict=True):
        assert _subset(line["data"], want), (line, want)
    assert not standin.undelivered
    # one fresh session subscribed to the six types once; the hand-off carried them over
    first, second = standin.connections
    assert second.reconnected_from == first.session_id
    # (the hand-off may come while the adapter is still subscribing: a request for the old
    # session then gets 400 and is made again for the new one)
    posts = [status for _, _, status in standin.calls("/helix/eventsub/subscriptions")]
    assert [st for st in posts if st != 400] == [202] * 6
    assert sorted(second.subs) == sorted(p.VERSIONS)
    assert first.ended.startswith("client closed")  # the client left it after the new welcome
    assert "twitchdev" in err


def test_an_expired_token_is_one_sentence_saying_so(
    twitch_thread: Callable[[s.TwitchStandIn], Served],
) -> None:
    expired = s.Account("old-token", "141981764", "twitchdev", "TwitchDev", expired=True)
    standin = s.TwitchStandIn([], accounts=[s.BROADCASTER, expired])
    served = twitch_thread(standin)
    code, lines, err = run_tap(served, "--room", "twitchdev", "--limit", "1", token="old-token")
    assert code == 1 and lines == []
    assert "令牌已过期或无效" in err and "Traceback" not in err
    assert "old-token" not in err
    assert standin.connections == []  # nothing was opened with it


@pytest.mark.usefixtures("twitch_registered")
def test_the_stand_in_process_serves_the_tap() -> None:
    server = spawn([sys.executable, "-m", "plugins.twitch.standin", "--grace", "5"], cwd=REPO,
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        assert server.stdout is not None
        start = orjson.loads(server.stdout.readline())
        env = dict(os.environ, **start["env"])
        cmd = [sys.executable, "-m", "app.events_tap", "--platform", "twitch",
               "--room", start["room"], "--limit", str(len(EXPECTED))]  # fmt: skip
        tap = spawn(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            out, err = tap.communicate(timeout=WAIT)
        finally:
            stop(tap)
        assert tap.returncode == 0, err
        assert [orjson.loads(x)["type"] for x in out.splitlines()] == [t for t, _ in EXPECTED]
    finally:
        stop(server)
    assert server.returncode == 0
