"""Local TCP ports for the tests: one nobody listens on, and whether someone listens on one.

``free_port()`` asks the kernel for an ephemeral port and closes it again: a server started on it
right after gets it in practice (the kernel hands out ephemeral ports round-robin), and a client
pointed at it finds nobody there.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on ``host:port`` (half a second to answer)."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
