"""The reader thread on generated clips: live, newest frame only, a clip ending = unplugged."""

from __future__ import annotations

import errno
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.camera.capture import CaptureState, CaptureStatus, FrameGrabber
from app.camera.devices import CameraSource, list_linux_cameras, source_from_setting
from app.camera.errors import diagnose_open_failure, error_for_errno, holders_of
from app.camera.modes import Mode, OpenReport
from app.camera.snapshot import save_snapshot
from app.camera.testcard import write_clip
from tests.support.camera_fakes import FAKE_DEVICE, install_fake_camera
from tests.support.polling import until_sync
from tests.support.processes import spawn, stop

MODE = Mode(1920, 1080, 30)


@pytest.fixture
def grabbers() -> Iterator[list[FrameGrabber]]:
    made: list[FrameGrabber] = []
    yield made
    for g in made:
        g.stop()
    assert not any(g.running for g in made), "reader thread did not stop"


def test_clip_plays_live_at_its_own_pace_with_a_plain_report(
    tmp_path: Path, grabbers: list[FrameGrabber]
) -> None:
    clip = write_clip(tmp_path / "cam.avi", size=(320, 180), seconds=6)
    g = FrameGrabber(source_from_setting(str(clip)), MODE)
    grabbers.append(g)
    g.start()
    until_sync(lambda: g.status.state is CaptureState.LIVE and g.seq > 40)
    report = g.status.report
    assert report is not None and report.delivered == Mode(320, 180, 30)
    assert "视频文件" in g.status.message and "320×180" in g.status.message
    fps = g.measured_fps()
    assert 20 < fps < 40, fps  # paced at the file's 30 fps, not decoded as fast as possible


def test_clip_ending_mid_preview_is_handled_like_an_unplugged_camera(
    tmp_path: Path, grabbers: list[FrameGrabber]
) -> None:
    clip = write_clip(tmp_path / "short.avi", size=(160, 90), seconds=0.5)
    seen: list[CaptureStatus] = []
    g = FrameGrabber(
        source_from_setting(str(clip)), MODE, on_status=seen.append, retry_delays=(0.2,)
    )
    grabbers.append(g)
    g.start()
    until_sync(lambda: any(s.state is CaptureState.LOST for s in seen))
    lost = next(s for s in seen if s.state is CaptureState.LOST)
    assert "结尾" in lost.message and "重试" in lost.message
    assert lost.retry_in == pytest.approx(0.2)
    # it retries by itself and comes back live
    until_sync(lambda: g.reconnects >= 1 and g.status.state is CaptureState.LIVE)
    assert g.running


def test_reader_hands_over_only_the_newest_frame_and_latency_does_not_grow(
    tmp_path: Path, grabbers: list[FrameGrabber]
) -> None:
    clip = write_clip(tmp_path / "fast.avi", size=(320, 180), seconds=4)
    # unpaced: the file decodes far faster than a slow consumer takes frames
    g = FrameGrabber(source_from_setting(str(clip)), MODE, pace=False, retry_delays=(0.05,))
    grabbers.append(g)
    g.start()
    until_sync(lambda: g.seq > 5)
    ages: list[float] = []
    last = 0
    for _ in range(8):
        time.sleep(0.15)  # a consumer much slower than the source
        f = g.newer_than(last)
        assert f is not None
        assert f.seq >= last
        lag = g.seq - f.seq
        assert lag <= 3, f"handed a stale frame ({lag} behind)"  # a queue would be 100s behind
        ages.append(time.monotonic() - f.t)
        last = f.seq
    assert max(ages) < 0.5, ages
    assert g.newer_than(g.seq) is None  # nothing new: nothing handed over twice


def test_missing_file_fails_plainly_and_keeps_retrying(
    tmp_path: Path, grabbers: list[FrameGrabber]
) -> None:
    seen: list[CaptureStatus] = []
    g = FrameGrabber(
        source_from_setting(str(tmp_path / "gone.mp4")),
        MODE,
        on_status=seen.append,
        retry_delays=(0.1,),
    )
    grabbers.append(g)
    g.start()
    until_sync(lambda: sum(s.state is CaptureState.FAILED for s in seen) >= 2)
    failed = next(s for s in seen if s.state is CaptureState.FAILED)
    assert failed.error is not None and failed.error.kind == "not_found"
    assert "找不到视频文件" in failed.message and "重试" in failed.message


def test_a_camera_that_is_not_plugged_in_is_said_so(grabbers: list[FrameGrabber]) -> None:
    src = source_from_setting("/dev/video97")
    err = diagnose_open_failure(src)
    assert err.kind == "not_found" and "找不到摄像头" in err.message and "插好" in err.message
    seen: list[CaptureStatus] = []
    g = FrameGrabber(src, MODE, on_status=seen.append, retry_delays=(0.1,))
    grabbers.append(g)
    g.start()
    until_sync(lambda: any(s.state is CaptureState.FAILED for s in seen))


