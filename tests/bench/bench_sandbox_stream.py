"""Benchmark: how fast the sandbox streams events, and an operator action's round trip.

Starts the real server (audience at --rate R, live), reads the stream for a few seconds with one
client, and prints ONE JSON line: events/s received, the server's own append rate, the p50/p95
round trip of an action (POST /comments, committed before the answer) and of a read (GET room
info). Baseline measured in the same run: a bare `websockets` server pushing the same kind of
pre-serialized messages to the same kind of client (the transport's ceiling on this machine).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.support.processes import spawn, stop

RATE = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
SECONDS = 5.0


async def read_for(url: str, headers: dict[str, str], seconds: float) -> tuple[int, int]:
    n = 0
    last = 0
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            msg = await ws.recv()
            n += 1
            if n % 1000 == 0:
                last = json.loads(msg)["seq"]
    return n, last


async def baseline(seconds: float) -> float:
    text = json.dumps(
        {
            "seq": 1,
            "ts": time.time(),
            "type": "comment",
            "data": {
                "comment": {
                    "id": "c1",
                    "user_id": "u1001",
                    "nickname": "小明同学",
                    "text": "这个有黑色M码吗？",
                    "is_follower": True,
                    "fan_level": 3,
                    "role": "viewer",
                    "ts": time.time(),
                }
            },
        },
        ensure_ascii=False,
    )

    async def handler(ws: websockets.ServerConnection) -> None:
        try:
            while True:
                for _ in range(1000):
                    await ws.send(text)
        except websockets.ConnectionClosed:
            pass

    async with websockets.serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        n, _ = await read_for(f"ws://127.0.0.1:{port}", {}, seconds)
    return n / seconds


def roundtrips(c: httpx.Client, api: str, tag: str) -> tuple[list[float], list[float]]:
    acts, reads = [], []
    for i in range(100):
        t = time.perf_counter()
        c.post(
            f"{api}/comments", json={"text": f"测试 {i}"}, headers={"Idempotency-Key": f"{tag}{i}"}
        )
        acts.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        c.get(api)
        reads.append((time.perf_counter() - t) * 1000)
    return acts, reads


def main() -> int:
    tmp = tempfile.mkdtemp()
    proc = spawn(
        [
            sys.executable,
            "-m",
            "app.main",
            "sandbox",
            "--port",
            "0",
            "--db",
            str(Path(tmp) / "b.db"),
            "--viewers",
            "2000",
            "--rate",
            str(RATE),
            "--live",
            "--seed",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        url, room, tok = info["url"], info["room"], info["tokens"]["host"]
        headers = {"Authorization": f"Bearer {tok}"}
        api = f"{url}/api/v1/rooms/{room}"
        with httpx.Client(headers=headers, timeout=30) as c:
            quiet_acts, quiet_reads = roundtrips(c, api, "q")
            c.post(f"{api}/sessions")  # the audience starts with the live session
            time.sleep(2.0)  # let it ramp up
            seq0 = c.get(api).json()["seq"]
            t0 = time.monotonic()
            ws_url = url.replace("http", "ws", 1) + f"/api/v1/rooms/{room}/events?after_seq={seq0}"
            n, _ = asyncio.run(read_for(ws_url, headers, SECONDS))
            elapsed = time.monotonic() - t0
            seq1 = c.get(api).json()["seq"]
            acts, reads = roundtrips(c, api, "l")
    finally:
        stop(proc, grace=20)
    base = asyncio.run(baseline(SECONDS))
    received = n / SECONDS
    q = lambda xs, p: round(statistics.quantiles(xs, n=100)[p - 1], 2)  # noqa: E731
    print(
        json.dumps(
            {
                "bench": "sandbox_stream",
                "audience_rate_asked": RATE,
                "server_append_events_per_s": round((seq1 - seq0) / elapsed),
                "client_received_events_per_s": round(received),
                "baseline_bare_websockets_events_per_s": round(base),
                "ratio_received_to_baseline": round(received / base, 3),
                "quiet_action_roundtrip_ms_p50": q(quiet_acts, 50),
                "quiet_action_roundtrip_ms_p95": q(quiet_acts, 95),
                "quiet_read_roundtrip_ms_p50": q(quiet_reads, 50),
                "loaded_action_roundtrip_ms_p50": q(acts, 50),
                "loaded_action_roundtrip_ms_p95": q(acts, 95),
                "loaded_read_roundtrip_ms_p50": q(reads, 50),
                "loaded_read_roundtrip_ms_p95": q(reads, 95),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
