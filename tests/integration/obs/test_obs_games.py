"""The console's games on the real OBS program output: the quiz card follows a live room — the
question with its live tally, then the reveal — and a blind box's winners card reveals each
winner's prize one by one; each frame on OBS matches the renderer's reference image of the state
the room is in (the card's region only; nothing else on the output changes)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.live.console_lottery import ConsoleLotteries
from app.live.quiz import Quizzes
from app.obs.connection import ObsConnection
from app.overlays.controller import PRIZE_REVEAL_SECONDS
from app.overlays.layout import Kind, box
from app.platform import models as m
from tests.integration.obs.helpers import crop, mean_diff, to_array
from tests.integration.obs.test_obs_overlays import Rig, _rig
from tests.unit.live.test_console_lottery import _Clock, _Feed, _room

pytestmark = pytest.mark.obs


@pytest.fixture
async def games(
    obs: ObsConnection, tmp_path: Path, camera_video: Path, qapp: object
) -> AsyncIterator[tuple[Rig, object]]:
    room = _room()
    r = await _rig(obs, tmp_path, camera_video, room=room)
    try:
        yield r, room
    finally:
        await r.controller.stop()


def _linear(c: np.ndarray) -> np.ndarray:
    c = c / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _srgb(c: np.ndarray) -> np.ndarray:
    c = np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(np.clip(c, 0, 1), 1 / 2.4) - 0.055)
    return c * 255.0


def composite_linear(card: np.ndarray, under: np.ndarray) -> np.ndarray:
    """What OBS shows: the (straight-alpha) card blended over what was under it in linear light
    (OBS blends in linear space: a translucent dark card over a bright background comes out
    lighter than an sRGB blend — the winners card sits over the brightest corner)."""
    alpha = card[..., 3:4].astype(np.float32) / 255.0
    top = _linear(card[..., :3].astype(np.float32))
    bottom = _linear(under[..., :3].astype(np.float32))
    return _srgb(top * alpha + bottom * (1 - alpha))


async def _card_shown(rig: Rig, kind: Kind, empty: np.ndarray, out: Path) -> np.ndarray:
    """The OBS output once it shows the controller's current card of ``kind`` (its reference
    composited over the empty output; the card may move on while OBS catches up — a blind box
    reveals the next prize — so each shot is compared with the card of that moment), saved as
    ``out``; returns the output outside the card's region."""
    b = box("16:9", kind)

    def current() -> np.ndarray:
        card = rig.controller.state.get(kind)
        assert card is not None, kind
        return composite_linear(to_array(rig.renderer.render(kind, card)), crop(empty, b))

    await rig.controller.settled()
    shown = await rig.shot_until(kind, lambda c: mean_diff(c, current()) < 6)
    outside = shown.copy()
    outside[b.y : b.y + b.height, b.x : b.x + b.width] = empty[
        b.y : b.y + b.height, b.x : b.x + b.width
    ]
    h, w = shown.shape[:2]
    QImage(shown.tobytes(), w, h, 4 * w, QImage.Format.Format_RGBA8888).save(str(out))
    return outside


async def test_the_quiz_card_and_the_blind_box_prizes_on_obs_output(
    games: tuple[Rig, object], tmp_path: Path
) -> None:
    rig, room = games
    empty = await rig.steady_shot()
    clock = _Clock()
    clock.now = time.time()
    lots = ConsoleLotteries(room, clock=clock)  # type: ignore[arg-type]
    quizzes = Quizzes(room, lots, clock=clock)  # type: ignore[arg-type]
    feed = _Feed(room, clock)  # type: ignore[arg-type]
    q = quizzes.start("主播今天涂的是几号色？", ["01 正红", "02 豆沙", "03 橘棕"], correct=1)
    for uid, text in [("a", "B"), ("b", "2"), ("c", "A"), ("d", "02 豆沙"), ("e", "C")]:
        feed.comment(uid, text)
    assert room.quizzes[q.id].tally == [1, 3, 1]  # type: ignore[attr-defined]
    outside = await _card_shown(rig, Kind.QUIZ, empty, tmp_path / "obs-quiz-open.png")
    assert mean_diff(outside, empty) < 1
    quizzes.reveal()
    await _card_shown(rig, Kind.QUIZ, empty, tmp_path / "obs-quiz-revealed.png")
    card = rig.controller.state.quiz
    assert card is not None and card.correct == 1 and card.correct_count == 3

    pool = m.PrizePool.model_validate(
        {"mode": "counts", "prizes": [{"name": "隐藏款", "n": 1}, {"name": "普通款", "n": 3}]}
    )
    spec = m.LotterySpec(prize="神秘盲盒", keyword="开盒", winners=3, duration_seconds=60)
    lot = lots.open(spec, manual=True, pool=pool)
    for i in range(5):
        feed.comment(f"x{i}", "开盒")
    clock.now = time.time()
    lots.draw(lot.id)
    rig.controller.refresh()
    first = rig.controller.state.winners
    assert first is not None and first.prizes is not None and len(first.prizes) == 1
    assert first.total == 3
    await _card_shown(rig, Kind.WINNERS, empty, tmp_path / "obs-blind-box-first.png")
    await asyncio.sleep(PRIZE_REVEAL_SECONDS * 2 + 0.5)
    rig.controller.refresh()
    every = rig.controller.state.winners
    assert every is not None and every.prizes == tuple(room.lotteries[lot.id].winner_prizes or [])  # type: ignore[attr-defined]
    await _card_shown(rig, Kind.WINNERS, empty, tmp_path / "obs-blind-box-all.png")