def test_permission_and_busy_errors_tell_the_fix() -> None:
    src = CameraSource("device", "/dev/video0", "USB Camera (/dev/video0)", "CAP_V4L2")
    perm = error_for_errno(src, errno.EACCES)
    assert perm.kind == "permission" and "权限" in perm.message
    busy = error_for_errno(src, errno.EBUSY, ["obs (pid 4242)"])
    assert busy.kind == "busy" and "占用" in busy.message and "obs (pid 4242)" in busy.message


def test_who_holds_a_device_is_found(tmp_path: Path) -> None:
    node = tmp_path / "video0"
    node.write_bytes(b"")
    holder = spawn([sys.executable, "-c", f"f=open({str(node)!r}); import time; time.sleep(30)"])
    try:
        until_sync(lambda: any(f"pid {holder.pid}" in h for h in holders_of(str(node))), 10)
    finally:
        stop(holder, signal.SIGKILL)


def test_non_camera_nodes_are_not_listed() -> None:
    assert list_linux_cameras("/dev/null") == []


def test_settings_value_round_trips_to_a_source() -> None:
    assert source_from_setting("/dev/video2").kind == "device"
    assert source_from_setting("rtsp://192.168.1.5:8554/live").kind == "url"
    assert source_from_setting("http://phone.local:8080/video").backend == "CAP_FFMPEG"
    idx = source_from_setting("1", platform="win32")
    assert idx.index == 1 and idx.backend == "CAP_DSHOW"
    assert source_from_setting("0", platform="darwin").backend == "CAP_AVFOUNDATION"
    f = source_from_setting("/home/me/clip.mp4")
    assert f.kind == "file" and f.setting() == "/home/me/clip.mp4"


def test_report_says_plainly_when_the_device_gives_less() -> None:
    short = OpenReport("device", Mode(1920, 1080, 30), Mode(1280, 720, 15), "V4L2", "YUYV")
    assert not short.matches
    assert "要求 1080p30，实际只给 720p15" in short.summary()
    same = OpenReport("device", Mode(1920, 1080, 30), Mode(1920, 1080, 30), "V4L2", "MJPG")
    assert same.matches and "一致" in same.summary()
    assert Mode(1366, 768, 30).label() == "1366×768@30"


def test_snapshot_is_saved_as_a_png(tmp_path: Path) -> None:
    import cv2

    from app.camera.testcard import frame

    img = frame(320, 180, 0.0)
    p1 = save_snapshot(img, tmp_path, stamp=0)
    p2 = save_snapshot(img, tmp_path, stamp=0)
    assert p1 != p2 and p1.suffix == ".png"
    back = cv2.imread(str(p1))
    assert back is not None and back.shape == img.shape and (back == img).all()


def test_stop_is_prompt_even_while_retrying(tmp_path: Path) -> None:
    g = FrameGrabber(source_from_setting(str(tmp_path / "none.avi")), MODE, retry_delays=(30.0,))
    g.start()
    until_sync(lambda: g.status.state is CaptureState.FAILED)
    t0 = time.monotonic()
    g.stop()
    assert not g.running and time.monotonic() - t0 < 2
    assert g.status.state is CaptureState.STOPPED
    assert threading.active_count() >= 1


def test_report_tells_the_measured_rate_only_when_it_is_off_the_claim() -> None:
    asked = Mode(1920, 1080, 30)
    full = OpenReport("device", asked, Mode(1920, 1080, 30), "V4L2", "MJPG")
    assert full.summary(14.8) == "要求 1080p30，设备声称 30 fps，实测 14.8 fps"
    assert full.summary(29.1) == full.summary() == "要求 1080p30，实际 1080p30：与要求一致"
    small = OpenReport("device", asked, Mode(1280, 720, 30), "V4L2", "YUYV")
    assert small.summary(9.8) == "要求 1080p30，实际只给 1280×720，设备声称 30 fps，实测 9.8 fps"
    silent = OpenReport("device", asked, Mode(1920, 1080, 30), "V4L2", "", fps_reported=False)
    assert silent.summary(29.9) == "要求 1080p30，设备未报告帧率，实测 29.9 fps"
    f = OpenReport("file", asked, Mode(640, 360, 30), "FFMPEG", "MJPG")
    assert f.summary(21.0) == "视频文件：640×360，文件标称 30 fps，实测 21.0 fps"
    assert f.summary(30.4) == "视频文件：640×360，30 fps（按源本身的格式播放）"


