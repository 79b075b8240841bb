"""The main window: shows the screen for the session's phase and runs slow work in threads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QThread, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QWidget

from ..service import AnyReview, Review, ReviewOptions, review_any, review_text
from ..session import Decision, Phase, ReviewSession, problem_from_error
from ..review_log import ReviewLog
from .screens import DecidedScreen, FailedScreen, ReviewScreen, StartScreen, VerifyingScreen
from .theme import style_sheet

if TYPE_CHECKING:
    from .scan_screen import ScanWorker

MIN_POINT_SIZE, MAX_POINT_SIZE = 7.0, 32.0


class VerifyWorker(QThread):
    """Parses and verifies one payload (a file path or text) off the UI thread."""

    verified = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Callable[[], AnyReview], source: str, parent=None):
        super().__init__(parent)
        self.job = job
        self.source = source

    def run(self) -> None:
        try:
            review = self.job()
        except Exception as err:  # a bug must fail closed too: a FAILED state, no traceback
            self.failed.emit(problem_from_error(err, self.source))
            return
        self.verified.emit(review)


class MainWindow(QMainWindow):
    """`options`: how payloads are reviewed (context, ABIs, policy). `log`: a DecisionSink."""

    screen_changed = Signal(str)  # the phase now shown (tests and benchmarks wait on it)

    def __init__(self, options: ReviewOptions, policy_lines: list[str], log=None, scan_source_factory=None,
                 cameras: list[int] | None = None, parent: QWidget | None = None, keystore=None):
        super().__init__(parent)
        self.options = options
        self.keystore = keystore  # an owner keystore (Path): the decided screen offers to sign
        self.policy_lines = policy_lines
        self.log = log
        self.session = ReviewSession(sink=log)
        self.session.listeners.append(lambda _session: self._on_phase())
        from .scan_screen import camera_indexes, default_camera_source

        self.scan_source_factory = scan_source_factory or default_camera_source
        self.cameras = camera_indexes() if cameras is None else cameras
        self._shown_phase: Phase | None = None
        self._workers: list[QThread] = []
        self.scan_worker: ScanWorker | None = None
        self.setWindowTitle("Coldsight — review a Safe transaction")
        self.resize(1100, 860)
        self.base_point_size = QApplication.font().pointSizeF()
        QShortcut(QKeySequence("Ctrl+="), self, lambda: self.scale_font(1.1))
        QShortcut(QKeySequence("Ctrl++"), self, lambda: self.scale_font(1.1))
        QShortcut(QKeySequence("Ctrl+-"), self, lambda: self.scale_font(1 / 1.1))
        QShortcut(QKeySequence("Ctrl+0"), self, lambda: self.scale_font(None))
        QShortcut(QKeySequence("Ctrl+Shift+O"), self, self.open_snapshot_dialog)
        self._last_file: str | None = None
        self._apply_style()
        self._on_phase(force=True)

    # -- fonts -----------------------------------------------------------------------------------
    def scale_font(self, factor: float | None) -> None:
        """Ctrl+= / Ctrl+- / Ctrl+0: every text scales, the current screen is rebuilt."""
        font = QApplication.font()
        size = self.base_point_size if factor is None else font.pointSizeF() * factor
        font.setPointSizeF(max(MIN_POINT_SIZE, min(MAX_POINT_SIZE, size)))
        QApplication.setFont(font)
        self._apply_style()
        self._on_phase(force=True)

    def _apply_style(self) -> None:
        self.setStyleSheet(style_sheet(QApplication.font().pointSizeF()))

    # -- actions ---------------------------------------------------------------------------------
    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a Safe transaction", "",
                                              "Payloads (*.json *.txt *.ur);;All files (*)")
        if path:
            self.load_file(path)

    def open_snapshot_dialog(self) -> None:
        """Ctrl+Shift+O: a proven snapshot from `coldsight-courier snapshot` (the second item)."""
        path, _ = QFileDialog.getOpenFileName(self, "Open a state snapshot", "",
                                              "Snapshots (*.bin *.txt);;All files (*)")
        if path:
            self.load_snapshot(path)

    def load_snapshot(self, path: str) -> None:
        """Every review from now on runs on this snapshot; the open file is reviewed again with it."""
        from dataclasses import replace

        self.options = replace(self.options, state=path)
        if self._last_file is not None:
            self.load_file(self._last_file)

    def load_file(self, path: str) -> None:
        self._last_file = path
        options = self.options.with_payload(path)
        self._verify(lambda: review_any(options), path)  # a transaction or a Safe message

    def load_text(self, text: str, source: str = "pasted text") -> None:
        self._verify(lambda: review_text(text, source, self.options), source)

    def _verify(self, job: Callable[[], AnyReview], source: str) -> None:
        if self.session.phase is not Phase.START:
            self.session.restart()
        self.session.begin_verifying(source)
        worker = VerifyWorker(job, source, self)
        worker.verified.connect(self._verified)
        worker.failed.connect(self._failed)
        self._start(worker)

    def _start(self, worker: QThread) -> None:
        self._workers.append(worker)
        worker.finished.connect(lambda w=worker: self._workers.remove(w) if w in self._workers else None)
        worker.start()

    def _verified(self, review: AnyReview) -> None:
        if self.session.phase is Phase.VERIFYING:
            self.session.show_review(review)

    def _failed(self, problem) -> None:
        if self.session.phase in (Phase.VERIFYING, Phase.SCANNING):
            self.session.fail(problem)

    def start_scan(self) -> None:
        self.session.start_scan()
        self._start_scan_worker()

    def _start_scan_worker(self) -> None:
        from .scan_screen import ScanScreen, ScanWorker

        self._stop_scan_worker()
        screen = self.centralWidget()
        if not isinstance(screen, ScanScreen):  # the scan screen went away (cancelled, failed)
            return
        worker = ScanWorker(self.scan_source_factory, screen.camera, self.options, self)
        worker.preview.connect(screen.show_frame)
        worker.progressed.connect(self._scan_progress)
        worker.verified.connect(self._scan_verified)
        worker.failed.connect(self._failed)
        self.scan_worker = worker
        self._start(worker)

    def _stop_scan_worker(self) -> None:
        if self.scan_worker is not None:
            self.scan_worker.stop()
            self.scan_worker = None

    def _scan_progress(self, progress) -> None:
        if self.session.phase is Phase.SCANNING:
            self.session.scan_progress(progress)
            from .scan_screen import ScanScreen

            screen = self.centralWidget()
            if isinstance(screen, ScanScreen):
                screen.show_progress(progress)

    def _scan_verified(self, review: AnyReview, source: str) -> None:
        if self.session.phase is Phase.SCANNING:
            self.session.begin_verifying(source)
            self.session.show_review(review)

    def cancel_scan(self) -> None:
        self._stop_scan_worker()
        if self.session.phase is Phase.SCANNING:
            self.session.cancel_scan()

    def decide(self, decision: Decision) -> None:
        if decision is Decision.REVIEWED and not self.session.can_mark_reviewed:
            return
        if self.session.can_discard:
            self.session.decide(decision)

    # -- screens ---------------------------------------------------------------------------------
    def _on_phase(self, force: bool = False) -> None:
        session = self.session
        if session.phase is self._shown_phase and not force:
            return
        self._shown_phase = session.phase
        screen = self._screen_for(session)
        self.setCentralWidget(screen)  # the previous screen is deleted by Qt
        self._focus(screen)
        QTimer.singleShot(0, lambda: self._focus(screen))  # again once the screen is laid out and shown
        self.screen_changed.emit(session.phase.value)

    def _focus(self, screen: QWidget) -> None:
        if self.centralWidget() is not screen or not hasattr(screen, "focus_first"):
            return
        focus = QApplication.focusWidget()
        if focus is None or not screen.isAncestorOf(focus):  # never pull focus the user already moved
            screen.focus_first()

    def _screen_for(self, session: ReviewSession) -> QWidget:
        phase = session.phase
        if phase is Phase.START:
            start = StartScreen(self.policy_lines)
            start.scan_requested.connect(self.start_scan)
            start.open_requested.connect(self.open_file_dialog)
            start.text_submitted.connect(self.load_text)
            return start
        if phase is Phase.SCANNING:
            from .scan_screen import ScanScreen

            scan = ScanScreen(self.cameras)
            scan.cancelled.connect(self.cancel_scan)
            scan.camera_picker.currentIndexChanged.connect(lambda _i: self._start_scan_worker())
            return scan
        if phase is Phase.VERIFYING:
            return VerifyingScreen(session.source or "the payload")
        if phase is Phase.REVIEWING:
            return ReviewScreen(session, self.decide)
        if phase is Phase.FAILED:
            self._stop_scan_worker()
            assert session.problem is not None  # FAILED always carries its problem
            return FailedScreen(session.problem, lambda: self.decide(Decision.DISCARDED))
        log_path = str(self.log.path) if isinstance(self.log, ReviewLog) else None
        assert session.record is not None  # DECIDED always carries its record
        return DecidedScreen(session.record, log_path, session.restart, sign_panel=self._sign_panel(session))

    def _sign_panel(self, session: ReviewSession) -> QWidget | None:
        # Signing here covers transactions (safeTxHash); a Safe message is signed on the device for now.
        if self.keystore is None or not isinstance(session.review, Review) or session.record is None \
                or session.record.decision is not Decision.REVIEWED:
            return None
        from .sign_panel import SignPanel

        return SignPanel(session.review, session.record.acknowledged, self.keystore)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        screen = self.centralWidget()  # focus given before the window existed is not kept
        QTimer.singleShot(0, lambda: self._focus(screen))

    def closeEvent(self, event) -> None:  # noqa: N802
        self._stop_scan_worker()
        for worker in list(self._workers):
            worker.wait(2000)
        super().closeEvent(event)
