"""The review screen's content for one Review: verdict, reasons, hashes, calls, policy, raw fields.

Read top to bottom it answers, in order: may I sign? what does it do, in plain words? why not / what to check? is my device
showing the same hashes? what exactly does it call? what did the policy say? what are the raw
fields? Nothing here computes anything: reasons and call rows come from `app.presentation` (the
list the CLI text prints too), everything else straight from the Report.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from decoders.eip712 import hardware_wallet_groups

from ..presentation import CallRow, HashRow, IntentRow, MessageView, Reason, TreeRow, execution_lines, present
from ..service import AnyReview, MessageItem, Review
from .theme import DELEGATECALL_COLOUR, MUTED, SEVERITY_COLOUR, SEVERITY_WORD, monospace_font
from .widgets import VerdictBanner, card, qr_label, selectable
from decoders.vocabulary import Severity

MAX_INTENT_ROWS = 40  # riskiest first; the rest stay in the call tree (a 500-call batch must not flood the screen)


class ReviewView(QWidget):
    """All panels for one Review, stacked vertically. `fit_content` sizes the call tree to show
    every row (for offscreen rendering, where nothing can be scrolled)."""

    def __init__(self, review: AnyReview, fit_content: bool = False, parent: QWidget | None = None,
                 approved_by: str | None = None):
        """`approved_by`: this is the child transaction a parent Safe's approveHash approves (shown
        inside the parent's review, without a banner or policy of its own)."""
        super().__init__(parent)
        self.review = review
        self.presentation = present(review)
        self.setObjectName("page")
        layout = self.column = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18) if approved_by is None else layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.child_view: ReviewView | None = None
        if approved_by is None:
            self.banner = VerdictBanner(review.verdict)
            layout.addWidget(self.banner)
            if lines := execution_lines(review):  # what executing the Safe's code proved, right under the verdict
                self.execution_line = selectable(QLabel("\n".join(lines)))
                self.execution_line.setObjectName("executionLine")
                self.execution_line.setWordWrap(True)
                layout.addWidget(self.execution_line)
        if isinstance(review, MessageItem):
            self._message_cards(review, layout)
            return
        self.report = review.report
        self.state_card: QFrame | None = None
        if self.presentation.state_lines:  # a proven snapshot was given: what changes comes first
            self.state_card = self._state()
            layout.addWidget(self.state_card)
        self.intents_card = self._intents()
        layout.addWidget(self.intents_card)
        if approved_by is None:
            self.reasons_card = self._reasons()
            layout.addWidget(self.reasons_card)
        self.hashes_card = self._hashes(*self._transaction_hashes(approved_by))
        layout.addWidget(self.hashes_card)
        self.calls_card, self.call_tree = self._calls(fit_content)
        layout.addWidget(self.calls_card)
        if approved_by is None:
            self.policy_card = self._policy()
            layout.addWidget(self.policy_card)
        self.fields_card = self._fields()
        layout.addWidget(self.fields_card)
        if review.child is not None:  # the approved level below the approving one, as the chain runs them
            layout.addWidget(self._child(review.child, fit_content))
        if approved_by is None:
            layout.addStretch(1)

    def _message_cards(self, item: MessageItem, layout: QVBoxLayout) -> None:
        """A Safe message: what is signed (text, or typed data as a tree), why, the hashes, the policy."""
        shown = self.presentation.message
        assert shown is not None  # present() gives every message its view
        self.message_card, self.call_tree = self._message(shown)
        layout.addWidget(self.message_card)
        self.reasons_card = self._reasons()
        layout.addWidget(self.reasons_card)
        intro = (f"Safe {item.message.safe} · chain {item.message.chain_id} · Safe version "
                 f"{item.message.version.label}. The owners sign the Safe's message hash (EIP-1271); sign only if "
                 "your device shows exactly these hashes.")
        self.hashes_card = self._hashes("Compare with your signing device", intro, shown.hashes)
        layout.addWidget(self.hashes_card)
        self.policy_card = self._policy()
        layout.addWidget(self.policy_card)
        layout.addStretch(1)

    def _message(self, shown: MessageView) -> tuple[QFrame, QTreeWidget]:
        frame, layout = card("What the Safe signs")
        headline = self.message_headline = selectable(QLabel(shown.headline))
        headline.setWordWrap(True)
        font = headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        headline.setFont(font)
        layout.addWidget(headline)
        self.message_text: QLabel | None = None
        if shown.text_lines:
            self.message_text = selectable(QLabel("\n".join(shown.text_lines)))
            self.message_text.setWordWrap(True)
            self.message_text.setFont(monospace_font(self.font().pointSizeF()))
            self.message_text.setStyleSheet("background: #FFFFFF; border: 1px solid #C9CED6; padding: 8px;")
            layout.addWidget(self.message_text)
        tree = QTreeWidget()
        tree.setObjectName("messageTree")
        tree.setColumnCount(2)
        tree.setHeaderLabels(["Member", "Value"])
        tree.setAccessibleName("Typed data and signed bytes")
        tree.setWordWrap(True)
        tree.setUniformRowHeights(False)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setStretchLastSection(True)
        tree.setFont(monospace_font(self.font().pointSizeF()))
        for row in shown.tree:
            self._add_tree_row(tree.invisibleRootItem(), row)
        for detail in shown.details:
            self._detail(tree.invisibleRootItem(), detail.name, detail.text)
        tree.expandAll()
        tree.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        tree.setFixedHeight(_tree_content_height(tree))
        layout.addWidget(tree)
        return frame, tree

    def _add_tree_row(self, parent: QTreeWidgetItem, row: TreeRow) -> None:
        item = QTreeWidgetItem(parent, [row.name, row.text])
        item.setToolTip(1, row.text)
        if row.children:
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
        for child in row.children:
            self._add_tree_row(item, child)

    def _child(self, child: Review, fit_content: bool) -> QFrame:
        """The approved child transaction, with its own intents, hashes, calls and fields."""
        nonce = child.report.payload.tx.nonce
        frame, layout = card(f"The transaction it approves: Safe {child.report.context.safe}, nonce {nonce}")
        note = QLabel("This Safe signs approveHash of the transaction below. Its findings are listed under Why above.")
        note.setObjectName("muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.child_view = ReviewView(child, fit_content, approved_by=self.report.context.safe)
        layout.addWidget(self.child_view)
        return frame

    def _transaction_hashes(self, approved_by: str | None) -> tuple[str, str, tuple[HashRow, ...]]:
        shown = self.presentation
        if approved_by is not None:
            return ("Its hashes (what the child Safe's signers compare)",
                    f"{shown.context_line}. The approveHash above must carry exactly this safeTxHash.", shown.hashes)
        return ("Compare with your signing device",
                f"{shown.context_line}. Sign only if your device shows exactly these hashes.", shown.hashes)

    # -- intents ---------------------------------------------------------------------------------
    def _intents(self) -> QFrame:
        """One plain-words line per call, riskiest first; the exact values one click away."""
        frame, layout = card("In plain words")
        rows = self.presentation.intents
        self.intent_labels: list[QLabel] = []
        self.intent_raw_labels: list[QLabel] = []
        for row in rows[:MAX_INTENT_ROWS]:
            layout.addLayout(self._intent_row(row))
        if len(rows) > MAX_INTENT_ROWS:
            more = QLabel(f"… and {len(rows) - MAX_INTENT_ROWS} more call(s), less risky: see the call tree below")
            more.setObjectName("muted")
            layout.addWidget(more)
        # Who ends up with the assets, the allowance or the control: every counterparty, unknown first.
        self.counterparty_labels: list[QLabel] = []
        if self.presentation.counterparties:
            heading = QLabel("Who gets something")
            heading.setObjectName("muted")
            layout.addWidget(heading)
            for line in self.presentation.counterparties[:MAX_INTENT_ROWS]:
                label = selectable(QLabel(line))
                label.setWordWrap(True)
                font = label.font()
                font.setBold("UNKNOWN" in line)
                label.setFont(font)
                layout.addWidget(label)
                self.counterparty_labels.append(label)
        return frame

    def _intent_row(self, row: IntentRow) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(2)
        line = QHBoxLayout()
        line.setSpacing(10)
        chip = QLabel(SEVERITY_WORD.get(row.severity, "OK"))
        colour = SEVERITY_COLOUR.get(row.severity, MUTED)
        chip.setStyleSheet(f"background: {colour}; color: #FFFFFF; font-weight: bold; padding: 2px 8px; border-radius: 3px;")
        chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        chip.setFixedWidth(QLabel(SEVERITY_WORD[Severity.CRITICAL]).sizeHint().width() + 30)
        path = QLabel(row.path)
        path.setObjectName("muted")
        path.setFont(monospace_font(self.font().pointSizeF()))
        text = selectable(QLabel(row.text))
        text.setWordWrap(True)
        font = text.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(row.severity == Severity.CRITICAL)
        text.setFont(font)
        text.setToolTip(row.raw_text or "no numbers to show")
        line.addWidget(chip, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(path, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(text, 1)
        column.addLayout(line)
        self.intent_labels.append(text)
        if row.raw:
            raw = selectable(QLabel("exact: " + row.raw_text))
            raw.setObjectName("muted")
            raw.setFont(monospace_font(self.font().pointSizeF()))
            raw.setWordWrap(True)
            raw.setVisible(False)
            toggle = QPushButton("exact values")
            toggle.setCheckable(True)
            toggle.setAccessibleName(f"exact values of call {row.path}")
            toggle.toggled.connect(raw.setVisible)
            line.addWidget(toggle, 0, Qt.AlignmentFlag.AlignTop)
            column.addWidget(raw)
            self.intent_raw_labels.append(raw)
        return column

    # -- reasons ---------------------------------------------------------------------------------
    def _reasons(self) -> QFrame:
        """The "why" card: app.presentation's reasons (and policy summary), in its order."""
        frame, layout = card("Why")
        items = self.presentation.reasons_card()
        if not self.presentation.reasons:
            kind = "message" if isinstance(self.review, MessageItem) else "transaction"
            layout.addWidget(QLabel(f"Coldsight found nothing unusual in this {kind}."))
        self.reason_labels: list[QLabel] = []
        for item in items:
            if isinstance(item, Reason):
                layout.addLayout(self._reason_row(item))
                continue
            note = QLabel(item)  # a line of the policy's own summary
            note.setObjectName("muted")
            note.setWordWrap(True)
            layout.addWidget(note)
        return frame

    def _reason_row(self, reason: Reason) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        chip = QLabel(SEVERITY_WORD[reason.severity])
        chip.setStyleSheet(f"background: {SEVERITY_COLOUR[reason.severity]}; color: #FFFFFF; font-weight: bold;"
                           " padding: 2px 8px; border-radius: 3px;")
        chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        chip.setFixedWidth(chip.sizeHint().width() + 30)
        message = selectable(QLabel(reason.text))
        message.setWordWrap(True)
        font = message.font()
        if reason.severity == Severity.CRITICAL:
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.15)
        message.setFont(font)
        row.addWidget(chip, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(message, 1)
        self.reason_labels.append(message)
        return row

    # -- hashes ----------------------------------------------------------------------------------
    def _hashes(self, title: str, intro_text: str, rows: tuple[HashRow, ...]) -> QFrame:
        frame, layout = card(title)
        intro = selectable(QLabel(intro_text))
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        body = QHBoxLayout()
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        base = self.font().pointSizeF()
        self.hash_labels: dict[str, QLabel] = {}
        for row, shown in enumerate(rows):
            name = QLabel(shown.title)
            name.setFont(monospace_font(base * 1.1, bold=shown.main))
            grouped = hardware_wallet_groups(shown.digest)
            halves = grouped.split(" ")
            # Two lines of eight groups, as device screens wrap them; large and monospace.
            text = " ".join(halves[:8]) + "\n   " + " ".join(halves[8:])
            value = selectable(QLabel(text))
            value.setFont(monospace_font(base * (1.55 if shown.main else 1.35), bold=shown.main))
            value.setAccessibleName(f"{shown.title} {grouped}")
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.hash_labels[shown.title] = value
        grid.setColumnStretch(2, 1)
        body.addLayout(grid, 1)
        qr_box = QVBoxLayout()
        main = next(shown for shown in rows if shown.main)
        qr = qr_label("0x" + main.digest.hex(), scale=3)
        qr_box.addWidget(qr, 0, Qt.AlignmentFlag.AlignHCenter)
        caption = QLabel(main.title)
        caption.setObjectName("muted")
        qr_box.addWidget(caption, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_box.addStretch(1)
        body.addLayout(qr_box)
        layout.addLayout(body)
        return frame

    # -- calls -----------------------------------------------------------------------------------
    def _calls(self, fit_content: bool) -> tuple[QFrame, QTreeWidget]:
        frame, layout = card("What it does")
        tree = QTreeWidget()
        tree.setObjectName("callTree")
        tree.setColumnCount(2)
        tree.setHeaderLabels(["Call", "Detail"])
        tree.setAccessibleName("Decoded calls")
        tree.setWordWrap(True)
        tree.setUniformRowHeights(False)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setStretchLastSection(True)
        mono = monospace_font(self.font().pointSizeF())
        tree.setFont(mono)
        assert self.presentation.calls is not None  # a transaction always has its call tree
        self._add_call(tree.invisibleRootItem(), self.presentation.calls)
        tree.expandAll()
        if fit_content:
            tree.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            tree.setFixedHeight(_tree_content_height(tree))
        else:
            tree.setMinimumHeight(min(420, _tree_content_height(tree)))
            first = tree.topLevelItem(0)
            if first is not None:
                tree.setCurrentItem(first)  # arrow keys work as soon as the tree has focus
        layout.addWidget(tree)
        return frame, tree

    def _add_call(self, parent: QTreeWidgetItem, row: CallRow) -> None:
        item = QTreeWidgetItem(parent, [f"{row.path}  {row.operation}", row.target])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setFont(1, font)
        if row.is_delegatecall:
            for column in (0, 1):
                item.setForeground(column, _brush(DELEGATECALL_COLOUR))
            item.setText(0, f"{row.path}  ⚠ DELEGATECALL")
            item.setToolTip(0, "delegatecall: the target's code runs with full control of this Safe")
        for detail in row.details:
            shown = self._detail(item, detail.name, detail.text)
            if detail.alarm:
                shown.setForeground(1, _brush(DELEGATECALL_COLOUR))
        for child in row.children:
            self._add_call(item, child)

    @staticmethod
    def _detail(parent: QTreeWidgetItem, name: str, text: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [name, text])
        item.setForeground(0, _brush(MUTED))
        item.setToolTip(1, text)
        return item

    # -- policy ----------------------------------------------------------------------------------
    def _state(self) -> QFrame:
        frame, layout = card("What changes (executed on proven chain state)")
        for line in self.presentation.state_lines[1:]:  # the first line is the card's title in text
            label = selectable(QLabel(line.strip()))
            label.setWordWrap(True)
            if "FAILS" in line or "NOT KNOWN" in line:
                label.setStyleSheet(f"color: {SEVERITY_COLOUR[Severity.WARN]}; font-weight: bold;")
            layout.addWidget(label)
        return frame

    def _policy(self) -> QFrame:
        frame, layout = card("Policy")
        self.policy_lines = []
        for line in self.presentation.policy_card:
            label = selectable(QLabel(line.text))
            label.setWordWrap(True)
            if line.severity != Severity.INFO:
                label.setStyleSheet(f"color: {SEVERITY_COLOUR[line.severity]};")
            layout.addWidget(label)
            self.policy_lines.append(line.text)
        return frame

    # -- raw fields ------------------------------------------------------------------------------
    def _fields(self) -> QFrame:
        frame, layout = card("All SafeTx fields")
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        mono = monospace_font(self.font().pointSizeF())
        shown = self.presentation
        self.field_values: dict[str, str] = {}
        for row, field in enumerate(shown.fields):
            name = QLabel(field.name)
            name.setFont(mono)
            name.setStyleSheet(f"color: {MUTED};")
            value = selectable(QLabel(_wrap_hex(field.text) if field.name == "data" else field.text))
            value.setFont(mono)
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.field_values[field.name] = field.text
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        for line in shown.signatures:
            label = selectable(QLabel(line))
            label.setWordWrap(True)
            layout.addWidget(label)
        for note in shown.notes:
            label = selectable(QLabel(f"Note: {note}"))
            label.setWordWrap(True)
            label.setObjectName("muted")
            layout.addWidget(label)
        return frame


def _wrap_hex(text: str, width: int = 72) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width)) if text else "0x"


def _brush(colour: str):
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(colour))


def _tree_content_height(tree: QTreeWidget) -> int:
    """Height that shows every row of the (expanded) tree without scrolling."""
    rows = -1  # the invisible root is not a row
    pending = [tree.invisibleRootItem()]
    while pending:
        node = pending.pop()
        rows += 1
        pending.extend(child for i in range(node.childCount()) if (child := node.child(i)) is not None)
    row_height = max(tree.sizeHintForRow(0), tree.fontMetrics().height() + 6)
    return tree.header().sizeHint().height() + 2 * tree.frameWidth() + rows * row_height + 6
