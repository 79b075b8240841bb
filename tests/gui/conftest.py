"""GUI test setup: Qt offscreen (tests/conftest.py sets it too), payload paths, expected hashes
from safe-eth-py (an independent EIP-712 implementation), and a window factory."""

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAYLOADS = REPO / "docs" / "screenshots" / "payloads"
BYBIT = REPO / "examples" / "bybit-attack.json"
OK = PAYLOADS / "ok-usdc-transfer.json"
WARN = PAYLOADS / "warn-batch-approve.json"
INVALID = PAYLOADS / "invalid-missing-nonce.json"


class _OfflineClient:
    def __getattr__(self, name: str):
        raise AssertionError(f"safe-eth-py tried to use the network ({name})")


def peer_safe_tx_hash(path: Path) -> str:
    """safeTxHash of a service-JSON payload file, computed by safe-eth-py."""
    from safe_eth.safe.safe_tx import SafeTx

    doc = json.loads(path.read_text())
    tx = SafeTx(
        _OfflineClient(), doc["safe"], doc["to"], int(doc["value"]), bytes.fromhex(doc["data"][2:]), int(doc["operation"]),
        int(doc["safeTxGas"]), int(doc["baseGas"]), int(doc["gasPrice"]), doc["gasToken"], doc["refundReceiver"],
        safe_nonce=int(doc["nonce"]), safe_version=doc["safeVersion"], chain_id=int(doc["chainId"]),
    )
    return "0x" + bytes(tx.safe_tx_hash).hex()


def grouped(digest_hex: str) -> str:
    """`0xABCD EF01 …`: groups of four upper-case hex digits, written out here independently."""
    body = digest_hex[2:].upper()
    return "0x" + " ".join(body[i : i + 4] for i in range(0, 64, 4))


BOOK = PAYLOADS / "addressbook.csv"  # the team's address book of the screenshots: payroll, ops, Permit2


def gui_options(**options):
    """The review options `coldsight gui` would pass (no payload, no policy unless given), with the
    screenshots' address book, which names the OK and WARN payloads' counterparties."""
    from app.service import ReviewOptions

    options.setdefault("address_book", BOOK)
    return ReviewOptions(**options)


@pytest.fixture
def review_log(tmp_path):
    from app.review_log import ReviewLog

    return ReviewLog(tmp_path / "state" / "review-log.jsonl")


@pytest.fixture
def make_window(qtbot, review_log):
    from app.gui.main_window import MainWindow

    def make(cameras=None, scan_source_factory=None, options=None, prompts=None):
        window = MainWindow(options or gui_options(), ["No policy loaded."], log=review_log,
                            cameras=[] if cameras is None else cameras, scan_source_factory=scan_source_factory,
                            prompts=prompts)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        qtbot.waitActive(window)  # shortcuts and focus need the active window
        return window

    return make


def wait_phase(qtbot, window, phase: str, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: window.session.phase.value == phase, timeout=timeout)
    qtbot.waitUntil(lambda: window._shown_phase is not None and window._shown_phase.value == phase, timeout=timeout)
    from PySide6.QtWidgets import QApplication

    def focused_in_screen() -> bool:
        focus = QApplication.focusWidget()
        return focus is not None and window.centralWidget().isAncestorOf(focus)

    qtbot.waitUntil(focused_in_screen, timeout=timeout)  # keyboard tests type into the new screen
