"""Failover that acts by itself, and the emergency key (一键应急). No widgets.

While armed (the console arms it while the session is live or OBS streams), :class:`Failover`

- watches the host camera input (``LiveDesk 摄像头``) the way OBS sees it: one small source
  screenshot (``GetSourceScreenshot``, 160 px wide PNG) at a time, ``checks_per_second`` a second,
  judged with the camera checks' own frozen and black tests (app/camera/checks.py). A screenshot
  OBS refuses (the input is gone) counts as *lost*. A sample's time is when its request left
  (OBS renders the screenshot when it gets it); a problem that reaches the window is sampled at
  that moment rather than at the next tick, so acting costs no extra period. It only watches while the program shows one of
  LiveDesk's camera scenes (主播全景 / 商品特写 / 画中画) or its standby scene: a switch to some other
  scene by the operator is never second-guessed;
- when the camera has been frozen, black or lost for ``window_s``, switches the program to the
  standby scene 备用画面 (made by the OBS set-up, overlays kept) and tells its listeners
  (:class:`FailoverEvent` ``switched``). With a standby camera (备用, ``LiveDesk 备用摄像头``)
  set, that scene shows the standby camera full canvas; without one, the 「马上回来」 card. The
  switch is the same either way: one scene, one key, and the card under the standby camera shows
  through should the standby picture disappear too. The host camera stays in that scene at the
  bottom (covered), so it keeps being watched there and its recovery is seen;
- once the camera has looked right again for ``recover_s``, switches back to the scene it left
  (``auto_return``), or tells its listeners ``recovered`` and waits for :meth:`Failover.go_back`;
  if the operator moved the program elsewhere meanwhile, it leaves the program alone;
- watches the microphone (``mic_input``, else OBS's Mic/Aux) through OBS's ``InputVolumeMeters``
  (subscribed only while armed) and ``InputMuteStateChanged``: muted, or every peak below
  ``mic_silence_db``, for ``mic_window_s`` → ``mic_alert`` (an alert, never a switch); ``mic_ok``
  when it is heard again. OBS sends its meters 20 times a second; an OBS whose meter count
  another client broke sends none, and the connection restarts them without restarting OBS
  (:mod:`app.obs.meter_keeper`). When none come at all for ``METERS_GAP_S`` even so, silence
  cannot be told from a meter OBS does not send, so the alert says that instead (reason
  ``no_levels``: restart OBS after the live), never "viewers hear nothing".

The emergency key (:meth:`Failover.emergency`): program → standby showing the 「马上回来」 card
(a standby camera there is hidden first — an emergency is "we are away", not "carry on from
another camera" — and shown again when the emergency ends), microphone muted, the
registered pushes paused (:meth:`Failover.add_pausable`: the console's explain hold and lottery
auto-draw); :meth:`Failover.end_emergency` restores exactly what it changed (the scene it left,
the mute state the microphone had, the pushes it paused) — a scene the operator chose meanwhile
is not overridden. During an emergency the automatic switches and the microphone alert rest.

Guarantees: everything runs on the event loop; OBS requests go through the connection's one worker
thread (never blocking the loop); at most one screenshot is in flight; the check itself is a
numpy mean over ~14,000 pixels. OpenCV is loaded by the first sample, in a worker thread (not at
import: the console's start does not pay for it, tests/unit/test_startup_imports.py). Events are plain data, with the operator's sentence in the UI
language, for the notifier, the recorder (``record_obs("failover", event.record())`` becomes a
timeline marker) and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import math
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from app.aio import spawn
from app.i18n import tr
from app.listeners import Listeners
from app.obs.connection import ObsConnection
from app.obs.errors import ObsError, ObsOfflineError, ObsRequestError
from app.obs.inputs import screenshot
from app.obs.names import CAMERA, CAMERA_STANDBY, SCENE_STANDBY, SCENES
from app.obs.scenes import Scenes
from app.settings import FailoverSettings

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

#: no InputVolumeMeters at all this long (OBS sends 20/s): OBS sends none, and the connection's
#: MeterKeeper (app/obs/meter_keeper.py, 3 s per try) could not restart them
METERS_GAP_S = 10.0
SHOT_WIDTH = 160  # the camera screenshot's size: enough for frozen/black, cheap to send and decode
SHOT_HEIGHT = 90

Problem = Literal["frozen", "black", "lost"]
EventKind = Literal[
    "switched",  # camera bad for the window → standby scene
    "recovered",  # camera back (auto_return off: waiting for the operator)
    "switched_back",  # back on the scene it left
    "mic_alert",  # microphone muted or silent for the window
    "mic_ok",
    "emergency",  # the emergency key
    "emergency_end",
]


@dataclass(frozen=True, slots=True)
class FailoverEvent:
    kind: EventKind
    text: str  # the operator's sentence, in the UI language
    reason: str = ""  # frozen / black / lost / muted / silent
    scene: str = ""  # the scene switched to (or back to)
    ts: float = field(default_factory=time.time)

    def record(self) -> dict[str, Any]:
        """What the session recording keeps of it (an ``obs`` row of kind ``failover``, and a
        timeline marker of kind ``marker``: app/names.py MARKER_NAMES)."""
        return {
            "marker": MARKERS[self.kind],
            "reason": self.reason,
            "label": problem_text(self.reason) if self.reason else "",
            "scene": self.scene,
            "text": self.text,
        }


#: event kind → the timeline marker it becomes (app/session/writer.py, app/names.py)
MARKERS: dict[str, str] = {
    "switched": "failover",
    "recovered": "camera_recovered",
    "switched_back": "failover_back",
    "mic_alert": "mic_alert",
    "mic_ok": "mic_ok",
    "emergency": "emergency",
    "emergency_end": "emergency_end",
}


class Pausable(Protocol):
    """A push the emergency key pauses: ``pause()`` returns whether it changed anything."""

    def pause(self) -> bool: ...

    def resume(self) -> None: ...


def decode_gray(png: bytes) -> np.ndarray:
    """A screenshot's PNG as a grey image (raises ValueError when it is not an image)."""
    import cv2  # here, not at import (loaded by the first sample: see the module docstring)
    import numpy as np

    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ValueError("not an image")
    return img


