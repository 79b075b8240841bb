"""Offline signing of a reviewed Safe transaction: the gate, the signature, the eth-signature UR.

    request = read_request(spec)                       # the payload, and the eth-sign-request it came in
    review = review_payload(options, request.payload)
    signature = sign_reviewed(review, key, acknowledged, request)   # SigningRefused unless allowed

The gate is the review's verdict, never the caller's word: `ok` signs; `warn` signs only when
every acknowledgement the review asks for (app.presentation, the same keys the GUI ticks and
the review log records) was given; `block` never signs. What is signed is the safeTxHash
Coldsight recomputed from the raw fields (the EIP-712 digest a wallet's eth_signTypedData_v4
signs), never a hash the payload claims.

Keys: a V3 keystore decrypted by policies.keystore (pycryptodome, already shipped) and signed
with eth-keys (already shipped, RFC 6979 deterministic, low s): no new runtime dependency.
eth-account produces the same bytes (tests/signing checks it) but would add a package to the
signing machine for nothing it does here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
import getpass
import json
import sys

from decoders.errors import ColdsightError
from decoders.formats import parse_bytes, parse_text
from decoders.safetx import Payload
from decoders.ur import EthSignRequest, EthSignature
from decoders.ur.eip4527 import EthDataType

from .service import Review
from decoders.vocabulary import Verdict
from . import payload_input
from .presentation import acknowledgements_for
from .qr.encode import content_uuid, safe_tx_typed_data
from .qr.scan import run_scan
from decoders.formats.ur_format import assemble_ur, looks_like_ur
from decoders.hexutil import to_checksum
from policies.keystore import decrypt_keystore

SIGNATURE_ORIGIN = "coldsight"
_V_OFFSET = 27  # Safe's checkSignatures: v 27/28 is an ECDSA signature over the safeTxHash itself


class SigningRefused(ColdsightError):
    """The review does not allow a signature, or the key does not match the request (exit 3, or the verdict's)."""

    code = "SIGNING_REFUSED"

    def __init__(self, message: str, where: str | None = None, hint: str | None = None, verdict: str | None = None):
        super().__init__(message, where, hint)
        self.verdict = verdict


@dataclass(frozen=True)
class SignRequest:
    """The payload to review and, when it came as an eth-sign-request, that request."""

    payload: Payload
    request: EthSignRequest | None
    source: str


def read_request(spec: str) -> SignRequest:
    """Read PAYLOAD like `verify` does (files, stdin, images, GIFs, videos, cameras) and keep the
    eth-sign-request it was carried in, so the signature can answer it by request id."""
    frame_source = payload_input.open_frame_source(spec)
    if frame_source is not None:
        result = run_scan(frame_source)
        text, source = result.text, f"{result.source} (QR)"
        return SignRequest(parse_text(text, source), _request_in(text, source), source)
    data, source = payload_input.read_bytes(spec)
    # a QR image piped in: recognised exactly as `verify` does (payload_input's magic numbers)
    if spec == "-" and data.startswith(payload_input._IMAGE_MAGIC + payload_input._ANIMATION_MAGIC):
        from .qr.sources import ImageBytesSource

        text = run_scan(ImageBytesSource(data, name="stdin")).text
        return SignRequest(parse_text(text, "stdin (QR)"), _request_in(text, "stdin (QR)"), "stdin (QR)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return SignRequest(parse_bytes(data, source), None, source)
    return SignRequest(parse_bytes(data, source), _request_in(text, source), source)


def _request_in(text: str, source: str) -> EthSignRequest | None:
    if not looks_like_ur(text):
        return None
    ur = assemble_ur(text, source)
    return EthSignRequest.from_cbor(ur.cbor) if ur.type == EthSignRequest.UR_TYPE else None


def missing_acknowledgements(review: Review, acknowledged: Iterable[str]) -> list[tuple[str, str]]:
    """(key, text) of every acknowledgement the review asks for that was not given."""
    if review.verdict != Verdict.WARN:
        return []
    given = set(acknowledged)
    return [(item.key, item.text) for item in acknowledgements_for(review) if item.key not in given]


def check_allowed(review: Review, acknowledged: Iterable[str]) -> None:
    """Raise SigningRefused unless the verdict is ok, or warn with every item acknowledged."""
    if review.verdict == Verdict.BLOCK:
        raise SigningRefused("the verdict is BLOCK: Coldsight never signs this transaction", "verdict",
                             "do not sign; tell the security team", verdict=Verdict.BLOCK)
    if review.verdict not in (Verdict.OK, Verdict.WARN):
        raise SigningRefused(f"unknown verdict {review.verdict!r}", "verdict", verdict=review.verdict)
    missing = missing_acknowledgements(review, acknowledged)
    if missing:
        listed = "; ".join(f"{key} ({text})" for key, text in missing)
        raise SigningRefused(f"the verdict is WARN and {len(missing)} warning(s) are not acknowledged: {listed}",
                             "acknowledgements", "read each warning, then pass --ack KEY for it (or --ack-all-warnings)",
                             verdict=Verdict.WARN)


def address_of(private_key: bytes) -> str:
    from eth_keys import keys

    return keys.PrivateKey(private_key).public_key.to_checksum_address()


def sign_hash(private_key: bytes, digest: bytes) -> bytes:
    """r || s || v with v 27/28: what Safe's checkSignatures reads as an ECDSA signature of `digest`."""
    from eth_keys import keys

    signature = keys.PrivateKey(private_key).sign_msg_hash(digest)
    return signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes([signature.v + _V_OFFSET])


_NOTED_ID = re.compile(r"request id ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b")
_NOTED_ADDRESS = re.compile(r"address 0x([0-9a-f]{40})\b")


def noted_request(review: Review) -> tuple[bytes | None, bytes | None]:
    """(request id, address) of the eth-sign-request the payload came in, as decoders' UR reader
    noted them (decoders/formats/ur_format.py); for the GUI, which keeps the review, not the UR."""
    for note in review.report.payload.notes:
        if note.startswith("eth-sign-request: "):
            found_id, found_address = _NOTED_ID.search(note), _NOTED_ADDRESS.search(note)
            return (bytes.fromhex(found_id.group(1).replace("-", "")) if found_id else None,
                    bytes.fromhex(found_address.group(1)) if found_address else None)
    return None, None


def request_id_for(review: Review, request: EthSignRequest | None) -> bytes:
    """The id the signature answers: the request's own, else the one `coldsight qr encode` (and the
    courier) give this transaction's request, derived from its typed data."""
    if request is not None and request.request_id is not None:
        return request.request_id


    return content_uuid(json.dumps(safe_tx_typed_data(review.report), separators=(",", ":")).encode())


def sign_reviewed(review: Review, private_key: bytes, acknowledged: Iterable[str],
                  request: EthSignRequest | None = None) -> EthSignature:
    """The eth-signature answering `request` for the reviewed transaction, or SigningRefused."""
    check_allowed(review, acknowledged)
    signer = address_of(private_key)
    if request is not None:
        if request.data_type is not EthDataType.TYPED_DATA:
            raise SigningRefused("the request is not EIP-712 typed data", "eth-sign-request data-type")
        if request.address is not None and request.address.hex() != signer.lower()[2:]:
            raise SigningRefused(f"the request asks for the key of 0x{request.address.hex()}, the keystore holds {signer}",
                                 "eth-sign-request address", "use the keystore of the owner the request names")
    request_id = request_id_for(review, request)
    if request is None:
        noted_id, noted_address = noted_request(review)
        if noted_address is not None and noted_address.hex() != signer.lower()[2:]:
            raise SigningRefused(f"the request asks for the key of 0x{noted_address.hex()}, the keystore holds {signer}",
                                 "eth-sign-request address", "use the keystore of the owner the request names")
        request_id = noted_id or request_id
    digest = review.report.hashes.safe_tx
    return EthSignature(sign_hash(private_key, digest), request_id, SIGNATURE_ORIGIN)


def read_password(password_file: Path | None) -> str:
    """The keystore password: the file's first line, else asked on the terminal (never echoed)."""
    if password_file is not None:
        try:
            return password_file.read_text(encoding="utf-8").splitlines()[0] if password_file.stat().st_size else ""
        except OSError as err:
            raise ColdsightError(f"cannot read: {err.strerror}", str(password_file)) from None

    if not sys.stdin.isatty():
        raise ColdsightError("no terminal to ask the keystore password on", "password",
                             "pass --password-file FILE")
    try:
        return getpass.getpass("keystore password: ")
    except EOFError:  # the terminal closed (Ctrl+D) before a password was typed
        raise ColdsightError("no keystore password was entered", "password", "type it, or pass --password-file FILE") from None


def load_key(keystore: Path, password: str) -> bytes:
    return decrypt_keystore(keystore, password)


def keystore_address(keystore: Path) -> str | None:
    """The owner address a V3 keystore names (its clear-text `address`), checksummed, before any
    password: so the signer sees who signs before unlocking. None when the file does not say (or
    cannot be read); the address the decrypted key really has is shown after signing and decides."""

    try:
        document = json.loads(keystore.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    address = document.get("address") if isinstance(document, dict) else None
    if not isinstance(address, str) or not re.fullmatch(r"(0x)?[0-9a-fA-F]{40}", address):
        return None
    return to_checksum(bytes.fromhex(address.lower().removeprefix("0x")))


def signature_file_name(review: Review, owner: str | None) -> str:
    """The default file for a signature: the Safe's nonce and the owner's address, so the second
    owner's signature never overwrites the first's."""
    nonce = review.report.payload.tx.nonce
    return f"signature-nonce-{nonce}-{owner or 'owner'}.png"
