"""Plain-text rendering of a Review for the terminal: verdict, what each call does, reasons, then the
hashes to compare with the signing device, then the call tree, then every raw field.

Reasons and call rows come from `app.presentation`, the same list the GUI shows."""

from decoders.eip712 import hardware_wallet_groups

from .presentation import NO_FINDING, CallRow, Presentation, execution_lines, present
from .service import AnyReview, MessageItem, Review
from decoders.vocabulary import Severity, Verdict

VERDICT_LINE: dict[str, str] = {
    Verdict.OK: "OK: no problems found. Compare the hashes with your signing device before signing.",
    Verdict.WARN: "WARN: read every warning below before signing.",
    Verdict.BLOCK: "BLOCK: DO NOT SIGN this transaction.",
}
MARK: dict[str, str] = {Severity.CRITICAL: "[X]", Severity.WARN: "[!]", Severity.INFO: "[i]"}
INTENT_MARK: dict[str, str] = {**MARK, NO_FINDING: "[ ]"}


def _call_lines(row: CallRow, indent: int = 0) -> list[str]:
    pad = "  " * indent
    lines = [f"{pad}{row.path}  {row.operation} -> {row.target}"]
    lines.extend(f"{pad}    {detail.name}: {detail.text}" for detail in row.details)
    for child in row.children:
        lines.extend(_call_lines(child, indent + 2))
    return lines


def _why_lines(shown: Presentation) -> list[str]:
    lines = ["Why:"]
    for item in shown.reasons_card():
        if isinstance(item, str):  # the policy's own summary line
            lines.append(item)
            continue
        code = f" [{item.code}]" if item.code else ""
        lines.append(f"  {MARK[item.severity]} {item.text}{code}")
    return lines


def render_message(item: MessageItem) -> str:
    """A Safe message review: what the Safe signs, why, the hashes (the GUI's message screen in text)."""
    shown = present(item)
    message = shown.message
    assert message is not None  # present() gives every message its view
    lines = [VERDICT_LINE[shown.verdict].replace("transaction", "message"), message.headline]
    lines += ["  | " + line for line in message.text_lines]
    lines += _tree_lines(message.tree, 1)
    lines += [f"  {detail.name}: {detail.text}" for detail in message.details]
    lines += _counterparty_lines(shown)
    lines += _why_lines(shown)
    lines += ["", "Compare with your signing device:"]
    lines += _hash_lines(shown, 15)
    return "\n".join(lines) + "\n"


def _hash_lines(shown: Presentation, width: int, raw: bool = True) -> list[str]:
    lines = []
    for row in shown.hashes:
        lines.append(f"  {row.title:<{width}} {hardware_wallet_groups(row.digest)}")
        if raw:
            lines.append(f"  {'':<{width}} 0x{row.digest.hex()}")
    return lines


def _tree_lines(rows, depth: int) -> list[str]:
    lines = []
    for row in rows:
        lines.append("  " * depth + (f"{row.name}: {row.text}" if row.text else row.name))
        lines += _tree_lines(row.children, depth + 1)
    return lines


def _counterparty_lines(shown) -> list[str]:
    """Who ends up with the assets, the allowance or the control (decoders/effects.py), unknown first."""
    if not shown.counterparties:
        return []
    return ["Who gets something:"] + [f"  {line}" for line in shown.counterparties]


def render(review: AnyReview) -> str:
    if isinstance(review, MessageItem):
        return render_message(review)
    report = review.report
    shown = present(review)
    lines = [*shown.state_lines, *([""] if shown.state_lines else []), VERDICT_LINE[shown.verdict],
             *execution_lines(review)]
    lines.append("What it does (riskiest first; exact values in the call tree below):")
    lines.extend(f"  {row.path:<6} {INTENT_MARK[row.severity]} {row.text}" for row in shown.intents)
    lines += _counterparty_lines(shown)
    lines += _why_lines(shown)
    lines.append("")
    context = report.context
    chain = context.chain_id if context.chain_id is not None else "any (not in this version's hash)"
    lines.append(f"Compare with your signing device (Safe {context.safe}, chain {chain}, Safe version {context.version.label}):")
    lines += _hash_lines(shown, 13)
    lines.append("")
    lines.append("Calls:")
    assert shown.calls is not None  # a transaction always has its call tree
    lines.extend("  " + line for line in _call_lines(shown.calls))
    if shown.signatures:
        lines.append("")
        lines.extend(f"  {line}" for line in shown.signatures)
    lines.append("")
    lines.append("All SafeTx fields:")
    for field in shown.fields[1:]:  # the first is the payload's format, which the text does not repeat
        lines.append(f"  {field.name:<15} {field.text}")
    for note in shown.notes:
        lines.append(f"Note: {note}")
    if review.child is not None:
        lines += _child_lines(review.child)
    return "\n".join(lines) + "\n"


def _child_lines(child: Review) -> list[str]:
    """The child transaction a parent's approveHash approves: its intents, hashes and calls, indented
    (its findings are already among the parent's reasons)."""
    context, shown = child.report.context, present(child)
    lines = ["", f"The transaction it approves (Safe {context.safe}, nonce {child.report.payload.tx.nonce}, "
                 f"Safe version {context.version.label}):"]
    lines.extend(f"  {row.path:<6} {INTENT_MARK[row.severity]} {row.text}" for row in shown.intents)
    lines += _hash_lines(shown, 13, raw=False)
    assert shown.calls is not None
    lines.extend("  " + line for line in _call_lines(shown.calls))
    return lines
