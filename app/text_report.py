"""Plain-text rendering of a Review for the terminal: verdict, what each call does, reasons, then the
hashes to compare with the signing device, then the call tree, then every raw field.

Reasons and call rows come from `app.presentation`, the same list the GUI shows."""

from decoders.eip712 import hardware_wallet_groups

from .presentation import NO_FINDING, CallRow, present
from .service import Review
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


def render(review: Review) -> str:
    report = review.report
    shown = present(review)
    lines = [VERDICT_LINE[shown.verdict]]
    lines.append("What it does (riskiest first; exact values in the call tree below):")
    lines.extend(f"  {row.path:<6} {INTENT_MARK[row.severity]} {row.text}" for row in shown.intents)
    lines.append("Why:")
    for item in shown.reasons_card():
        if isinstance(item, str):  # the policy's own summary line
            lines.append(item)
            continue
        code = f" [{item.code}]" if item.code else ""
        lines.append(f"  {MARK[item.severity]} {item.text}{code}")
    lines.append("")
    context = report.context
    chain = context.chain_id if context.chain_id is not None else "any (not in this version's hash)"
    lines.append(f"Compare with your signing device (Safe {context.safe}, chain {chain}, Safe version {context.version.label}):")
    hashes = report.hashes
    for title, digest in (("Domain hash", hashes.domain), ("Message hash", hashes.message), ("safeTxHash", hashes.safe_tx)):
        lines.append(f"  {title:<13} {hardware_wallet_groups(digest)}")
        lines.append(f"  {'':<13} 0x{digest.hex()}")
    lines.append("")
    lines.append("Calls:")
    lines.extend("  " + line for line in _call_lines(shown.calls))
    if report.signatures:
        lines.append("")
        lines.append("Attached signatures:")
        for check in report.signatures:
            status = {True: "valid", False: "INVALID", None: "cannot check offline"}[check.valid]
            lines.append(f"  {check.kind:<13} {status}: {check.detail}")
    lines.append("")
    lines.append("All SafeTx fields:")
    for key, value in report.payload.tx.as_json_fields().items():
        lines.append(f"  {key:<15} {value}")
    for note in report.payload.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"
