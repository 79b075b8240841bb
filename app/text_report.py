"""Plain-text rendering of a Report for the terminal: verdict and reasons first, then the
hashes to compare with the signing device, then the call tree, then every raw field."""

from decoders.eip712 import hardware_wallet_groups
from decoders.report import Report, json_value
from decoders.calls import CallNode
from decoders.units import format_native

VERDICT_LINE = {
    "ok": "OK: no problems found. Compare the hashes with your signing device before signing.",
    "warn": "WARN: read every warning below before signing.",
    "block": "BLOCK: DO NOT SIGN this transaction.",
}
MARK = {"critical": "[X]", "warn": "[!]", "info": "[i]"}
OPERATION = {0: "call", 1: "DELEGATECALL", 2: "create"}


def _call_lines(node: CallNode, labels: dict[str, str] | None, indent: int = 0) -> list[str]:
    pad = "  " * indent
    target = node.to
    label = (labels or {}).get(node.to.lower()) or (node.target.label if node.target else None)
    if label:
        target += f" ({label})"
    what = node.function.display if node.function else ("(no data)" if not node.data else f"unknown function 0x{node.selector.hex() if node.selector else node.data.hex()}")
    lines = [f"{pad}{node.path}  {OPERATION.get(node.operation, node.operation)} -> {target}"]
    lines.append(f"{pad}    function: {what}")
    if node.value:
        lines.append(f"{pad}    value: {format_native(node.value)}")
    for arg in node.args or []:
        if node.is_batch and arg.type == "bytes":
            lines.append(f"{pad}    {arg.name}: batch of {len(node.children)} call(s), {node.batch_encoding} encoding")
            continue
        lines.append(f"{pad}    {arg.name} ({arg.type}): {json_value(arg.value)}")
    if node.decode_error:
        lines.append(f"{pad}    NOT DECODED: {node.decode_error}")
    for child in node.children:
        lines.extend(_call_lines(child, labels, indent + 2))
    return lines


def render(report: Report, labels: dict[str, str] | None = None) -> str:
    lines = [VERDICT_LINE[report.verdict]]

    def finding_lines(severity: str, waived: bool | None = None) -> list[str]:
        out = []
        for finding in (f for f in report.findings if f.severity == severity):
            if waived is not None and (report.waiver_for(finding) is not None) != waived:
                continue
            where = f" (call {finding.path})" if finding.path else ""
            waiver = report.waiver_for(finding)
            note = f" -- waived by policy: {waiver}" if waiver else ""
            out.append(f"  {MARK[severity]} {finding.message}{where} [{finding.code}]{note}")
        return out

    # Critical reasons come first, before the policy's own lines: they are what must stop a signer.
    lines.extend(finding_lines("critical", waived=False))
    if report.policy is not None:
        lines.extend(report.policy.summary_lines())
    lines.extend(finding_lines("critical", waived=True))
    lines.extend(finding_lines("warn"))
    lines.extend(finding_lines("info"))
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
    lines.extend("  " + line for line in _call_lines(report.root, labels))
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
