"""Serve an ASGI app on 127.0.0.1 (a free port unless told), in the running loop or in a thread.

:class:`Served` owns one uvicorn server: :meth:`Served.start` returns once it listens,
:meth:`Served.stop` ends it and every connection it holds (within 5 s). :func:`serve_in_thread`
runs one in a daemon thread with its own event loop, for synchronous tests and the CLI; leaving
the context stops it and joins the thread. WebSocket connections get the scope extension
:data:`ABORT_EXTENSION`: ``write_eof()`` ends the TCP stream without a WebSocket close frame (a
network fault, after the data sent before it), ``abort()`` drops the connection at once,
``buffered()`` is what the server has not handed to the kernel yet. :func:`serve_until_signalled`
is a stand-in's command line: one JSON line saying where it listens, then serving until SIGINT or
SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Generator, Iterator
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.aio import wait_within

HOST = "127.0.0.1"
#: ASGI scope extension offering ``abort()``: drop a WebSocket's TCP connection at once
ABORT_EXTENSION = "livedesk.abort"


class _WsProtocol(WebSocketsSansIOProtocol):
    async def run_asgi(self) -> None:
        transport = self.transport
        self.scope["extensions"][ABORT_EXTENSION] = {  # type: ignore[index]
            "abort": transport.abort,
            "buffered": transport.get_write_buffer_size,
            "write_eof": transport.write_eof,
        }
        await super().run_asgi()


class _Quiet(uvicorn.Server):
    """uvicorn that leaves SIGINT/SIGTERM to its host process."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class Served:
    def __init__(self, app: Any, *, port: int = 0) -> None:
        self.app = app
        self.wanted_port = port
        self.port = 0
        self._server: _Quiet | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, self.wanted_port))
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", ws=_WsProtocol)
        self._server = _Quiet(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="bili-standin")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # do not wait for open WebSockets to say goodbye
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await wait_within(self._task, 5)
        self._server = None
        self._task = None


@contextlib.contextmanager
def serve_in_thread(app: Any, *, port: int = 0) -> Iterator[Served]:
    """Run ``app`` in a thread with its own loop until the context is left."""
    served = Served(app, port=port)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failed: list[BaseException] = []
    stop = asyncio.Event()

    async def main() -> None:
        try:
            await served.start()
        except BaseException as exc:  # handed to the caller's thread
            failed.append(exc)
            ready.set()
            return
        ready.set()
        await stop.wait()
        await served.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(30)
    try:
        if failed:
            raise failed[0]
        yield served
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


async def serve_until_signalled(served: Served, line: dict[str, Any]) -> None:
    """Print ``line`` (where ``served`` listens, what a client needs) as one JSON line on stdout,
    then serve until SIGINT or SIGTERM, and stop."""
    sys.stdout.write(orjson.dumps(line).decode() + "\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await served.stop()
