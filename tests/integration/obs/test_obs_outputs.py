"""Recording and streaming from the OBS panel against a real OBS: the record button writes a real
file (x264 simple output into the test's directory), the stream button streams to a real RTMP
server (nginx-rtmp on 127.0.0.1) with live duration and bitrate, a refusing target is reported
clearly, and a stream target that cannot be written to OBS is shown in the panel."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.live.room import LiveRoom
from app.obs.connection import ObsConnection
from app.obs.outputs import Outputs
from app.obs.scenes import Scenes
from app.obs.stats import StatsPoller
from app.obs.stream_target import StreamTargetSync
from app.platform.client import PlatformClient
from tests.integration.obs.helpers import RtmpServer
from tests.support.obs_baseline import wait_until
from tests.support.polling import patience, until
from tests.support.ports import free_port
from tests.support.real_obs import RealObs
from ui.obs.panel import ObsPanel

pytestmark = pytest.mark.obs


def _seconds(text: str) -> int:
    """'录制中 0:01:05' → 65."""
    m = re.search(r"(\d+):(\d\d):(\d\d)", text)
    assert m, text
    h, mi, s = (int(g) for g in m.groups())
    return h * 3600 + mi * 60 + s


def _panel(conn: ObsConnection, **kw: Any) -> tuple[ObsPanel, Outputs, StatsPoller]:
    outputs = Outputs(conn)
    stats = StatsPoller(conn, interval=0.25)
    panel = ObsPanel(conn, Scenes(conn), outputs, stats, **kw)
    panel.resize(460, 700)
    panel.show()
    return panel, outputs, stats


async def test_record_button_records_a_file_with_growing_duration(
    obs: ObsConnection, tmp_path: Path, qtbot: object
) -> None:
    folder = tmp_path / "recordings"
    folder.mkdir()
    await obs.request("SetProfileParameter", parameterCategory="SimpleOutput",
                      parameterName="FilePath", parameterValue=str(folder))  # fmt: skip
    panel, outputs, stats = _panel(obs)
    await outputs.refresh()
    stats.start()
    try:
        assert panel.record_btn.text() == "开始录制"
        QTest.mouseClick(panel.record_btn, Qt.MouseButton.LeftButton)
        record = panel.values["record"]
        await until(lambda: record.text().startswith("录制中"), within=20)
        assert panel.record_btn.text() == "停止录制"
        first = _seconds(record.text())
        try:
            await until(lambda: _seconds(record.text()) >= first + 2, within=20)  # the clock runs
        except AssertionError:
            status = await obs.request("GetRecordStatus")
            raise AssertionError(f"{record.text()!r} {status} {stats.last}") from None
        QTest.mouseClick(panel.record_btn, Qt.MouseButton.LeftButton)
        await until(lambda: record.text() == "未录制" and not outputs.state.recording, within=30)
        assert panel.record_btn.text() == "开始录制"
        files = list(folder.iterdir())
        assert len(files) == 1 and files[0].suffix == ".mkv"
        assert files[0].stat().st_size > 10_000  # two seconds of real x264 video
        assert "失败" not in panel.message.text()
    finally:
        await stats.stop()
        if outputs.state.recording:
            await outputs.stop_record()
        panel.close()


async def test_stream_button_streams_to_an_rtmp_server_with_duration_and_bitrate(
    obs: ObsConnection, rtmp_server: RtmpServer, qtbot: object
) -> None:
    panel, outputs, stats = _panel(obs)
    await outputs.set_stream_target(rtmp_server.url, "livedesk-test")
    await outputs.refresh()
    stats.start()
    try:
        QTest.mouseClick(panel.stream_btn, Qt.MouseButton.LeftButton)
        stream = panel.values["stream"]
        await until(
            lambda: stream.text().startswith("推流中"), within=30, what="the stream to start"
        )
        assert panel.stream_btn.text() == "停止推流"

        # OBS's own counter first: the output is active and its bytes grow (on a busy machine the
        # encoder's first packets may take a while; the panel can only show what OBS reports)
        sent: list[int] = []

        async def bytes_grow() -> bool:
            status = await obs.request("GetStreamStatus")
            sent.append(int(status["outputBytes"]) if status["outputActive"] else -1)
            return len(sent) >= 2 and sent[-2] > 0 and sent[-1] > sent[-2]

        await wait_until(bytes_grow, "OBS's stream output to send bytes", within=patience(30))

        def kbps() -> float:
            m = re.match(r"(\d+) kbps", panel.values["kbps"].text())
            return float(m.group(1)) if m else 0.0

        await until(lambda: kbps() > 0 and _seconds(stream.text()) >= 2, within=30,
                   what=f"the panel to show a bitrate (OBS sent {sent[-1]} bytes)")  # fmt: skip
        status = await obs.request("GetStreamStatus")  # what the panel shows comes from here
        assert status["outputActive"] and status["outputBytes"] > 0
        print(f"streaming to nginx-rtmp: {panel.values['kbps'].text()}, {stream.text()}")
        QTest.mouseClick(panel.stream_btn, Qt.MouseButton.LeftButton)
        await until(lambda: stream.text() == "未推流" and not outputs.state.streaming, within=30)
        assert panel.stream_btn.text() == "开始推流"
        assert "失败" not in panel.message.text()
    finally:
        await stats.stop()
        if outputs.state.streaming:
            await outputs.stop_stream()
        panel.close()


async def test_a_refusing_stream_target_is_reported_not_hung(
    fresh_obs: RealObs, qtbot: object
) -> None:
    conn = ObsConnection("127.0.0.1", fresh_obs.port, fresh_obs.password)
    await conn.connect_once()
    panel, outputs, stats = _panel(conn)
    nowhere = f"rtmp://127.0.0.1:{free_port()}/live"  # nothing listens there
    await outputs.set_stream_target(nowhere, "k")
    await outputs.refresh()
    stats.start()
    try:
        QTest.mouseClick(panel.stream_btn, Qt.MouseButton.LeftButton)
        await until(lambda: "推流未能开始" in panel.message.text(), within=15)
        assert nowhere in panel.message.text()
        assert panel.stream_btn.text() == "开始推流" and panel.stream_btn.isEnabled()
        await stats.poll()
        assert panel.values["stream"].text() == "未推流"
    finally:
        await stats.stop()
        panel.close()
        await conn.stop()


async def test_stream_target_failure_shows_in_the_panel_then_clears(
    sandbox_server: Callable[..., Any], clean_obs: RealObs, qtbot: object
) -> None:
    srv = sandbox_server()
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    room.start()
    conn = ObsConnection("127.0.0.1", clean_obs.port, clean_obs.password)
    outputs = Outputs(conn)
    target = StreamTargetSync(room, outputs, conn.on_connected)
    panel = ObsPanel(conn, Scenes(conn), outputs, StatsPoller(conn), target=target)
    try:
        await room.wait_loaded()
        await until(lambda: room.online, within=20)
        session = await room.start_session()  # OBS is not connected yet: the key cannot go in
        await until(lambda: "推流地址未能写入 OBS" in panel.target_label.text(), within=10)
        assert "OBS 未连接" in panel.target_label.text()
        await conn.connect_once()  # connected: the target is written, the panel says so
        await until(lambda: "推流地址已写入 OBS" in panel.target_label.text(), within=10)
        assert session.rtmp_url in panel.target_label.text()
        key = (await client.stream_target(session.id)).stream_key.get_secret_value()
        assert (await outputs.stream_target())[1] == key
    finally:
        panel.close()
        await conn.stop()
        await room.stop()
        await client.close()


async def test_a_stalled_rtmp_server_makes_obs_drop_frames_and_both_panels_alert(
    obs: ObsConnection, rtmp_server: RtmpServer, sandbox_server: Callable[..., Any], qtbot: object
) -> None:
    """Real frame drops: OBS streams at 20 Mb/s to nginx-rtmp, nginx is paused (SIGSTOP), the
    socket buffers fill and OBS's stream output drops frames within seconds."""
    from app.obs.stack import DropWindow
    from ui.metrics.panel import MetricsPanel

    srv = sandbox_server()
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    room.start()
    panel, outputs, stats = _panel(obs)
    drops = DropWindow()
    stats.subscribe(lambda s, _a: drops.add(s))
    metrics = MetricsPanel(room, dropped_frames_ratio=drops.ratio)
    bitrate = await obs.request("GetProfileParameter", parameterCategory="SimpleOutput",
                                parameterName="VBitrate")  # fmt: skip
    await obs.request("SetProfileParameter", parameterCategory="SimpleOutput",
                      parameterName="VBitrate", parameterValue="20000")  # fmt: skip
    await outputs.set_stream_target(rtmp_server.url, "drops")
    await outputs.refresh()
    try:
        await room.wait_loaded()
        stats.start()
        QTest.mouseClick(panel.stream_btn, Qt.MouseButton.LeftButton)
        await until(lambda: panel.values["stream"].text().startswith("推流中"), within=30)
        await until(lambda: drops.ratio() is not None, within=10)
        metrics.sample()
        # (render lag may be reported on this loaded machine; no network drops yet)
        assert "推流丢帧" not in panel.alert.text()
        assert not any("丢帧" in t for t in metrics.strip.texts())
        os.kill(rtmp_server.pid, signal.SIGSTOP)  # the server stops reading: the link stalls
        await until(lambda: "推流丢帧" in panel.alert.text(), within=30)
        last = stats.last
        assert last is not None and last.stream_dropped > 0
        print(
            f"stalled link: {panel.alert.text()}; dropped {last.stream_dropped}/{last.stream_total}"
        )
        metrics.sample()
        assert any(t.startswith("推流丢帧 ") for t in metrics.strip.texts()), metrics.strip.texts()
        assert panel.values["dropped"].text().startswith(f"{last.stream_dropped}（")
    finally:
        os.kill(rtmp_server.pid, signal.SIGCONT)
        await stats.stop()
        if outputs.state.streaming or (await obs.request("GetStreamStatus"))["outputActive"]:
            await outputs.stop_stream()
            await until(lambda: not outputs.state.streaming, within=30)
        await obs.request("SetProfileParameter", parameterCategory="SimpleOutput",
                          parameterName="VBitrate",
                          parameterValue=bitrate.get("parameterValue") or "2500")  # fmt: skip
        panel.close()
        metrics.close()
        await room.stop()
        await client.close()


