"""The screens the main window stacks: start, verifying, review (with decide), failed, decided.

Each screen is built from the session's state and talks back only through session methods
(passed in as callables), so the rules stay in `app.session`.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QScrollArea, QSizePolicy,
    QVBoxLayout, QWidget,
)

from ..presentation import Acknowledgement
from ..sanitize import display
from ..service import AnyReview
from ..session import Decision, DecisionRecord, Problem
from .review_view import ReviewView
from .theme import MUTED, monospace_font
from .widgets import VerdictBanner, card, emphasize, selectable
from decoders.vocabulary import Verdict
from decoders.eip712 import hardware_wallet_groups


def _button(text: str, name: str | None = None, shortcut_hint: str | None = None) -> QPushButton:
    button = QPushButton(text + (f"   [{shortcut_hint}]" if shortcut_hint else ""))
    if name:
        button.setObjectName(name)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    button.setAutoDefault(True)
    button.setMinimumHeight(button.sizeHint().height() + 8)
    return button


def _page() -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    page.setObjectName("page")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(24, 24, 24, 24)
    layout.setSpacing(14)
    return page, layout


def _scrolled(page: QWidget) -> QScrollArea:
    """`page` in a frameless scroll area: on a small screen the page scrolls, and a decision bar
    placed after it stays on screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area


