"""The service's claims against the chain's answers: every place they differ, in plain words.

The service is the machine that was tampered with in the Bybit attack; nothing it says is used
where the chain can be asked instead. The hashes come from Coldsight's own recomputation over
the raw fields (decoders), with the chain's chain id and VERSION(), never the service's.
"""

from __future__ import annotations

import json

from decoders.formats import parse_json_document
from decoders.report import Report
from decoders.safetx import Payload
from decoders.verify import VerifyOptions, verify_payload

from .chain import ZERO, SafeState

# Keys a service transaction carries that the offline payload parser does not need (execution
# metadata); they are dropped before parsing, the rest is passed on as the service sent it.
_SERVICE_ONLY_KEYS = ("executionDate", "submissionDate", "modified", "blockNumber", "transactionHash", "proposer",
                      "proposedByDelegate", "executor", "isExecuted", "isSuccessful", "ethGasPrice", "maxFeePerGas",
                      "maxPriorityFeePerGas", "gasUsed", "fee", "origin", "confirmationsRequired", "trusted",
                      "txType", "txHash", "dataDecoded")


def payload_document(tx: dict, state: SafeState) -> dict:
    """The service transaction as a Coldsight payload, with the chain's chain id and version."""
    document = {key: value for key, value in tx.items() if key not in _SERVICE_ONLY_KEYS}
    if tx.get("dataDecoded") is not None:
        document["dataDecoded"] = tx["dataDecoded"]  # kept: verify compares it with the real calldata
    document["chainId"] = state.chain_id
    document["safeVersion"] = state.version
    return document


def parse_service_tx(tx: dict, state: SafeState) -> Payload:
    return parse_json_document(json.loads(json.dumps(payload_document(tx, state))), "service transaction")


def preview(payload: Payload, state: SafeState) -> Report:
    """The static review (no EVM run: the offline machine does the full one) for the courier's listing."""
    return verify_payload(payload, VerifyOptions(chain_id=state.chain_id, safe=state.safe, safe_version=state.version,
                                                 execute=False))


def _same(a: object, b: object) -> bool:
    return str(a).lower() == str(b).lower()


def check_safe_info(info: dict, state: SafeState) -> list[str]:
    """Where the service's view of the Safe differs from the chain's."""
    differences = []
    claims = (
        ("owners", sorted(o.lower() for o in info.get("owners") or []), sorted(o.lower() for o in state.owners)),
        ("threshold", info.get("threshold"), state.threshold),
        ("nonce", info.get("nonce"), state.nonce),
        ("masterCopy (singleton)", info.get("masterCopy"), state.singleton),
        ("modules", sorted(m.lower() for m in info.get("modules") or []), sorted(m.lower() for m in state.modules)),
        ("guard", info.get("guard") or ZERO, state.guard),
        ("fallbackHandler", info.get("fallbackHandler") or ZERO, state.fallback_handler),
        ("version", info.get("version"), state.version),
    )
    for name, claimed, actual in claims:
        if claimed is None:
            differences.append(f"the service does not say the Safe's {name} (chain: {actual})")
        elif not _same(claimed, actual):
            differences.append(f"{name}: the service says {claimed}, the chain says {actual}")
    return differences


def check_transaction(tx: dict, report: Report, state: SafeState) -> list[str]:
    """Where a service transaction's claims differ from the recomputation and the chain."""
    differences = []
    recomputed = "0x" + report.hashes.safe_tx.hex()
    if not _same(tx.get("safeTxHash"), recomputed):
        differences.append(f"safeTxHash: the service says {tx.get('safeTxHash')}, its fields hash to {recomputed}")
    if not _same(tx.get("safe"), state.safe):
        differences.append(f"safe: the transaction is for {tx.get('safe')}, not {state.safe}")
    nonce = report.payload.tx.nonce
    if nonce < state.nonce:
        differences.append(f"nonce {nonce} is below the chain's nonce {state.nonce}: it can never execute")
    required = tx.get("confirmationsRequired")
    if required is not None and not _same(required, state.threshold):
        differences.append(f"confirmationsRequired: the service says {required}, the chain's threshold is {state.threshold}")
    owners = {o.lower() for o in state.owners}
    for check in report.signatures:
        if check.valid is False:
            differences.append(f"confirmation {check.where}: {check.detail}")
        elif check.recovered and check.recovered.lower() not in owners:
            differences.append(f"confirmation by {check.recovered}, who is not an owner on chain")
    return differences