async def test_a_server_that_never_answers_is_reported_while_obs_still_tries(
    fresh_obs: RealObs, qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target that accepts the TCP connection and then says nothing (a wrong port behind a
    firewall, a hung server): OBS stays "starting"; the panel says so instead of waiting mutely."""
    import socket

    from app.obs import output_watch

    monkeypatch.setattr(output_watch, "SLOW_START_S", 1.5)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts; nobody ever reads or answers the RTMP handshake
    conn = ObsConnection("127.0.0.1", fresh_obs.port, fresh_obs.password)
    await conn.connect_once()
    panel, outputs, _stats = _panel(conn)
    await outputs.set_stream_target(f"rtmp://127.0.0.1:{silent.getsockname()[1]}/live", "k")
    await outputs.refresh()
    try:
        QTest.mouseClick(panel.stream_btn, Qt.MouseButton.LeftButton)
        await until(lambda: panel.values["stream"].text() == "正在开始…", within=10)
        await until(lambda: "OBS 仍在连接推流服务器" in panel.message.text(), within=10)
        assert outputs.state.stream_state == output_watch.STARTING
        silent.close()  # the connection is reset: OBS gives up, and the panel says the start failed
        await until(lambda: "推流未能开始" in panel.message.text(), within=60)
        assert panel.stream_btn.text() == "开始推流"
    finally:
        silent.close()
        await until(lambda: not outputs.state.stream_state.endswith("STARTING"), within=60)
        panel.close()
        await conn.stop()