class PasteBox(QPlainTextEdit):
    """Text box where Ctrl+Enter submits (the editor would otherwise take the key for itself)."""

    submitted = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class StartScreen(QWidget):
    """Scan, open a file, or paste text; and which policy is loaded."""

    scan_requested = Signal()
    open_requested = Signal()
    text_submitted = Signal(str)

    def __init__(self, policy_lines: list[str], camera_available: bool = True, notice: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        page, layout = _page()
        outer.addWidget(_scrolled(page))
        title = emphasize(QLabel("Coldsight: review a Safe transaction before you sign it"), 1.6)
        title.setWordWrap(True)
        layout.addWidget(title)
        intro = QLabel("Bring in the transaction you are asked to sign. Coldsight recomputes its hashes and decodes "
                       "every call itself; it never uses the network.")
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        layout.addWidget(intro)

        self.notice: QLabel | None = None
        if notice:  # e.g. no camera: information, in the page's own colours (no verdict, nothing recorded)
            self.notice = selectable(QLabel(display(notice)))
            self.notice.setObjectName("notice")
            self.notice.setWordWrap(True)
            self.notice.setAccessibleName("Notice")
            layout.addWidget(self.notice)

        buttons = QHBoxLayout()
        self.scan_button = _button("Scan QR with camera", "primary", "Ctrl+K")
        self.scan_button.setEnabled(camera_available)
        self.open_button = _button("Open file…", None, "Ctrl+O")
        buttons.addWidget(self.scan_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.scan_button.clicked.connect(self.scan_requested)
        self.open_button.clicked.connect(self.open_requested)

        paste_card, paste_layout = card("Or paste ur: text or JSON")
        self.paste_box = PasteBox()
        self.paste_box.submitted.connect(self._submit_text)
        self.paste_box.setObjectName("pasteBox")
        self.paste_box.setAccessibleName("Payload text")
        self.paste_box.setPlaceholderText("ur:eth-sign-request/…   or   { \"to\": \"0x…\", … }")
        self.paste_box.setTabChangesFocus(True)  # Tab leaves the box: keyboard users are never trapped
        self.paste_box.setMinimumHeight(110)
        paste_layout.addWidget(self.paste_box)
        self.verify_text_button = _button("Verify pasted text", None, "Ctrl+Enter")
        paste_layout.addWidget(self.verify_text_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.verify_text_button.clicked.connect(self._submit_text)
        layout.addWidget(paste_card)

        policy_card, policy_layout = card("Policy")
        self.policy_labels = []
        for line in policy_lines:
            label = selectable(QLabel(line))
            label.setWordWrap(True)
            policy_layout.addWidget(label)
            self.policy_labels.append(label)
        layout.addWidget(policy_card)
        layout.addStretch(1)

        QShortcut(QKeySequence("Ctrl+K"), self, self._scan_if_enabled)
        QShortcut(QKeySequence("Ctrl+O"), self, self.open_requested.emit)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._submit_text)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self._submit_text)
        self.setTabOrder(self.scan_button, self.open_button)
        self.setTabOrder(self.open_button, self.paste_box)
        self.setTabOrder(self.paste_box, self.verify_text_button)

    def _scan_if_enabled(self) -> None:
        if self.scan_button.isEnabled():
            self.scan_requested.emit()

    def _submit_text(self) -> None:
        text = self.paste_box.toPlainText()
        if text.strip():
            self.text_submitted.emit(text)

    def focus_first(self) -> None:
        (self.scan_button if self.scan_button.isEnabled() else self.open_button).setFocus()


class VerifyingScreen(QWidget):
    def __init__(self, source: str, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        label = QLabel(display(f"Checking {source} …"))
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)


class DecideBar(QFrame):
    """The buttons at the bottom of the review. `block`: only Discard exists."""

    def __init__(self, verdict: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("decideBar")
        self.setStyleSheet("QFrame#decideBar { background: #FFFFFF; border-top: 1px solid #C9CED6; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 10, 18, 10)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status, 1)
        self.discard_button = _button("Discard: do not sign", "danger" if verdict == Verdict.BLOCK else None, "Esc")
        layout.addWidget(self.discard_button)
        self.reviewed_button: QPushButton | None = None
        if verdict != Verdict.BLOCK:
            self.reviewed_button = _button("Reviewed: go on to sign on the device", "primary", "Ctrl+Enter")
            layout.addWidget(self.reviewed_button)
            self.setTabOrder(self.discard_button, self.reviewed_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)


class _TickText(QLabel):
    """A warning's words next to its checkbox: wraps, and a click toggles the box."""

    def __init__(self, text: str, box: QCheckBox):
        super().__init__(text)
        self.box = box
        self.setWordWrap(True)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.box.toggle()


class AcknowledgeCard(QFrame):
    """One checkbox per warning; shown for `warn` verdicts only."""

    def __init__(self, items: list[Acknowledgement], on_tick: Callable[[str, bool], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 14)
        title = QLabel("Before you sign: tick each warning you have checked")
        title.setObjectName("cardTitle")
        layout.addWidget(title)
        self.checkboxes: dict[str, QCheckBox] = {}
        for item in items:
            # The text sits in a wrapping label beside the box (a QCheckBox never wraps: a long warning
            # would widen the whole review past the window); clicking the text ticks the box too.
            box = QCheckBox()
            box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            box.setAccessibleName(f"I checked: {item.text}")
            box.toggled.connect(lambda checked, key=item.key: on_tick(key, checked))
            text = _TickText(item.text, box)
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(text, 1)
            layout.addLayout(row)
            self.checkboxes[item.key] = box
        boxes = list(self.checkboxes.values())
        for first, second in zip(boxes, boxes[1:]):
            QWidget.setTabOrder(first, second)


def build_review_column(review: AnyReview, acknowledgements: list[Acknowledgement], on_tick,
                        fit_content: bool) -> tuple[ReviewView, AcknowledgeCard | None]:
    view = ReviewView(review, fit_content=fit_content)
    ack = None
    if acknowledgements:
        ack = AcknowledgeCard(acknowledgements, on_tick)
        view.column.insertWidget(view.column.indexOf(view.reasons_card) + 1, ack)  # right after the reasons
    return view, ack


class ReviewScreen(QWidget):
    """Scrollable review plus the decide bar pinned at the bottom."""

    def __init__(self, session, on_decide: Callable[[Decision], None], fit_content: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.on_decide = on_decide
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        assert session.review is not None, "the review screen is only built while REVIEWING"
        self.view, self.ack_card = build_review_column(session.review, session.acknowledgements, self._tick, fit_content)
        self.bar = DecideBar(session.verdict)
        if fit_content:
            layout.addWidget(self.view)
        else:
            # Not `self.scroll`: that name is QWidget.scroll(), a method this would shadow.
            self.scroll_area = QScrollArea()
            self.scroll_area.setWidgetResizable(True)
            self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
            self.scroll_area.setWidget(self.view)
            layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.bar)
        self.bar.discard_button.clicked.connect(lambda: self.on_decide(Decision.DISCARDED))
        if self.bar.reviewed_button is not None:
            self.bar.reviewed_button.clicked.connect(self._reviewed)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._reviewed)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self._reviewed)
        self._chain_tab_order()
        self.refresh()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Esc from anywhere in the screen: discard)
        if event.key() == Qt.Key.Key_Escape:
            self.on_decide(Decision.DISCARDED)
            return
        super().keyPressEvent(event)

    def _chain_tab_order(self) -> None:
        chain: list[QWidget] = []
        if self.ack_card is not None:
            chain.extend(self.ack_card.checkboxes.values())
        chain.append(self.bar.discard_button)
        if self.bar.reviewed_button is not None:
            chain.append(self.bar.reviewed_button)
        chain.append(self.view.call_tree)
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _tick(self, key: str, checked: bool) -> None:
        self.session.tick(key, checked)
        self.refresh()

    def _reviewed(self) -> None:
        if self.session.can_mark_reviewed:
            self.on_decide(Decision.REVIEWED)

    def refresh(self) -> None:
        session = self.session
        verdict = session.verdict
        if verdict == Verdict.BLOCK:
            self.bar.status.setText("This transaction is blocked. The only way on is to discard it.")
        elif session.acknowledgements:
            done = sum(1 for a in session.acknowledgements if a.key in session.ticked)
            self.bar.status.setText(f"{done} of {len(session.acknowledgements)} warnings ticked."
                                    + ("" if session.can_mark_reviewed else " Tick every warning to continue."))
        else:
            self.bar.status.setText("Compare the three hashes with your signing device, then continue.")
        if self.bar.reviewed_button is not None:
            self.bar.reviewed_button.setEnabled(session.can_mark_reviewed)

    def focus_first(self) -> None:
        if self.ack_card is not None and self.ack_card.checkboxes:
            next(iter(self.ack_card.checkboxes.values())).setFocus()
        elif self.bar.reviewed_button is not None:
            self.bar.reviewed_button.setFocus()
        else:
            self.bar.discard_button.setFocus()


class FailedScreen(QWidget):
    """A payload that cannot be verified (or a camera that cannot be used): do not sign."""

    def __init__(self, problem: Problem, on_discard: Callable[[], None], parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        page, layout = _page()
        outer.addWidget(_scrolled(page), 1)
        self.banner = VerdictBanner(Verdict.BLOCK, "Coldsight could not verify this payload, so it must not be signed.")
        layout.addWidget(self.banner)
        frame, body = card(problem.title)
        self.message = emphasize(selectable(QLabel(problem.message)), 1.15)
        self.message.setWordWrap(True)
        body.addWidget(self.message)
        details = []
        if problem.where:
            details.append(display(f"Where: {problem.where}"))
        if problem.hint:
            details.append(display(f"What to do: {problem.hint}"))
        details.append(f"Error code: {problem.code}")
        self.details = selectable(QLabel("\n".join(details)))
        self.details.setWordWrap(True)
        self.details.setStyleSheet(f"color: {MUTED};")
        body.addWidget(self.details)
        layout.addWidget(frame)
        layout.addStretch(1)
        self.bar = DecideBar(Verdict.BLOCK)
        self.bar.status.setText("Nothing can be signed from this payload.")
        outer.addWidget(self.bar)
        self.bar.discard_button.clicked.connect(on_discard)
        self.on_discard = on_discard

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Esc from anywhere in the screen: discard)
        if event.key() == Qt.Key.Key_Escape:
            self.on_discard()
            return
        super().keyPressEvent(event)

    def focus_first(self) -> None:
        self.bar.discard_button.setFocus()


class DecidedScreen(QWidget):
    """After the decision: for "Reviewed", the hashes exactly as a signing device shows them (all
    three: a hardware wallet shows the domain and message hashes, some only those) and, with a
    keystore, the sign card; the heading follows what has happened (reviewed, then signed)."""

    def __init__(self, record: DecisionRecord, log_path: str | None, on_again: Callable[[], None], parent: QWidget | None = None,
                 sign_panel: QWidget | None = None, fit_content: bool = False):
        super().__init__(parent)
        self.sign_panel = sign_panel  # `coldsight gui --keystore`: app/gui/sign_panel.py, after "Reviewed" only
        self.record = record
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        page, layout = _page()
        # A small screen scrolls the page, nothing is cut off; `fit_content` (offscreen renders) shows it whole.
        outer.addWidget(page if fit_content else _scrolled(page))
        self.headline = emphasize(QLabel(self._headline(signed_by=getattr(sign_panel, "signed_by", None))), 1.4)
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.hash_labels: dict[str, QLabel] = {}
        if record.decision is Decision.REVIEWED:
            layout.addWidget(self._hashes_card())
            if sign_panel is not None:
                layout.addWidget(sign_panel)
                signed = getattr(sign_panel, "signed", None)
                if signed is not None:
                    signed.connect(lambda owner: self.headline.setText(self._headline(signed_by=owner)))
        where = f"Recorded in the review log: {log_path}" if log_path else "Not recorded: no review log."
        self.log_label = selectable(QLabel(f"Verdict {record.verdict}, decision {record.decision.value}, {record.time}. {where}"))
        self.log_label.setWordWrap(True)
        self.log_label.setObjectName("muted")
        layout.addWidget(self.log_label)
        self.again_button = _button("Review another transaction", "primary", "Enter")
        self.again_button.clicked.connect(on_again)
        layout.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def _headline(self, signed_by: str | None) -> str:
        record = self.record
        if record.decision is not Decision.REVIEWED:
            return "Discarded. Do not sign this transaction; tell your security team."
        which = "safeMessageHash" if record.safe_message_hash else "safeTxHash"
        if signed_by is not None:
            return (f"Signed as {signed_by}. Show the signature QR code below to the online machine; on a device, "
                    f"sign only if it shows these same hashes.")
        if self.sign_panel is not None:
            return (f"Reviewed. Sign on your device or here with the owner key, only if the device shows the same "
                    f"hashes (the {which} last):")
        return f"Reviewed. Now sign on your device, only if it shows the same hashes (the {which} last):"

    def _hashes_card(self) -> QWidget:
        record = self.record
        rows = [("Domain hash", record.domain_hash), ("Message hash", record.message_hash)]
        rows.append(("safeMessageHash", record.safe_message_hash) if record.safe_message_hash
                    else ("safeTxHash", record.safe_tx_hash))
        frame, body = card("Hashes, as your signing device shows them")
        for title, value in rows:
            if not value:
                continue
            label = selectable(QLabel(f"{title}\n{hardware_wallet_groups(bytes.fromhex(value[2:]))}\n{value}"))
            label.setFont(monospace_font(self.font().pointSizeF() * (1.25 if title.endswith("Hash") else 1.05),
                                         bold=title in ("safeTxHash", "safeMessageHash")))
            label.setWordWrap(True)
            label.setAccessibleName(title)
            body.addWidget(label)
            self.hash_labels[title] = label
        return frame

    def focus_first(self) -> None:
        self.again_button.setFocus()
