"""Stream and record outputs, and the stream target (the platform's RTMP push URL and key)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.listeners import Listeners
from app.obs.commands import CommandHook
from app.obs.connection import ObsConnection


@dataclass(frozen=True, slots=True)
class OutputsState:
    streaming: bool = False
    recording: bool = False
    stream_state: str = ""  # obs-websocket outputState, e.g. OBS_WEBSOCKET_OUTPUT_STARTING
    record_state: str = ""


OutputsListener = Callable[[OutputsState], None]


class Outputs:
    def __init__(self, conn: ObsConnection) -> None:
        self._conn = conn
        self._state = OutputsState()
        self._listeners = Listeners[[OutputsState]]("OBS outputs listener")
        self.commands = CommandHook()  # what this console asks OBS to do (the recorder listens)
        conn.on_event("StreamStateChanged", self._on_stream)
        conn.on_event("RecordStateChanged", self._on_record)
        conn.on_connected(self.refresh)

    @property
    def state(self) -> OutputsState:
        return self._state

    def subscribe(self, listener: OutputsListener) -> Callable[[], None]:
        return self._listeners.add(listener)

    async def refresh(self) -> OutputsState:
        stream = await self._conn.request("GetStreamStatus")
        record = await self._conn.request("GetRecordStatus")
        self._set(
            OutputsState(
                streaming=bool(stream.get("outputActive")),
                recording=bool(record.get("outputActive")),
            )
        )
        return self._state

    async def start_stream(self) -> None:
        await self.commands.run("start_stream", self._conn.request("StartStream"))

    async def stop_stream(self) -> None:
        await self.commands.run("stop_stream", self._conn.request("StopStream"))

    async def start_record(self) -> None:
        await self.commands.run("start_record", self._conn.request("StartRecord"))

    async def stop_record(self) -> str:
        """Stop recording; returns the recorded file's path."""

        async def stop() -> str:
            reply = await self._conn.request("StopRecord")
            return str(reply.get("outputPath", ""))

        return await self.commands.run("stop_record", stop())

    async def set_stream_target(self, rtmp_url: str, stream_key: str) -> None:
        """Point OBS's stream output at the platform's RTMP push URL with its key (rtmp_custom)."""
        await self._conn.request(
            "SetStreamServiceSettings",
            streamServiceType="rtmp_custom",
            streamServiceSettings={"server": rtmp_url, "key": stream_key, "use_auth": False},
        )

    async def stream_target(self) -> tuple[str, str]:
        """The (server, key) OBS will stream to."""
        reply = await self._conn.request("GetStreamServiceSettings")
        settings = reply.get("streamServiceSettings") or {}
        return str(settings.get("server", "")), str(settings.get("key", ""))

    def _set(self, state: OutputsState) -> None:
        if state == self._state:
            return
        self._state = state
        self._listeners.emit(state)

    def _on_stream(self, _t: str, data: dict[str, Any]) -> None:
        s = self._state
        self._set(
            OutputsState(
                bool(data.get("outputActive")),
                s.recording,
                str(data.get("outputState", "")),
                s.record_state,
            )
        )

    def _on_record(self, _t: str, data: dict[str, Any]) -> None:
        s = self._state
        self._set(
            OutputsState(
                s.streaming,
                bool(data.get("outputActive")),
                s.stream_state,
                str(data.get("outputState", "")),
            )
        )
