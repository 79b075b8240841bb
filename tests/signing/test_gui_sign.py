"""`coldsight gui --keystore`: after "Reviewed" the decided screen signs and shows the eth-signature QR.

The signature is read back from the QR the panel saves (zxing-cpp, through Coldsight's scan) and
recovered with eth-account over safe-eth-py's safeTxHash; the request id is the one in the
eth-sign-request the window scanned.
"""

import json
from pathlib import Path

import pytest
from eth_account import Account

from decoders.formats.ur_format import assemble_ur
from decoders.ur.eip4527 import EthSignature, EthSignRequest

from .peers import peer_safe_tx_hash

pytest.importorskip("pytestqt")
ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")


@pytest.fixture
def window(qtbot, tmp_path):
    from app.gui.main_window import MainWindow
    from app.review_log import ReviewLog
    from app.service import ReviewOptions

    keystore = tmp_path / "owner.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY, "pw", kdf="pbkdf2", iterations=1024)))
    win = MainWindow(ReviewOptions(state_dir=tmp_path / "state"), ["No policy loaded."],
                     log=ReviewLog(tmp_path / "state" / "review-log.jsonl"), cameras=[], keystore=keystore)
    qtbot.addWidget(win)
    win.show()
    return win


def _reach(qtbot, win, phase: str) -> None:
    qtbot.waitUntil(lambda: win.session.phase.value == phase and win._shown_phase.value == phase, timeout=20_000)


def test_reviewed_then_signed_with_the_request_id(qtbot, window, tmp_path):
    from app.cli import main
    from app.session import Decision

    request_txt = tmp_path / "request.txt"
    assert main(["qr", "encode", str(CORPUS / "benign-eth-transfer.json"), "--out", str(request_txt)]) == 0
    request = EthSignRequest.from_cbor(assemble_ur(request_txt.read_text(), "test").cbor)
    window.load_text(request_txt.read_text(), "scanned")
    _reach(qtbot, window, "reviewing")
    window.decide(Decision.REVIEWED)
    _reach(qtbot, window, "decided")
    panel = window.centralWidget().sign_panel
    assert panel is not None
    panel.password.setText("wrong")
    panel.sign()
    assert "Not signed" in panel.message.text() and "wrong password" in panel.message.text()
    assert panel.signature_text is None and panel.password.text() == ""
    panel.password.setText("pw")
    panel.sign()
    assert panel.signature_text is not None, panel.message.text()
    png = tmp_path / "signature.png"
    panel.save(png)
    assert main(["verify", str(png)]) == 3  # read back as a QR: an eth-signature, not a transaction
    from app.qr.scan import run_scan
    from app.qr.sources import ImageFilesSource

    text = run_scan(ImageFilesSource([png], name="png")).text
    signature = EthSignature.from_cbor(assemble_ur(text, "png").cbor)
    assert signature.request_id == request.request_id
    digest = peer_safe_tx_hash(CORPUS / "benign-eth-transfer.json")
    assert Account._recover_hash(digest, signature=signature.signature) == Account.from_key(KEY).address


def test_a_blocked_or_discarded_transaction_offers_no_signing(qtbot, window):
    from app.session import Decision

    window.load_file(str(CORPUS / "bybit-attack.json"))
    _reach(qtbot, window, "reviewing")
    window.decide(Decision.REVIEWED)  # refused by the session: a block can only be discarded
    assert window.session.phase.value == "reviewing"
    window.decide(Decision.DISCARDED)
    _reach(qtbot, window, "decided")
    assert window.centralWidget().sign_panel is None
