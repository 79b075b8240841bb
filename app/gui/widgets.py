"""Small building blocks: the verdict banner with its drawn icon, cards, the hash QR code."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .theme import VERDICTS
from decoders.vocabulary import Verdict
from decoders.display_text import escape
import segno


_SHAPE_NAME: dict[str, str] = {Verdict.BLOCK: "stop sign", Verdict.WARN: "warning triangle", Verdict.OK: "tick"}


class VerdictIcon(QWidget):
    """The verdict's shape, drawn (not a font glyph, so it looks the same on every machine)."""

    def __init__(self, verdict: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.verdict = verdict
        self.setFixedSize(QSize(72, 72))
        self.setAccessibleName(_SHAPE_NAME[verdict])

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt naming)
        style = VERDICTS[self.verdict]
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 6
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        centre = box.center()
        fill = QColor(style.foreground)
        mark = QColor(style.background)
        painter.setPen(QPen(fill, 2))
        painter.setBrush(fill)
        if style.shape == "octagon":
            radius = side / 2
            points = [QPointF(centre.x() + radius * math.cos(math.radians(22.5 + 45 * i)),
                              centre.y() + radius * math.sin(math.radians(22.5 + 45 * i))) for i in range(8)]
            painter.drawPolygon(QPolygonF(points))
            pen = QPen(mark, side * 0.13, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            arm = side * 0.22
            painter.drawLine(QPointF(centre.x() - arm, centre.y() - arm), QPointF(centre.x() + arm, centre.y() + arm))
            painter.drawLine(QPointF(centre.x() + arm, centre.y() - arm), QPointF(centre.x() - arm, centre.y() + arm))
        elif style.shape == "triangle":
            painter.drawPolygon(QPolygonF([QPointF(centre.x(), box.top()), QPointF(box.right(), box.bottom() - side * 0.08),
                                           QPointF(box.left(), box.bottom() - side * 0.08)]))
            painter.setPen(QPen(mark, side * 0.11, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(QPointF(centre.x(), box.top() + side * 0.33), QPointF(centre.x(), box.top() + side * 0.62))
            painter.drawPoint(QPointF(centre.x(), box.top() + side * 0.77))
        else:
            painter.drawEllipse(box)
            painter.setPen(QPen(mark, side * 0.12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            path = QPainterPath(QPointF(box.left() + side * 0.27, centre.y() + side * 0.02))
            path.lineTo(QPointF(box.left() + side * 0.44, box.top() + side * 0.68))
            path.lineTo(QPointF(box.left() + side * 0.74, box.top() + side * 0.32))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        painter.end()


class VerdictBanner(QFrame):
    """Full-width band: icon, the verdict in capitals, one sentence of advice."""

    def __init__(self, verdict: str, advice: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        style = VERDICTS[verdict]
        self.verdict = verdict
        self.setObjectName("verdictBanner")
        self.setStyleSheet(
            f"QFrame#verdictBanner {{ background: {style.background}; border-radius: 6px; }}"
            f"QFrame#verdictBanner QLabel {{ color: {style.foreground}; background: transparent; }}"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(18)
        layout.addWidget(VerdictIcon(verdict), 0, Qt.AlignmentFlag.AlignVCenter)
        text = QVBoxLayout()
        self.headline = QLabel(style.words)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        self.headline.setFont(font)
        self.advice = QLabel(advice or style.advice)
        self.advice.setWordWrap(True)
        advice_font = self.advice.font()
        advice_font.setPointSizeF(advice_font.pointSizeF() * 1.2)
        self.advice.setFont(advice_font)
        text.addWidget(self.headline)
        text.addWidget(self.advice)
        layout.addLayout(text, 1)
        self.setAccessibleName(f"Verdict: {verdict}. {style.words}. {self.advice.text()}")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)


def emphasize(label: QLabel, scale: float) -> QLabel:
    """Bold and `scale` times the label's font size: the one heading style of every screen."""
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def card(title: str, parent: QWidget | None = None) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(16, 12, 16, 14)
    layout.setSpacing(8)
    heading = QLabel(title)
    heading.setObjectName("cardTitle")
    heading.setAccessibleName(title)
    layout.addWidget(heading)
    return frame, layout


def qr_image(text: str, scale: int = 4) -> QImage:
    """A QR code (segno) as a QImage: dark modules black, 4-module quiet zone."""
    code = segno.make_qr(text, error="m")
    matrix = list(code.matrix_iter(scale=1, border=4))
    size = len(matrix)
    image = QImage(size * scale, size * scale, QImage.Format.Format_Grayscale8)
    image.fill(255)
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(x * scale, y * scale, scale, scale)
    painter.end()
    return image


def qr_label(text: str, scale: int = 4) -> QLabel:
    label = QLabel()
    label.setPixmap(QPixmap.fromImage(qr_image(text, scale)))
    label.setAccessibleName(f"QR code of {text}")
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return label


def selectable(label: QLabel) -> QLabel:
    """Text a signer may select with the mouse or keyboard and copy (hashes, addresses).

    These labels show payload-derived text, so they go through the app's sanitizing layer: plain
    text only (a decoded string must not be read as HTML) and deceptive code points escaped; our
    own line breaks stay."""
    from PySide6.QtGui import Qt as QtGui_Qt

    text = label.text()
    if QtGui_Qt.mightBeRichText(text):  # what Qt's AutoText would render as HTML
        label.setTextFormat(Qt.TextFormat.PlainText)
    shown = escape(text, keep="\n")
    if shown != text:  # touch only labels that need it: ordinary ones behave exactly as before
        label.setText(shown)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label
