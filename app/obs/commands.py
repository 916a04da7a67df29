"""What this console asked OBS to do: a listener hook on :class:`~app.obs.scenes.Scenes` and
:class:`~app.obs.outputs.Outputs` (scene switches, stream/record start and stop).

The session recorder uses it to tell a switch made from this console (recorded with the operator's
role, like a platform action) from one made in OBS itself. A listener hears each command twice:
when it is sent (``ok is None``: OBS's own event about it may arrive before the answer) and when
OBS answered (``ok`` True/False, with the latency and, for a stopped recording, its file).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.listeners import Listeners

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ObsCommand:
    name: str  # switch_scene, set_preview, transition, start_stream, stop_stream, start_record …
    args: dict[str, Any] = field(default_factory=dict)
    ts: float = 0.0  # time.time() when sent (ok is None) or answered
    ok: bool | None = None  # None: sent, not answered yet
    error: str | None = None
    duration_ms: float = 0.0
    result: Any = None  # what the request returned (stop_record: the recording's path)


CommandListener = Callable[[ObsCommand], None]


class CommandHook:
    def __init__(self) -> None:
        self._listeners = Listeners[[ObsCommand]]("OBS command listener")

    def subscribe(self, listener: CommandListener) -> Callable[[], None]:
        return self._listeners.add(listener)

    async def run(self, name: str, request: Awaitable[T], /, **args: Any) -> T:
        """Await ``request`` (the OBS request for command ``name``), telling the listeners."""
        self._emit(ObsCommand(name, args, time.time()))
        t0 = time.perf_counter()
        try:
            result = await request
        except Exception as exc:
            dt = (time.perf_counter() - t0) * 1000
            self._emit(ObsCommand(name, args, time.time(), False, str(exc), dt))
            raise
        dt = (time.perf_counter() - t0) * 1000
        self._emit(ObsCommand(name, args, time.time(), True, None, dt, result))
        return result

    def _emit(self, cmd: ObsCommand) -> None:
        self._listeners.emit(cmd)
