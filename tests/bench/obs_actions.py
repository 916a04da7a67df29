"""Benchmark: console action → OBS overlay updated, beside the bare obs-websocket round trip.

Starts its own real OBS under Xvfb (tests/support/real_obs.py), runs the LiveDesk set-up,
then measures in the same run:
- bare: GetVersion round trips through the same async connection (worker thread) the console uses;
- render: drawing the card and encoding the PNG (what an update must pay on top of OBS);
- overlay: controller state change → card rendered → PNG written atomically → SetInputSettings
  answered by OBS (the request round trip that confirms OBS took the new file).
Prints ONE JSON line. Targets: overlay p95 ≤ 2 × bare p95 + render p95, and ≤ 100 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from app.obs.camera_input import camera_from_source  # noqa: E402
from app.obs.connection import ObsConnection  # noqa: E402
from app.obs.setup import setup_live_selling  # noqa: E402
from app.overlays.controller import OverlayController  # noqa: E402
from app.overlays.obs_sink import ObsOverlaySink  # noqa: E402
from app.overlays.png import png_bytes  # noqa: E402
from app.overlays.render import OverlayRenderer  # noqa: E402
from app.overlays.state import FlashSaleCard, OverlayState, ProductCard  # noqa: E402
from tests.support.real_obs import RealObs, bench_main  # noqa: E402

N = 100


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def card_states(i: int) -> OverlayState:
    flash = FlashSaleCard("f1", "保温杯 500ml", 4900, 9900, 30 - i % 30, 30, 120 - i % 120)
    product = ProductCard("p1", f"云南高山古树普洱茶 357g 第{i}号", 12900 + i, 19900, 100 - i % 90)
    return OverlayState(product=product if i % 2 else None, flash_sale=flash)


async def run(obs: RealObs, tmp: Path) -> dict[str, object]:
    conn = ObsConnection("127.0.0.1", obs.port, obs.password)
    await conn.connect_once()
    renderer = OverlayRenderer("16:9")
    sink = ObsOverlaySink(conn, renderer, tmp / "overlays")
    video = tmp / "cam.mp4"
    # the same stand-in camera as the tests
    from tests.integration.obs.conftest import make_camera_video

    make_camera_video(video)
    await setup_live_selling(
        conn, canvas="16:9", camera=camera_from_source(str(video)), overlay_files=sink.prepare()
    )
    controller = OverlayController(None, renderer, [sink])
    controller.start()
    for _ in range(10):  # warm up
        await conn.request("GetVersion")
    bare, overlay, render = [], [], []
    for i in range(N):
        t = time.perf_counter()
        await conn.request("GetVersion")
        bare.append((time.perf_counter() - t) * 1000)

        state = card_states(i)
        changed = state.changed_kinds(controller.state)
        t = time.perf_counter()
        for kind in changed:
            png_bytes(renderer.render(kind, state.get(kind)))
        render.append((time.perf_counter() - t) * 1000)

        t = time.perf_counter()
        controller.set_state(state)
        await controller.settled()
        overlay.append((time.perf_counter() - t) * 1000)
        await asyncio.sleep(0.02)
    await controller.stop()
    await conn.stop()
    b95, r95, o95 = pct(bare, 95), pct(render, 95), pct(overlay, 95)
    return {
        "bench": "obs_actions",
        "n": N,
        "bare_getversion_ms": {"p50": round(pct(bare, 50), 2), "p95": round(b95, 2)},
        "render_png_ms": {"p50": round(pct(render, 50), 2), "p95": round(r95, 2)},
        "overlay_update_ms": {
            "p50": round(pct(overlay, 50), 2),
            "p95": round(o95, 2),
            "mean": round(statistics.fmean(overlay), 2),
        },
        "ratio_overlay_to_bare_plus_render_p95": round(o95 / (2 * b95 + r95), 2),
        "target_ok": o95 <= 2 * b95 + r95 and o95 <= 100,
    }


def main() -> int:
    return bench_main("obs_actions", run)


if __name__ == "__main__":
    raise SystemExit(main())
