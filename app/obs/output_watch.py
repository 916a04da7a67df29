"""What the stream/record output's state changes mean for the operator: a start that never got
going (the server refused or could not be reached), a stream that dropped and is reconnecting.

obs-websocket 5.1 reports only the states (STARTING → STOPPED, no reason), so a stream that went
from starting to stopped without ever being started is a failed start."""

from __future__ import annotations

from app.i18n import tr
from app.obs.outputs import OutputsState

STARTING = "OBS_WEBSOCKET_OUTPUT_STARTING"
STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STOPPING = "OBS_WEBSOCKET_OUTPUT_STOPPING"
STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"
RECONNECTING = "OBS_WEBSOCKET_OUTPUT_RECONNECTING"

#: a start still "starting" after this long is reported (OBS's own connect timeout is longer)
SLOW_START_S = 10.0


def stream_start_failed(before: OutputsState, now: OutputsState) -> bool:
    return before.stream_state == STARTING and now.stream_state == STOPPED and not now.streaming


def record_start_failed(before: OutputsState, now: OutputsState) -> bool:
    return before.record_state == STARTING and now.record_state == STOPPED and not now.recording


def stream_failure_text(server: str) -> str:
    if not server:
        return tr(
            "推流未能开始：OBS 连接不上推流服务器（未设置推流地址）。请确认直播已开播、"
            "推流地址与密钥正确、网络可以访问该服务器"
        )
    return tr(
        "推流未能开始：OBS 连接不上推流服务器“{server}”。请确认直播已开播、推流地址与密钥正确、"
        "网络可以访问该服务器"
    ).format(server=server)
