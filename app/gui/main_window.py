"""The main window: shows the screen for the session's phase and runs slow work in threads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable
import tempfile

from PySide6.QtCore import QThread, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QWidget

from ..service import AnyReview, NeedsInput, PayloadKind, Review, ReviewRequest, approves_hashes, review
from ..session import Decision, Phase, ReviewSession, problem_from_error
from ..review_log import ReviewLog
from .prompts import DialogPrompts, Prompts
from .screens import DecidedScreen, FailedScreen, ReviewScreen, StartScreen, VerifyingScreen
from .theme import style_sheet

if TYPE_CHECKING:
    from .scan_screen import ScanWorker

MIN_POINT_SIZE, MAX_POINT_SIZE = 7.0, 32.0
PREFERRED_SIZE = (1100, 860)
MIN_SIZE = (640, 480)  # every screen scrolls its content above a pinned decision bar down to this
FRAME_ALLOWANCE = 48


class VerifyWorker(QThread):
    """Parses and verifies one payload (a file path or text) off the UI thread."""

    verified = Signal(object)
    failed = Signal(object)
    needs_input = Signal(object)  # a service.NeedsInput: the window asks the signer, then reviews again

    def __init__(self, job: Callable[[], AnyReview], source: str, parent=None):
        super().__init__(parent)
        self.job = job
        self.source = source

    def run(self) -> None:
        try:
            review = self.job()
        except NeedsInput as need:
            self.needs_input.emit(need)
            return
        except Exception as err:  # a bug must fail closed too: a FAILED state, no traceback
            self.failed.emit(problem_from_error(err, self.source))
            return
        self.verified.emit(review)


class MainWindow(QMainWindow):
    """`options`: the ReviewRequest every payload is reviewed with (context, ABIs, policy, book);
    `log`: a DecisionSink; `prompts`: how the window asks for a payload's extra inputs."""

    screen_changed = Signal(str)  # the phase now shown (tests and benchmarks wait on it)

    def __init__(self, options: ReviewRequest, policy_lines: list[str], log=None, scan_source_factory=None,
                 cameras: list[int] | None = None, parent: QWidget | None = None, keystore=None,
                 prompts: Prompts | None = None):
        super().__init__(parent)
        self.options = options
        self.prompts: Prompts = prompts or DialogPrompts(self)
        self._request: ReviewRequest | None = None  # the request being reviewed (asked inputs added to it)
        self.start_notice: str | None = None  # a calm note on the start screen (e.g. no camera), never a verdict
        self.keystore = keystore  # an owner keystore (Path): the decided screen offers to sign
        self.policy_lines = policy_lines
        self.log = log
        self.session = ReviewSession(sink=log)
        self.session.listeners.append(lambda _session: self._on_phase())
        from .scan_screen import camera_indexes, default_camera_source

        self.scan_source_factory = scan_source_factory or default_camera_source
        self.cameras = camera_indexes() if cameras is None else cameras
        if not self.cameras:
            from .scan_screen import NO_CAMERA

            self.start_notice = NO_CAMERA
        self.setAcceptDrops(True)  # a payload file dropped on the window is opened like "Open file…"
        self._shown_phase: Phase | None = None
        self._workers: list[QThread] = []
        self.scan_worker: ScanWorker | None = None
        self.setWindowTitle("Coldsight — review a Safe transaction")
        self.setMinimumSize(*MIN_SIZE)
        self.fit_to_screen()
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
        self.options = replace(self.options, snapshot=Path(path))
        if self._last_file is not None:
            self.load_file(self._last_file)

    def load_file(self, path: str) -> None:
        """Any kind of payload file: a transaction, a Safe message, an executor's transaction (the
        nonce is asked for), a Transaction Builder file (the transaction made from it is asked for)."""
        self._last_file = path
        self.review_request(self.options.with_payload(path), path)

    def load_text(self, text: str, source: str = "pasted text") -> None:
        self.review_request(self.options.with_text(text, source), source)

    def review_request(self, request: ReviewRequest, source: str) -> None:
        self._request = request
        self._verify(lambda: review(request), source)

    def _verify(self, job: Callable[[], AnyReview], source: str) -> None:
        if self.session.phase is not Phase.START:
            self.session.restart()
        self.session.begin_verifying(source)
        worker = VerifyWorker(job, source, self)
        worker.verified.connect(self._verified)
        worker.failed.connect(self._failed)
        worker.needs_input.connect(self._needs_input)
        self._start(worker)

    def _needs_input(self, need: NeedsInput) -> None:
        """Ask the signer for what the payload lacks; no answer goes back to the start screen
        (nothing was reviewed, so nothing is recorded)."""
        if self.session.phase not in (Phase.VERIFYING, Phase.SCANNING):
            return
        self._stop_scan_worker()
        source = self.session.source or str(need.where or "the payload")
        request: ReviewRequest | None = None
        if need.kind is PayloadKind.EXECUTOR:
            nonce = self.prompts.executor_nonce(source)
            if nonce is not None:
                request = replace(need.request, kind=PayloadKind.EXECUTOR, executor_nonce=nonce)
        elif need.kind is PayloadKind.BUILDER:
            transaction = self.prompts.builder_transaction(source)
            if transaction is not None and need.request.text is not None:
                builder = self._builder_file(need)
                request = replace(self.options.with_payload(transaction), kind=PayloadKind.TRANSACTION,
                                  tx_builder=builder)
                source = transaction
        if request is None:
            self.session.restart()
            return
        self.review_request(request, source)

    def _builder_file(self, need: NeedsInput) -> Path:
        """The batch file as a file the service can read: the one opened, else the scanned text saved
        to a private temporary file."""
        if need.request.payload is not None and Path(need.request.payload).is_file():
            return Path(need.request.payload)

        handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
        with handle:
            handle.write(need.request.text or "")
        return Path(handle.name)

    def _start(self, worker: QThread) -> None:
        self._workers.append(worker)
        worker.finished.connect(lambda w=worker: self._workers.remove(w) if w in self._workers else None)
        worker.start()

    def _verified(self, result: AnyReview) -> None:
        if self.session.phase is not Phase.VERIFYING:
            return
        if approves_hashes(result) and self._request is not None and self._request.child is None:
            child = self.prompts.child_transaction(self.session.source or "this transaction")
            if child is not None:  # reviewed again, with the child it approves
                self.review_request(replace(self._request, child=child), self.session.source or child)
                return
        self.session.show_review(result)

    def _failed(self, problem) -> None:
        if self.session.phase in (Phase.VERIFYING, Phase.SCANNING):
            self.session.fail(problem)

    def start_scan(self) -> None:
        if not self.cameras:  # nothing to scan with: say so where the signer is, review nothing
            from .scan_screen import NO_CAMERA

            self.start_notice = NO_CAMERA
            self._on_phase(force=True)
            return
        self.session.start_scan()
        self._start_scan_worker()

    def _camera_unavailable(self, notice: str) -> None:
        """Back to the start screen with a notice: no payload was read, so there is nothing to judge
        or record (a failed review would be a DO NOT SIGN about a camera, not about a transaction)."""
        self._stop_scan_worker()
        self.start_notice = notice
        if self.session.phase is Phase.SCANNING:
            self.session.cancel_scan()
        self._on_phase(force=True)

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
        worker.needs_input.connect(self._needs_input)
        worker.camera_unavailable.connect(self._camera_unavailable)
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

    def _scan_verified(self, result: AnyReview, source: str) -> None:
        if self.session.phase is Phase.SCANNING:
            worker = self.scan_worker
            self._request = worker.request if worker is not None else None
            self.session.begin_verifying(source)
            self._verified(result)

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
            start = StartScreen(self.policy_lines, camera_available=bool(self.cameras), notice=self.start_notice)
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
        from .sign_panel import SignPanel  # signing (keystores, the UR codec) loads when a review is decided

        return SignPanel(session.review, session.record.acknowledged, self.keystore)

    def fit_to_screen(self) -> None:
        """The preferred size, shrunk to the screen's free area (a 1366×768 or 1280×720 laptop keeps
        the whole window, and so the decision bar, on screen)."""
        screen = self.screen() or QApplication.primaryScreen()
        width, height = PREFERRED_SIZE
        if screen is not None:
            available = screen.availableGeometry()
            frame = FRAME_ALLOWANCE  # title bar and borders the window manager adds
            width = min(width, max(MIN_SIZE[0], available.width() - frame))
            height = min(height, max(MIN_SIZE[1], available.height() - frame))
        self.resize(width, height)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and self.session.phase in (Phase.START, Phase.FAILED, Phase.DECIDED):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if len(paths) == 1 and self.session.phase in (Phase.START, Phase.FAILED, Phase.DECIDED):
            event.acceptProposedAction()
            self.load_file(paths[0])

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        screen = self.centralWidget()  # focus given before the window existed is not kept
        QTimer.singleShot(0, lambda: self._focus(screen))

    def closeEvent(self, event) -> None:  # noqa: N802
        self._stop_scan_worker()
        for worker in list(self._workers):
            worker.wait(2000)
        super().closeEvent(event)
