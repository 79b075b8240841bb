"""Bounds on work (decoders/bounds.py, docs/bounds.md): refused before the work, exit 3, JSON error
code LIMIT_EXCEEDED with the bound named; any input up to the limits raises only typed errors.
No test here asserts a time: benchmarks/worst_case.py measures the worst case per stage."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decoders import bounds, strictjson
from decoders.errors import ColdsightError, URError
from decoders.formats import parse_text
from decoders.safetx import AttachedSignature
from decoders.signatures import check_signatures
from decoders.ur.fountain import FountainEncoder
from decoders.ur.ur import encode_part
from tests.builders import address, service_record
from tests.conftest import run_cli

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.data_too_large])
SAFE, TARGET = address("bounds-safe"), address("bounds-target")
# A well-formed but arbitrary EIP-712-kind signature part (r, s in range, v = 27).
PART = (1).to_bytes(32, "big") + (2).to_bytes(32, "big") + b"\x1b"


def _cli_error(tmp_path, text: str, *args: str) -> dict:
    path = tmp_path / "payload.txt"
    path.write_text(text)
    result = run_cli(["verify", str(path), "--format", "json", *args])
    assert result.code == 3, result.stdout
    document = result.json()
    assert document["schema"] == "coldsight.error/1"
    return document["error"]


# -- signatures -----------------------------------------------------------------------------------
def test_confirmations_over_the_bound_are_refused_before_parsing(tmp_path):
    record = service_record(SAFE, TARGET, confirmations=[{"owner": SAFE, "signature": "0xzz"}] * (bounds.MAX_SIGNATURES + 1))
    error = _cli_error(tmp_path, json.dumps(record))  # "0xzz" would fail to parse if it were looked at
    assert error["code"] == "LIMIT_EXCEEDED" and "MAX_SIGNATURES" in error["message"]
    assert "confirmations" in error["where"]


def test_packed_signatures_over_the_bound_are_refused(tmp_path):
    record = service_record(SAFE, TARGET, signatures="0x" + (PART * 20_000).hex())
    error = _cli_error(tmp_path, json.dumps(record))
    assert error["code"] == "LIMIT_EXCEEDED" and f"MAX_SIGNATURES = {bounds.MAX_SIGNATURES}" in error["message"]


def test_signatures_at_the_bound_are_all_checked():
    attached = [AttachedSignature(PART * bounds.MAX_SIGNATURES, None, "signatures")]
    assert len(check_signatures(attached, bytes(32))) == bounds.MAX_SIGNATURES
    with pytest.raises(bounds.LimitExceeded):
        check_signatures(attached + [AttachedSignature(PART, SAFE, "confirmations[0]")], bytes(32))


def test_contract_signature_data_is_not_counted_as_signatures():
    """Static parts end where the first contract signature's data begins (Safe.checkNSignatures)."""
    owner = (1).to_bytes(32, "big")
    static = owner + (65 * 2).to_bytes(32, "big") + b"\x00" + PART
    dynamic = (65 * bounds.MAX_SIGNATURES * 2).to_bytes(32, "big") + PART * (bounds.MAX_SIGNATURES * 2)
    checks = check_signatures([AttachedSignature(static + dynamic, None, "signatures")], bytes(32))
    assert len(checks) == 2


@SETTINGS
@given(st.lists(st.binary(max_size=200), max_size=8), st.binary(max_size=65 * 40))
def test_any_signatures_within_bounds_give_checks_or_typed_errors(confirmations, packed):
    attached = [AttachedSignature(blob, SAFE, f"confirmations[{i}]") for i, blob in enumerate(confirmations)]
    attached.append(AttachedSignature(packed, None, "signatures"))
    try:
        checks = check_signatures(attached, bytes(32))
    except ColdsightError:
        return
    assert all(check.valid in (True, False, None) for check in checks)


# -- JSON -----------------------------------------------------------------------------------------
def test_json_over_the_size_bound_is_refused_unparsed(tmp_path):
    text = '{"a": "' + "x" * strictjson.MAX_JSON_BYTES + '"}'
    error = _cli_error(tmp_path, text)
    assert error["code"] == "LIMIT_EXCEEDED" and "MAX_JSON_BYTES" in error["message"]


def test_json_over_the_depth_bound_is_refused(tmp_path):
    error = _cli_error(tmp_path, "[" * (strictjson.MAX_DEPTH + 1) + "]" * (strictjson.MAX_DEPTH + 1))
    assert error["code"] == "LIMIT_EXCEEDED" and "MAX_JSON_DEPTH" in error["message"]


