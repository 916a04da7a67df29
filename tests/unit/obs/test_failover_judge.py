"""The failover's camera judgement over time (app/obs/failover.py ``CameraJudge``): frozen counts
from the last change, black and lost from their first sample, recovery needs ``recover`` s."""

from __future__ import annotations

import cv2
import numpy as np

from app.obs.failover import CameraJudge, FailoverEvent, decode_gray


def frame(i: int) -> np.ndarray:
    """A 160×90 grey test picture with a ball at position ``i`` (moves with i)."""
    img = np.full((90, 160), 120, np.uint8)
    cv2.circle(img, (10 + (i * 7) % 140, 45), 8, 230, -1)
    return img


BLACK = np.full((90, 160), 3, np.uint8)


def test_a_moving_picture_is_fine_and_a_still_one_is_frozen_after_the_window() -> None:
    judge = CameraJudge(window=2.0, recover=1.0)
    t = 0.0
    for i in range(10):  # moving, 5 a second
        assert judge.feed(frame(i), t) is None
        t += 0.2
    still = frame(9)
    changed_at = t - 0.2  # the last sample that differed
    verdicts = []
    while t < changed_at + 3.0:
        verdicts.append((round(t - changed_at, 1), judge.feed(still.copy(), t)))
        t += 0.2
    first = next(dt for dt, v in verdicts if v == "frozen")
    assert 2.0 <= first <= 2.2, verdicts
    # moving again: fine at once, "recovered" only after recover s
    assert judge.feed(frame(20), t) is None
    assert not judge.recovered(t + 0.5)
    assert judge.feed(frame(21), t + 1.0) is None
    assert judge.recovered(t + 1.0)


def test_black_and_lost_count_from_their_first_sample() -> None:
    judge = CameraJudge(window=2.0, recover=1.0)
    assert judge.feed(frame(0), 0.0) is None
    assert judge.feed(BLACK, 1.0) is None
    assert judge.feed(BLACK, 2.9) is None
    assert judge.feed(BLACK, 3.0) == "black"
    judge.reset()
    assert judge.feed(None, 10.0) is None
    assert judge.feed(None, 12.0) == "lost"
    assert judge.feed(frame(1), 12.2) is None
    assert judge.problem is None
    judge.reset()  # a fine camera after a reset counts as fine from its first sample
    assert judge.feed(frame(2), 20.0) is None
    assert judge.good_since == 20.0 and judge.recovered(21.0)


def test_the_screenshot_png_decodes_to_grey_and_events_record_their_marker() -> None:
    ok, png = cv2.imencode(".png", frame(3))
    assert ok
    gray = decode_gray(png.tobytes())
    assert gray.shape == (90, 160) and np.array_equal(gray, frame(3))
    rec = FailoverEvent("switched", "摄像头画面冻结超过 2 秒", "frozen", "备用画面").record()
    assert rec["marker"] == "failover" and rec["label"] == "画面冻结"
