"""The one `Report` every front end renders (CLI text, JSON, Qt review screen, PNG).

`as_json()` is the stable `coldsight.report/1` contract documented in README.md.
"""

from dataclasses import dataclass, field
from typing import Protocol

from .abi import DecodedArg
from .calls import CallNode
from .effects import Effects
from .eip712 import SafeTxHashes
from .findings import Finding, sort_findings, verdict_of
from .intent import Intent
from .execution_check import ExecutionCheck
from .refund import Refund
from .safetx import Context, Payload
from .signatures import SignatureCheck
from .vocabulary import Severity, Verdict

SCHEMA = "coldsight.report/1"


def json_value(value: object) -> object:
    """Numbers as decimal strings, bytes as 0x hex, tuples as objects: lossless in any JSON reader."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def arg_json(arg: DecodedArg) -> dict:
    return {"name": arg.name, "type": arg.type, "value": json_value(arg.value)}


def call_json(node: CallNode, intents: dict[str, Intent] | None = None) -> dict:
    intent = (intents or {}).get(node.path)
    return {
        "path": node.path,
        "to": node.to,
        "toLabel": node.target.label if node.target is not None else None,
        "value": str(node.value),
        "operation": node.operation,
        "selector": "0x" + node.selector.hex() if node.selector else None,
        "function": node.function.display if node.function else None,
        "functionName": node.function.name if node.function else None,
        "args": [arg_json(a) for a in node.args] if node.args is not None else None,
        "decodeError": node.decode_error,
        "data": "0x" + node.data.hex(),
        "batchEncoding": node.batch_encoding,
        "intent": intent.as_json() if intent is not None else None,
        "calls": [call_json(child, intents) for child in node.children],
        "runsAs": node.runs_as,
        "batch": batch_json(node),
        "wrapper": wrapper_json(node),
        "claimed": node.claimed,
        "network": node.network,
    }


def wrapper_json(node: CallNode) -> dict | None:
    """What kind of wrapper this call is and what it would run undecoded (null when it carries no calls)."""
    if node.wrapper is None:
        return None
    return {"kind": node.wrapper.kind, "label": node.wrapper.label, "opaque": list(node.wrapper.opaque)}


def batch_json(node: CallNode) -> dict | None:
    """How the batch library reads this call's bytes (null when the call is not an unwrapped batch)."""
    if node.batch is None or node.batch_library is None:
        return None
    reading = node.batch
    return {
        "library": node.batch_library.label,
        "clean": reading.clean,
        "revertsAt": reading.reverts_at,
        "revertReason": reading.revert_reason,
        "problems": list(reading.problems),
        "entryOffsets": [entry.offset for entry in reading.entries],
    }


class ProvenStateView(Protocol):
    """What the Report needs of a proven-state check (decoders/state/check.py StateCheck)."""

    def as_json(self) -> dict: ...


@dataclass(frozen=True)
class Report:
    """What the core found, complete when made: every stage that adds findings runs before it exists
    (decoders/verify.py), and nothing changes it afterwards. No policy in it: a policy's result and the
    verdict it gives are app.service.Review's (the policy engine reads a Report, never writes one)."""

    payload: Payload
    context: Context
    hashes: SafeTxHashes
    root: CallNode
    findings: list[Finding]
    signatures: list[SignatureCheck]
    refund: Refund | None = None  # the gas refund the Safe pays, None when gasPrice is 0
    execution: ExecutionCheck | None = None  # the EVM check (decoders/execution_check.py); None when not run
    intents: dict[str, Intent] = field(default_factory=dict)  # one line per call path (decoders/intent.py)
    # What the transaction does, by kind, at every depth: assets, allowances, authority, settings,
    # refunds and the counterparties, named and judged (decoders/effects.py).
    effects: Effects = field(default_factory=Effects)
    # A decoders.state.check.StateCheck when a proven snapshot was given (--state); None otherwise.
    state: ProvenStateView | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", sort_findings(self.findings))

    @property
    def verdict(self) -> Verdict:
        """The findings' verdict, before any policy (app.service.Review.verdict adds the policy's)."""
        return verdict_of(self.findings)

    @property
    def critical(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.CRITICAL]

    def as_json(self) -> dict:
        document = {
            "schema": SCHEMA,
            "verdict": self.verdict,
            "safe": self.context.safe,
            "chainId": str(self.context.chain_id) if self.context.chain_id is not None else None,
            "safeVersion": self.context.version.label,
            "format": self.payload.format,
            "hashes": self.hashes.as_json(),
            "tx": self.payload.tx.as_json_fields(),
            "calls": call_json(self.root, self.intents),
            "findings": [f.as_json() for f in self.findings],
            "signatures": [s.as_json() for s in self.signatures],
            "notes": list(self.payload.notes),
            "refund": self.refund.as_json() if self.refund is not None else None,
            "execution": self.execution.as_json() if self.execution is not None else None,
            "effects": self.effects.as_json(),
        }
        if self.state is not None:  # only with a snapshot: without one the document is unchanged
            state = self.state.as_json()
            document["state"] = state
            effects = document.setdefault("effects", {})
            if isinstance(effects, dict):
                effects["proven"] = state["run"]
        return document
