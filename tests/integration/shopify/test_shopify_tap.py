"""``livedesk events --platform shopify`` against the stand-in run as a process
(``python -m plugins.shopify.standin``): checkouts made meanwhile are printed as order events,
once each; a wrong token is one clear sentence."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.support.polling import patience
from tests.support.processes import spawn, stop

REPO = Path(__file__).resolve().parents[3]


def _standin() -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    cmd = [sys.executable, "-m", "plugins.shopify.standin", "--products", "3"]
    proc = spawn(cmd, cwd=REPO, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    return proc, orjson.loads(proc.stdout.readline())


def _tap(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "app.events_tap", "--platform", "shopify", *args]
    return spawn(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **env}
    )


def test_checkouts_are_printed_as_order_events_once_each() -> None:
    standin, info = _standin()
    tap = None
    try:
        tap = _tap(
            {**info["env"], "LIVEDESK_SHOPIFY_POLL_EVERY": "0.5"}, "--limit", "3", "--seconds", "60"
        )
        deadline = time.monotonic() + patience(60)
        with httpx.Client(base_url=info["base"]) as http:
            while tap.poll() is None and time.monotonic() < deadline:
                http.post("/_admin/add_order", json={"product_id": 1001}).raise_for_status()
                time.sleep(0.5)
        out, err = tap.communicate(timeout=patience(30))
    finally:
        stop(tap)
        stop(standin)
    assert tap.returncode == 0, err.decode(errors="replace")
    lines = [orjson.loads(line) for line in out.splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3]
    assert {line["type"] for line in lines} == {"order_created"}
    assert len({line["data"]["order"]["id"] for line in lines}) == 3
    assert lines[0]["data"]["order"]["product_title"] == "Product 1"


def test_a_wrong_token_is_one_clear_sentence() -> None:
    standin, info = _standin()
    tap = None
    try:
        tap = _tap({**info["env"], "LIVEDESK_SHOPIFY_TOKEN": "shpat_wrong"}, "--seconds", "5")
        out, err = tap.communicate(timeout=patience(30))
    finally:
        stop(tap)
        stop(standin)
    assert tap.returncode != 0 and out == b""
    assert "Shopify" in err.decode() and "shpat_wrong" not in err.decode()
