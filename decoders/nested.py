"""Nested Safes: the approval transaction a parent Safe signs for a transaction of a Safe it owns.

A Safe that is an owner of another Safe signs that Safe's transaction by calling
`approveHash(safeTxHash)` on it (safe-smart-account Safe.sol: `approvedHashes[msg.sender][hash] = 1`,
checked as a v=1 signature). The approval is itself a SafeTx of the parent Safe:

    to = the child Safe, value 0, data = approveHash(child safeTxHash), operation CALL,
    safeTxGas = baseGas = gasPrice = 0, gasToken = refundReceiver = 0x0, nonce = the parent's nonce

the same shape pcaversaccio/safe-tx-hashes-util (`--nested-safe-address`, `--nested-safe-nonce`) and
safe-hash-rs build, so the parent's signers can compare the hashes on their devices.
"""

from __future__ import annotations

from dataclasses import dataclass

from .eip712 import SafeTxHashes, compute_hashes
from .hexutil import keccak
from .safetx import ZERO_ADDRESS, Context, SafeTx, SafeVersion
from .vocabulary import FindingCode, Severity
from .findings import Finding

APPROVE_HASH_SELECTOR = keccak(b"approveHash(bytes32)")[:4]


@dataclass(frozen=True)
class NestedApproval:
    parent: Context  # the parent Safe, its chain and version
    child_safe: str
    approved_hash: bytes  # the child's safeTxHash
    tx: SafeTx
    hashes: SafeTxHashes

    def as_json(self) -> dict:
        return {"safe": self.parent.safe, "safeVersion": self.parent.version.label, "childSafe": self.child_safe,
                "approvedHash": "0x" + self.approved_hash.hex(), "tx": self.tx.as_json_fields(),
                "hashes": self.hashes.as_json()}


def approval_tx(child_safe: str, safe_tx_hash: bytes, nonce: int) -> SafeTx:
    return SafeTx(to=child_safe, value=0, data=APPROVE_HASH_SELECTOR + safe_tx_hash, operation=0, safe_tx_gas=0,
                  base_gas=0, gas_price=0, gas_token=ZERO_ADDRESS, refund_receiver=ZERO_ADDRESS, nonce=nonce)


def nested_approval(child: Context, child_safe_tx_hash: bytes, parent_safe: str, parent_nonce: int,
                    parent_version: SafeVersion | None = None) -> NestedApproval:
    """The parent Safe's approveHash transaction for the child transaction hashed `child_safe_tx_hash`.

    The parent is on the child's chain; its version defaults to the child's."""
    parent = Context(chain_id=child.chain_id, safe=parent_safe, version=parent_version or child.version)
    tx = approval_tx(child.safe, child_safe_tx_hash, parent_nonce)
    return NestedApproval(parent, child.safe, child_safe_tx_hash, tx, compute_hashes(tx, parent))


def approved_hashes(data: bytes) -> bytes | None:
    """The hash an `approveHash` call data approves, or None when it is not exactly such a call."""
    if len(data) == 36 and data[:4] == APPROVE_HASH_SELECTOR:
        return data[4:]
    return None


def child_link_findings(findings: list, root, child_report) -> list:
    """The parent's findings once its approveHash is reviewed together with the child transaction it
    approves: a stage of decoders.verify.verify_payload (VerifyOptions.child), run before the parent's
    Report exists.

    Each approveHash call on the child Safe must approve exactly the child's recomputed safeTxHash:
    then its OPAQUE_APPROVAL warning is replaced by the child's own findings (the approval is worth
    what the child transaction is); any other hash is critical. `root` is the parent's call tree,
    `child_report` a decoders.report.Report."""
    child_safe = child_report.context.safe
    child_hash = child_report.hashes.safe_tx
    approvals = [node for node in root.walk()
                 if node.to == child_safe and node.function is not None and node.function.name == "approveHash"
                 and approved_hashes(node.data) is not None]
    added: list = []
    if not approvals:
        added.append(Finding(FindingCode.CLAIMED_HASH_MISMATCH, Severity.CRITICAL, None,
                             f"The child transaction given is for Safe {child_safe}, but this transaction makes no "
                             "approveHash call on that Safe: it does not approve the transaction shown"))
    matched_paths = set()
    for node in approvals:
        approved = approved_hashes(node.data)
        if approved is None:  # never: `approvals` holds only calls that are exactly approveHash(bytes32)
            continue
        if approved != child_hash:
            added.append(Finding(FindingCode.CLAIMED_HASH_MISMATCH, Severity.CRITICAL, node.path,
                                 f"Approves hash 0x{approved.hex()} on Safe {child_safe}, but the child transaction "
                                 f"given hashes to 0x{child_hash.hex()}: it approves something else"))
            continue
        matched_paths.add(node.path)
        for finding in child_report.findings:
            where = f"{node.path}:{finding.path}" if finding.path is not None else node.path
            added.append(Finding(finding.code, finding.severity, where,
                                 f"[approved transaction of Safe {child_safe}, nonce {child_report.payload.tx.nonce}] "
                                 f"{finding.message}"))
    kept = [f for f in findings if not (f.code == FindingCode.OPAQUE_APPROVAL and f.path in matched_paths)]
    return kept + added
