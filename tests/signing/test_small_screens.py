"""The window on a 1366×768 and a 1280×720 laptop: every screen fits, the decision bar (and the sign
card's button) stays on screen without scrolling the window; the decided screen shows all three
hashes as a device shows them; the sign card says which owner signs what before the password, its
heading follows the state, and the signature's file name names the nonce and the owner."""

import json

import pytest
from eth_account import Account
from PySide6.QtCore import QPoint

from tests.gui.conftest import BOOK, BYBIT, INVALID, OK, WARN, grouped, peer_safe_tx_hash

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
OWNER = Account.from_key(KEY).address
FRAME = 48  # title bar and a task bar (app.gui.main_window.FRAME_ALLOWANCE)
SIZES = [(1366, 768), (1280, 720)]


@pytest.fixture
def window(qtbot, tmp_path):
    from app.gui.main_window import MainWindow
    from app.review_log import ReviewLog
    from app.service import ReviewRequest

    keystore = tmp_path / "owner.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY, "pw", kdf="pbkdf2", iterations=1024)))
    book = tmp_path / "book.csv"
    # the screenshots' book (it names the OK and WARN payloads' payee and spender, issue 18) plus the owner
    book.write_text(BOOK.read_text().rstrip("\n") + f"\n{OWNER},Treasury owner Alice,1\n")
    win = MainWindow(ReviewRequest(state_dir=tmp_path / "state", address_book=book), ["No policy loaded."],
                     log=ReviewLog(tmp_path / "state" / "review-log.jsonl"), cameras=[], keystore=keystore)
    qtbot.addWidget(win)
    win.show()
    return win


def _reach(qtbot, win, phase: str) -> None:
    qtbot.waitUntil(lambda: win.session.phase.value == phase and win._shown_phase.value == phase, timeout=20_000)


def _on_screen(win, widget) -> bool:
    """The whole widget lies inside the window's client area and is visible."""
    top_left = widget.mapTo(win, QPoint(0, 0))
    bottom_right = widget.mapTo(win, QPoint(widget.width(), widget.height()))
    return widget.isVisible() and top_left.y() >= 0 and bottom_right.y() <= win.height() \
        and bottom_right.x() <= win.width() and not widget.visibleRegion().isEmpty()


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_with_the_decision_bar_on_screen(size, qtbot, window):
    from app.session import Decision

    width, height = size[0], size[1] - FRAME
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().width() == width and window.size().height() == height, timeout=5000)
    assert window.minimumSizeHint().height() <= height and window.minimumSizeHint().width() <= width
    for payload, expected in ((BYBIT, "block"), (WARN, "warn"), (OK, "ok")):
        window.load_file(str(payload))
        _reach(qtbot, window, "reviewing")
        screen = window.centralWidget()
        assert window.session.verdict == expected
        assert window.size().height() == height  # the content did not grow the window
        qtbot.waitUntil(lambda button=screen.bar.discard_button: _on_screen(window, button), timeout=5000)
        if screen.bar.reviewed_button is not None:
            assert _on_screen(window, screen.bar.reviewed_button)
    window.load_file(str(INVALID))
    _reach(qtbot, window, "failed")
    failed = window.centralWidget()
    qtbot.waitUntil(lambda: _on_screen(window, failed.bar.discard_button), timeout=5000)
    window.load_file(str(OK))
    _reach(qtbot, window, "reviewing")
    window.decide(Decision.REVIEWED)
    _reach(qtbot, window, "decided")
    decided = window.centralWidget()
    assert window.size().height() == height
    # The page scrolls inside the window (never the window past the screen): the sign button is reachable.
    from PySide6.QtWidgets import QScrollArea

    area = decided.findChild(QScrollArea)
    area.ensureWidgetVisible(decided.sign_panel.sign_button)
    qtbot.waitUntil(lambda: _on_screen(window, decided.sign_panel.sign_button), timeout=5000)


def test_the_decided_screen_shows_all_three_hashes_as_the_device_does(qtbot, window):
    from app.session import Decision

    window.load_file(str(OK))
    _reach(qtbot, window, "reviewing")
    window.decide(Decision.REVIEWED)
    _reach(qtbot, window, "decided")
    labels = window.centralWidget().hash_labels
    assert list(labels) == ["Domain hash", "Message hash", "safeTxHash"]
    record = window.session.record
    for title, value in (("Domain hash", record.domain_hash), ("Message hash", record.message_hash)):
        text = labels[title].text()
        assert value in text and " ".join(text.split("\n")[1].split()) == grouped(value)
    assert grouped(peer_safe_tx_hash(OK)) == " ".join(labels["safeTxHash"].text().split("\n")[1].split())


def test_the_sign_card_names_the_owner_and_what_is_signed_before_the_password(qtbot, window, tmp_path):
    from app.session import Decision

    window.load_file(str(OK))
    _reach(qtbot, window, "reviewing")
    window.decide(Decision.REVIEWED)
    _reach(qtbot, window, "decided")
    screen = window.centralWidget()
    panel = screen.sign_panel
    assert panel.owner_label.text() == f"Signs as owner: {OWNER} (Treasury owner Alice)"
    report = window.session.review.report
    what = panel.what_label.text()
    assert f"nonce {report.payload.tx.nonce}" in what and peer_safe_tx_hash(OK)[2:] in what
    assert "25,000 USDC" in what  # the intent, in the review's own words
    assert screen.headline.text().startswith("Reviewed. Sign on your device or here")
    assert panel.default_file_name() == f"signature-nonce-{report.payload.tx.nonce}-{OWNER}.png"
    panel.password.setText("pw")
    panel.sign()
    assert panel.signature_text is not None
    assert screen.headline.text().startswith(f"Signed as {OWNER}")
    assert "Now sign on your device" not in screen.headline.text()
