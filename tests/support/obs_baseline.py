"""The shared test OBS's known state, and bringing it back before each test that uses it.

A test may leave the shared OBS streaming, recording, in studio mode, on another scene, with the
live-selling scene set and its inputs, a 9:16 canvas or a 20 Mb/s bitrate — or fail half way
through any of that. :func:`restore` undoes all of it, whatever happened, and *waits for OBS's
own state* (outputs inactive, scenes gone) rather than for time; each wait has a generous
deadline (:data:`DEADLINE_S`) and says what it waited for when it fails. The fixture that hands
out the shared OBS (tests/support/obs_fixtures.py) restarts OBS when :func:`restore` cannot succeed.

The test profile (:func:`apply_test_profile`, once per OBS process) makes streaming start
reliably on a busy machine: a small output (640×360; 30 fps, as the timing tests expect) and x264's ``ultrafast`` preset,
so that the encoder delivers its first packets within seconds even when the CPU is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from app.obs.connection import ObsConnection
from app.obs.errors import ObsError, ObsRequestError

RESOURCE_NOT_FOUND = 600  # obs-websocket RequestStatus
DEADLINE_S = 120.0  # a busy CI machine: OBS rendering in software at a few fps, x264 behind

# (category, name, value) of the test profile; also restored before each test
TEST_PROFILE: tuple[tuple[str, str, str], ...] = (
    ("SimpleOutput", "Preset", "ultrafast"),
    ("SimpleOutput", "StreamEncoder", "x264"),
    ("SimpleOutput", "RecEncoder", "x264"),
    ("SimpleOutput", "VBitrate", "800"),
    ("SimpleOutput", "RecQuality", "Stream"),
    ("Output", "Mode", "Simple"),
)
# parameters tests change and the baseline restores
PROFILE_KEYS: tuple[tuple[str, str], ...] = (
    *((c, n) for c, n, _v in TEST_PROFILE),
    ("SimpleOutput", "FilePath"),
    ("AdvOut", "RecFilePath"),
)
VIDEO = {"outputWidth": 640, "outputHeight": 360, "fpsNumerator": 30, "fpsDenominator": 1}


@dataclass
class Baseline:
    scenes: list[str]
    program: str
    inputs: set[str]
    video: dict[str, int]
    profile: dict[tuple[str, str], str] = field(default_factory=dict)


async def wait_until(check: Any, what: str, within: float = DEADLINE_S, every: float = 0.2) -> None:
    """Await ``check()`` (a coroutine function returning bool) until true; fail naming ``what``."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"OBS: timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(every)


async def apply_test_profile(conn: ObsConnection) -> None:
    for category, name, value in TEST_PROFILE:
        await conn.request("SetProfileParameter", parameterCategory=category,
                           parameterName=name, parameterValue=value)  # fmt: skip
    video = await conn.request("GetVideoSettings")
    await conn.request("SetVideoSettings", baseWidth=video["baseWidth"],
                       baseHeight=video["baseHeight"], **VIDEO)  # fmt: skip


async def capture(conn: ObsConnection) -> Baseline:
    scenes = await conn.request("GetSceneList")
    video = await conn.request("GetVideoSettings")
    profile = {}
    for category, name in PROFILE_KEYS:
        reply = await conn.request("GetProfileParameter", parameterCategory=category,
                                   parameterName=name)  # fmt: skip
        if reply.get("parameterValue") is not None:
            profile[(category, name)] = str(reply["parameterValue"])
    return Baseline(
        scenes=[s["sceneName"] for s in scenes["scenes"]],
        program=scenes["currentProgramSceneName"],
        inputs={i["inputName"] for i in (await conn.request("GetInputList"))["inputs"]},
        video={k: int(v) for k, v in video.items()},
        profile=profile,
    )


async def _outputs_active(conn: ObsConnection) -> dict[str, bool]:
    stream = await conn.request("GetStreamStatus")
    record = await conn.request("GetRecordStatus")
    return {
        "stream": bool(stream.get("outputActive") or stream.get("outputReconnecting")),
        "record": bool(record.get("outputActive")),
    }


