"""Property tests: no input makes the parsers raise anything but Coldsight's own errors,
and calldata problems inside the call tree become findings, never exceptions."""

import json

from eth_abi import encode
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decoders.errors import ColdsightError, DecodeError
from decoders.formats import parse_bytes, parse_text
from decoders.deployments import identify
from decoders.multisend import library_for, read_batch
from decoders.safetx import AttachedSignature
from decoders.signatures import check_signatures
from decoders.verify import VerifyOptions, verify_payload

from .peers import OWNERS, hex0x, packed_entry, service_record, typed_data

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MULTISEND = bytes.fromhex("8d80ff0a")
SAFE_TX_KEYS = ["safe", "chainId", "safeVersion", "to", "value", "data", "operation", "safeTxGas", "baseGas", "dataGas",
                "gasPrice", "gasToken", "refundReceiver", "nonce", "safeTxHash", "confirmations", "signatures", "dataDecoded",
                "types", "domain", "primaryType", "message", "typedData"]

addresses = st.binary(min_size=20, max_size=20).map(lambda raw: to_checksum_address("0x" + raw.hex()))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**300), max_value=2**300), st.floats(allow_nan=False),
    st.text(max_size=30), addresses, addresses.map(str.lower), st.binary(max_size=80).map(hex0x),
    st.sampled_from(["0x", "0X", "0x0", "1.3.0", "1.1.1", "0.0.1", "1.5.0+L2", "SafeTx", "-1", " 7", "0x" + "f" * 65]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(SAFE_TX_KEYS) | st.text(max_size=8), inner, max_size=6)),
    max_leaves=25)


def mutated_records() -> st.SearchStrategy[dict]:
    """Valid service records and typed data with some keys replaced or dropped."""
    base = st.sampled_from([service_record(to=OWNERS[0], value="1"), typed_data(service_record()),
                            {"typedData": typed_data(service_record())}])

    @st.composite
    def build(draw):
        document = json.loads(json.dumps(draw(base)))
        target = document.get("typedData", document)
        target = target.get("message", target) if draw(st.booleans()) else target
        for key in draw(st.lists(st.sampled_from(sorted(target)), max_size=3, unique=True)):
            if draw(st.booleans()):
                target[key] = draw(json_values)
            else:
                del target[key]
        return document

    return build()


def only_own_errors(call) -> None:
    try:
        call()
    except ColdsightError:
        pass


@FUZZ
@given(st.binary(max_size=400))
def test_parse_bytes_random_bytes(data):
    only_own_errors(lambda: parse_bytes(data, "fuzz"))


@FUZZ
@given(st.text(max_size=300))
def test_parse_text_random_text(text):
    only_own_errors(lambda: parse_text(text, "fuzz"))


@FUZZ
@given(json_values)
def test_parse_bytes_json_documents(document):
    only_own_errors(lambda: parse_bytes(json.dumps(document).encode(), "fuzz"))


@FUZZ
@given(mutated_records())
def test_parse_and_verify_mutated_records(document):
    def run():
        verify_payload(parse_bytes(json.dumps(document).encode(), "fuzz"), VerifyOptions(safe_version="1.3.0"))

    only_own_errors(run)


def _verify_data(data: bytes, operation: int, version: str, to: str = OWNERS[0]):
    record = service_record(to=to, data=hex0x(data), operation=operation, safeVersion=version)
    return verify_payload(parse_bytes(json.dumps(record).encode(), "fuzz"))


calldata = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=300).map(lambda blob: MULTISEND + blob),
    st.binary(max_size=300).map(lambda blob: MULTISEND + encode(["bytes"], [blob])),
    st.binary(max_size=64).map(lambda tail: bytes.fromhex("a9059cbb") + tail),  # transfer(address,uint256)
)


@FUZZ
@given(calldata, st.sampled_from([0, 1]), st.sampled_from(["1.0.0", "1.3.0", "1.5.0"]))
def test_call_tree_random_calldata(data, operation, version):
    report = _verify_data(data, operation, version)  # must not raise: decode problems become findings
    for node in report.root.walk():
        if node.decode_error is not None:
            assert any(f.code == "UNDECODABLE_CALLDATA" and f.path == node.path for f in report.findings)
    assert report.verdict in ("ok", "warn", "block")


MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # MultiSendCallOnly 1.4.1, safe-deployments
entries = st.lists(st.tuples(st.sampled_from([0, 1]), addresses, st.integers(0, 2**256 - 1), st.binary(max_size=80)), max_size=8)


@FUZZ
@given(entries, st.binary(max_size=40), st.integers(0, 3))
def test_call_tree_random_batches(items, junk, cut):
    blob = b"".join(packed_entry(*item) for item in items)
    blob = (blob + junk)[: max(0, len(blob) + len(junk) - cut)]
    report = _verify_data(MULTISEND + encode(["bytes"], [blob]), 1, "1.4.1", to=MSCO_141)
    ambiguous = any(f.code == "BATCH_AMBIGUOUS" for f in report.findings)
    assert report.root.children or report.root.decode_error is not None or ambiguous or not blob


# MultiSendCallOnly 1.4.1 (canonical) from @safe-global/safe-deployments v1.4.1/multi_send_call_only.json.
CALL_ONLY = library_for(identify(1, MSCO_141))


@FUZZ
@given(st.binary(max_size=600))
def test_batch_reader_random_blobs(blob):
    try:
        reading = read_batch(blob, CALL_ONLY, OWNERS[4])
    except DecodeError:
        return
    assert all(entry.operation == 0 for entry in reading.entries)


@FUZZ
@given(entries)
def test_packed_round_trip(items):
    # eth-abi's encode_packed builds the blob; Coldsight must read back exactly the same entries.
    calls = [item for item in items if item[0] == 0]  # MultiSendCallOnly reverts on delegatecalls
    reading = read_batch(b"".join(packed_entry(*item) for item in calls), CALL_ONLY, OWNERS[4])
    assert reading.clean and reading.reverts_at is None
    assert [(e.operation, e.to, e.value, e.data) for e in reading.entries] == calls


signatures = st.one_of(
    st.binary(max_size=300),
    st.tuples(st.binary(min_size=64, max_size=64), st.sampled_from([0, 1, 27, 28, 31, 32]), st.binary(max_size=100)).map(
        lambda t: t[0] + bytes([t[1]]) + t[2]),
)


@FUZZ
@given(st.lists(st.tuples(signatures, st.one_of(st.none(), addresses)), max_size=4), st.binary(min_size=32, max_size=32))
def test_check_signatures_random(items, digest):
    attached = [AttachedSignature(signature, owner, f"s{i}") for i, (signature, owner) in enumerate(items)]
    checks = check_signatures(attached, digest)
    assert len(checks) >= len(attached)
    for check in checks:
        assert check.kind in ("eip712", "eth_sign", "approved-hash", "contract", "invalid")
        assert check.valid in (True, False, None)
