"""Offscreen rendering of the review screen to PNG (`coldsight render`, docs/screenshots).

The same widgets the signer sees, laid out at a fixed width with every panel expanded (no
scrolling), grabbed into an image.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from ..session import ReviewSession
from .app import create_application
from .screens import FailedScreen, ReviewScreen
from .theme import style_sheet

if TYPE_CHECKING:
    from ..service import AnyReview
    from ..session import Problem

DEFAULT_WIDTH = 1100


def ensure_offscreen() -> None:
    """Render without a display unless one was asked for explicitly."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def review_widget(review: AnyReview | None = None, problem: Problem | None = None, fit_content: bool = True):
    """The widget to grab: the review screen for a review, or the failed screen for a problem.
    `fit_content=False`: the screen as the window shows it (it scrolls above the decision bar)."""
    session = ReviewSession()
    if review is not None:
        session.begin_verifying("render")
        session.show_review(review)
        return ReviewScreen(session, lambda _decision: None, fit_content=fit_content)
    if problem is None:
        raise ValueError("nothing to render: neither a review nor a problem")  # a caller bug
    session.fail(problem)
    return FailedScreen(problem, lambda: None)


def render_png(out: Path, review: AnyReview | None = None, problem: Problem | None = None, width: int = DEFAULT_WIDTH,
               scale: float = 1.0, window_height: int | None = None) -> Path:
    """The whole review at `width` (every panel expanded), or with `window_height` the first screen
    a `width`×`window_height` window shows: what a signer sees before scrolling, decision bar included."""
    create_application()
    if window_height is not None:
        return grab_png(review_widget(review, problem, fit_content=False), out, width, scale, fixed_height=window_height)
    return grab_png(review_widget(review, problem), out, width, scale, min_height=480 if review is None else 0)


def grab_png(widget, out: Path, width: int = DEFAULT_WIDTH, scale: float = 1.0, min_height: int = 0,
             fixed_height: int | None = None) -> Path:
    """Lay `widget` out at `width` with its full height (nothing scrolled away), or at `fixed_height`,
    and save it as PNG."""
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage


    app = create_application()
    widget.setStyleSheet(style_sheet(app.font().pointSizeF()))
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.resize(width, 400)
    widget.show()
    app.processEvents()
    layout = widget.layout()
    height = layout.heightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
    height = max(height, layout.minimumSize().height(), min_height) if fixed_height is None else fixed_height
    widget.resize(width, height)
    app.processEvents()
    image = QImage(QSize(int(width * scale), int(height * scale)), QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    image.fill(0xFFF6F7F9)
    widget.render(image)
    widget.close()
    widget.deleteLater()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):  # type: ignore[call-overload]  # stubs say bytes; PySide6 6.9 wants str
        raise OSError(f"cannot write {out}")
    return out
