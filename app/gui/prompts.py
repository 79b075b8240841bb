"""What the window asks the signer for when a payload needs more than itself to be reviewed.

An executor's transaction carries no Safe nonce; a Transaction Builder file is not a transaction
(it needs the transaction made from it); an approveHash is opaque until the child transaction it
approves is reviewed with it. The main window asks through a `Prompts` object, so tests answer
without dialogs. Every answer may be "no" (None): the review then goes on, or back to the start,
without guessing.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

PAYLOAD_FILTER = "Payloads (*.json *.txt *.ur);;All files (*)"
MAX_NONCE = (1 << 256) - 1


class Prompts(Protocol):
    def executor_nonce(self, source: str) -> int | None: ...

    def builder_transaction(self, source: str) -> str | None: ...

    def child_transaction(self, source: str) -> str | None: ...


def parse_nonce(text: str) -> int | None:
    """A Safe nonce typed by the signer (a whole number), else None."""
    text = text.strip()
    if not text.isdigit() or int(text) > MAX_NONCE:
        return None
    return int(text)


class DialogPrompts:
    """The real questions, as modal dialogs over the window."""

    def __init__(self, parent: QWidget):
        self.parent = parent

    def executor_nonce(self, source: str) -> int | None:
        prompt = (f"{source} is the executor's transaction: it calls execTransaction, which carries no Safe nonce.\n"
                  "Type the Safe nonce it executes (the number the Safe's queue shows for it):")
        while True:
            text, accepted = QInputDialog.getText(self.parent, "Safe nonce of this execution", prompt,
                                                  QLineEdit.EchoMode.Normal)
            if not accepted:
                return None
            nonce = parse_nonce(text)
            if nonce is not None:
                return nonce
            prompt = f"{text!r} is not a whole number. Type the Safe nonce it executes:"

    def builder_transaction(self, source: str) -> str | None:
        QMessageBox.information(self.parent, "Transaction Builder file",
                                f"{source} is a Transaction Builder batch file, not a Safe transaction (it has no "
                                "nonce). Open the Safe transaction made from it: Coldsight reviews that transaction "
                                "and checks every call against this file.")
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open the Safe transaction made from the batch file", "",
                                              PAYLOAD_FILTER)
        return path or None

    def child_transaction(self, source: str) -> str | None:
        answer = QMessageBox.question(
            self.parent, "Approved transaction",
            "This transaction approves a hash (approveHash): it is a signature for another Safe's transaction. "
            "Open that child transaction to review it with this one? (Without it the approval stays a warning.)")
        if answer != QMessageBox.StandardButton.Yes:
            return None
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open the approved (child) Safe transaction", "",
                                              PAYLOAD_FILTER)
        return path or None