def test_a_camera_delivering_less_than_it_claims_is_measured(
    tmp_path: Path, grabbers: list[FrameGrabber], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver's CAP_PROP_FPS says 30, frames come at 15: the report keeps the claim, the
    grabber measures the truth, and the summary says both."""
    clip = write_clip(tmp_path / "cam.avi", size=(640, 480), seconds=2)
    install_fake_camera(monkeypatch, clip, claimed_fps=30, deliver_fps=15)
    g = FrameGrabber(FAKE_DEVICE, Mode(640, 480, 30))
    grabbers.append(g)
    g.start()
    until_sync(lambda: g.live_for() >= 2.2)
    report = g.status.report
    assert report is not None and report.delivered == Mode(640, 480, 30) and report.matches
    measured = g.measured_fps(window=2.0)
    assert 12.0 <= measured <= 16.5, measured
    assert report.summary(measured) == f"要求 480p30，设备声称 30 fps，实测 {measured:.1f} fps"


def test_pipeline_verdicts_say_when_no_frame_has_come_for_a_while(
    tmp_path: Path, grabbers: list[FrameGrabber]
) -> None:
    from app.camera.checks import Level
    from app.camera.preview import PreviewPipeline

    clip = write_clip(tmp_path / "cam.avi", size=(320, 180), seconds=3)
    g = FrameGrabber(source_from_setting(str(clip)), MODE)
    grabbers.append(g)
    pipe = PreviewPipeline(g)
    g.start()
    until_sync(lambda: g.seq > 10)
    g.stop()  # the source goes quiet; its last frame stays the newest
    last = g.latest()
    assert last is not None and pipe.pull(320, 180, now=last.t) is not None
    judged = {v.key: v for v in pipe.verdicts}
    assert judged["exposure"].level is Level.OK
    assert not pipe.check_stall(now=last.t + 1.4)  # a short gap is no alarm
    assert pipe.verdicts[0] is judged["exposure"]
    assert pipe.check_stall(now=last.t + 3.2)
    v = {x.key: x for x in pipe.verdicts}
    assert v["exposure"].text == "无画面：已 3 秒没有新画面" and v["exposure"].level is Level.INFO
    assert v["frozen"].level is Level.BAD and v["frozen"].value == pytest.approx(3.2)
    assert v["fps"].level is Level.BAD and v["fps"].value == 0.0
    assert v["fps"].text == "帧率 0 fps：已 3 秒没有收到画面（应为 30 fps）"
    assert pipe.stalled


def test_measured_rate_is_exact_for_a_steady_source_and_falls_when_it_stops() -> None:
    """A steady 30 fps reads 30.0 wherever "now" falls between frames (a frame count per 2 s
    window read 30.0 or 30.5 by turns); after the last frame the rate falls towards 0."""
    g = FrameGrabber(source_from_setting("/dev/video97"), MODE)
    g._set_status(CaptureStatus(CaptureState.LIVE, "live"))
    t0 = 1000.0
    g._times.extend(t0 + i / 30 for i in range(120))  # 4 s of frames
    last = t0 + 119 / 30
    for offset in (0.0, 0.01, 0.02, 0.033):
        assert g.measured_fps(now=last + offset) == pytest.approx(30.0, abs=0.05), offset
    assert g.measured_fps(now=last + 1.0) < 16  # a second without frames
    assert g.measured_fps(now=last + 2.5) == 0.0


def test_status_messages_read_in_english(tmp_path: Path, grabbers: list[FrameGrabber]) -> None:
    """What the preview says over the picture when the source goes away, in the English UI."""
    from app.i18n import set_language

    clip = write_clip(tmp_path / "short.avi", size=(160, 90), seconds=0.5)
    seen: list[CaptureStatus] = []
    set_language("en")
    try:
        g = FrameGrabber(
            source_from_setting(str(clip)), MODE, on_status=seen.append, retry_delays=(1.0,)
        )
        grabbers.append(g)
        g.start()
        until_sync(lambda: any(s.state is CaptureState.LOST for s in seen))
        until_sync(lambda: sum(s.state is CaptureState.OPENING for s in seen) >= 2)
    finally:
        set_language("zh_CN")
    lost = next(s for s in seen if s.state is CaptureState.LOST)
    assert lost.message == (
        "The video file has played to its end (handled like an unplugged camera). Retrying in 1 s…"
    )
    assert seen[0].message == "Opening “short.avi”…"
    live = next(s for s in seen if s.state is CaptureState.LIVE)
    assert live.message == "Video file: 160×90, 30 fps (played in its own format)"
    assert next(s for s in seen[1:] if s.state is CaptureState.OPENING).message == (
        "Opening “short.avi”… (retry 1)"
    )
