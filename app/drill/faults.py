"""The faults a drill injects, each undone exactly (app/drill/engine.py ``Injector``). No widgets.

OBS faults act on the host camera input ``LiveDesk 摄像头`` and the microphone through
obs-websocket, so what viewers see is what a real fault would show:

- **camera black**: a colour-correction filter (``LiveDesk 演练故障``, brightness −1) on the camera
  input: the input itself — as OBS renders it for the program and for the failover's screenshot —
  turns black, as a camera with its lens covered does. Removing the filter is the restore.
- **camera lost**: the same black filter, and the input renamed (``… (演练断开)``): OBS no longer
  has an input of the camera's name, as when a device input is gone; whatever asks for the camera
  by name (the failover's screenshot) is refused. Restore: the name back, the filter removed. The
  scene items follow the rename (OBS keeps them by source), so nothing else changes.
- **camera frozen**: offered only when the camera is a media source (``ffmpeg_source``, a clip or
  a stream): the media is paused, and OBS keeps showing its last frame — a real freeze. Freezing a
  device input is not possible through obs-websocket as it is (no built-in freeze filter), so for a
  device the fault is not offered rather than faked.
- **microphone silence**: the microphone (the failover's ``mic_input``, else OBS's Mic/Aux) muted;
  restore gives it back the mute state it had.
- **OBS killed**: only through ``kill``/``restart`` callables the caller provides after the operator
  confirmed the OBS (in tests: the test's own OBS).

Platform faults go through the sandbox's drill routes (plugins/sandbox/drill.py, host token,
through the console's own client: ``PlatformClient.drill``): network loss, viewer drop, and a
burst of complaint comments. :func:`platform_faults` offers them only for a rehearsal room (the
caller checks the room says ``simulated``): a real platform never gets them.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.drill.engine import Injector
from app.obs.connection import ObsConnection
from app.obs.errors import ObsRequestError
from app.obs.names import CAMERA
from app.platform.client import PlatformClient

DRILL_FILTER = "LiveDesk 演练故障"
LOST_SUFFIX = " (演练断开)"
MEDIA_KINDS = ("ffmpeg_source", "vlc_source")
COMPLAINTS = (  # what angry viewers write (each one a complaint to app/live/comment_kinds.py)
    "质量太差了，我要退货",
    "发货太慢了，差评！",
    "假货吧，骗人的",
    "怎么又没货了",
    "这也太贵了，差评",
)


@dataclass
class CameraBlack:
    conn: ObsConnection
    camera: str = CAMERA

    async def inject(self) -> None:
        await self.conn.request(
            "CreateSourceFilter",
            sourceName=self.camera,
            filterName=DRILL_FILTER,
            filterKind="color_filter_v2",
            filterSettings={"brightness": -1.0, "contrast": -1.0},
        )

    async def restore(self) -> None:
        with contextlib.suppress(ObsRequestError):  # already gone
            await self.conn.request(
                "RemoveSourceFilter", sourceName=self.camera, filterName=DRILL_FILTER
            )


@dataclass
class CameraLost:
    conn: ObsConnection
    camera: str = CAMERA

    async def inject(self) -> None:
        await CameraBlack(self.conn, self.camera).inject()
        await self.conn.request(
            "SetInputName", inputName=self.camera, newInputName=self.camera + LOST_SUFFIX
        )

    async def restore(self) -> None:
        with contextlib.suppress(ObsRequestError):
            await self.conn.request(
                "SetInputName", inputName=self.camera + LOST_SUFFIX, newInputName=self.camera
            )
        await CameraBlack(self.conn, self.camera).restore()


@dataclass
class CameraFrozen:
    conn: ObsConnection
    camera: str = CAMERA

    async def inject(self) -> None:
        await self.conn.request(
            "TriggerMediaInputAction",
            inputName=self.camera,
            mediaAction="OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PAUSE",
        )

    async def restore(self) -> None:
        await self.conn.request(
            "TriggerMediaInputAction",
            inputName=self.camera,
            mediaAction="OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PLAY",
        )


@dataclass
class MicSilence:
    conn: ObsConnection
    mic: str
    was_muted: bool | None = None

    async def inject(self) -> None:
        reply = await self.conn.request("GetInputMute", inputName=self.mic)
        self.was_muted = bool(reply.get("inputMuted"))
        await self.conn.request("SetInputMute", inputName=self.mic, inputMuted=True)

    async def restore(self) -> None:
        if self.was_muted is False:
            await self.conn.request("SetInputMute", inputName=self.mic, inputMuted=False)
        self.was_muted = None


@dataclass
class ObsKilled:
    kill: Callable[[], object]
    restart: Callable[[], object]

    async def inject(self) -> None:
        await _call(self.kill)

    async def restore(self) -> None:
        await _call(self.restart)


async def _call(fn: Callable[[], object]) -> None:
    out = fn()
    if inspect.isawaitable(out):
        await out


async def obs_faults(
    conn: ObsConnection, mic: str | None, camera: str = CAMERA
) -> dict[str, Injector]:
    """The OBS faults this OBS can honestly produce (see the module docstring)."""
    out: dict[str, Injector] = {
        "camera_black": CameraBlack(conn, camera),
        "camera_lost": CameraLost(conn, camera),
    }
    with contextlib.suppress(ObsRequestError):
        kind = (await conn.request("GetInputSettings", inputName=camera)).get("inputKind")
        if kind in MEDIA_KINDS:
            out["camera_frozen"] = CameraFrozen(conn, camera)
    if mic is None:
        with contextlib.suppress(ObsRequestError):
            mic = (await conn.request("GetSpecialInputs")).get("mic1") or None
    if mic:
        out["mic_silence"] = MicSilence(conn, str(mic))
    return out


@dataclass
class Sandbox:
    """The rehearsal room's drill routes (plugins/sandbox/drill.py), through the console's own
    platform client (its host token)."""

    client: PlatformClient

    async def post(self, fault: str, body: dict[str, Any]) -> None:
        await self.client.drill(fault, body)


@dataclass
class NetworkLoss:
    sandbox: Sandbox
    seconds: float = 8.0

    async def inject(self) -> None:
        await self.sandbox.post("outage", {"seconds": self.seconds})

    async def restore(self) -> None:
        await self.sandbox.post("outage", {"seconds": 0})


@dataclass
class ViewerDrop:
    sandbox: Sandbox
    share: float = 0.6

    async def inject(self) -> None:
        await self.sandbox.post("viewer-drop", {"share": self.share})

    async def restore(self) -> None:
        await self.sandbox.post("viewer-drop", {"share": 0})


@dataclass
class ComplaintBurst:
    sandbox: Sandbox
    count: int = 10

    async def inject(self) -> None:
        await self.sandbox.post("complaints", {"count": self.count, "texts": list(COMPLAINTS)})

    async def restore(self) -> None:
        return None  # comments stay said


def platform_faults(sandbox: Sandbox | None, *, hold_s: float = 8.0) -> dict[str, Injector]:
    """The platform faults: only for a sandbox room (None: a real platform, none offered)."""
    if sandbox is None:
        return {}
    return {
        "network_loss": NetworkLoss(sandbox, hold_s),
        "complaint_burst": ComplaintBurst(sandbox),
        "viewer_drop": ViewerDrop(sandbox),
    }
