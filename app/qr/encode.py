"""A verified payload as UR texts for an animated QR (`coldsight qr encode`).

Two containers:
- `eth-sign-request` (EIP-4527) with data-type 2: the SafeTx as EIP-712 typed data, built
  from the verified Report, so wallets that speak EIP-4527 (Keystone, MetaMask, ...) read it;
- `bytes`: the original JSON file as it is, for tools that pass documents around.
"""

from __future__ import annotations

import json
from typing import Literal
import hashlib

from decoders.formats.typed_data import to_typed_data
from decoders.report import Report
from decoders.safetx import HashFamily
from decoders.ur import UR, EthDataType, EthSignRequest, KeyPath, UREncoder, strict_cbor

DEFAULT_DERIVATION_PATH = "m/44'/60'/0'/0/0"
Container = Literal["sign-request", "bytes"]


def safe_tx_typed_data(report: Report) -> dict:
    """The EIP-712 document a wallet signs for this SafeTx (types as Safe.sol hashes them)."""
    return to_typed_data(report.payload.tx, report.context)


def sign_request_ur(
    report: Report, derivation_path: str = DEFAULT_DERIVATION_PATH, request_id: bytes | None = None, origin: str = "coldsight"
) -> UR:
    typed = json.dumps(safe_tx_typed_data(report), separators=(",", ":")).encode()
    chain_id = report.context.chain_id if report.context.version.family is HashFamily.BASEGAS_CHAIN else None
    request = EthSignRequest(
        sign_data=typed,
        data_type=EthDataType.TYPED_DATA,
        derivation_path=KeyPath.parse(derivation_path),
        request_id=request_id if request_id is not None else content_uuid(typed),
        chain_id=chain_id,
        origin=origin,
    )
    return request.to_ur()


def bytes_ur(document: bytes) -> UR:
    return UR("bytes", strict_cbor.encode(document))


def content_uuid(content: bytes) -> bytes:
    """A request id derived from the content (RFC 9562 UUIDv8 layout).

    Deterministic on purpose: the same transaction always renders the same frames, so an
    animation can be reproduced and compared, and tests do not depend on chance.
    """
    raw = bytearray(hashlib.sha256(b"coldsight eth-sign-request id\x00" + content).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8: custom
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC variant
    return bytes(raw)


def ur_texts(ur: UR, max_fragment_len: int = 200, count: int | None = None) -> list[str]:
    """Upper-case UR texts to show in turn: the seqLen pure parts, then mixed ones up to `count`.

    The default count shows every fragment twice over (pure + as many mixed parts), so a
    reader that misses a fifth of the frames on the first loop still completes within it.
    """
    encoder = UREncoder(ur, max_fragment_len)
    if encoder.is_single_part:
        return [encoder.next_part()]
    total = count if count is not None else 2 * encoder.min_parts
    return [encoder.next_part() for _ in range(max(total, encoder.min_parts))]
