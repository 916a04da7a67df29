"""The console link end to end: a real sandbox platform → LiveRoom → overlays → a real OBS."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from app.live.hold import ExplainHold
from app.live.room import LiveRoom
from app.obs.camera_input import camera_from_source
from app.obs.connection import ObsConnection
from app.obs.inputs import screenshot
from app.obs.names import SCENE_FULL
from app.obs.outputs import Outputs
from app.obs.setup import setup_live_selling
from app.obs.stream_target import StreamTargetSync
from app.overlays.controller import OverlayController
from app.overlays.images import ImageCache
from app.overlays.layout import Kind, box
from app.overlays.obs_sink import ObsOverlaySink
from app.overlays.render import OverlayRenderer
from app.platform import models as m
from app.platform.client import PlatformClient
from tests.integration.obs.helpers import (
    composite,
    crop,
    mean_diff,
    png_array,
    scaled,
    shrink,
    to_array,
)
from tests.support.polling import until
from tests.support.real_obs import RealObs
from ui.notify import Notifier
from ui.products.panel import ProductQueuePanel
from ui.shortcuts import ShortcutRegistry

pytestmark = pytest.mark.obs
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SHOT_W = 320  # program-output screenshots this wide cost a few ms (full canvas: 200–400 ms)
CLEAN = "p02"  # a product with no compliance hits: the push goes out without a question


async def test_explain_in_console_shows_card_on_obs_within_500ms(
    sandbox_server: Callable[..., Any],
    obs: ObsConnection,
    obs_instance: RealObs,
    tmp_path: Path,
    camera_video: Path,
    qapp: object,
) -> None:
    srv = sandbox_server()
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    room.start()
    await room.wait_loaded()
    images = ImageCache(srv.url)
    renderer = OverlayRenderer("16:9", images.get)
    sink = ObsOverlaySink(obs, renderer, tmp_path / "overlays")
    await setup_live_selling(
        obs,
        canvas="16:9",
        camera=camera_from_source(str(camera_video)),
        overlay_files=sink.prepare(),
    )
    await obs.request("SetCurrentProgramScene", sceneName=SCENE_FULL)
    controller = OverlayController(room, renderer, [sink], images=images)
    controller.start()
    target = StreamTargetSync(room, Outputs(obs), obs.on_connected)
    viewers = [
        ObsConnection("127.0.0.1", obs_instance.port, obs_instance.password) for _ in range(4)
    ]
    try:
        await until(lambda: room.online, within=20)
        session = await room.start_session()
        # the platform's push URL and key land in OBS by themselves
        await until(lambda: target.applied is not None, within=10)
        service = await obs.request("GetStreamServiceSettings")
        assert service["streamServiceSettings"]["server"] == session.rtmp_url
        key = (await client.stream_target(session.id)).stream_key.get_secret_value()
        assert service["streamServiceSettings"]["key"] == key

        await controller.settled()
        b = box("16:9", Kind.PRODUCT)
        small = scaled(b, SHOT_W / 1920)
        # the empty scene, once it is steady (OBS applies the set-up's empty images on a next frame)
        empty = png_array(await screenshot(obs, SCENE_FULL, SHOT_W))
        for _ in range(50):
            await asyncio.sleep(0.1)
            again = png_array(await screenshot(obs, SCENE_FULL, SHOT_W))
            if mean_diff(again, empty) < 0.5:
                break
            empty = again
        empty_full = png_array(await screenshot(obs, SCENE_FULL, 1920, 1080))
        pid = CLEAN
        # warm the image cache so the measured push is the steady-state path
        await images.ensure(images.absolute(room.product(pid).image_url))  # type: ignore[union-attr]

        # the operator clicks 讲解 in the console's product queue
        for viewer in viewers:
            await viewer.connect_once()
        host = QWidget()
        queue = ProductQueuePanel(
            room, Notifier(host), ShortcutRegistry(host), ExplainHold(room), parent=host
        )
        host.show()
        queue.select(pid)
        # (requested at, answered at — s after the click; image). On a loaded machine a shot can be
        # answered long after it was asked for, and out of order: what a shot shows happened
        # between the two times
        shots: list[tuple[float, float, np.ndarray]] = []
        came_back: list[float] = []  # when the platform's product_explaining event reached the room
        room.subscribe(
            lambda ch: came_back.append(time.monotonic()) if "explaining" in ch else None
        )
        clicked = time.monotonic()
        QTest.mouseClick(queue.buttons["explain"], Qt.MouseButton.LeftButton)

        # small program-output screenshots, one asked for every ~30 ms on links of their own (so
        # the console's requests never queue behind them, and a slow one on a loaded machine does
        # not leave a gap): a 320-wide one costs a few ms when the machine is idle
        async def shoot(viewer: ObsConnection, asked: float) -> None:
            image = png_array(await screenshot(viewer, SCENE_FULL, SHOT_W))
            shots.append((asked, time.monotonic() - clicked, image))

        free = list(viewers)
        pending: set[asyncio.Task[None]] = set()
        while (asked := time.monotonic() - clicked) < 0.6:
            if free:
                viewer = free.pop(0)
                task = asyncio.ensure_future(shoot(viewer, asked))
                task.add_done_callback(lambda _t, v=viewer: free.append(v))
                pending.add(task)
            await asyncio.sleep(0.03)
        await asyncio.gather(*pending)
        shots.sort(key=lambda x: x[0])
        await until(lambda: Kind.PRODUCT in sink.applied_at and sink.applied_at[Kind.PRODUCT] > clicked,
                   within=10, every=0.005)  # fmt: skip
        accepted = sink.applied_at[Kind.PRODUCT] - clicked
        card = controller.state.product
        assert card is not None and card.product_id == pid
        assert images.get(card.image_url or "") is not None  # the sandbox's product image
        full = empty_full[..., :3].astype(np.float32)
        full[b.y : b.y + b.height, b.x : b.x + b.width] = composite(
            to_array(renderer.render(Kind.PRODUCT, card)), crop(empty_full, b)
        )
        h = empty.shape[0]
        expected = crop(shrink(full, SHOT_W, h), small)

        def shows_card(shot: np.ndarray) -> bool:
            region = crop(shot, small)
            # bilinear (OBS) vs area (here) downscaling differ by ~10 on average; the empty scene by ~80
            return mean_diff(region, crop(empty, small)) > 40 and mean_diff(region, expected) < 20

        # the steady state matches the reference card (so the check below can tell)
        settled = png_array(await screenshot(obs, SCENE_FULL, SHOT_W))
        assert shows_card(settled), (mean_diff(crop(settled, small), expected),
                                     mean_diff(crop(settled, small), crop(empty, small)))  # fmt: skip
        first = next((t for t, _d, shot in shots if shows_card(shot)), None)
        # surely on screen from the first answer that showed it: every shot asked after that shows it
        on_screen = min((d for _t, d, shot in shots if shows_card(shot)), default=None)
        timeline = ", ".join(
            f"{t * 1000:.0f}–{d * 1000:.0f}{'*' if shows_card(s) else ''}" for t, d, s in shots
        )
        print(f"click → event back {(came_back[0] - clicked) * 1000:.0f} ms → OBS accepted the "
              f"card at {accepted * 1000:.0f} ms; first screenshot "
              f"showing it requested at {'never' if first is None else f'{first * 1000:.0f}'} ms; "
              f"shots (asked–answered ms, *=card): "
              f"{timeline}")  # fmt: skip
        # answered before OBS was handed the card: the empty scene
        assert not any(shows_card(s) for _t, d, s in shots if d < accepted)
        assert first is not None and first <= 0.5, "no screenshot requested ≤ 500 ms showed it"
        assert on_screen is not None
        assert all(shows_card(s) for t, _d, s in shots if t > on_screen)  # and it stays
        if os.environ.get("LIVEDESK_SCREENSHOTS"):
            shots_dir = SHOTS
            shots_dir.mkdir(parents=True, exist_ok=True)
            (shots_dir / "obs-program-card.png").write_bytes(
                await screenshot(obs, SCENE_FULL, 1920, 1080)
            )
        empty = empty_full

        # a coupon issued in the console appears; ended, it disappears
        coupon = await room.issue_coupon(
            m.CouponSpec(
                kind=m.CouponKind.NO_THRESHOLD, amount_cents=500, quantity=50, valid_seconds=120
            )
        )
        await until(lambda: controller.state.coupon is not None, within=10)
        cb = box("16:9", Kind.COUPON)
        await controller.settled()
        c_expected = composite(
            to_array(renderer.render(Kind.COUPON, controller.state.coupon)), crop(empty, cb)
        )
        deadline = time.monotonic() + 10
        while (
            mean_diff(
                crop(png_array(await screenshot(obs, SCENE_FULL, 1920, 1080)), cb), c_expected
            )
            >= 6
        ):
            assert time.monotonic() < deadline, "coupon never shown"
        await room.end_coupon(coupon.id)
        await until(lambda: controller.state.coupon is None, within=10)
        await controller.settled()
        deadline = time.monotonic() + 10
        while (
            mean_diff(
                crop(png_array(await screenshot(obs, SCENE_FULL, 1920, 1080)), cb), crop(empty, cb)
            )
            >= 1
        ):
            assert time.monotonic() < deadline, "coupon never hidden"
    finally:
        for viewer in viewers:
            await viewer.stop()
        await controller.stop()
        await room.stop()
        await client.close()
