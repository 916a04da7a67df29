"""Question banks: saved and reloaded, a hand-edited bank with bad fields loads every good
question and names each bad one, nothing else is lost, and the bounds hold."""

from __future__ import annotations

import json
from pathlib import Path

from app.live import quiz_bank as qb


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = qb.bank_path("美妆 专场/1", tmp_path)
    assert path.parent == tmp_path and path.name == "美妆_专场_1.json"
    qs = [
        qb.Question("哪个色号最火？", ("01", "02", "03"), 1, 20),
        qb.Question("喜欢吗", ("是", "否")),
    ]
    qb.save_bank(path, qs)
    loaded = qb.load_bank(path)
    assert loaded.questions == qs and loaded.errors == []
    assert qb.list_banks(tmp_path) == [path]


def test_a_hand_edited_bank_keeps_the_good_questions_and_names_the_bad(tmp_path: Path) -> None:
    path = tmp_path / "bank.json"
    good = {"question": "几号链接？", "options": ["1号", "2号"], "correct": 0}
    bad = [
        {"question": "缺选项"},
        {"question": "答案越界", "options": ["a", "b"], "correct": 5},
        {"question": "时长", "options": ["a", "b"], "duration_seconds": "30"},
        "不是对象",
    ]
    path.write_text(json.dumps({"questions": [good, *bad, good]}, ensure_ascii=False), "utf-8")
    loaded = qb.load_bank(path)
    assert len(loaded.questions) == 2 and loaded.questions[0].question == "几号链接？"
    assert [e.split("：")[0] for e in loaded.errors] == ["第 2 题", "第 3 题", "第 4 题", "第 5 题"]
    # saving over it keeps the hand-edited file as .bak: nothing the operator wrote is lost
    before = path.read_bytes()
    qb.save_bank(path, loaded.questions)
    assert (tmp_path / "bank.json.bak").read_bytes() == before
    assert qb.load_bank(path).errors == []


def test_broken_or_huge_files_load_nothing_with_a_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    assert qb.load_bank(broken).errors and not qb.load_bank(broken).questions
    other = tmp_path / "other.json"
    other.write_text("[1, 2]", "utf-8")
    assert "questions" in qb.load_bank(other).errors[0]
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (qb.MAX_FILE_BYTES + 1))
    assert qb.load_bank(huge).errors
    many = tmp_path / "many.json"
    item = {"question": "q", "options": ["a", "b"]}
    many.write_text(json.dumps({"questions": [item] * (qb.MAX_QUESTIONS + 3)}), "utf-8")
    loaded = qb.load_bank(many)
    assert len(loaded.questions) == qb.MAX_QUESTIONS and "3" in loaded.errors[0]
