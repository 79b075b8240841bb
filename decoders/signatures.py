"""Attached signatures: split, classify and check against Coldsight's own safeTxHash.

Safe signature encoding (safe-smart-account, Safe.checkNSignatures): 65-byte static parts
r(32) | s(32) | v(1), where v selects the kind:
  27/28   EIP-712 ECDSA over the safeTxHash
  31/32   eth_sign: ECDSA over keccak("\\x19Ethereum Signed Message:\\n32" || safeTxHash), v - 4
  1       approved hash: r holds the owner, who called approveHash on chain
  0       contract signature (EIP-1271): r holds the contract owner, s the offset of its dynamic data

Bounded work: the static parts of every attached signature are counted first (cheap), and more
than `bounds.MAX_SIGNATURES` of them is refused before any recovery; each part then costs one
recovery, so the check is linear in their number.
"""

import functools
from dataclasses import dataclass

from eth_keys import KeyAPI
from eth_keys.exceptions import BadSignature, ValidationError

from .bounds import MAX_SIGNATURES, check_count
from .hexutil import keccak, to_checksum
from .safetx import AttachedSignature

_KEYS = KeyAPI()
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True)
class SignatureCheck:
    owner: str | None  # the owner the payload claims, if it names one
    kind: str  # "eip712", "eth_sign", "approved-hash", "contract", "invalid"
    recovered: str | None  # the address the signature actually belongs to
    valid: bool | None  # None: cannot be decided offline (approved hash, contract signature)
    detail: str
    where: str

    def as_json(self) -> dict:
        return {"owner": self.owner, "kind": self.kind, "recovered": self.recovered, "valid": self.valid, "detail": self.detail}


@functools.cache
def _backend():
    # eth-keys looks its backend up by import path on every call unless given one (~0.5 ms each).
    from eth_keys.backends import get_backend

    return get_backend()


def _recover(digest: bytes, r: int, s: int, v: int) -> str | None:
    if not (0 < r < _SECP256K1_N and 0 < s < _SECP256K1_N):
        return None
    try:
        signature = _KEYS.Signature(vrs=(v, r, s), backend=_backend())
        return signature.recover_public_key_from_msg_hash(digest).to_checksum_address()
    except (BadSignature, ValidationError, ValueError):
        return None


def _check_part(part: bytes, blob: bytes, safe_tx_hash: bytes, claimed: str | None, where: str) -> SignatureCheck:
    r, s, v = int.from_bytes(part[:32], "big"), int.from_bytes(part[32:64], "big"), part[64]

    def result(kind: str, recovered: str | None, valid: bool | None, detail: str) -> SignatureCheck:
        return SignatureCheck(claimed, kind, recovered, valid, detail, where)

    if v in (27, 28, 31, 32):
        kind = "eip712" if v in (27, 28) else "eth_sign"
        digest = safe_tx_hash if kind == "eip712" else keccak(b"\x19Ethereum Signed Message:\n32" + safe_tx_hash)
        recovered = _recover(digest, r, s, (v - 27) if kind == "eip712" else (v - 31))
        if recovered is None:
            return result(kind, None, False, "the signature is malformed and recovers to no address")
        if claimed is None:
            return result(kind, recovered, None, f"signed by {recovered} over this safeTxHash (no owner was claimed to compare)")
        if recovered == claimed:
            return result(kind, recovered, True, f"{claimed} signed this exact safeTxHash")
        return result(
            kind, recovered, False,
            f"claimed to be by {claimed} but it recovers to {recovered} over this safeTxHash: it was made over a different transaction",
        )
    if v in (0, 1):
        if r >> 160:
            return result("invalid", None, False, "the owner field of an approved-hash or contract signature is not an address")
        owner = to_checksum(r.to_bytes(20, "big"))
        mismatch = claimed is not None and owner != claimed
        if v == 1:
            kind, detail = "approved-hash", f"{owner} must have called approveHash on chain; this cannot be checked offline"
        else:
            kind, detail = "contract", f"contract owner {owner} (EIP-1271); its signature can only be checked on chain"
            if s + 32 > len(blob) or s + 32 + int.from_bytes(blob[s : s + 32], "big") > len(blob):
                return result("invalid", owner, False, "contract signature points outside the signature data")
        if mismatch:
            return result(kind, owner, False, f"claimed to be by {claimed} but names {owner}")
        return result(kind, owner, None, detail)
    return result("invalid", None, False, f"signature type byte v={v} is not one Safe accepts (0, 1, 27, 28, 31, 32)")


def _packed_parts(blob: bytes) -> list[int]:
    """Offsets of the static parts of a packed `signatures` blob: 65-byte parts until the first
    contract signature's dynamic data begins."""
    offsets = []
    end = len(blob)
    pos = 0
    while pos + 65 <= end:
        if blob[pos + 64] == 0:
            end = min(end, int.from_bytes(blob[pos + 32 : pos + 64], "big"))
        offsets.append(pos)
        pos += 65
    return offsets


def check_signatures(attached: list[AttachedSignature], safe_tx_hash: bytes) -> list[SignatureCheck]:
    packed: dict[int, list[int]] = {}
    total = 0
    for item in attached:  # count everything before recovering anything
        if item.claimed_owner is None:
            packed[id(item)] = _packed_parts(item.signature)
        total += len(packed[id(item)]) if item.claimed_owner is None else 1
        check_count("MAX_SIGNATURES", MAX_SIGNATURES, total, "attached signatures (so far)", item.where)
    checks: list[SignatureCheck] = []
    for item in attached:
        blob = item.signature
        if len(blob) < 65:
            checks.append(SignatureCheck(item.claimed_owner, "invalid", None, False, f"signature is {len(blob)} bytes, a Safe signature is at least 65", item.where))
            continue
        if item.claimed_owner is not None:
            # A confirmation is one owner's signature (contract signatures carry dynamic data after it).
            checks.append(_check_part(blob[:65], blob, safe_tx_hash, item.claimed_owner, item.where))
            continue
        for pos in packed[id(item)]:
            checks.append(_check_part(blob[pos : pos + 65], blob, safe_tx_hash, None, f"{item.where}[{pos // 65}]"))
    return checks
