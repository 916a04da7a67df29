"""``livedesk events`` (app/events_tap.py) against the real sandbox server: the JSON lines a team
pipes into other tools, seq 1..N, --limit and --seconds, no event twice across a reconnect, a
reader that goes away, Ctrl+C, and the errors a user sees instead of a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.team.invite import make_invite
from tests.support.ports import free_port
from tests.support.processes import spawn, stop

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0  # a busy machine


class Tap:
    """A running ``livedesk events`` process; its stderr is read in the background."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        cmd = [sys.executable, "-m", "app.events_tap", *args]
        self.proc = spawn(
            cmd,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ, **(env or {})),
        )
        self.err = b""
        self._connected = threading.Event()
        self._reader = threading.Thread(target=self._read_err, daemon=True)
        self._reader.start()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err += line
            if b"sandbox" in line:
                self._connected.set()

    def wait_connected(self) -> None:
        assert self._connected.wait(WAIT), f"the tap did not connect; stderr:\n{self.stderr}"

    def readline(self, timeout: float = WAIT) -> dict[str, Any]:
        out: list[bytes] = []
        t = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        t.start()
        t.join(timeout)
        assert out and out[0], f"no line from the tap; stderr:\n{self.stderr}"
        return dict(json.loads(out[0]))

    def finish(self, timeout: float = WAIT) -> tuple[int, list[dict[str, Any]]]:
        """Exit code and the lines printed (stdout read to its end)."""
        assert self.proc.stdout is not None
        rest = self.proc.stdout.read()
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code, [json.loads(line) for line in rest.splitlines()]

    @property
    def stderr(self) -> str:
        return self.err.decode(errors="replace")


@pytest.fixture
def taps() -> Iterator[list[Tap]]:
    started: list[Tap] = []
    yield started
    for t in started:
        stop(t.proc, signal.SIGKILL)


def invite_of(srv: Any, token: str | None = None) -> str:
    return make_invite(srv.url, srv.room, "reviewer", token or srv.tokens["reviewer"])


def start_tap(taps: list[Tap], srv: Any, *args: str) -> Tap:
    # the invite (it holds a token) goes through the environment, never the command line
    tap = Tap(["--platform", "sandbox", *args], env={"LIVEDESK_INVITE": invite_of(srv)})
    taps.append(tap)
    tap.wait_connected()
    return tap


def say(srv: Any, user: str, text: str) -> dict[str, Any]:
    r = srv.client().post("/_debug/viewer-comment", json={"user_id": user, "text": text})
    assert r.status_code == 200, r.text
    return dict(r.json()["comment"])


def test_prints_each_event_as_one_json_line_numbered_from_1_and_stops_at_the_limit(
    sandbox_server: Any, taps: list[Tap]
) -> None:
    srv = sandbox_server(debug_routes=True)
    srv.client().post("/sessions")  # before the tap: not printed
    tap = start_tap(taps, srv, "--limit", "3", "--seconds", "120")
    sent = [say(srv, f"u{i}", f"第{i}条") for i in range(1, 5)]
    code, lines = tap.finish()
    assert code == 0, tap.stderr
    assert [line["seq"] for line in lines] == [1, 2, 3]  # the 4th is past --limit
    for line, comment in zip(lines, sent, strict=False):
        assert set(line) == {"seq", "ts", "type", "data"}
        assert line["type"] == "comment"
        assert isinstance(line["ts"], float) and abs(line["ts"] - time.time()) < 600
        assert set(line["data"]) == {"comment"}  # no actor on a viewer's comment
        shown = line["data"]["comment"]
        assert {k: shown[k] for k in ("id", "user_id", "nickname", "text")} == {
            k: comment[k] for k in ("id", "user_id", "nickname", "text")
        }
    assert "Traceback" not in tap.stderr


def test_every_interaction_kind_has_the_documented_shape(
    sandbox_server: Any, taps: list[Tap]
) -> None:
    """A busy simulated room for a few seconds: gifts, likes, follows, entries, shares, paid
    messages and memberships as issue 15 §2 fixes them; seq 1..N with no gap."""
    srv = sandbox_server(viewers=300, live=True, seed=5, extra=["--rate", "800"])
    tap = start_tap(taps, srv, "--seconds", "6")
    code, lines = tap.finish()
    assert code == 0, tap.stderr
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    shapes = {
        "gift": {"user_id", "nickname", "gift", "count", "value_cents", "currency"},
        "like": {"user_id", "count", "total"},
        "follow": {"user_id", "nickname"},
        "viewer_enter": {"user_id", "nickname"},
        "share": {"user_id", "nickname"},
        "paid_message": {"user_id", "nickname", "amount_cents", "currency", "text"},
        "membership": {
            "user_id",
            "nickname",
            "tier",
            "months",
            "gifted",
            "amount_cents",
            "currency",
        },
    }
    seen: dict[str, int] = {}
    for line in lines:
        kind = line["type"]
        seen[kind] = seen.get(kind, 0) + 1
        if kind in shapes:
            assert set(line["data"]) == shapes[kind], line
        if "currency" in line["data"]:
            assert line["data"]["currency"] == "CNY"
    assert {"comment", "gift", "like", "viewer_enter", "share", "paid_message"} <= set(seen), seen


