"""execTransaction, built from the SafeTx fields and the owners' signatures.

Safe's checkSignatures (safe-smart-account v1.4.1, Safe.sol checkNSignatures) reads the packed
signatures in order and requires each owner's address to be strictly larger than the one before:
so signatures are sorted by the owner they recover to, and each is 65 bytes r || s || v.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode as abi_encode

from decoders.safetx import SafeTx

from decoders.hexutil import keccak

from .chain import selector
from .errors import CourierError

# Safe.sol (v1.3.0, v1.4.1: txHash not indexed; v1.5.0 ISafe: txHash indexed) emits one of these.
OUTCOME_EVENTS = {keccak(b"ExecutionSuccess(bytes32,uint256)"): "ExecutionSuccess",
                  keccak(b"ExecutionFailure(bytes32,uint256)"): "ExecutionFailure"}
EXEC_SIGNATURE = "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"


@dataclass(frozen=True)
class OwnerSignature:
    owner: str
    signature: bytes  # 65 bytes


def packed_signatures(signatures: list[OwnerSignature], threshold: int) -> bytes:
    by_owner = {s.owner.lower(): s for s in signatures}  # one per owner
    if len(by_owner) < threshold:
        raise CourierError(f"{len(by_owner)} owner signature(s), the threshold is {threshold}", "signatures")
    chosen = sorted(by_owner.values(), key=lambda s: int(s.owner, 16))[:threshold]
    for item in chosen:
        if len(item.signature) != 65:
            raise CourierError(f"signature of {len(item.signature)} bytes; expected 65", f"signature of {item.owner}")
    return b"".join(item.signature for item in chosen)


def exec_calldata(tx: SafeTx, signatures: bytes) -> bytes:
    return selector(EXEC_SIGNATURE) + abi_encode(
        ["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "bytes"],
        [tx.to, tx.value, tx.data, int(tx.operation), tx.safe_tx_gas, tx.base_gas, tx.gas_price, tx.gas_token,
         tx.refund_receiver, signatures],
    )


def execution_outcome(logs: list, safe: str, safe_tx_hash: bytes) -> str | None:
    """"ExecutionSuccess" or "ExecutionFailure" when the Safe emitted it for this safeTxHash, else None."""
    for log in logs:
        topics = [bytes(topic) for topic in log["topics"]]
        if str(log["address"]).lower() != safe.lower() or not topics or topics[0] not in OUTCOME_EVENTS:
            continue
        data = bytes(log["data"])
        logged_hash = topics[1] if len(topics) > 1 else data[:32]
        if logged_hash == safe_tx_hash:
            return OUTCOME_EVENTS[topics[0]]
    return None
