"""ur: text -> Payload: eth-sign-request typed data, ur:bytes JSON, and every refusal."""

import pytest

from decoders.errors import PayloadError, URError
from decoders.formats.ur_format import looks_like_ur, parse_ur_text
from decoders.ur.eip4527 import EthDataType, EthSignature, EthSignRequest, KeyPath
from decoders.ur.ur import UR, UREncoder, encode_single

from .helpers import cbor_bytes
from .safe_typed_data import SAFE, safe_typed_data_bytes
from .test_eip4527 import HDKEY_UR, SIGN_REQUEST_WITH_ORIGIN, SIGNATURE_UR

REQUEST_ID = bytes.fromhex("9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d")


def _request(sign_data: bytes, data_type=EthDataType.TYPED_DATA, chain_id: int | None = 1, origin="Safe{Wallet}"):
    return EthSignRequest(
        sign_data=sign_data,
        data_type=data_type,
        derivation_path=KeyPath.parse("m/44'/60'/0'/0/0", 0x12345678),
        request_id=REQUEST_ID,
        chain_id=chain_id,
        address=bytes.fromhex("11" * 20),
        origin=origin,
    )


def _multipart(ur: UR, fragment_len: int = 120, count: int | None = None) -> list[str]:
    encoder = UREncoder(ur, fragment_len)
    return [encoder.next_part() for _ in range(count or encoder.min_parts)]


def test_looks_like_ur():
    assert looks_like_ur("UR:ETH-SIGN-REQUEST/ABCD")
    assert looks_like_ur("  ur:bytes/1-3/aeae")
    assert not looks_like_ur('{"to": "0x"}')
    assert not looks_like_ur("ur:/x")
    assert not looks_like_ur("urn:bytes/x")


def test_typed_data_request_multipart_becomes_payload():
    parts = _multipart(_request(safe_typed_data_bytes(chain_id=1)).to_ur())
    assert len(parts) > 3
    payload = parse_ur_text("\n".join(reversed(parts)), "scan")
    assert payload.format == "ur:eth-sign-request"
    assert payload.safe.lower() == SAFE.lower()
    assert payload.chain_id == 1
    assert payload.tx.nonce == 7 and payload.tx.value == 10**18
    note = payload.notes[-1]
    assert "chain id 1" in note and "'Safe{Wallet}'" in note and "[12345678] m/44'/60'/0'/0/0" in note


def test_chain_id_disagreement_is_refused():
    text = encode_single(_request(safe_typed_data_bytes(chain_id=1), chain_id=5).to_ur())
    with pytest.raises(PayloadError, match="chain id 5 .* chainId 1"):
        parse_ur_text(text, "scan")


def test_incomplete_multipart_says_how_many_missing():
    parts = _multipart(_request(safe_typed_data_bytes()).to_ur())
    with pytest.raises(URError, match="at least 2 more part\\(s\\) missing"):
        parse_ur_text("\n".join(parts[:-2]), "scan")


def test_mixed_transactions_in_one_text_are_refused():
    first = _multipart(_request(safe_typed_data_bytes(nonce=1)).to_ur())
    second = _multipart(_request(safe_typed_data_bytes(nonce=2)).to_ur())
    with pytest.raises(URError, match="more than one UR"):
        parse_ur_text("\n".join(first[:2] + second[:1]), "scan")


@pytest.mark.parametrize(
    "data_type, words",
    [
        (EthDataType.LEGACY_TRANSACTION, "raw legacy transaction"),
        (EthDataType.TYPED_TRANSACTION, "typed \\(EIP-2718\\) transaction"),
        (EthDataType.PERSONAL_MESSAGE, "personal message"),
    ],
)
def test_other_data_types_say_what_they_are(data_type, words):
    text = encode_single(_request(b"\x01\x02", data_type=data_type).to_ur())
    with pytest.raises(PayloadError, match=words):
        parse_ur_text(text, "scan")


def test_keystone_legacy_vector_is_refused_as_legacy_transaction():
    with pytest.raises(PayloadError, match="raw legacy transaction"):
        parse_ur_text(SIGN_REQUEST_WITH_ORIGIN, "scan")


@pytest.mark.parametrize(
    "text, words",
    [(SIGNATURE_UR, "signature"), (HDKEY_UR, "public key export"), ("ur:crypto-psbt/hdcxaeaeaeae", None)],
)
def test_other_ur_types_are_named(text, words):
    with pytest.raises(PayloadError) as caught:
        parse_ur_text(text, "scan")
    if words:
        assert words in caught.value.message
    else:  # bad checksum in this made-up text: still a clear UR error
        assert isinstance(caught.value, URError)


def test_unknown_type_is_named():
    text = encode_single(UR("crypto-seed", b"\xa0"))
    with pytest.raises(PayloadError, match="'crypto-seed'"):
        parse_ur_text(text, "scan")


def test_bytes_ur_with_json_passes_through():
    ur = UR("bytes", cbor_bytes(safe_typed_data_bytes(chain_id=100)))
    payload = parse_ur_text("\n".join(_multipart(ur, 200)), "scan")
    assert payload.format == "ur:bytes"
    assert payload.chain_id == 100


def test_bytes_ur_not_json_is_refused():
    with pytest.raises(PayloadError, match="not JSON"):
        parse_ur_text(encode_single(UR("bytes", cbor_bytes(b"\x00\x01binary"))), "scan")


def test_signature_item_round_trips_through_format_errors_only():
    text = encode_single(EthSignature(bytes(65), REQUEST_ID).to_ur())
    with pytest.raises(PayloadError, match="signature"):
        parse_ur_text(text, "scan")
