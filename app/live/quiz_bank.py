"""Question banks (题库) for the quiz: JSON files in ``<data dir>/quiz_banks/``, one bank each.

A bank file is ``{"version": 1, "questions": [{"question": str, "options": [str, …2–4],
"correct": int | null, "duration_seconds": int}, …]}``.

Guarantees:
- **Bounded**: a file over :data:`MAX_FILE_BYTES` is not read; at most :data:`MAX_QUESTIONS`
  questions are kept (the rest reported); each question obeys the quiz's own limits
  (:func:`app.live.quiz.question_problem`).
- **Validated question by question**: a hand-edited bank with a bad field loads every good
  question and reports each bad one with its number and the reason (operator-readable); a file
  that is not JSON or not a bank loads nothing and says why. Nothing is lost on load: the file
  is never rewritten by a load.
- **Saved atomically** (a temp file, then a rename): a crash mid-save leaves the old bank; a
  file that did not load whole is kept as ``.json.bak`` before it is replaced.
- Compliance is checked where a question goes on stream (the quiz panel), not here: a bank may
  hold a question still being edited.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.i18n import tr
from app.live.quiz import MAX_DURATION_S, question_problem
from app.settings import data_dir

MAX_FILE_BYTES = 1_000_000
MAX_QUESTIONS = 500
VERSION = 1


@dataclass(frozen=True)
class Question:
    question: str
    options: tuple[str, ...]
    correct: int | None = None
    duration_seconds: int = 30

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "options": list(self.options),
            "correct": self.correct,
            "duration_seconds": self.duration_seconds,
        }


@dataclass
class Loaded:
    questions: list[Question] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # operator-readable, one per problem


def banks_dir() -> Path:
    return data_dir() / "quiz_banks"


def bank_path(name: str, directory: Path | None = None) -> Path:
    """The file of the bank called ``name`` (a safe file name made from it)."""
    safe = re.sub(r"[^\w\-]+", "_", name.strip(), flags=re.UNICODE).strip("_") or "bank"
    return (directory or banks_dir()) / f"{safe[:60]}.json"


def list_banks(directory: Path | None = None) -> list[Path]:
    d = directory or banks_dir()
    return sorted(d.glob("*.json")) if d.is_dir() else []


def _question(raw: object) -> Question | str:
    """One question from its JSON, or why it is not one."""
    if not isinstance(raw, dict):
        return tr("不是一道题（应为对象）")
    q, opts, correct = raw.get("question"), raw.get("options"), raw.get("correct")
    duration = raw.get("duration_seconds", 30)
    if not isinstance(q, str):
        return tr("缺少题目（question）")
    if not isinstance(opts, list) or not all(isinstance(o, str) for o in opts):
        return tr("选项（options）应为文字列表")
    if correct is not None and (not isinstance(correct, int) or isinstance(correct, bool)):
        return tr("正确答案（correct）应为选项序号或 null")
    if not isinstance(duration, int) or isinstance(duration, bool):
        return tr("时长（duration_seconds）应为整数秒")
    if not 0 <= duration <= MAX_DURATION_S:
        return tr("时长应在 0–{n} 秒之间").format(n=MAX_DURATION_S)
    problem = question_problem(q, opts, correct)
    if problem is not None:
        return problem
    return Question(q.strip(), tuple(o.strip() for o in opts), correct, duration)


def load_bank(path: Path) -> Loaded:
    out = Loaded()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            out.errors.append(tr("题库文件太大（超过 1 MB），未读取"))
            return out
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        out.errors.append(tr("题库文件无法读取：{why}").format(why=str(exc)))
        return out
    items = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        out.errors.append(tr("不是题库文件（缺少 questions 列表）"))
        return out
    if len(items) > MAX_QUESTIONS:
        out.errors.append(
            tr("题库最多 {n} 道题，其余 {m} 道未读取").format(
                n=MAX_QUESTIONS, m=len(items) - MAX_QUESTIONS
            )
        )
    for i, item in enumerate(items[:MAX_QUESTIONS], 1):
        q = _question(item)
        if isinstance(q, str):
            out.errors.append(tr("第 {i} 题：{why}").format(i=i, why=q))
        else:
            out.questions.append(q)
    return out


def save_bank(path: Path, questions: list[Question]) -> None:
    """Write the bank atomically (at most :data:`MAX_QUESTIONS`). A bank file that did not load
    whole (hand-edited, with bad questions) is first kept as ``NAME.json.bak``: saving over it
    never silently drops what the operator wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and load_bank(path).errors:
        os.replace(path, path.with_suffix(".json.bak"))
    body = {"version": VERSION, "questions": [q.to_json() for q in questions[:MAX_QUESTIONS]]}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
