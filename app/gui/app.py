"""Starting the Qt application: high-DPI, fonts, the window. `run_gui(options)` is `coldsight gui`."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING
from ..payload_input import is_camera_spec
from ..presentation import describe_policy
from ..review_log import LOG_NAME, ReviewLog
from .main_window import MainWindow

if TYPE_CHECKING:
    from ..service import ReviewOptions


def create_application(argv: list[str] | None = None):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        return app
    # Qt 6 scales by the screen's device pixel ratio already; pass fractional ratios through
    # unrounded so 125 % / 150 % screens get crisp, correctly sized text.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv or ["coldsight"])
    app.setApplicationName("Coldsight")
    app.setApplicationDisplayName("Coldsight")
    font = app.font()
    scale = _font_scale()
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * scale)
    app.setFont(font)
    return app


def _font_scale() -> float:
    """`COLDSIGHT_FONT_SCALE=1.5` enlarges every text (also Ctrl+= / Ctrl+- in the window)."""
    try:
        value = float(os.environ.get("COLDSIGHT_FONT_SCALE", "1"))
    except ValueError:
        return 1.0
    return min(max(value, 0.5), 3.0)


def build_window(options: ReviewOptions, log=None, scan_source_factory=None, cameras=None, keystore=None):
    return MainWindow(options, describe_policy(options), log=log, scan_source_factory=scan_source_factory,
                      cameras=cameras, keystore=keystore)


def run_gui(options: ReviewOptions, keystore=None) -> int:
    app = create_application()
    window = build_window(options, log=ReviewLog(options.resolved_state_dir / LOG_NAME), keystore=keystore)
    window.show()
    if os.environ.get("COLDSIGHT_BENCH_SHOWN"):  # tools/bench_gui.py: report when the window is up
        from PySide6.QtCore import QTimer

        def shown() -> None:
            print(f"window-shown-at {time.time():.6f}", flush=True)
            app.quit()

        QTimer.singleShot(0, shown)
    if options.payload is not None and is_camera_spec(options.payload):
        window.start_scan()
    elif options.payload:
        window.load_file(options.payload)
    return app.exec()
