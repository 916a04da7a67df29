"""``livedesk sandbox``: run the sandbox platform server.

Prints exactly one JSON line to stdout (url, room, tokens), then serves; logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType

import uvicorn

from plugins.sandbox.engine import RoomEngine
from plugins.sandbox.server import create_app
from plugins.sandbox.store import Store

log = logging.getLogger("plugins.sandbox")
STOP_GRACE_S = 15.0  # after SIGTERM/SIGINT: a clean stop, or a hard exit after this long


class StoppableServer(uvicorn.Server):
    """uvicorn, plus a watchdog: a stop signal always ends the process, even if the event loop
    were stuck (the clean stop needs the loop; committed data is durable either way)."""

    _watchdog: threading.Thread | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=_exit_later, name="stop-watchdog", daemon=True)
            self._watchdog.start()


def _exit_later() -> None:
    time.sleep(STOP_GRACE_S)
    log.error("the server did not stop within %.0f s of the signal: exiting", STOP_GRACE_S)
    logging.shutdown()
    os._exit(1)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="livedesk sandbox", description="本地沙盒直播平台 (sandbox platform)"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (0.0.0.0: every network interface, for a team on the LAN)",
    )
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--db", type=Path, default=None, help="SQLite file (default: a fresh temp db)")
    p.add_argument(
        "--seed", type=int, default=None, help="makes the simulated audience reproducible"
    )
    p.add_argument("--viewers", type=int, default=200, help="simulated viewers (0: a quiet room)")
    p.add_argument("--rate", type=float, default=None, help="audience events per second")
    p.add_argument("--live", action="store_true", help="start a live session at launch")
    p.add_argument("--debug-routes", action="store_true", help="enable /_debug routes (tests)")
    p.add_argument(
        "--log-retention", type=int, default=None, help="keep only the last N events (default all)"
    )
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.log_retention is not None and args.log_retention < 1:
        p.error("--log-retention must be >= 1")
    return args


def run(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    tmp: tempfile.TemporaryDirectory[str] | None = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="livedesk-sandbox-")
        db = Path(tmp.name) / "sandbox.db"
    try:
        return asyncio.run(serve(args, db))
    except KeyboardInterrupt:
        return 0
    finally:
        if tmp is not None:
            tmp.cleanup()


async def serve(args: argparse.Namespace, db: Path) -> int:
    store = Store(db)
    engine = RoomEngine(
        store,
        seed=args.seed,
        viewers=args.viewers,
        rate=args.rate,
        log_retention=args.log_retention,
    )
    if args.live and not engine.session_live():
        engine.start_session({"role": "host", "token_id": "system"})
        engine.commit_action("system", None, 200, b"")
    app = create_app(engine, debug_routes=args.debug_routes)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listening socket says TCP; without it every keep-alive response waits ~40 ms (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)  # connections wait in the backlog until uvicorn accepts: no refusal
    port = sock.getsockname()[1]
    # listening on every interface (a team on the LAN): this machine reaches it on loopback
    connect = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(args.host, args.host)
    host = f"[{connect}]" if ":" in connect else connect
    config = uvicorn.Config(
        app,
        log_level="warning",
        ws="websockets-sansio",
        ws_ping_interval=15.0,
        ws_ping_timeout=30.0,
        lifespan="on",
        access_log=False,
        # uvicorn's own log config writes to sys.stdout/stderr and asks them isatty(): a
        # windowed build has none; its records go through the root logger configured above
        log_config=None,
    )
    server = StoppableServer(config)
    line = {
        "url": f"http://{host}:{port}",
        "room": engine.room,
        "tokens": engine.token_by_role,
        "listen": args.host,  # where it listens: loopback only, or the LAN too
    }
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    log.info("sandbox room %s serving on http://%s:%d (db %s)", engine.room, host, port, db)
    try:
        await server.serve(sockets=[sock])
    finally:
        store.close()
    return 0
