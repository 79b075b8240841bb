"""The decided screen's "sign with the owner key" card (`coldsight gui --keystore FILE`).

Shown only after "Reviewed" (so only for `ok`, or `warn` with every warning ticked; a blocked
transaction never gets here). The password unlocks the keystore for one signature; the
signature is shown as an `eth-signature` QR for the online machine to scan, and can be saved.
All rules live in app.signing; this only renders them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ..sanitize import display
from ..service import Review
from .widgets import card, qr_image, selectable
from ..qr.render import render_qr, write_png
from ..signing import address_of, keystore_address, load_key, sign_reviewed, signature_file_name
from decoders.errors import ColdsightError
from decoders.ur.ur import encode_single


class SignPanel(QFrame):
    signed = Signal(str)  # the owner address that signed: the decided screen's heading follows

    def __init__(self, review: Review, acknowledged: tuple[str, ...], keystore: Path, parent: QWidget | None = None):
        super().__init__(parent)

        self.review, self.acknowledged, self.keystore = review, acknowledged, keystore
        self.signature_text: str | None = None
        self.owner = keystore_address(keystore)
        self.signed_by: str | None = None
        frame, layout = card("Or sign here with the owner key (the signature goes back as a QR code)")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        # Who signs what, before the password: the owner (address and the team's name for it) and the
        # transaction this signature approves, restated in the words of the review.
        self.owner_label = selectable(QLabel(display(self._owner_text())))
        self.owner_label.setWordWrap(True)
        layout.addWidget(self.owner_label)
        self.what_label = selectable(QLabel(display(self._what_text())))
        self.what_label.setWordWrap(True)
        layout.addWidget(self.what_label)
        self.keystore_label = selectable(QLabel(display(f"Keystore file: {keystore}")))
        self.keystore_label.setObjectName("muted")
        self.keystore_label.setWordWrap(True)
        layout.addWidget(self.keystore_label)
        row = QHBoxLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("keystore password")
        self.password.setAccessibleName("keystore password")
        self.password.returnPressed.connect(self.sign)
        row.addWidget(self.password, 1)
        self.sign_button = QPushButton("Sign this safeTxHash")
        self.sign_button.setObjectName("primary")
        self.sign_button.clicked.connect(self.sign)
        row.addWidget(self.sign_button)
        layout.addLayout(row)
        self.message = selectable(QLabel(""))
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.qr = QLabel()
        self.qr.setAccessibleName("eth-signature QR code")
        layout.addWidget(self.qr)
        self.save_button = QPushButton("Save the QR code as PNG…")
        self.save_button.clicked.connect(self.save_dialog)
        self.save_button.setVisible(False)
        layout.addWidget(self.save_button)

    def _label(self, address: str | None) -> str:
        if address is None:
            return ""
        book = self.review.address_book
        name = book.name_of(self.review.report.context.chain_id, address) if book is not None else None
        return f" ({name})" if name else " (not in the address book)"

    def _owner_text(self) -> str:
        if self.owner is None:
            return ("Signs as: the owner whose key this keystore holds (the file does not name its address; "
                    "it is shown after signing)")
        return f"Signs as owner: {self.owner}{self._label(self.owner)}"

    def _what_text(self) -> str:
        report = self.review.report
        context = report.context
        intents = [intent.text for node in report.root.walk() if (intent := report.intents.get(node.path)) is not None]
        does = intents[0] if len(intents) == 1 else f"{len(intents)} calls (listed above)" if intents else "the calls above"
        return (f"Signs: Safe {context.safe} on chain {context.chain_id}, nonce {report.payload.tx.nonce}: {does}; "
                f"safeTxHash 0x{report.hashes.safe_tx.hex()} (verdict {self.review.verdict})")

    def sign(self) -> None:
        try:
            key = load_key(self.keystore, self.password.text())
            signature = sign_reviewed(self.review, key, self.acknowledged)
        except ColdsightError as err:
            self.message.setText(f"Not signed: {err.describe()}")
            return
        finally:
            self.password.clear()  # the password is not kept in the widget
        self.signature_text = encode_single(signature.to_ur())
        self.qr.setPixmap(QPixmap.fromImage(qr_image(self.signature_text, scale=5)))
        self.signed_by = address_of(key)
        self.message.setText(display(f"Signed by {self.signed_by}{self._label(self.signed_by)}. "
                                     "Show this QR code to the online machine's camera."))
        self.sign_button.setEnabled(False)
        self.password.setEnabled(False)
        self.save_button.setVisible(True)
        self.signed.emit(self.signed_by)

    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the signature QR code", self.default_file_name(), "PNG (*.png)")
        if path:
            self.save(Path(path))

    def default_file_name(self) -> str:
        return signature_file_name(self.review, self.signed_by or self.owner)

    def save(self, path: Path) -> None:
        if self.signature_text is None:
            return
        try:
            write_png(render_qr(self.signature_text, scale=8), path)
        except OSError as err:
            self.message.setText(f"Not saved: {err.strerror or err}")
            return
        self.message.setText(f"Saved {path}")

    def focus_first(self) -> None:
        self.password.setFocus()
