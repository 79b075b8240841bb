"""The decided screen's "sign with the owner key" card (`coldsight gui --keystore FILE`).

Shown only after "Reviewed" (so only for `ok`, or `warn` with every warning ticked; a blocked
transaction never gets here). The password unlocks the keystore for one signature; the
signature is shown as an `eth-signature` QR for the online machine to scan, and can be saved.
All rules live in app.signing; this only renders them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ..service import Review
from .widgets import card, qr_image, selectable


class SignPanel(QFrame):
    def __init__(self, review: Review, acknowledged: tuple[str, ...], keystore: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.review, self.acknowledged, self.keystore = review, acknowledged, keystore
        self.signature_text: str | None = None
        frame, layout = card("Or sign here with the owner key (the signature goes back as a QR code)")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        self.keystore_label = selectable(QLabel(f"Keystore: {keystore}"))
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

    def sign(self) -> None:
        from decoders.errors import ColdsightError
        from decoders.ur.ur import encode_single

        from ..signing import address_of, load_key, sign_reviewed

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
        self.message.setText(f"Signed by {address_of(key)}. Show this QR code to the online machine's camera.")
        self.sign_button.setEnabled(False)
        self.password.setEnabled(False)
        self.save_button.setVisible(True)

    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the signature QR code", "signature.png", "PNG (*.png)")
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> None:
        from ..qr.render import render_qr, write_png

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
