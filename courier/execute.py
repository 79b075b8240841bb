"""execTransaction, built from the SafeTx fields and the owners' signatures.

Safe's checkSignatures (safe-smart-account v1.4.1, Safe.sol checkNSignatures) reads the packed
signatures in order and requires each owner's address to be strictly larger than the one before:
so signatures are sorted by the owner they recover to, and each is 65 bytes r || s || v.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode as abi_encode

from decoders.safetx import SafeTx

from .chain import selector
from .errors import CourierError

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
