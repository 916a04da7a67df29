"""The live preview with framing guides, and the 9:16 crop preview beside it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.camera.guides import Rect, covered_bands, fit, safe_area, thirds_lines, vertical_crop
from ui.camera.frames import to_qimage
from ui.i18n import tr

BACKGROUND = QColor("#15171a")
COVER = QColor(230, 60, 60, 80)
OUTSIDE = QColor(0, 0, 0, 135)
SAFE = QColor("#ffd24a")
THIRDS = QColor(255, 255, 255, 150)


def _qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.w, r.h)


class _FrameHolder(QWidget):
    """Keeps the current display buffer and the QImage that points into it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._buffer: np.ndarray | None = None
        self._image: QImage | None = None
        self.frame_size: tuple[int, int] = (0, 0)  # full capture size, for guide geometry
        self.message = ""  # shown over the picture when not live (plain text)

    def set_frame(self, display: np.ndarray, frame_size: tuple[int, int]) -> None:
        self._buffer = display
        self._image = to_qimage(display)
        self.frame_size = frame_size
        self.update()

    def clear_frame(self) -> None:
        self._buffer = None
        self._image = None
        self.update()

    @property
    def image(self) -> QImage | None:
        return self._image

    def _paint_message(self, p: QPainter, area: QRectF) -> None:
        if not self.message:
            return
        p.save()
        font = QFont(self.font())
        font.setPointSizeF(max(10.0, font.pointSizeF() * 1.15))
        p.setFont(font)
        band = QRectF(area.x() + 16, area.center().y() - 44, area.width() - 32, 88)
        p.fillRect(band, QColor(0, 0, 0, 170))
        p.setPen(QColor("#f2f2f2"))
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        p.drawText(band.adjusted(12, 6, -12, -6), int(flags), self.message)
        p.restore()


class PreviewWidget(_FrameHolder):
    """The camera picture, letter-boxed, with optional rule-of-thirds and 9:16 safe-area guides."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_thirds = True
        self.show_safe_area = True
        self.badge = ""  # e.g. "预览 30.0 fps"
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_guides(self, thirds: bool, safe: bool) -> None:
        self.show_thirds, self.show_safe_area = thirds, safe
        self.update()

    def picture_rect(self) -> Rect:
        fw, fh = self.frame_size
        return fit(fw or 16, fh or 9, self.width(), self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        pic = self.picture_rect()
        if self.image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(_qrect(pic), self.image)
            fw, fh = self.frame_size
            s = pic.w / fw if fw else 1.0
            crop = vertical_crop(fw, fh).scaled(s, s, pic.x, pic.y)
            if self.show_safe_area:
                self._paint_safe_area(p, pic, crop)
            if self.show_thirds:
                # with the vertical guide on, compose for what the vertical stream shows
                p.setPen(QPen(THIRDS, 1.0))
                for x1, y1, x2, y2 in thirds_lines(crop if self.show_safe_area else pic):
                    p.drawLine(QPointF(x1, y1), QPointF(x2, y2))
        if self.badge:
            p.setPen(QColor("#e8e8e8"))
            width = QFontMetricsF(p.font()).horizontalAdvance(self.badge) + 16
            box = QRectF(pic.x + 8, pic.y + 8, max(230.0, width), 24)
            p.fillRect(box, QColor(0, 0, 0, 150))
            p.drawText(box.adjusted(8, 0, 0, 0), int(Qt.AlignmentFlag.AlignVCenter), self.badge)
        self._paint_message(p, _qrect(pic))
        p.end()

    def _paint_safe_area(self, p: QPainter, pic: Rect, crop: Rect) -> None:
        # darken what a vertical stream cuts off, tint what platform buttons cover
        left = QRectF(pic.x, pic.y, crop.x - pic.x, pic.h)
        right = QRectF(crop.right, pic.y, pic.right - crop.right, pic.h)
        for r in (left, right):
            if r.width() > 0.5:
                p.fillRect(r, OUTSIDE)
        for band in covered_bands(crop):
            p.fillRect(_qrect(band), COVER)
        pen = QPen(SAFE, 1.5, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawRect(_qrect(crop))
        safe = safe_area(crop)
        p.setPen(QPen(SAFE, 2.0))
        p.drawRect(_qrect(safe))
        p.drawText(QPointF(safe.x + 4, safe.y + 16), tr("竖屏安全区"))


class CropPreview(_FrameHolder):
    """What a vertical 9:16 stream shows: the centred crop, platform-covered bands tinted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # shrinks (keeping 9:16) when the side panel is short, instead of being cut off
        self.setMinimumSize(180, 200)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(180, 320)

    def crop_rect_in_widget(self) -> Rect:
        return fit(9, 16, self.width(), self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        target = self.crop_rect_in_widget()
        img = self.image
        if img is not None and img.width() > 0:
            src = vertical_crop(img.width(), img.height())
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(_qrect(target), img, _qrect(src))
            for band in covered_bands(target):
                p.fillRect(_qrect(band), COVER)
            p.setPen(QColor(255, 255, 255, 200))
            top = covered_bands(target)[0]
            bottom = covered_bands(target)[1]
            p.drawText(_qrect(top), int(Qt.AlignmentFlag.AlignCenter), tr("主播信息 · 在线人数"))
            p.drawText(_qrect(bottom), int(Qt.AlignmentFlag.AlignCenter), tr("评论 · 购物车"))
            p.setPen(QPen(SAFE, 1.5))
            p.drawRect(_qrect(safe_area(target)))
        p.setPen(QColor("#777"))
        p.drawRect(_qrect(target).adjusted(0, 0, -1, -1))
        self._paint_message(p, _qrect(target))
        p.end()