@dataclass
class CameraJudge:
    """Frozen / black / lost over time, from one sample at a time (pure: no I/O, no clock).

    ``feed(gray or None, t)`` returns the problem the camera has had for at least ``window`` s
    (None: fine). Frozen counts from the last sample that differed from the one before."""

    window: float
    recover: float
    problem: Problem | None = None  # the problem seen in the latest sample
    since: float = 0.0  # when that problem began
    good_since: float | None = None
    _prev: np.ndarray | None = None
    _changed_at: float = -math.inf

    def feed(self, gray: np.ndarray | None, t: float) -> Problem | None:
        import cv2  # (see decode_gray: loaded by the first sample, not at start-up)

        from app.camera.checks import FROZEN_DIFF, is_black

        now: Problem | None
        if gray is None:
            now, self._prev = "lost", None
        else:
            prev, self._prev = self._prev, gray
            moved = (
                prev is None
                or prev.shape != gray.shape
                or float(cv2.absdiff(gray, prev).mean()) >= FROZEN_DIFF
            )
            if moved:
                self._changed_at = t
            if is_black(gray):
                now = "black"
            elif prev is not None and not moved:
                now = "frozen"
            else:
                now = None
        if now != self.problem:
            begun = self._changed_at if now == "frozen" else t
            self.problem, self.since = now, begun
            self.good_since = t if now is None else None
        elif now is None and self.good_since is None:
            self.good_since = t  # the first sample after a reset
        return self.problem if self.problem and t - self.since >= self.window else None

    def recovered(self, t: float) -> bool:
        return self.good_since is not None and t - self.good_since >= self.recover

    def reset(self) -> None:
        self.problem, self.good_since, self._prev = None, None, None
        self._changed_at = -math.inf


