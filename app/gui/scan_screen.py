"""The scan screen: live preview with the detected code outlined, progress, camera picker.

Frames are read and decoded in a QThread (`ScanWorker`): the UI thread only paints previews.
When the last part arrives the worker also verifies the payload, so the review screen can be
shown the moment the scan completes. Where frames come from is a `source_factory(index)`
(a camera by default; tests pass a recorded video).
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QPointF, QThread, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPen, QPixmap, QPolygonF, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ..sanitize import display
from ..session import problem_from_error
from .widgets import emphasize

if TYPE_CHECKING:  # the scanner (numpy, zxing, the UR codec) loads only when a scan starts
    from ..qr.scan import FrameUpdate, ScanProgress
    from ..qr.sources import FrameSource
    from ..service import ReviewOptions

NO_CAMERA = ("No camera was found on this computer. Open the payload as a file or paste its text; "
             "to scan, connect a camera and restart Coldsight.")
PREVIEW_INTERVAL_S = 1 / 15  # previews beyond ~15 per second cost CPU the decoder needs


def camera_indexes() -> list[int]:
    """Cameras to offer. Linux lists /dev/video*; elsewhere the first few indexes are offered."""
    if sys.platform.startswith("linux"):
        found = sorted(int(p.name[5:]) for p in Path("/dev").glob("video*") if p.name[5:].isdigit())
        return found
    return [0, 1, 2]


def default_camera_source(index: int):
    from ..qr.sources import CameraSource

    return CameraSource(index)


def frame_to_qimage(frame) -> QImage:
    """A numpy gray or BGR frame as a QImage (copied, so the frame may be reused)."""
    if frame.ndim == 2:
        height, width = frame.shape
        return QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_Grayscale8).copy()
    height, width = frame.shape[:2]
    if frame.shape[2] == 4:
        return QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_ARGB32).copy()
    return QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888).copy()


class ScanWorker(QThread):
    """Runs the scan loop over a frame source, then verifies the completed payload."""

    preview = Signal(QImage, list)  # frame, list of corner lists
    progressed = Signal(object)  # app.qr.scan.ScanProgress
    verified = Signal(object, str)  # Review, source
    failed = Signal(object)  # Problem
    camera_unavailable = Signal(str)  # no camera, or it cannot be opened: a notice, not a failed review
    needs_input = Signal(object)  # a service.NeedsInput (an executor's transaction, a Transaction Builder file)

    def __init__(self, source_factory: Callable[[int], FrameSource], camera: int, options: ReviewOptions, parent=None):
        super().__init__(parent)
        self.source_factory = source_factory
        self.camera = camera
        self.options = options
        self.request: ReviewOptions | None = None  # what was scanned, as the request reviewed
        self.stop_event = threading.Event()
        self._last_preview = 0.0

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> None:  # worker thread
        from ..qr.errors import SourceError
        from ..qr.scan import run_scan
        from ..service import NeedsInput, review

        source_name = f"camera {self.camera}"
        if self.camera < 0:
            self.camera_unavailable.emit(NO_CAMERA)
            return
        try:
            source = self.source_factory(self.camera)
        except SourceError as err:  # nothing was read: there is no payload to judge, only a camera to fix
            if not self.stop_event.is_set():
                self.camera_unavailable.emit(f"Camera {self.camera} cannot be used: {err.message}"
                                             + (f" ({err.hint})" if err.hint else "")
                                             + ". Open the payload as a file or paste its text instead.")
            return
        try:
            source_name = source.name
            # The CLI's scan loop, camera tuning included (OpenCV fallback rate-limited on live sources).
            result = run_scan(source, on_update=self._update, stop=self.stop_event)
            self.request = self.options.with_text(result.text, result.source)
            reviewed = review(self.request)
        except NeedsInput as need:
            if not self.stop_event.is_set():
                self.needs_input.emit(need)
            return
        except Exception as err:  # every failure becomes a FAILED state, never a crash
            if not self.stop_event.is_set():  # stopped on purpose: the screen is gone, say nothing
                self.failed.emit(problem_from_error(err, source_name))
            return
        if not self.stop_event.is_set():
            self.verified.emit(reviewed, source_name)

    def _update(self, update: FrameUpdate) -> None:  # worker thread; keep cheap
        self.progressed.emit(update.progress)
        now = time.monotonic()
        frame = update.frame
        if frame is None or (now - self._last_preview < PREVIEW_INTERVAL_S and not update.codes):
            return
        self._last_preview = now
        self.preview.emit(frame_to_qimage(frame), [list(code.corners) for code in update.codes])


class ScanScreen(QWidget):
    cancelled = Signal()

    def __init__(self, cameras: list[int], parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(12)
        title = emphasize(QLabel("Scan the transaction QR code"), 1.5)
        layout.addWidget(title)
        picker_row = QHBoxLayout()
        picker_label = QLabel("&Camera:")
        self.camera_picker = QComboBox()
        self.camera_picker.setAccessibleName("Camera")
        for index in cameras:
            self.camera_picker.addItem(f"Camera {index}", index)
        if not cameras:
            self.camera_picker.addItem("No camera found", -1)
        picker_label.setBuddy(self.camera_picker)
        picker_row.addWidget(picker_label)
        picker_row.addWidget(self.camera_picker)
        picker_row.addStretch(1)
        layout.addLayout(picker_row)
        self.preview = QLabel("Starting the camera…")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(480, 320)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.preview.setStyleSheet("background: #20242B; color: #FFFFFF;")
        layout.addWidget(self.preview, 1)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setAccessibleName("Scan progress")
        self.progress_bar.setFormat("%p%")
        layout.addWidget(self.progress_bar)
        self.status = QLabel("Hold the animated QR code in front of the camera.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.cancel_button = QPushButton("Cancel scan   [Esc]")
        self.cancel_button.clicked.connect(self.cancelled)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignLeft)
        QShortcut(QKeySequence("Escape"), self, self.cancelled.emit)
        self.setTabOrder(self.camera_picker, self.cancel_button)

    @property
    def camera(self) -> int:
        return int(self.camera_picker.currentData())

    def show_progress(self, progress: ScanProgress) -> None:
        self.progress_bar.setValue(int(progress.percent))
        if progress.fragments_total:
            self.progress_bar.setFormat(f"%p%  ({progress.parts_seen} of {progress.fragments_total} parts)")
        self.status.setText(display(progress.describe()))

    def show_frame(self, image: QImage, corners: list) -> None:
        pixmap = QPixmap.fromImage(image.convertToFormat(QImage.Format.Format_RGB32))
        if corners:
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor("#00C853"), max(3, image.width() // 160)))
            for points in corners:
                painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
            painter.end()
        self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))

    def focus_first(self) -> None:
        self.cancel_button.setFocus()
