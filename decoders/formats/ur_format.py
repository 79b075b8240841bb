"""UR text (one or many `ur:` parts, e.g. from an animated QR or a file) -> Payload.

Only an `eth-sign-request` carrying EIP-712 typed data (data-type 2), or `ur:bytes` holding
JSON, can be a Safe transaction; they are handed to `decoders.formats.parse_bytes`. Every
other content gets an error that says what it is instead.
"""

from __future__ import annotations

import re

from decoders.bounds import MAX_UR_FRAGMENTS, MAX_UR_PARTS, MAX_UR_TEXT_BYTES, URLimitExceeded, check_count
from decoders.errors import PayloadError, URError
from decoders.safetx import Payload
from decoders.ur import strict_cbor
from decoders.ur.eip4527 import EthDataType, EthSignRequest, decode_registry_item
from decoders.ur.ur import UR, URDecoder

_UR_START = re.compile(r"^\s*ur:[a-z0-9]+(?:-[a-z0-9]+)*/", re.IGNORECASE)
_SEQ_LEN = re.compile(r"^ur:[a-z0-9-]+/[0-9]{1,10}-([0-9]{1,10})/", re.IGNORECASE)

_NOT_TYPED_DATA = {
    EthDataType.LEGACY_TRANSACTION: "a raw legacy transaction (RLP), not a Safe transaction",
    EthDataType.TYPED_TRANSACTION: "a raw typed (EIP-2718) transaction, not a Safe transaction",
    EthDataType.PERSONAL_MESSAGE: "a personal message (eth_sign), not a Safe transaction",
}
_OTHER_TYPES = {
    "eth-signature": "a signature (eth-signature) coming back from a signer, not a transaction to review",
    "crypto-hdkey": "a public key export (crypto-hdkey), not a transaction",
    "crypto-account": "an account export (crypto-account), not a transaction",
    "crypto-psbt": "a Bitcoin PSBT (crypto-psbt), not a Safe transaction",
    "eth-batch-sign-request": "a batch of Ethereum sign requests; Coldsight reviews one Safe transaction at a time",
}


def looks_like_ur(text: str) -> bool:
    """True if the text starts with something shaped like `ur:<type>/`."""
    return isinstance(text, str) and bool(_UR_START.match(text))


def assemble_ur(text: str, source: str) -> UR:
    """Collect every `ur:` part in the text (one per line or whitespace-separated) into one UR.

    Bounded before any part is decoded: the text's length, its number of parts and (from each
    part's header) the number of fragments, which sets the cost of every fragment choice and
    elimination step (docs/bounds.md)."""
    check_count("MAX_UR_TEXT_BYTES", MAX_UR_TEXT_BYTES, len(text), "UR text length in characters", source, URLimitExceeded)
    tokens = text.split()
    if not tokens:
        raise PayloadError("no UR text", source)
    check_count("MAX_UR_PARTS", MAX_UR_PARTS, len(tokens), "ur: parts in the text", source, URLimitExceeded)
    decoder = URDecoder(restart_after=1)
    for number, token in enumerate(tokens, start=1):
        where = f"{source}: UR part {number}"
        if not token.lower().startswith("ur:"):
            raise URError(f"'{token[:24]}' is not a ur: part", where)
        header = _SEQ_LEN.match(token)
        if header:
            check_count("MAX_UR_FRAGMENTS", MAX_UR_FRAGMENTS, int(header.group(1)), "fragments (seqLen) of the UR", where,
                        URLimitExceeded)
        result = decoder.receive(token)
        if result.different_message or result.status == "restarted":
            raise URError(
                "the text holds parts of more than one UR (different transactions mixed); "
                "keep only the parts of one", where,
            )
        if result.status == "rejected":
            raise URError(result.message, where)
    if not decoder.is_complete:
        progress = decoder.progress
        raise URError(
            f"multipart UR is incomplete: {progress.fragments_total - progress.estimated_remaining} of "
            f"{progress.fragments_total} fragments known, at least {progress.estimated_remaining} more part(s) missing",
            source,
            "keep scanning the animated QR until it completes",
        )
    return decoder.result


def parse_ur_text(text: str, source: str) -> Payload:
    ur = assemble_ur(text, source)
    if ur.type == "eth-sign-request":
        return _from_sign_request(EthSignRequest.from_cbor(ur.cbor), source)
    if ur.type == "bytes":
        return _from_bytes_ur(ur, source)
    what = _OTHER_TYPES.get(ur.type)
    if what:
        if ur.type in ("eth-signature", "crypto-hdkey", "crypto-account"):
            decode_registry_item(ur)  # a malformed one is reported as such (URError), not just named
        raise PayloadError(f"this UR is {what}", source)
    raise PayloadError(
        f"UR type '{ur.type}' is not a Safe transaction format (expected eth-sign-request with typed data, or bytes)",
        source,
    )


def _from_sign_request(request: EthSignRequest, source: str) -> Payload:
    where = f"{source} (ur:eth-sign-request)"
    if request.data_type is not EthDataType.TYPED_DATA:
        raise PayloadError(f"this eth-sign-request is {_NOT_TYPED_DATA[request.data_type]}", where)
    from decoders.formats import parse_bytes  # late: decoders.formats loads this module lazily too

    payload = parse_bytes(request.sign_data, source="ur:eth-sign-request")
    domain_chain = payload.typed_domain_chain_id if payload.typed_domain_chain_id is not None else payload.chain_id
    if request.chain_id is not None and domain_chain is not None and request.chain_id != domain_chain:
        raise PayloadError(
            f"the request says chain id {request.chain_id} but the typed data's domain says chainId {domain_chain}",
            where,
            "a wallet would sign for the domain's chain; do not sign until the two agree",
        )
    payload.format = "ur:eth-sign-request"
    details = [f"chain id {request.chain_id}" if request.chain_id is not None else "no chain id"]
    if request.chain_id is not None and domain_chain is None:
        details[0] += " (the typed-data domain has no chainId to compare it with)"
    details.append(f"origin {request.origin!r}" if request.origin else "no origin")
    path = request.derivation_path
    details.append(f"signer key [{path.fingerprint_hex or 'no fingerprint'}] {path.path}")
    if request.address:
        details.append(f"address 0x{request.address.hex()}")
    if request.request_uuid:
        details.append(f"request id {request.request_uuid}")
    payload.notes.append("eth-sign-request: " + ", ".join(details))
    return payload


def _from_bytes_ur(ur: UR, source: str) -> Payload:
    where = f"{source} (ur:bytes)"
    content = strict_cbor.decode(ur.cbor, where, frozenset())
    if not isinstance(content, bytes):
        raise URError("ur:bytes must hold a CBOR byte string", where)
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        raise PayloadError("ur:bytes content is not JSON, so not a Safe transaction Coldsight reads", where)
    from decoders.formats import parse_bytes

    payload = parse_bytes(content, source="ur:bytes")
    payload.format = "ur:bytes"
    return payload