def test_seconds_ends_a_quiet_tap_with_exit_0(sandbox_server: Any, taps: list[Tap]) -> None:
    srv = sandbox_server()
    t0 = time.monotonic()
    tap = start_tap(taps, srv, "--seconds", "1.5")
    code, lines = tap.finish()
    assert code == 0, tap.stderr
    assert lines == []
    assert time.monotonic() - t0 >= 1.5


def test_a_reconnect_mid_stream_prints_no_event_twice(sandbox_server: Any, taps: list[Tap]) -> None:
    """The platform is killed mid-stream and comes back on its port: the tap reconnects by
    itself, resumes after the last event it printed and numbers on."""
    srv = sandbox_server(debug_routes=True, extra=["--port", str(free_port())])
    tap = start_tap(taps, srv, "--limit", "4", "--seconds", "120")
    say(srv, "u1", "一")
    say(srv, "u2", "二")
    assert [tap.readline()["data"]["comment"]["text"] for _ in range(2)] == ["一", "二"]
    srv.restart(kill=True)  # same db, same port (--port): the stream drops and reconnects
    say(srv, "u3", "三")
    say(srv, "u4", "四")
    code, lines = tap.finish()
    assert code == 0, tap.stderr
    assert [(x["seq"], x["data"]["comment"]["text"]) for x in lines] == [(3, "三"), (4, "四")]


def test_a_reader_that_goes_away_ends_the_tap_quietly(sandbox_server: Any, taps: list[Tap]) -> None:
    """``livedesk events … | head -n 1``: no traceback, exit 0."""
    srv = sandbox_server(debug_routes=True)
    tap = start_tap(taps, srv, "--seconds", "120")
    say(srv, "u1", "第一条")
    assert tap.readline()["seq"] == 1
    assert tap.proc.stdout is not None
    tap.proc.stdout.close()  # what head does after its line
    deadline = time.monotonic() + WAIT
    while tap.proc.poll() is None and time.monotonic() < deadline:
        say(srv, "u2", "还有")  # the next write finds the pipe closed
        time.sleep(0.2)
    assert tap.proc.wait(WAIT) == 0, tap.stderr
    tap._reader.join(5)
    assert "Traceback" not in tap.stderr and "BrokenPipe" not in tap.stderr, tap.stderr


def test_ctrl_c_stops_without_a_traceback(sandbox_server: Any, taps: list[Tap]) -> None:
    srv = sandbox_server()
    tap = start_tap(taps, srv, "--seconds", "120")
    tap.proc.send_signal(signal.SIGINT)
    code, lines = tap.finish()
    assert code == 130
    assert lines == []
    assert "Traceback" not in tap.stderr, tap.stderr


def run_tap(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.events_tap", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=WAIT * 2,
        env=dict(os.environ, **(env or {})),
        check=False,
    )


def test_an_unknown_platform_is_one_line_naming_the_known_ones() -> None:
    done = run_tap(["--platform", "nosuch", "--seconds", "1"])
    assert done.returncode == 2
    assert done.stdout == ""
    assert "nosuch" in done.stderr and "sandbox" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_platform_that_is_not_there_or_refuses_the_token_is_a_clear_error(
    sandbox_server: Any,
) -> None:
    srv = sandbox_server()
    refused = run_tap(
        ["--platform", "sandbox", "--seconds", "5"],
        env={"LIVEDESK_INVITE": invite_of(srv, token="not-a-real-token")},
    )
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "Traceback" not in refused.stderr
    assert refused.stderr.startswith("livedesk events: ") and "令牌" in refused.stderr
    assert "not-a-real-token" not in refused.stderr  # a token is never echoed

    nobody = f"http://127.0.0.1:{free_port()}"
    gone = run_tap(
        ["--platform", "sandbox", "--seconds", "5"],
        env={"LIVEDESK_INVITE": make_invite(nobody, srv.room, "reviewer", "tok")},
    )
    assert gone.returncode == 1
    assert "连不上平台" in gone.stderr and "Traceback" not in gone.stderr

    no_room = run_tap(["--platform", "sandbox", "--seconds", "1"])
    assert no_room.returncode == 2
    assert "--invite" in no_room.stderr and "Traceback" not in no_room.stderr


def test_livedesk_events_is_a_registered_command() -> None:
    """``livedesk events`` after an install: the entry point names this module's ``run``."""
    import tomllib

    from app import events_tap

    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    target = meta["project"]["entry-points"]["livedesk.commands"]["events"]
    module, _, name = target.partition(":")
    assert module == events_tap.__name__ and getattr(events_tap, name) is events_tap.run
