"""Recorded frames through the real scan screen: an animated QR (GIF made by `coldsight qr
encode`) read frame by frame in the worker thread, ending on the review screen."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from tests.conftest import run_cli
from tests.gui.conftest import BYBIT, grouped, peer_safe_tx_hash, wait_phase


def animated_qr(tmp_path: Path) -> Path:
    out = tmp_path / "bybit.gif"
    result = run_cli(["qr", "encode", str(BYBIT), "--out", str(out), "--fragment", "60", "--scale", "3"])
    assert result.code == 0, result.stderr
    return out


def test_scanning_a_recorded_animation_reaches_the_block_screen(qtbot, make_window, tmp_path, review_log):
    from app.qr.sources import VideoFileSource

    gif = animated_qr(tmp_path)
    opened = []

    def source(index: int):
        opened.append(index)
        return VideoFileSource(gif)

    window = make_window(cameras=[0], scan_source_factory=source)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.session.phase.value == "scanning"
    wait_phase(qtbot, window, "reviewing", timeout=20_000)
    assert opened == [0]
    assert window.session.progress.fragments_total > 1  # really animated
    view = window.centralWidget().view
    assert view.banner.headline.text() == "DO NOT SIGN"
    assert view.reason_labels[0].text().startswith("This transaction lets address 0x9622…7242 run its own code")
    assert " ".join(view.hash_labels["safeTxHash"].text().split()) == grouped(peer_safe_tx_hash(BYBIT))


def test_no_camera_is_a_calm_notice_on_the_start_screen(qtbot, make_window):
    window = make_window(cameras=[])
    screen = window.centralWidget()
    assert window.session.phase.value == "start" and not screen.scan_button.isEnabled()
    assert "No camera was found" in screen.notice.text() and "open the payload as a file" in screen.notice.text().lower()
    window.start_scan()  # Ctrl+K or a stale click: still the start screen, nothing recorded
    assert window.session.phase.value == "start" and window.session.record is None
    assert window.log.path.exists() is False or window.log.path.read_text() == ""
    assert "DO NOT SIGN" not in " ".join(label.text() for label in window.centralWidget().findChildren(QLabel))


def test_camera_that_cannot_open_is_a_notice_not_a_verdict(qtbot, make_window):
    from app.qr.errors import SourceError

    def busy(index: int):
        raise SourceError(f"camera {index} could not be opened (it may be in use by another application)",
                          f"camera {index}", "close other apps using it")

    window = make_window(cameras=[3], scan_source_factory=busy)
    window.start_scan()
    qtbot.waitUntil(lambda: getattr(window.centralWidget(), "notice", None) is not None, timeout=5000)
    screen = window.centralWidget()
    assert "in use by another application" in screen.notice.text() and screen.scan_button.isEnabled()
    assert window.session.record is None


def test_cancel_scan_returns_to_start(qtbot, make_window):
    import threading

    release = threading.Event()

    class Endless:
        name, live = "camera 0", True

        def items(self):
            while not release.wait(0.01):
                yield "not a payload"

        def close(self):
            release.set()

    window = make_window(cameras=[0], scan_source_factory=lambda index: Endless())
    window.start_scan()
    qtbot.waitUntil(lambda: window.session.progress is not None and "rejected" in window.session.progress.describe())
    QTest.keyClick(window.centralWidget().cancel_button, Qt.Key.Key_Escape)
    wait_phase(qtbot, window, "start")
    release.set()


def test_live_camera_in_the_gui_uses_the_tuned_scan_loop(qtbot, make_window, monkeypatch):
    """The GUI worker scans through app.qr.scan.run_scan: on a live camera the slow OpenCV
    fallback runs on every 5th empty frame only (the tuning the GUI's own copy had lost)."""
    import numpy as np

    from app.qr.detect import QRDetector

    fallbacks = []
    monkeypatch.setattr(QRDetector, "detect_opencv", lambda self, gray: fallbacks.append(1) or [])

    class BlankCamera:
        name, live = "camera 0", True

        def items(self):
            for _ in range(20):
                yield np.full((120, 160), 255, dtype=np.uint8)  # nothing to read

        def close(self):
            pass

    window = make_window(cameras=[0], scan_source_factory=lambda index: BlankCamera())
    window.start_scan()
    wait_phase(qtbot, window, "failed")
    assert "no QR code found in 20 frame(s)" in window.centralWidget().message.text()
    assert len(fallbacks) == 4  # 20 empty frames, OpenCV asked on every 5th (LIVE_FALLBACK_EVERY)