async def stop_outputs(conn: ObsConnection, within: float = DEADLINE_S) -> None:
    """Stop streaming and recording and wait until OBS says both are stopped."""
    active = await _outputs_active(conn)
    if active["stream"]:
        with contextlib.suppress(ObsRequestError):  # already stopping
            await conn.request("StopStream")
    if active["record"]:
        with contextlib.suppress(ObsRequestError):
            await conn.request("StopRecord")

    async def stopped() -> bool:
        return not any((await _outputs_active(conn)).values())

    await wait_until(stopped, "the stream and the recording to stop", within)


async def restore(conn: ObsConnection, base: Baseline, within: float = DEADLINE_S) -> None:
    """Bring OBS back to ``base`` (see the module's docstring)."""
    await stop_outputs(conn, within)
    studio = await conn.request("GetStudioModeEnabled")
    if studio.get("studioModeEnabled"):
        await conn.request("SetStudioModeEnabled", studioModeEnabled=False)
    have = [s["sceneName"] for s in (await conn.request("GetSceneList"))["scenes"]]
    if base.program not in have:
        await conn.request("CreateScene", sceneName=base.program)
    await conn.request("SetCurrentProgramScene", sceneName=base.program)
    removed: list[str] = []
    for scene in have:
        if scene not in base.scenes and scene != base.program:
            removed.append(scene)
            with contextlib.suppress(ObsRequestError):  # gone meanwhile
                await conn.request("RemoveScene", sceneName=scene)
    for item in (await conn.request("GetInputList"))["inputs"]:
        if item["inputName"] not in base.inputs:
            removed.append(item["inputName"])
            with contextlib.suppress(ObsRequestError):
                await conn.request("RemoveInput", inputName=item["inputName"])

    async def gone(name: str) -> bool:
        """OBS destroys removed sources later, on a thread of its own (under load, seconds later);
        until then the name is taken ("A source already exists by that scene name")."""
        try:
            await conn.request("GetSourceActive", sourceName=name)
        except ObsRequestError as exc:
            return exc.code == RESOURCE_NOT_FOUND
        return False

    async def scenes_back() -> bool:
        listing = await conn.request("GetSceneList")
        names = {s["sceneName"] for s in listing["scenes"]}
        inputs = {i["inputName"] for i in (await conn.request("GetInputList"))["inputs"]}
        return (
            names <= set(base.scenes) | {base.program}
            and inputs <= base.inputs
            and listing["currentProgramSceneName"] == base.program
            and all([await gone(name) for name in removed])
        )

    await wait_until(
        scenes_back, f"the test's scenes and inputs to be removed and destroyed: {removed}", within
    )
    video = await conn.request("GetVideoSettings")
    if {k: int(v) for k, v in video.items()} != base.video:
        await conn.request("SetVideoSettings", **base.video)
    for (category, name), value in base.profile.items():
        await conn.request("SetProfileParameter", parameterCategory=category,
                           parameterName=name, parameterValue=value)  # fmt: skip


async def meters_flow(conn: ObsConnection, within: float = 10.0) -> bool:
    """Whether OBS sends ``InputVolumeMeters`` (20 a second to every session that asks, even with
    no audio input). An OBS whose meter count a client broke (app/obs/client.py) sends none for
    the rest of its life (unless a console restarts them, app/obs/meter_keeper.py, which this
    check does not): every microphone would look silent to the tests that follow."""
    seen = asyncio.Event()
    unsubscribe = conn.on_event("InputVolumeMeters", lambda _t, _d: seen.set())
    conn.meter_sessions_most = 0  # OBS as it is: no extra session to restart its meters
    try:
        await conn.want_volume_meters(True)
        try:
            await asyncio.wait_for(seen.wait(), within)
        except TimeoutError:
            return False
        return True
    finally:
        unsubscribe()


async def connect(port: int, password: str, within: float = DEADLINE_S) -> ObsConnection:
    """A connection to OBS, retried until ``within`` (OBS may still be starting or busy)."""
    deadline = time.monotonic() + within
    while True:
        conn = ObsConnection("127.0.0.1", port, password)
        try:
            await conn.connect_once()
            return conn
        except ObsError:
            await conn.stop()
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
