"""Property tests: no input makes the UR parsers raise anything but Coldsight's own errors.

Also replays the seed corpus in tests/ur/corpus/ (hand-made hostile inputs), each of which
must end in a clean URError.
"""

from pathlib import Path

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decoders.errors import ColdsightError, URError
from decoders.formats.ur_format import looks_like_ur, parse_ur_text
from decoders.ur import bytewords, strict_cbor
from decoders.ur.eip4527 import CryptoAccount, CryptoHDKey, EthSignature, EthSignRequest, decode_registry_item
from decoders.ur.ur import UR, URDecoder, UREncoder, parse_part

from .helpers import make_message_ur
from .test_eip4527 import HDKEY_UR, SIGN_REQUEST_WITH_ORIGIN, SIGNATURE_UR

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.txt"))
ITEM_PARSERS = (EthSignRequest.from_cbor, EthSignature.from_cbor, CryptoHDKey.from_cbor, CryptoAccount.from_cbor)
VALID_URS = [SIGN_REQUEST_WITH_ORIGIN, SIGNATURE_UR, HDKEY_UR]
MULTIPART = [UREncoder(make_message_ur(200), 40).next_part() for _ in range(3)]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decode_everything(text: str) -> None:
    """Every layer a scanned text goes through."""
    parsed = parse_part(text)
    if parsed.fountain_part is None and parsed.type in ("eth-sign-request", "eth-signature", "crypto-hdkey", "crypto-account"):
        decode_registry_item(UR(parsed.type, parsed.cbor))
    elif parsed.fountain_part is None:
        strict_cbor.decode(parsed.cbor, "fuzz", frozenset())


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_inputs_give_clean_urerror(path):
    text = path.read_text().strip()
    with pytest.raises(URError):
        _decode_everything(text)
    with pytest.raises(URError):
        parse_ur_text(text, source=path.name)
    result = URDecoder().receive(text)
    assert result.status == "rejected" or (result.status == "accepted" and result.complete)


def test_corpus_is_not_empty():
    assert len(CORPUS) >= 15


def _mutate(text: str, data) -> str:
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        i = data.draw(st.integers(0, max(0, len(chars) - 1)))
        if op == "replace" and chars:
            chars[i] = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-/:ABZ "))
        elif op == "insert":
            chars.insert(i, data.draw(st.characters()))
        elif op == "delete" and chars:
            del chars[i]
        elif op == "truncate":
            chars = chars[:i]
    return "".join(chars)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text):
    try:
        _decode_everything(text)
    except URError:
        pass
    try:
        parse_ur_text(text, "fuzz")
    except ColdsightError:
        pass
    assert URDecoder().receive(text).status in ("accepted", "rejected")
    looks_like_ur(text)


@FUZZ
@given(st.data())
def test_mutated_valid_urs(data):
    text = _mutate(data.draw(st.sampled_from(VALID_URS + MULTIPART)), data)
    try:
        _decode_everything(text)
    except URError:
        pass
    try:
        parse_ur_text(text, "fuzz")
    except ColdsightError:
        pass


_CBOR_LEAVES = st.one_of(
    st.integers(-(2**64), 2**64 - 1), st.binary(max_size=70), st.text(max_size=20), st.booleans(), st.none(),
)
_CBOR_VALUES = st.recursive(
    _CBOR_LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(st.integers(0, 12), children, max_size=8),
        st.builds(cbor2.CBORTag, st.sampled_from([37, 303, 304, 305, 306, 400, 401, 403, 404, 0, 2, 28, 29]), children),
    ),
    max_leaves=30,
)


@FUZZ
@given(_CBOR_VALUES)
def test_random_cbor_structures(value):
    cbor = cbor2.dumps(value)
    for parse in ITEM_PARSERS:
        try:
            parse(cbor)
        except URError:
            pass


@FUZZ
@given(st.binary(max_size=200))
def test_random_cbor_bytes_inside_valid_bytewords(raw):
    # valid Bytewords and CRC, so the parsers below the text layer see arbitrary bytes
    for ur_type in ("eth-sign-request", "eth-signature", "crypto-account", "bytes"):
        for text in (f"ur:{ur_type}/{bytewords.encode(raw)}", f"ur:{ur_type}/1-3/{bytewords.encode(raw)}"):
            try:
                _decode_everything(text)
            except URError:
                pass
            try:
                parse_ur_text(text, "fuzz")
            except ColdsightError:
                pass
