"""Draw overlay cards with QPainter (QtGui only: works headless under QGuiApplication/offscreen).

Each card is drawn into a transparent image exactly the size of its box in the layout, so OBS shows
it 1:1. Text is drawn as plain text (never rich text/HTML) in a CJK-capable font.

Guarantees:

- The words are those of app/overlays/words.py ``card_words`` in the state's language (the
  audience's: the room's chat language), the same the overlay page shows; :attr:`drawn` lists
  the texts the last :meth:`OverlayRenderer.render` drew, line by line, as they appear.
- Text never runs out of its box: a line that does not fit is elided ("…"); a title on several
  lines wraps at word boundaries in Latin text (a word is never split unless it is longer than
  the line) and anywhere in Chinese, its last line elided.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

from app.format import money_short
from app.overlays.layout import Canvas, Kind, box
from app.overlays.state import (
    Card,
    CouponCard,
    FlashSaleCard,
    LotteryCard,
    ProductCard,
    QuizCard,
    RedEnvelopeCard,
    WinnersCard,
)
from app.overlays.words import card_words

ImageLookup = Callable[[str], QImage | None]

FONT_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei",
                 "PingFang SC", "WenQuanYi Micro Hei", "sans-serif"]  # fmt: skip

BG = QColor(20, 20, 28, 215)
ACCENT = QColor(255, 58, 84)
GOLD = QColor(255, 214, 102)
WHITE = QColor(255, 255, 255)
MUTED = QColor(210, 210, 220)
GOLD_DARK = QColor(190, 120, 0)


def _font(px: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPixelSize(px)
    f.setBold(bold)
    f.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return f


class OverlayRenderer:
    def __init__(self, canvas: Canvas = "16:9", images: ImageLookup | None = None) -> None:
        self.canvas: Canvas = canvas
        self._images = images or (lambda _url: None)
        #: the texts the last render drew, one entry per line, as drawn (after eliding)
        self.drawn: list[str] = []

    def size(self, kind: Kind) -> tuple[int, int]:
        b = box(self.canvas, kind)
        return b.width, b.height

    def render(self, kind: Kind, card: Card | None, language: str = "") -> QImage:
        """The card drawn at its box size, its words in ``language`` ("": the UI's); fully
        transparent when ``card`` is None (hidden)."""
        self.drawn = []
        w, h = self.size(kind)
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        if card is None:
            return img
        p = QPainter(img)
        try:
            p.setRenderHints(
                QPainter.RenderHint.Antialiasing
                | QPainter.RenderHint.TextAntialiasing
                | QPainter.RenderHint.SmoothPixmapTransform
            )
            words = card_words(card, language)
            if isinstance(card, ProductCard):
                self._product(p, w, h, card, words)
            elif isinstance(card, CouponCard):
                self._coupon(p, w, h, words)
            elif isinstance(card, FlashSaleCard):
                self._flash(p, w, h, card, words)
            elif isinstance(card, LotteryCard):
                self._lottery(p, w, h, card, words)
            elif isinstance(card, WinnersCard):
                self._winners(p, w, h, card, words)
            elif isinstance(card, QuizCard):
                self._quiz(p, w, h, card, words)
            elif isinstance(card, RedEnvelopeCard):
                self._red_envelope(p, w, h, words)
        finally:
            p.end()
        return img

    # --- helpers --------------------------------------------------------------------------------
    @staticmethod
    def _panel(p: QPainter, rect: QRectF, color: QColor | QLinearGradient, radius: float) -> None:
        path = QPainterPath()
        path.addRoundedRect(rect, radius, radius)
        p.fillPath(path, QBrush(color))

    def _text(
        self,
        p: QPainter,
        rect: QRectF,
        text: str,
        px: int,
        color: QColor,
        *,
        bold: bool = False,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        lines: int = 1,
        min_px: int | None = None,
    ) -> None:
        """``text`` in ``rect``; one line unless ``lines``, elided when it does not fit. With
        ``min_px``, a line too long at ``px`` is first drawn smaller, down to ``min_px``
        (English labels are longer than the Chinese the boxes were drawn for)."""
        if not text:
            return
        if min_px is not None and lines <= 1:
            while (
                px > min_px and QFontMetrics(_font(px, bold)).horizontalAdvance(text) > rect.width()
            ):
                px -= 2
        font = _font(px, bold)
        p.setFont(font)
        p.setPen(QPen(color))
        fm = QFontMetrics(font)
        if lines <= 1:
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()))
            self.drawn.append(shown)
            p.drawText(rect, int(align), shown)
            return
        line_h = fm.lineSpacing()
        y = rect.top()
        for line in wrap(text, fm, int(rect.width()), lines):
            self.drawn.append(line)
            p.drawText(QRectF(rect.left(), y, rect.width(), line_h), int(align), line)
            y += line_h

    def _badge(self, p: QPainter, x: float, y: float, text: str, px: int, color: QColor) -> float:
        font = _font(px, True)
        fm = QFontMetrics(font)
        w = fm.horizontalAdvance(text) + px
        rect = QRectF(x, y, w, px * 1.6)
        self._panel(p, rect, color, px * 0.4)
        self._text(p, rect, text, px, WHITE, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        return w

    # --- cards ----------------------------------------------------------------------------------
    def _product(self, p: QPainter, w: int, h: int, c: ProductCard, words: Words) -> None:
        self._panel(p, QRectF(0, 0, w, h), BG, 22)
        pad = 20
        side = h - 2 * pad
        img_rect = QRectF(pad, pad, side, side)
        image = self._images(c.image_url) if c.image_url else None
        clip = QPainterPath()
        clip.addRoundedRect(img_rect, 14, 14)
        if image is not None and not image.isNull():
            p.save()
            p.setClipPath(clip)
            scaled = image.scaled(
                int(side),
                int(side),
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
            sx = (scaled.width() - side) / 2
            sy = (scaled.height() - side) / 2
            p.drawImage(img_rect, scaled, QRectF(sx, sy, side, side))
            p.restore()
        else:
            p.fillPath(clip, QBrush(QColor(70, 70, 86)))
            self._text(p, img_rect.adjusted(8, 0, -8, 0), words["no_image"], 28, MUTED,
                       align=Qt.AlignmentFlag.AlignCenter)  # fmt: skip
        x = pad * 2 + side
        tw = w - x - pad
        self._badge(p, x, pad, words["badge"], 22, ACCENT)
        title_px = 32 if h < 360 else 38
        self._text(p, QRectF(x, pad + 48, tw, title_px * 3), c.title, title_px, WHITE, bold=True,
                   align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, lines=2)  # fmt: skip
        price_y = h - pad - 130
        if c.flash_price_cents is not None:
            bw = self._badge(p, x, price_y, words["flash_badge"], 22, QColor(255, 120, 0)) + 12
            self._text(p, QRectF(x + bw, price_y - 14, tw - bw, 64),
                       money_short(c.flash_price_cents, c.currency), 56, GOLD, bold=True)  # fmt: skip
            was = c.original_price_cents or c.price_cents
            self._strike(p, QRectF(x, price_y + 52, tw, 36), money_short(was, c.currency), 26)
        else:
            self._text(p, QRectF(x, price_y - 14, tw, 64), money_short(c.price_cents, c.currency), 56, GOLD,
                       bold=True)  # fmt: skip
            if c.original_price_cents and c.original_price_cents > c.price_cents:
                self._strike(
                    p,
                    QRectF(x, price_y + 52, tw, 36),
                    money_short(c.original_price_cents, c.currency),
                    26,
                )
        self._text(p, QRectF(x, h - pad - 40, tw, 40), words["stock"], 28,
                   ACCENT if c.stock_left <= 20 else MUTED, bold=True, min_px=22)  # fmt: skip

    def _strike(self, p: QPainter, rect: QRectF, text: str, px: int) -> None:
        font = _font(px)
        font.setStrikeOut(True)
        p.setFont(font)
        p.setPen(QPen(MUTED))
        self.drawn.append(text)
        p.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)

    def _coupon(self, p: QPainter, w: int, h: int, words: Words) -> None:
        grad = QLinearGradient(0, 0, w, h)
        grad.setColorAt(0, QColor(255, 84, 84, 235))
        grad.setColorAt(1, QColor(255, 140, 50, 235))
        self._panel(p, QRectF(0, 0, w, h), grad, 20)
        split = w * 0.42
        pen = QPen(QColor(255, 255, 255, 170), 3, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(int(split), 16, int(split), h - 16)
        big = words["big"]
        # a clear margin on each side: "20% off" must not run into the divider
        self._text(p, QRectF(16, 0, split - 44, h), big, 64 if len(big) <= 4 else 48, WHITE,
                   bold=True, align=Qt.AlignmentFlag.AlignCenter, min_px=32)  # fmt: skip
        x = split + 18
        tw = w - x - 14
        self._text(p, QRectF(x, 18, tw, 44), words["condition"], 32, WHITE, bold=True,
                   min_px=22)  # fmt: skip
        self._text(p, QRectF(x, 66, tw, 36), words["name"], 24, QColor(255, 240, 230),
                   min_px=18)  # fmt: skip
        self._text(p, QRectF(x, h - 58, tw, 40), words["left"], 28, GOLD, bold=True, min_px=20)

    def _flash(self, p: QPainter, w: int, h: int, c: FlashSaleCard, words: Words) -> None:
        self._panel(p, QRectF(0, 0, w, h), BG, 20)
        pad = 18
        self._badge(p, pad, pad, words["badge"], 24, QColor(255, 120, 0))
        self._text(p, QRectF(w / 2, pad - 6, w / 2 - pad, 52), words["clock"], 48, GOLD,
                   bold=True, align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
        self._text(p, QRectF(pad, 74, w - 2 * pad, 36), c.product_title, 26, WHITE)
        self._text(p, QRectF(pad, h - 56, w / 2, 46), money_short(c.price_cents, c.currency), 38, ACCENT,
                   bold=True)  # fmt: skip
        self._text(p, QRectF(w / 2, h - 56, w / 2 - pad, 46), words["left"], 28, MUTED, bold=True,
                   align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip

    def _lottery(self, p: QPainter, w: int, h: int, c: LotteryCard, words: Words) -> None:
        grad = QLinearGradient(0, 0, 0, h)
        grad.setColorAt(0, QColor(120, 40, 200, 230))
        grad.setColorAt(1, QColor(60, 20, 120, 230))
        self._panel(p, QRectF(0, 0, w, h), grad, 22)
        pad = 20
        bw = self._badge(p, pad, pad, words["badge"], 24, ACCENT)
        hx = max(w / 2, pad + bw + 12)
        self._text(p, QRectF(hx, pad - 4, w - hx - pad, 48), words["head"], 44 if not c.manual else 34,
                   GOLD, bold=True, min_px=24,
                   align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
        self._text(p, QRectF(pad, 76, w - 2 * pad, 50), c.prize, 38, WHITE, bold=True)
        self._text(p, QRectF(pad, 132, w - 2 * pad, 44), words["keyword"], 30, GOLD, bold=True,
                   min_px=22)  # fmt: skip
        if words["commitment"]:  # the commit of commit-reveal, on stream before anyone enters
            text = words["commitment"]
            if w >= 800:  # wide (9:16 canvas): at the right of the entrants' line
                self._text(p, QRectF(w / 2, h - 60, w / 2 - pad, 44), text, 22, MUTED,
                           align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
            else:  # between the keyword and the entrants
                self._text(p, QRectF(pad, 180, w - 2 * pad, 30), text, 20, MUTED)
        ew = w / 2 - pad if c.commitment and w >= 800 else w - 2 * pad
        self._text(p, QRectF(pad, h - 60, ew, 44), words["entrants"], 26, MUTED, min_px=20)

    def _red_envelope(self, p: QPainter, w: int, h: int, words: Words) -> None:
        grad = QLinearGradient(0, 0, 0, h)
        grad.setColorAt(0, QColor(226, 38, 44, 235))
        grad.setColorAt(1, QColor(160, 16, 28, 235))
        self._panel(p, QRectF(0, 0, w, h), grad, 22)
        pad = 20
        self._badge(p, pad, pad, words["badge"], 24, GOLD_DARK)
        self._text(p, QRectF(w / 2, pad - 6, w / 2 - pad, 52), words["clock"], 46, GOLD,
                   bold=True, align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
        title, status = words["title"], words["status"]
        if h < 200:  # the low, wide card (9:16): title left and 已抢 right on one row
            self._text(p, QRectF(pad, 72, w / 2 - pad, 46), title, 32, WHITE, bold=True)
            self._text(p, QRectF(w / 2, 72, w / 2 - pad, 46), status, 28, GOLD, bold=True, min_px=20,
                       align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
        else:
            self._text(p, QRectF(pad, 76, w - 2 * pad, 50), title, 36, WHITE, bold=True)
            self._text(p, QRectF(pad, 132, w - 2 * pad, 40), status, 28, GOLD, bold=True, min_px=20)
        self._text(p, QRectF(pad, h - 52, w - 2 * pad, 36), words["best"], 24,
                   QColor(255, 236, 220), min_px=18)  # fmt: skip

    def _winners(self, p: QPainter, w: int, h: int, c: WinnersCard, words: Words) -> None:
        """As tall as its rows (the rest of the box transparent): three winners are not drawn
        on a card with room for four. A blind box keeps one height while its prizes are
        revealed one by one (the card does not grow on stream)."""
        pad = 20
        if c.prizes is not None:
            rows = min(4, max(1, c.total))
            self._panel(p, QRectF(0, 0, w, min(h, 78 + rows * 50 + 44)), BG, 22)
        else:
            names = list(c.nicknames) or [words["nobody"]]
            cols = 2 if len(names) > 4 else 1
            rows = 4 if cols == 2 else len(names)
            step = 44 if len(names) > 4 * cols else 50  # closer rows: room for the count below
            more = len(names) > rows * cols
            self._panel(p, QRectF(0, 0, w, min(h, 80 + rows * step + (44 if more else 8))), BG, 22)
        bw = self._badge(p, pad, pad, words["badge"], 24, ACCENT)
        self._text(
            p, QRectF(pad + bw + 12, pad, w - bw - 3 * pad, 38), c.prize, 28, GOLD, bold=True
        )
        if c.prizes is not None:
            self._blind_box_winners(p, w, rows, c, words)
            return
        col_w = (w - 2 * pad) / cols
        for i, name in enumerate(names[: rows * cols]):
            col, row = divmod(i, rows)
            self._text(p, QRectF(pad + col * col_w, 80 + row * step, col_w - 10, step - 4), name,
                       28, WHITE)  # fmt: skip
        if more:
            y = 80 + rows * step
            self._text(p, QRectF(pad, y, w - 2 * pad, 32), words["more"], 22, MUTED)

    def _blind_box_winners(
        self, p: QPainter, w: int, rows: int, c: WinnersCard, words: Words
    ) -> None:
        """A blind box's winners, each with the prize revealed so far (newest at the bottom)."""
        pad = 20
        prizes = c.prizes or ()
        start = max(0, len(prizes) - rows)  # the last ones revealed, when more than fit
        for row, i in enumerate(range(start, len(prizes))):
            y = 78 + row * 50
            name_w = (w - 2 * pad) * 0.5
            self._text(p, QRectF(pad, y, name_w - 8, 46), c.nicknames[i], 28, WHITE)
            self._text(p, QRectF(pad + name_w, y, w - 2 * pad - name_w, 46), prizes[i],
                       28, GOLD, bold=True,
                       align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
        if not c.total:
            self._text(p, QRectF(pad, 80, w - 2 * pad, 46), words["nobody"], 28, WHITE)
        elif len(prizes) < c.total:
            y = 78 + rows * 50 + 4
            self._text(p, QRectF(pad, y, w - 2 * pad, 32), words["more"], 22, MUTED)

    def _quiz(self, p: QPainter, w: int, h: int, c: QuizCard, words: Words) -> None:
        """As tall as its question (one line or two) and its options: the rest of the box is
        transparent, so a short question leaves no empty row on stream."""
        pad = 20
        most = 1 if w >= 800 else 2  # a wide (9:16) card has room for the question on one line
        fm = QFontMetrics(_font(28, True))
        lines = max(1, len(wrap(c.question, fm, w - 2 * pad, most)))
        top, foot = 72.0 + 38 * lines + 8, 44.0
        n = max(1, len(c.options))
        row_h = min(56.0, (h - top - foot - 8) / n)
        ph = min(float(h), top + n * row_h + foot + 8)
        grad = QLinearGradient(0, 0, 0, ph)
        grad.setColorAt(0, QColor(20, 90, 170, 230))
        grad.setColorAt(1, QColor(16, 40, 90, 230))
        self._panel(p, QRectF(0, 0, w, ph), grad, 22)
        bw = self._badge(p, pad, pad, words["badge"], 24, ACCENT)
        hx = max(w / 2, pad + bw + 12)
        self._text(p, QRectF(hx, pad - 4, w - hx - pad, 48), words["head"], 34, GOLD, bold=True, min_px=24,
                   align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
        self._text(p, QRectF(pad, 72, w - 2 * pad, 38 * lines), c.question, 28, WHITE,
                   bold=True, lines=lines)  # fmt: skip
        bar_h = row_h - 8
        px = max(16, min(24, int(bar_h * 0.7)))
        total = max(1, sum(c.tally))
        letter_w = 44.0
        count_w = 70.0
        bar_x = pad + letter_w
        bar_w = w - 2 * pad - letter_w - count_w
        for i, opt in enumerate(c.options):
            y = top + i * row_h
            right = c.correct == i
            color = QColor(46, 204, 113) if right else QColor(255, 255, 255, 60)
            self._text(p, QRectF(pad, y, letter_w, bar_h), "ABCD"[i], px + 4,
                       GOLD if right else WHITE, bold=True)  # fmt: skip
            self._panel(p, QRectF(bar_x, y, bar_w, bar_h), QColor(0, 0, 0, 70), 8)
            share = c.tally[i] / total if i < len(c.tally) else 0.0
            if share > 0:
                self._panel(p, QRectF(bar_x, y, max(16.0, bar_w * share), bar_h), color, 8)
            mark = " ✓" if right else ""
            self._text(p, QRectF(bar_x + 12, y, bar_w - 24, bar_h), opt + mark, px, WHITE,
                       bold=right)  # fmt: skip
            count = c.tally[i] if i < len(c.tally) else 0
            self._text(p, QRectF(w - pad - count_w, y, count_w, bar_h), str(count), px + 2,
                       MUTED, align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
        self._text(
            p, QRectF(pad, ph - foot - 6, w - 2 * pad, foot), words["foot"], 22, MUTED, min_px=16
        )


Words = dict[str, str]


def _is_cjk(ch: str) -> bool:
    """A character after or before which Chinese/Japanese text may break (ideographs, kana,
    CJK punctuation, full-width forms)."""
    return ord(ch) >= 0x2E80


def _breakable(text: str, i: int) -> bool:
    """Whether a line may end between ``text[i - 1]`` and ``text[i]``: at a space, after a
    hyphen, or next to a CJK character; never inside a Latin word."""
    a, b = text[i - 1], text[i]
    return a.isspace() or b.isspace() or a == "-" or _is_cjk(a) or _is_cjk(b)


def wrap(text: str, fm: QFontMetrics, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` pixels: broken at word boundaries in
    Latin text and anywhere in CJK text (a word longer than a line is cut), the last line
    elided. Fast for text of any length (the fitting prefix is found by bisection)."""
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines:
        if len(out) == lines - 1 or fm.horizontalAdvance(rest) <= width:
            out.append(fm.elidedText(rest, Qt.TextElideMode.ElideRight, width))
            break
        # the longest prefix that fits, by bisection: a title is platform data of any
        # length, and trying one character less at a time was quadratic (a 1,000-character
        # title took seconds per frame and stalled every overlay behind it)
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fm.horizontalAdvance(rest[:mid]) <= width:
                lo = mid
            else:
                hi = mid - 1
        n = lo
        if not _breakable(rest, n):  # inside a word: back to the last place a line may end
            n = next((i for i in range(n - 1, 0, -1) if _breakable(rest, i)), n)
        out.append(rest[:n].rstrip())
        rest = rest[n:].lstrip()
    return out
