"""Colours, words and shapes for the three verdicts, and the app's fonts.

Each verdict differs in three independent ways, so no reader depends on colour alone:
words ("DO NOT SIGN" / "WARNING" / "NO PROBLEMS FOUND"), shape of the icon (octagon with a
cross / triangle with "!" / circle with a tick), and lightness (dark red with white text,
bright amber with black text, dark blue with white text: distinct under every common form of
colour blindness, and blue rather than green so ok and block never look alike).
"""

from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontDatabase
from decoders.vocabulary import Severity, Verdict


@dataclass(frozen=True)
class VerdictStyle:
    words: str  # the headline, the first thing read
    advice: str  # what to do, in one sentence
    background: str
    foreground: str
    shape: str  # "octagon" / "triangle" / "circle"


VERDICTS: dict[str, VerdictStyle] = {  # keyed by Verdict members (str), so a plain "ok" finds its style too
    Verdict.BLOCK: VerdictStyle(
        "DO NOT SIGN", "Coldsight blocks this transaction. Discard it and tell your security team.",
        "#A50E0E", "#FFFFFF", "octagon",
    ),
    Verdict.WARN: VerdictStyle(
        "WARNING: CHECK BEFORE SIGNING", "Read and tick every warning below before you sign.",
        "#FFC20A", "#000000", "triangle",
    ),
    Verdict.OK: VerdictStyle(
        "NO PROBLEMS FOUND", "Compare the hashes with your signing device before you sign.",
        "#0B4F9C", "#FFFFFF", "circle",
    ),
}
SEVERITY_COLOUR: dict[str, str] = {Severity.CRITICAL: "#A50E0E", Severity.WARN: "#8A5A00", Severity.INFO: "#38465A"}
SEVERITY_WORD: dict[str, str] = {Severity.CRITICAL: "CRITICAL", Severity.WARN: "WARNING", Severity.INFO: "NOTE"}
DELEGATECALL_COLOUR = "#A50E0E"
PAGE_BACKGROUND = "#F6F7F9"
CARD_BACKGROUND = "#FFFFFF"
TEXT = "#12161C"
MUTED = "#4A5563"
FOCUS = "#1A73E8"


def monospace_font(point_size: float | None = None, bold: bool = False) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    if point_size:
        font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def style_sheet(base_point_size: float) -> str:
    """Application style; sizes scale with the base font so Ctrl+= / Ctrl+- resize everything."""
    big = base_point_size * 1.25
    return f"""
    QWidget#page, QScrollArea, QScrollArea > QWidget > QWidget#page {{ background: {PAGE_BACKGROUND}; }}
    QLabel {{ color: {TEXT}; }}
    QFrame#card {{ background: {CARD_BACKGROUND}; border: 1px solid #D5DAE1; border-radius: 6px; }}
    QLabel#cardTitle {{ font-size: {big:.1f}pt; font-weight: bold; color: {TEXT}; }}
    QLabel#muted {{ color: {MUTED}; }}
    QLabel#notice {{ background: #EAF1FB; border: 1px solid #9DB8DE; border-radius: 4px; padding: 8px; color: {TEXT}; }}
    QPushButton {{ padding: 6px 14px; border: 1px solid #8C96A3; border-radius: 4px; background: #FFFFFF; color: {TEXT}; }}
    QPushButton:disabled {{ color: #8C96A3; background: #ECEEF1; border-color: #C9CED6; }}
    QPushButton#primary {{ background: #0B4F9C; color: #FFFFFF; border-color: #0B4F9C; font-weight: bold; }}
    QPushButton#primary:disabled {{ background: #ECEEF1; color: #8C96A3; border-color: #C9CED6; }}
    QPushButton#danger {{ background: #A50E0E; color: #FFFFFF; border-color: #A50E0E; font-weight: bold; }}
    QPushButton:focus, QCheckBox:focus, QComboBox:focus, QPlainTextEdit:focus, QTreeWidget:focus, QTableWidget:focus {{
        outline: none; border: 3px solid {FOCUS};
    }}
    QCheckBox {{ spacing: 10px; padding: 4px; border: 3px solid transparent; }}
    QCheckBox::indicator {{ width: {base_point_size * 1.6:.0f}px; height: {base_point_size * 1.6:.0f}px; }}
    QTreeWidget, QTableWidget, QPlainTextEdit {{ background: #FFFFFF; border: 1px solid #C9CED6; color: {TEXT}; }}
    """
