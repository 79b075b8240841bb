"""The review screen's content for one Report: verdict, reasons, hashes, calls, policy, raw fields.

Read top to bottom it answers, in order: may I sign? why not / what to check? is my device
showing the same hashes? what exactly does it call? what did the policy say? what are the raw
fields? Nothing here computes anything: every word comes from the Report.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from decoders.calls import CallNode
from decoders.eip712 import hardware_wallet_groups
from decoders.hexutil import short_address
from decoders.report import json_value
from decoders.units import format_native

from .theme import DELEGATECALL_COLOUR, MUTED, SEVERITY_COLOUR, SEVERITY_WORD, monospace_font
from .widgets import VerdictBanner, card, qr_label, selectable

OPERATION_WORD = {0: "call", 1: "DELEGATECALL", 2: "CREATE"}
SEVERITY_RANK = {"critical": 0, "warn": 1, "info": 2}


def _labels(report) -> dict[str, str]:
    policy = report.policy
    labels = getattr(policy, "labels", None) if policy is not None else None
    return dict(labels) if isinstance(labels, dict) else {}


def target_text(node: CallNode, labels: dict[str, str], safe: str | None) -> str:
    label = labels.get(node.to.lower())
    if label is None and node.target is not None:
        label = node.target.label
    if label is None and safe is not None and node.to.lower() == safe.lower():
        label = "this Safe"
    return f"{node.to} ({label})" if label else f"{node.to} (unknown contract)" if node.data else node.to


def function_text(node: CallNode) -> str:
    if node.function is not None:
        return node.function.display
    if not node.data:
        return "no call data (plain transfer)"
    if node.selector is None:
        return f"{len(node.data)} byte(s) of data, too short for a function"
    return f"unknown function 0x{node.selector.hex()}"


def value_text(value: object) -> str:
    shown = json_value(value)
    return shown if isinstance(shown, str) else str(shown)


class ReviewView(QWidget):
    """All panels for one Report, stacked vertically. `fit_content` sizes the call tree to show
    every row (for offscreen rendering, where nothing can be scrolled)."""

    def __init__(self, report, fit_content: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = report
        self.setObjectName("page")
        self.labels = _labels(report)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18)
        layout.setSpacing(14)
        self.banner = VerdictBanner(report.verdict)
        layout.addWidget(self.banner)
        self.reasons_card = self._reasons()
        layout.addWidget(self.reasons_card)
        self.hashes_card = self._hashes()
        layout.addWidget(self.hashes_card)
        self.calls_card, self.call_tree = self._calls(fit_content)
        layout.addWidget(self.calls_card)
        self.policy_card = self._policy()
        layout.addWidget(self.policy_card)
        self.fields_card = self._fields()
        layout.addWidget(self.fields_card)
        layout.addStretch(1)

    # -- reasons ---------------------------------------------------------------------------------
    def reason_lines(self) -> list[tuple[str, str]]:
        """(severity, sentence), most severe first: what the reasons card shows, in order."""
        report = self.report
        lines: list[tuple[str, str]] = []
        for finding in sorted(report.findings, key=lambda f: SEVERITY_RANK[f.severity]):
            waiver = report.waiver_for(finding)
            where = f" (call {finding.path})" if finding.path and finding.path != "0" else ""
            text = finding.message + where
            if waiver:
                text += f". Allowed by the signed policy: {waiver}"
                lines.append(("info", text))
            else:
                lines.append((finding.severity, text))
        policy = report.policy
        for call in getattr(policy, "calls", None) or ():
            outcome = str(getattr(call, "outcome", ""))
            if outcome in ("deny", "block", "warn"):
                verb = "does not allow" if outcome != "warn" else "asks for care with"
                severity = "warn" if outcome == "warn" else "critical"
                lines.append((severity, f"The policy {verb} call {call.path}: {call.message}"))
        if policy is not None and getattr(policy, "binding_error", None):
            lines.append(("critical", f"The policy does not apply: {policy.binding_error}"))
        lines.sort(key=lambda line: SEVERITY_RANK[line[0]])
        for reason in report.extra_verdict_reasons:
            lines.append(("warn", reason))
        return lines

    def _reasons(self) -> QFrame:
        frame, layout = card("Why")
        lines = self.reason_lines()
        if not lines:
            layout.addWidget(QLabel("Coldsight found nothing unusual in this transaction."))
        self.reason_labels: list[QLabel] = []
        for severity, text in lines:
            row = QHBoxLayout()
            row.setSpacing(10)
            chip = QLabel(SEVERITY_WORD[severity])
            chip.setStyleSheet(f"background: {SEVERITY_COLOUR[severity]}; color: #FFFFFF; font-weight: bold;"
                               " padding: 2px 8px; border-radius: 3px;")
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            chip.setFixedWidth(chip.sizeHint().width() + 30)
            message = selectable(QLabel(text))
            message.setWordWrap(True)
            font = message.font()
            if severity == "critical":
                font.setBold(True)
                font.setPointSizeF(font.pointSizeF() * 1.15)
            message.setFont(font)
            row.addWidget(chip, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(message, 1)
            layout.addLayout(row)
            self.reason_labels.append(message)
        policy = self.report.policy
        if policy is not None and hasattr(policy, "summary_lines"):
            for line in policy.summary_lines():
                note = QLabel(line)
                note.setObjectName("muted")
                note.setWordWrap(True)
                layout.addWidget(note)
        return frame

    # -- hashes ----------------------------------------------------------------------------------
    def _hashes(self) -> QFrame:
        frame, layout = card("Compare with your signing device")
        context = self.report.context
        chain = context.chain_id if context.chain_id is not None else "not part of this version's hash"
        intro = selectable(QLabel(f"Safe {context.safe} · chain {chain} · Safe version {context.version.label}. "
                                  "Sign only if your device shows exactly these hashes."))
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        body = QHBoxLayout()
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        base = self.font().pointSizeF()
        hashes = self.report.hashes
        self.hash_labels: dict[str, QLabel] = {}
        rows = (("Domain hash", hashes.domain), ("Message hash", hashes.message), ("safeTxHash", hashes.safe_tx))
        for row, (title, digest) in enumerate(rows):
            name = QLabel(title)
            name.setFont(monospace_font(base * 1.1, bold=title == "safeTxHash"))
            grouped = hardware_wallet_groups(digest)
            halves = grouped.split(" ")
            # Two lines of eight groups, as device screens wrap them; large and monospace.
            text = " ".join(halves[:8]) + "\n   " + " ".join(halves[8:])
            value = selectable(QLabel(text))
            value.setFont(monospace_font(base * (1.55 if title == "safeTxHash" else 1.35), bold=title == "safeTxHash"))
            value.setAccessibleName(f"{title} {grouped}")
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.hash_labels[title] = value
        grid.setColumnStretch(2, 1)
        body.addLayout(grid, 1)
        qr_box = QVBoxLayout()
        qr = qr_label("0x" + hashes.safe_tx.hex(), scale=3)
        qr_box.addWidget(qr, 0, Qt.AlignmentFlag.AlignHCenter)
        caption = QLabel("safeTxHash")
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
        self._add_call(tree.invisibleRootItem(), self.report.root)
        tree.expandAll()
        if fit_content:
            tree.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            tree.setFixedHeight(_tree_content_height(tree))
        else:
            tree.setMinimumHeight(min(420, _tree_content_height(tree)))
            tree.setCurrentItem(tree.topLevelItem(0))  # arrow keys work as soon as the tree has focus
        layout.addWidget(tree)
        return frame, tree

    def _add_call(self, parent: QTreeWidgetItem, node: CallNode) -> None:
        operation = OPERATION_WORD.get(node.operation, str(node.operation))
        item = QTreeWidgetItem(parent, [f"{node.path}  {operation}", target_text(node, self.labels, self.report.context.safe)])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setFont(1, font)
        if node.operation == 1:
            for column in (0, 1):
                item.setForeground(column, _brush(DELEGATECALL_COLOUR))
            item.setText(0, f"{node.path}  ⚠ DELEGATECALL")
            item.setToolTip(0, "delegatecall: the target's code runs with full control of this Safe")
        self._detail(item, "function", function_text(node))
        if node.value:
            self._detail(item, "value", format_native(node.value))
        for arg in node.args or []:
            if node.is_batch and arg.type == "bytes":
                self._detail(item, arg.name, f"batch of {len(node.children)} call(s), {node.batch_encoding} encoding")
                continue
            self._detail(item, f"{arg.name} ({arg.type})", self._arg_text(arg.value))
        if node.decode_error:
            error = self._detail(item, "NOT DECODED", node.decode_error)
            error.setForeground(1, _brush(DELEGATECALL_COLOUR))
        for outcome in self._policy_calls().get(node.path, []):
            self._detail(item, "policy", outcome)
        for child in node.children:
            self._add_call(item, child)

    def _arg_text(self, value: object) -> str:
        text = value_text(value)
        if isinstance(value, str) and value.lower() in self.labels:
            text += f" ({self.labels[value.lower()]})"
        return text

    @staticmethod
    def _detail(parent: QTreeWidgetItem, name: str, text: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [name, text])
        item.setForeground(0, _brush(MUTED))
        item.setToolTip(1, text)
        return item

    # -- policy ----------------------------------------------------------------------------------
    def _policy_calls(self) -> dict[str, list[str]]:
        policy = self.report.policy
        found: dict[str, list[str]] = {}
        for call in getattr(policy, "calls", None) or ():
            found.setdefault(str(call.path), []).append(policy_call_text(call))
        return found

    def _policy(self) -> QFrame:
        frame, layout = card("Policy")
        policy = self.report.policy
        if policy is None:
            note = QLabel("No policy loaded: only Coldsight's built-in checks were applied.")
            note.setWordWrap(True)
            layout.addWidget(note)
            self.policy_lines = [note.text()]
            return frame
        self.policy_lines = []
        for line in policy_header_lines(policy):
            label = selectable(QLabel(line))
            label.setWordWrap(True)
            layout.addWidget(label)
            self.policy_lines.append(line)
        for call in getattr(policy, "calls", None) or ():
            text = f"Call {call.path}: {policy_call_text(call)}"
            label = selectable(QLabel(text))
            label.setWordWrap(True)
            outcome = str(getattr(call, "outcome", ""))
            colour = SEVERITY_COLOUR["critical" if outcome in ("block", "deny") else "warn" if outcome == "warn" else "info"]
            label.setStyleSheet(f"color: {colour};")
            layout.addWidget(label)
            self.policy_lines.append(text)
        return frame

    # -- raw fields ------------------------------------------------------------------------------
    def _fields(self) -> QFrame:
        frame, layout = card("All SafeTx fields")
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        mono = monospace_font(self.font().pointSizeF())
        report = self.report
        rows = list(report.payload.tx.as_json_fields().items())
        rows.insert(0, ("format", report.payload.format))
        self.field_values: dict[str, str] = {}
        for row, (key, value) in enumerate(rows):
            name = QLabel(key)
            name.setFont(mono)
            name.setStyleSheet(f"color: {MUTED};")
            text = str(value)
            shown = selectable(QLabel(_wrap_hex(text) if key == "data" else text))
            shown.setFont(mono)
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(shown, row, 1)
            self.field_values[key] = text
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        for check in report.signatures:
            status = {True: "valid", False: "INVALID", None: "cannot be checked offline"}[check.valid]
            label = selectable(QLabel(f"Attached signature ({check.kind}): {status}: {check.detail}"))
            label.setWordWrap(True)
            layout.addWidget(label)
        for note in report.payload.notes:
            label = selectable(QLabel(f"Note: {note}"))
            label.setWordWrap(True)
            label.setObjectName("muted")
            layout.addWidget(label)
        return frame


def policy_header_lines(policy) -> list[str]:
    document = policy.as_json() if hasattr(policy, "as_json") else {}
    if not isinstance(document, dict):
        document = {}
    parts = []
    for key, title in (("id", "policy"), ("serial", "serial #"), ("status", "signature:"), ("expires", "expires")):
        value = document.get(key)
        if isinstance(value, dict):
            value = value.get("status") or ", ".join(f"{k} {v}" for k, v in value.items())
        if value is not None:
            parts.append(f"{title}{value}" if title.endswith("#") else f"{title} {value}")
    lines = [" · ".join(parts)] if parts else []
    verdict = getattr(policy, "verdict", None)
    if verdict:
        lines.append(f"Policy verdict: {verdict}")
    return lines


def policy_call_text(call) -> str:
    outcome = str(getattr(call, "outcome", "?"))
    message = getattr(call, "message", None)
    rules = list(getattr(call, "matched_rules", None) or ())
    failed = list(getattr(call, "failed_conditions", None) or ())
    parts = [outcome]
    if rules:
        parts.append("matched " + ", ".join(str(rule) for rule in rules))
    if failed:
        parts.append("failed: " + "; ".join(item.text() if hasattr(item, "text") else str(item) for item in failed))
    if message:
        parts.append(str(message))
    return " — ".join(parts)


def _wrap_hex(text: str, width: int = 72) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width)) if text else "0x"


def _brush(colour: str):
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(colour))


def _tree_content_height(tree: QTreeWidget) -> int:
    """Height that shows every row of the (expanded) tree without scrolling."""
    rows = 0
    pending = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while pending:
        node = pending.pop()
        rows += 1
        pending.extend(node.child(i) for i in range(node.childCount()))
    row_height = max(tree.sizeHintForRow(0), tree.fontMetrics().height() + 6)
    return tree.header().sizeHint().height() + 2 * tree.frameWidth() + rows * row_height + 6