def problem_text(problem: str) -> str:
    return {
        "frozen": tr("画面冻结"),
        "black": tr("黑屏"),
        "lost": tr("信号丢失"),
        "muted": tr("麦克风被静音"),
        "silent": tr("麦克风没有声音"),
        "no_levels": tr("OBS 没有发送音量数据"),
    }.get(problem, problem)


class Failover:
    def __init__(
        self,
        conn: ObsConnection,
        scenes: Scenes,
        settings: FailoverSettings,
        *,
        camera: str = CAMERA,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.conn = conn
        self.scenes = scenes
        self.settings = settings
        self.camera = camera
        self.clock = clock
        self.judge = CameraJudge(settings.window_s, settings.recover_s)
        self.armed = False
        self.standby_from: str | None = None  # the scene the failover left (None: not on standby)
        self.awaiting_return = False  # camera back, auto_return off: the operator confirms
        self.emergency_state: dict[str, Any] | None = None  # what the emergency key changed
        self.mic: str | None = None  # the microphone input being watched
        self.mic_alerted: str | None = None  # "muted" / "silent" while its alert stands
        self.checks = 0  # camera samples judged (tests, the bench)
        self.check_ms: deque[float] = deque(maxlen=200)  # each sample's round trip
        self._mic_muted = False
        self._mic_muted_at = 0.0  # clock() when it was muted
        self._mic_heard = 0.0  # clock() of the last level above the silence threshold
        self._mic_since = 0.0  # clock() when the microphone watch (re)started
        self._meters_at = 0.0  # clock() of OBS's last InputVolumeMeters (or the watch's start)
        self._meters_seen = False  # any InputVolumeMeters since the watch (re)started
        self._listeners = Listeners[[FailoverEvent]]("failover listener")
        self._pausables: list[Pausable] = []
        self._task: asyncio.Task[None] | None = None
        self._busy = False  # a switch in flight
        self._unsubs = [
            conn.on_event("InputVolumeMeters", self._on_meters),
            conn.on_event("InputMuteStateChanged", self._on_mute),
            conn.on_connected(self._on_connected),
        ]

    # --- wiring ----------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[FailoverEvent], None]) -> Callable[[], None]:
        return self._listeners.add(listener)

    def add_pausable(self, push: Pausable) -> Callable[[], None]:
        """A scheduled push the emergency key pauses (and its return resumes)."""
        self._pausables.append(push)
        return lambda: self._pausables.remove(push) if push in self._pausables else None

    def apply_settings(self, settings: FailoverSettings) -> None:
        """New thresholds (the settings page): judged from the next sample on; turning it off
        disarms it, turning it on arms it at the console's next arming."""
        self.settings = settings
        self.judge.window, self.judge.recover = settings.window_s, settings.recover_s
        if not settings.enabled:
            self.arm(False)

    # --- arming ----------------------------------------------------------------------------------
    def arm(self, on: bool) -> None:
        """Watch (the session is live) or stop watching. Idempotent."""
        on = on and self.settings.enabled
        if on == self.armed:
            return
        self.armed = on
        if on:
            self.judge.reset()
            self._task = spawn(self._run(), name="failover-watch")
        else:
            if self._task is not None:
                self._task.cancel()
                self._task = None
            self.mic_alerted = None
            spawn(self._meters(False), name="failover-meters-off")

    async def stop(self) -> None:
        self.arm(False)
        for unsub in self._unsubs:
            unsub()

    async def _meters(self, on: bool) -> None:
        with contextlib.suppress(ObsError):
            await self.conn.want_volume_meters(on)

    async def _on_connected(self) -> None:
        self.judge.reset()
        if self.armed:
            await self._start_mic()

    # --- the loop --------------------------------------------------------------------------------
    async def _run(self) -> None:
        await self._start_mic()
        while True:
            t0 = self.clock()
            try:
                if self.conn.connected:
                    await self.check_once()
            except ObsOfflineError:
                self.judge.reset()
            except Exception:
                log.exception("failover check failed")
            await asyncio.sleep(self._next_in(t0))

    def _next_in(self, started: float) -> float:
        """Seconds until the next sample: one period after the last one began, or sooner, at the
        moment a standing problem reaches the window (no extra period of waiting to act)."""
        now = self.clock()
        due = started + 1.0 / self.settings.checks_per_second
        j = self.judge
        reaches = j.since + j.window
        if j.problem is not None and self.standby_from is None and started < reaches < due:
            due = reaches
        return max(0.02, due - now)

    async def check_once(self) -> None:
        """One camera sample and its consequences, and the microphone's judgement."""
        program = self.scenes.state.program
        watched = program in SCENES or program == SCENE_STANDBY
        if not watched:
            self.judge.reset()
        else:
            t = self.clock()  # OBS renders the screenshot when it gets the request: that moment
            gray = await self._sample()
            self.checks += 1
            bad = self.judge.feed(gray, t)
            if self.emergency_state is None and not self._busy:
                if bad is not None and self.standby_from is None and program in SCENES:
                    program = await self._program()
                    if program in SCENES:
                        await self._switch_to_standby(program, bad)
                elif self.standby_from is not None and self.judge.recovered(t):
                    await self._camera_back()
        self._judge_mic()

    async def _sample(self) -> np.ndarray | None:
        if "cv2" not in sys.modules:  # loaded once, off the loop (30–90 ms here)
            await asyncio.to_thread(importlib.import_module, "cv2")
        t0 = time.perf_counter()
        try:
            png = await screenshot(
                self.conn, self.camera, SHOT_WIDTH, SHOT_HEIGHT, image_format="png"
            )
            return decode_gray(png)
        except ObsRequestError:
            return None  # the input is gone (or OBS cannot render it): lost
        except ValueError:
            return None
        finally:
            self.check_ms.append((time.perf_counter() - t0) * 1000)

    # --- switching -------------------------------------------------------------------------------
    async def _program(self) -> str | None:
        """The program scene as OBS says now (before acting: the cached state may lag)."""
        reply = await self.conn.request("GetCurrentProgramScene")
        name = reply.get("currentProgramSceneName") or reply.get("sceneName")
        return str(name) if name else None

    async def _switch(self, scene: str) -> None:
        self._busy = True
        try:
            await self.scenes.switch(scene)
        finally:
            self._busy = False

    async def _switch_to_standby(self, program: str, problem: Problem) -> None:
        try:
            await self._switch(SCENE_STANDBY)
        except ObsRequestError as exc:
            log.warning("failover: no standby scene (%s); run the OBS set-up", exc)
            self._emit("switched", tr("摄像头{what}，但切换备用画面失败：{e}（请在 OBS 面板点「一键配置 OBS 直播带货场景」）").format(
                what=problem_text(problem), e=exc.comment or exc.code), problem, "")  # fmt: skip
            self.standby_from = None
            self.judge.reset()  # tried once for this problem; the next one tries again
            return
        self.standby_from = program
        self.awaiting_return = False
        self._emit("switched", tr("摄像头{what}超过 {s:g} 秒：已自动切到「{scene}」").format(
            what=problem_text(problem), s=self.settings.window_s, scene=SCENE_STANDBY),
            problem, SCENE_STANDBY)  # fmt: skip

    async def _camera_back(self) -> None:
        if await self._program() != SCENE_STANDBY:
            self.standby_from = None  # the operator moved on: nothing to return from
            self.awaiting_return = False
            return
        if not self.settings.auto_return:
            if not self.awaiting_return:
                self.awaiting_return = True
                self._emit("recovered", tr("摄像头已恢复：确认画面正常后，点「切回直播画面」"))
            return
        await self.go_back()

    async def go_back(self) -> None:
        """Back from the failover's standby to the scene it left (the operator's confirmation)."""
        back = self.standby_from
        if back is None:
            return
        if await self._program() == SCENE_STANDBY:
            await self._switch(back)
        self.standby_from = None
        self.awaiting_return = False
        self._emit("switched_back", tr("摄像头已恢复：已切回「{scene}」").format(scene=back),
                   "", back)  # fmt: skip

    # --- the emergency key -----------------------------------------------------------------------
    async def emergency(self) -> None:
        """一键应急: standby scene, microphone muted, pushes paused (see the module docstring)."""
        if self.emergency_state is not None:
            return
        program = await self._program()
        state: dict[str, Any] = {"scene": None, "mic": None, "muted": None, "paused": [],
                                 "standby_camera": None}  # fmt: skip
        self.emergency_state = state
        try:
            state["standby_camera"] = await self._show_standby_camera(False)
            if program != SCENE_STANDBY:
                await self._switch(SCENE_STANDBY)
                state["scene"] = self.standby_from or program
            elif self.standby_from is not None:
                state["scene"] = self.standby_from  # the failover's standby becomes the key's
            self.standby_from = None
            self.awaiting_return = False
            mic = self.mic or await self._find_mic()
            if mic is not None:
                muted = bool((await self.conn.request("GetInputMute", inputName=mic))["inputMuted"])
                if not muted:
                    await self.conn.request("SetInputMute", inputName=mic, inputMuted=True)
                state["mic"], state["muted"] = mic, muted
        except BaseException:
            if (
                state["standby_camera"] is not None
                and state["scene"] is None
                and (state["mic"] is None)
            ):
                with contextlib.suppress(ObsError):
                    await self._show_standby_camera(True, state["standby_camera"])
                state["standby_camera"] = None
            if state["scene"] is None and state["mic"] is None:
                self.emergency_state = None  # nothing changed: no emergency to return from
            raise
        for push in self._pausables:
            try:
                if push.pause():
                    state["paused"].append(push)
            except Exception:
                log.exception("pausing %r failed", push)
        self._emit("emergency", tr("一键应急：已切到「{scene}」、麦克风已静音、定时推送已暂停").format(
            scene=SCENE_STANDBY), "", SCENE_STANDBY)  # fmt: skip

    async def end_emergency(self) -> None:
        """Undo what :meth:`emergency` changed (only that)."""
        state = self.emergency_state
        if state is None:
            return
        self.emergency_state = None
        if state["mic"] is not None and not state["muted"]:
            # the key's own mute, about to be lifted: while the return's requests are under way
            # it is not "muted for longer than the window" (that was a false 静音 alert, then 恢复)
            self._mic_muted_at = self.clock()
        for push in state["paused"]:
            try:
                push.resume()
            except Exception:
                log.exception("resuming %r failed", push)
        self.judge.reset()
        if state["mic"] is not None and not state["muted"]:
            await self.conn.request("SetInputMute", inputName=state["mic"], inputMuted=False)
        back = state["scene"]
        now = await self._program()
        if back is not None and now == SCENE_STANDBY:
            await self._switch(back)
            now = back
        if state["standby_camera"] is not None:  # after leaving: viewers never see it flash
            await self._show_standby_camera(True, state["standby_camera"])
        self._mic_heard = self._mic_since = self.clock()
        self._emit("emergency_end", tr("应急结束：已恢复到「{scene}」").format(
            scene=now or ""), "", now or "")  # fmt: skip

    async def _show_standby_camera(self, on: bool, item: int | None = None) -> int | None:
        """Show or hide the standby camera in 备用画面; returns its item id when it was hidden
        by this call (None: there is none, or it was hidden already)."""
        if item is None:
            try:
                reply = await self.conn.request(
                    "GetSceneItemId", sceneName=SCENE_STANDBY, sourceName=CAMERA_STANDBY
                )
            except ObsRequestError:
                return None  # no standby camera (or no standby scene): the card shows anyway
            item = int(reply["sceneItemId"])
            got = await self.conn.request(
                "GetSceneItemEnabled", sceneName=SCENE_STANDBY, sceneItemId=item
            )
            if not got.get("sceneItemEnabled"):
                return None
        await self.conn.request(
            "SetSceneItemEnabled", sceneName=SCENE_STANDBY, sceneItemId=item, sceneItemEnabled=on
        )
        return item

    # --- the microphone --------------------------------------------------------------------------
    async def _find_mic(self) -> str | None:
        if self.settings.mic_input:
            return self.settings.mic_input
        try:
            special = await self.conn.request("GetSpecialInputs")
        except ObsError:
            return None
        mic = special.get("mic1")
        return str(mic) if mic else None

    async def _start_mic(self) -> None:
        try:
            self.mic = await self._find_mic()
            self._mic_heard = self._mic_since = self._meters_at = self.clock()
            self._meters_seen = False
            self.mic_alerted = None
            if self.mic is None:
                return
            reply = await self.conn.request("GetInputMute", inputName=self.mic)
            self._mic_muted = bool(reply.get("inputMuted"))
            self._mic_muted_at = self.clock()
            await self.conn.want_volume_meters(True)
        except ObsRequestError as exc:
            log.info("failover: microphone %r not watched: %s", self.mic, exc)
            self.mic = None
        except ObsError as exc:
            log.info("failover: microphone watch not started: %s", exc)

    def _on_meters(self, _type: str, data: dict[str, Any]) -> None:
        if self.mic is None or not self.armed:
            return
        self._meters_at = self.clock()
        self._meters_seen = True
        floor = 10 ** (self.settings.mic_silence_db / 20)
        for item in data.get("inputs") or ():
            if item.get("inputName") != self.mic:
                continue
            levels = item.get("inputLevelsMul") or ()
            peak = max((float(ch[1]) for ch in levels if len(ch) > 1), default=0.0)
            if peak >= floor:
                self._mic_heard = self.clock()

    def _on_mute(self, _type: str, data: dict[str, Any]) -> None:
        if data.get("inputName") == self.mic:
            self._mic_muted = bool(data.get("inputMuted"))
            if self._mic_muted:
                self._mic_muted_at = self.clock()
            else:
                self._mic_since = self.clock()  # unmuted: give it a fresh window
        self._judge_mic()

    def _judge_mic(self) -> None:
        if self.mic is None or not self.armed:
            return
        t = self.clock()
        window = self.settings.mic_window_s
        problem: str | None = None
        if self.emergency_state is not None:
            problem = None  # muted on purpose
        elif self._mic_muted:
            problem = "muted" if t - self._mic_muted_at >= window else None
        elif t - self._meters_at >= METERS_GAP_S:
            problem = "no_levels"  # no meters: silence cannot be told from a meter never sent
        elif not self._meters_seen:
            problem = None  # none yet (the watch just started): too early to judge silence
        elif t - max(self._mic_heard, self._mic_since) >= window:
            problem = "silent"
        if problem is not None and self.mic_alerted is None:
            self.mic_alerted = problem
            if problem == "no_levels":
                text = tr(
                    "无法判断麦克风（{mic}）有无声音：OBS 未发送音量数据，下播后重启 OBS 可恢复"
                ).format(mic=self.mic)
            else:
                text = tr("{what}已超过 {s:g} 秒（{mic}）：观众听不到声音").format(
                    what=problem_text(problem), s=window, mic=self.mic
                )
            self._emit("mic_alert", text, problem)
        elif problem is None and self.mic_alerted is not None and not self._mic_muted:
            if t - self._mic_heard < 1.0:
                self.mic_alerted = None
                self._emit("mic_ok", tr("麦克风已恢复（{mic}）").format(mic=self.mic))

    # --- out -------------------------------------------------------------------------------------
    def _emit(self, kind: EventKind, text: str, reason: str = "", scene: str = "") -> None:
        log.info("failover %s: %s", kind, text)
        self._listeners.emit(FailoverEvent(kind, text, reason, scene))
