"""The replay's quiz tab (答题): each recorded quiz — question, options with their tally, the
correct answer, how many got it right — checked from the file alone (app/session/quizzes.py:
the answers recounted from the recorded comments), and the lottery drawn among the correct
answerers with its verification. A quiz whose check fails is named in a red banner above the
table (explicit text, never only a tooltip), as the lottery tab does. The columns are
app/session/quizzes.py's, the same as the HTML report's."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from app.session.quizzes import QUIZ_CHECK_COLUMNS, QUIZ_HEADERS, QuizResult, quiz_alarm, quiz_cells
from ui.i18n import tr
from ui.replay.checked_table import CheckedTable


class QuizTab(CheckedTable):
    def __init__(self, results: Sequence[QuizResult], parent: QWidget | None = None) -> None:
        super().__init__(
            "quiz",
            QUIZ_HEADERS,
            [quiz_cells(r, tr) for r in results],
            [quiz_alarm(r, tr) for r in results],
            QUIZ_CHECK_COLUMNS,
            parent,
        )