def test_json_at_the_depth_bound_is_parsed():
    depth = strictjson.MAX_DEPTH
    assert strictjson.loads("[" * depth + "]" * depth) is not None


@SETTINGS
@given(st.integers(min_value=1, max_value=strictjson.MAX_DEPTH + 3), st.sampled_from(["[", '{"k":']))
def test_nesting_near_the_bound_gives_a_value_or_a_typed_error(depth, opener):
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "1" + closer * depth
    try:
        strictjson.loads(text)
    except ColdsightError as err:
        assert isinstance(err, bounds.LimitExceeded)


# -- UR text --------------------------------------------------------------------------------------
def _ur_parts(seq_len: int, count: int, fragment_len: int = 10) -> list[str]:
    message = bytes(range(256)) * (seq_len * fragment_len // 256 + 1)
    cbor = b"\x5a" + (seq_len * fragment_len - 5).to_bytes(4, "big") + message[: seq_len * fragment_len - 5]
    encoder = FountainEncoder(cbor, fragment_len, first_seq_num=seq_len, min_fragment_len=1)
    return [encode_part("bytes", encoder.next_part()) for _ in range(count)]


def test_ur_text_with_too_many_parts_is_refused_before_decoding(tmp_path):
    text = "\n".join(["ur:bytes/1-2/not-bytewords"] * (bounds.MAX_UR_PARTS + 1))  # undecodable if looked at
    error = _cli_error(tmp_path, text)
    assert error["code"] == "LIMIT_EXCEEDED" and "MAX_UR_PARTS" in error["message"]


def test_ur_with_too_many_fragments_is_refused_at_its_header(tmp_path):
    error = _cli_error(tmp_path, "\n".join(_ur_parts(bounds.MAX_UR_FRAGMENTS + 1, 2)))
    assert error["code"] == "LIMIT_EXCEEDED" and "MAX_UR_FRAGMENTS" in error["message"]
    assert "UR part 1" in error["where"]


def test_ur_text_over_the_length_bound_is_refused(tmp_path):
    error = _cli_error(tmp_path, "ur:bytes/" + "a" * bounds.MAX_UR_TEXT_BYTES)
    assert error["code"] == "LIMIT_EXCEEDED" and "MAX_UR_TEXT_BYTES" in error["message"]


def test_ur_limit_errors_are_still_ur_errors():
    with pytest.raises(URError) as caught:
        parse_text("\n".join(_ur_parts(bounds.MAX_UR_FRAGMENTS + 1, 1)), "t")
    assert caught.value.code == "LIMIT_EXCEEDED"


@SETTINGS
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30), st.integers(min_value=2, max_value=12))
def test_any_selection_of_parts_within_bounds_gives_a_payload_or_a_typed_error(picks, seq_len):
    parts = _ur_parts(seq_len, 41)
    text = "\n".join(parts[i] for i in picks)
    try:
        parse_text(text, "t")
    except ColdsightError:
        pass


@SETTINGS
@given(st.text(alphabet="ur:bytes/-0123456789abcdefghijklmnopqrstuvwxyz \n", max_size=400))
def test_any_ur_shaped_text_gives_only_typed_errors(text):
    try:
        parse_text("ur:" + text, "t")
    except ColdsightError:
        pass


def test_the_error_document_names_the_bound_on_stderr_too(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("[" * (strictjson.MAX_DEPTH + 5))
    result = run_cli(["verify", str(path)])
    assert result.code == 3 and "MAX_JSON_DEPTH" in result.stderr and "docs/bounds.md" in result.stderr


def _real_depth(value: object) -> int:
    """Nesting depth counted independently, on the standard library's parse."""
    if isinstance(value, dict):
        return 1 + max((_real_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_real_depth(v) for v in value), default=0)
    return 0


json_trees = st.recursive(
    st.one_of(st.integers(), st.text(alphabet='[]{}"\\ab', max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(alphabet='[]{}"x', max_size=3), inner,
                                                                          max_size=3)),
    max_leaves=80,
)


@SETTINGS
@given(json_trees, st.integers(min_value=0, max_value=strictjson.MAX_DEPTH + 2))
def test_depth_bound_is_exact_whatever_brackets_strings_hold(tree, wrap):
    for _ in range(wrap):
        tree = [tree]
    text = json.dumps(tree)
    depth = _real_depth(json.loads(text))
    if depth <= strictjson.MAX_DEPTH:
        assert strictjson.loads(text) == tree
    else:
        with pytest.raises(bounds.LimitExceeded):
            strictjson.loads(text)
