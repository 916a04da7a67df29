"""The quiz (答题): answer parsing (letters, numbers, full-width, option text, edge cases), one
answer per viewer with the first counting, operators not counting, the window by seq, the live
tally, the reveal, and the draw among exactly the correct answerers."""

from __future__ import annotations

import pytest

from app.live.lottery_verify import recompute_winners
from app.live.quiz import Answers, Quizzes, parse_answer, question_problem
from app.live.room import QUIZZES
from app.platform import models as m
from app.platform.errors import PlatformError
from tests.unit.live.test_console_lottery import SEED, _Feed, _setup

OPTS = ["红色", "蓝色", "绿色"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("A", 0), ("b", 1), ("C", 2), ("1", 0), ("3", 2), (" 2 ", 1),
        ("Ａ", 0), ("ｂ", 1), ("２", 1), ("　Ｃ　", 2),  # full-width letters, digits, spaces
        ("蓝色", 1), (" 绿色 ", 2), ("ｓ", None),
        ("D", None), ("4", None), ("0", None),  # past the last option
        ("AB", None), ("A吧", None), ("选A", None), ("蓝", None), ("", None), ("   ", None),
    ],
)  # fmt: skip
def test_parse_answer(text: str, want: int | None) -> None:
    assert parse_answer(text, OPTS) == want


def test_an_option_whose_text_is_a_number_wins_over_the_number() -> None:
    assert parse_answer("2", ["3", "2"]) == 1  # the option reading "2", not the 2nd option
    assert parse_answer("1", ["3", "2"]) == 0  # no option reads "1": the 1st option
    assert parse_answer("d", ["a", "b", "c", "d"]) == 3


def test_one_answer_per_viewer_the_first_valid_one_counts() -> None:
    a = Answers(OPTS)
    assert not a.add("u1", "甲", "哈哈哈")  # no answer: the turn is not used up
    assert a.add("u1", "甲", "B")
    assert not a.add("u1", "甲", "A")  # a change of mind does not count
    assert a.add("u2", "乙", "蓝色") and a.add("u3", "丙", "1")
    assert a.tally() == [1, 2, 0] and a.correct_ids(1) == ["u1", "u2"] and a.correct_ids(None) == []


def test_question_problems() -> None:
    assert question_problem("", OPTS, None)
    assert question_problem("几号?", ["A"], None)
    assert question_problem("几号?", ["a", "b", "c", "d", "e"], None)
    assert question_problem("几号?", ["红色", "Ｒ", "R"], None)  # R and Ｒ are the same answer
    assert question_problem("几号?", OPTS, 3)
    assert question_problem("几号?", OPTS, 2) is None


def _quiz_setup():  # type: ignore[no-untyped-def]
    room, lots, clock, local = _setup()
    quizzes = Quizzes(room, lots, clock=clock)
    return room, lots, quizzes, clock, local, _Feed(room, clock)


def test_live_tally_reveal_and_a_draw_among_exactly_the_correct_answerers() -> None:
    room, lots, quizzes, _, local, feed = _quiz_setup()
    feed.comment("early", "B")  # before the quiz: does not count
    changes: list[frozenset[str]] = []
    room.subscribe(changes.append)
    q = quizzes.start("哪个颜色最畅销？", OPTS, correct=1, duration_seconds=0)
    assert q.after_seq == room.seq and room.quizzes[q.id].status == "open"
    feed.comment("u1", "B")
    feed.comment("u2", "ｂ")
    feed.comment("u3", "A")
    feed.comment("u1", "A")  # second answer: ignored
    feed.comment("host1", "B", role="host")  # operators do not count
    feed.comment("u4", "蓝色")
    assert room.quizzes[q.id].tally == [1, 3, 0] and room.quizzes[q.id].answerers == 4
    assert any(QUIZZES in c for c in changes)
    revealed = quizzes.reveal()
    assert revealed.status == "revealed" and revealed.last_seq == room.seq
    assert revealed.correct_ids == ["u1", "u2", "u4"]
    feed.comment("late", "B")  # after the reveal: does not count
    assert room.quizzes[q.id].tally == [1, 3, 0]
    lot = quizzes.draw_among_correct(q.id, "签名照", 2)
    feed.comment("u9", "-")  # nobody enters a fixed lottery by comment
    assert room.lotteries[lot.id].entrants == 3 and lot.quiz_id == q.id
    assert room.quizzes[q.id].lottery_id == lot.id
    drawn = lots.draw(lot.id)
    assert drawn.participant_ids == ["u1", "u2", "u4"]
    assert drawn.winner_ids == recompute_winners(SEED, ["u1", "u2", "u4"], 2)
    v = room.verify_lottery(lot.id)
    assert v is not None and v.ok
    with pytest.raises(PlatformError):
        quizzes.draw_among_correct(q.id, "签名照", 2)  # once
    types = [e.type for e in local if e.type in m.CONSOLE_ONLY_EVENTS]
    assert types[0] is m.EventType.QUIZ_STARTED and m.EventType.QUIZ_REVEALED in types


def test_a_timed_quiz_closes_before_a_late_batch_and_a_poll_has_no_draw() -> None:
    room, _, quizzes, clock, _, feed = _quiz_setup()
    q = quizzes.start("喜欢哪个？", OPTS, correct=None, duration_seconds=10)
    feed.comment("u1", "C")
    clock.now += 11
    feed.comment("u2", "C")  # past the end: closes first, does not count
    closed = room.quizzes[q.id]
    assert closed.status == "closed" and closed.tally == [0, 0, 1]
    assert closed.last_seq == room.seq - 1
    with pytest.raises(PlatformError):
        quizzes.start("again", ["a"], None)  # invalid
    revealed = quizzes.reveal(q.id)
    assert revealed.correct_ids == []
    with pytest.raises(PlatformError):
        quizzes.draw_among_correct(q.id, "奖", 1)  # no correct answer
    # one quiz at a time, then the next one
    quizzes.start("下一题", ["是", "否"], correct=0)
    with pytest.raises(PlatformError):
        quizzes.start("再一题", ["是", "否"], correct=0)
