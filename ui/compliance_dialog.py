"""Ask before pushing text that hits the compliance word list (see :mod:`app.compliance`).

For any panel that pushes text on screen (product card, coupon name, lottery prize)::

    from app.compliance import check_many
    from ui.compliance_dialog import confirm_push

    hits = check_many([title, *points])
    if hits and not confirm_push(self, hits):
        return  # the operator chose not to push

``confirm_push`` is modal: call it from a Qt slot (a click handler), not from inside a coroutine,
so that its nested event loop never steps an asyncio task re-entrantly.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.compliance import Hit, merged_spans
from ui import theme
from ui.i18n import localize, tr

MARK_STYLE = (
    f"background-color:{theme.MARK_BG};color:{theme.DANGER_DARK};"
    "font-weight:700;text-decoration:underline;"
)


def highlight_html(text: str, hits: Sequence[Hit], style: str = MARK_STYLE) -> str:
    """``text`` as escaped rich text with the hit spans marked (never interprets ``text``)."""
    out: list[str] = []
    pos = 0
    for start, end in merged_spans(hits):
        out.append(html.escape(text[pos:start]))
        out.append(f'<span style="{style}">{html.escape(text[start:end])}</span>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def reasons_html(hits: Sequence[Hit]) -> str:
    """One escaped line per distinct term: «term»：reason."""
    seen: dict[str, str] = {}
    for h in hits:
        seen.setdefault(h.term, localize(h.reason))  # the word list is Chinese
    return "<br>".join(
        f"「{html.escape(term)}」：{html.escape(reason)}" for term, reason in seen.items()
    )


class ComplianceDialog(QDialog):
    """Lists each text with its hits highlighted and the reasons; buttons ``action`` (default
    仍然推送, the product queue says 仍要讲解) / 取消. 取消 is the default and the Esc answer."""

    def __init__(
        self,
        hits_by_text: Mapping[str, Sequence[Hit]],
        parent: QWidget | None = None,
        *,
        what: str = "",
        action: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("complianceDialog")
        self.setWindowTitle(tr("合规提示"))
        self.hits_by_text = {t: list(h) for t, h in hits_by_text.items() if h}
        count = sum(len(h) for h in self.hits_by_text.values())
        header = QLabel(self)
        header.setTextFormat(Qt.TextFormat.PlainText)
        header.setWordWrap(True)
        self.push_button_text = action or tr("仍然推送")
        # the question names the button's own words (仍要讲解 asks 确定仍要讲解吗？)
        header.setText(
            tr(
                "{what}含有 {n} 处广告法禁用或慎用词，推送到直播画面可能违规。确定{action}吗？"
            ).format(what=what or tr("内容"), n=count, action=self.push_button_text)
        )
        self.header = header
        body = QWidget(self)
        rows = QVBoxLayout(body)
        self.text_labels: list[QLabel] = []
        for text, hits in self.hits_by_text.items():
            shown = QLabel(body)
            shown.setTextFormat(Qt.TextFormat.RichText)
            shown.setWordWrap(True)
            shown.setText(highlight_html(text, hits))
            why = QLabel(body)
            why.setTextFormat(Qt.TextFormat.RichText)
            why.setWordWrap(True)
            why.setStyleSheet(f"color:{theme.SECONDARY};margin-left:12px;")
            why.setText(reasons_html(hits))
            rows.addWidget(shown)
            rows.addWidget(why)
            self.text_labels.append(shown)
        rows.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        buttons = QDialogButtonBox(self)
        self.push_button = buttons.addButton(
            self.push_button_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setDefault(True)  # Enter does not push a non-compliant card
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(560, 360)

    def terms(self) -> list[str]:
        return [h.term for hits in self.hits_by_text.values() for h in hits]


def confirm_push(
    parent: QWidget | None,
    hits_by_text: Mapping[str, Sequence[Hit]],
    *,
    what: str = "",
    action: str = "",
) -> bool:
    """True if there is nothing to confirm or the operator chose ``action`` (push anyway)."""
    if not any(hits_by_text.values()):
        return True
    dialog = ComplianceDialog(hits_by_text, parent, what=what, action=action)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
