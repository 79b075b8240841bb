"""Batches read the way the deployed MultiSend / MultiSendCallOnly bytecode reads them.

Expected readings are built here from the Solidity source (safe-smart-account
contracts/libraries/MultiSend*.sol, v1.1.1 … v1.5.0), two ways: a table of byte strings with the
entries written out by hand, and `evm_memory_reading`, a literal transcription of the assembly loop
(mload of 32-byte words from zero-initialised memory, shr, the `i < length` test from i = 0x20),
compared with Coldsight's reader on arbitrary bytes.
"""

import pytest
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decoders.deployments import identify
from decoders.errors import DecodeError
from decoders.multisend import MEMORY_LIMIT, encode_packed, library_for, read_batch

from .helpers import findings_by_code, verify_record
from .peers import OWNERS, ZERO, calldata, erc20_transfer, hex0x, multisend, packed_entry, service_record

# @safe-global/safe-deployments src/assets/v1.4.1 and v1.5.0 multi_send(_call_only).json, canonical.
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MS_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
MSCO_150 = "0xA83c336B20401Af773B6219BA5027174338D1836"
MS_150 = "0x218543288004CD07832472D464648173c77D7eB7"
MS_111 = "0x8D29bE29923b68abfDD21e541b9374737B49cdAD"
SAFE = OWNERS[4]
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"

CALL_ONLY = library_for(identify(1, MSCO_141))
PLAIN = library_for(identify(1, MS_141))
CALL_ONLY_150 = library_for(identify(1, MSCO_150))
PLAIN_150 = library_for(identify(1, MS_150))
PLAIN_111 = library_for(identify(1, MS_111))

A, B = OWNERS[0], OWNERS[1]
E1 = packed_entry(0, A, 1, b"")
E2 = packed_entry(0, USDC, 0, erc20_transfer(B, 5))
HIDDEN_TO = "0x" + "77" * 20


def _word(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


# (id, library, executing as, blob, expected [(op, to, value, data)], reverts_at, clean)
TABLE = [
    ("clean", CALL_ONLY, SAFE, E1 + E2, [(0, A, 1, b""), (0, USDC, 0, erc20_transfer(B, 5))], None, True),
    ("empty", CALL_ONLY, SAFE, b"", [], None, True),
    # 40 bytes of a second entry: op, to, 19 value bytes; the rest of the header reads as zeros
    ("truncated header", CALL_ONLY, SAFE, E1 + E2[:40],
     [(0, A, 1, b""), (0, USDC, _word(E2[21:40] + bytes(13)), b"")], None, False),
    ("truncated data", CALL_ONLY, SAFE, packed_entry(0, A, 0, b"\x11" * 10)[:-5],
     [(0, A, 0, b"\x11" * 5 + bytes(5))], None, False),
    ("trailing 1", CALL_ONLY, SAFE, E1 + b"\x01", [(0, A, 1, b"")], None, False),
    ("trailing 32", CALL_ONLY, SAFE, E1 + b"\xff" * 32, [(0, A, 1, b"")], None, False),
    # 33 trailing bytes are read as an entry: a hidden native transfer of 0x55 << 248 >> 96 … wei
    ("trailing 33", CALL_ONLY, SAFE, E1 + b"\x00" + bytes.fromhex("77" * 20) + b"\x55" * 12,
     [(0, A, 1, b""), (0, to_checksum_address(HIDDEN_TO), _word(b"\x55" * 12 + bytes(20)), b"")], None, False),
    ("second entry, trailing 15", CALL_ONLY, SAFE, E1 + packed_entry(0, B, 3, b"") + b"\x00" * 15,
     [(0, A, 1, b""), (0, B, 3, b"")], None, False),
    ("data 1000 bytes past the end", CALL_ONLY, SAFE, packed_entry(0, A, 0, b"")[:-32] + (1000).to_bytes(32, "big"),
     [(0, A, 0, bytes(1000))], None, False),
    ("huge dataLength", CALL_ONLY, SAFE, E1 + packed_entry(0, A, 0, b"")[:-32] + (2**255).to_bytes(32, "big"),
     [(0, A, 1, b"")], 1, False),
    ("data ends 1 byte past the memory limit", CALL_ONLY, SAFE,
     packed_entry(0, A, 0, b"")[:-32] + (MEMORY_LIMIT - 85 + 1).to_bytes(32, "big"), [], 0, False),
    ("dataLength wraps i", CALL_ONLY, SAFE, packed_entry(0, A, 0, b"")[:-32] + (2**256 - 0x55).to_bytes(32, "big"),
     [], 0, False),
    ("operation 2", PLAIN, SAFE, E1 + packed_entry(2, B, 0, b"") + E2, [(0, A, 1, b"")], 1, False),
    ("operation 255", PLAIN, SAFE, packed_entry(255, B, 0, b""), [], 0, False),
    ("CallOnly + delegatecall", CALL_ONLY, SAFE, E1 + packed_entry(1, B, 0, b"\x01\x02\x03\x04"), [(0, A, 1, b"")], 1, False),
    ("MultiSend + delegatecall", PLAIN, SAFE, E1 + packed_entry(1, B, 0, b"\x01\x02\x03\x04"),
     [(0, A, 1, b""), (1, B, 0, b"\x01\x02\x03\x04")], None, True),
    ("1.5.0 to == 0 is the Safe", CALL_ONLY_150, SAFE, packed_entry(0, ZERO, 0, b""), [(0, SAFE, 0, b"")], None, True),
    ("1.5.0 to == 0, called directly", CALL_ONLY_150, MSCO_150, packed_entry(0, ZERO, 0, b""),
     [(0, MSCO_150, 0, b"")], None, True),
    ("1.4.1 to == 0 stays 0", CALL_ONLY, SAFE, packed_entry(0, ZERO, 0, b""), [(0, ZERO, 0, b"")], None, True),
    ("plain MultiSend called directly", PLAIN, MS_141, E1, [], 0, True),
    ("plain MultiSend 1.1.1 called directly (storage guard)", PLAIN_111, MS_111, E1, [], 0, True),
    ("plain MultiSend called directly, empty", PLAIN_150, MS_150, b"", [], 0, True),
    ("MultiSendCallOnly called directly runs", CALL_ONLY, MSCO_141, E1, [(0, A, 1, b"")], None, True),
]


@pytest.mark.parametrize("library,executing_as,blob,expected,reverts_at,clean", [row[1:] for row in TABLE],
                         ids=[row[0] for row in TABLE])
def test_batch_table(library, executing_as, blob, expected, reverts_at, clean):
    reading = read_batch(blob, library, executing_as)
    assert [(e.operation, e.to, e.value, e.data) for e in reading.entries] == expected
    assert reading.reverts_at == reverts_at
    assert reading.clean is clean
    assert bool(reading.problems) is not clean
    if clean and reverts_at is None:
        assert encode_packed((e.operation, e.encoded_to, e.value, e.data) for e in reading.entries) == blob


# ---- a literal transcription of the assembly loop -------------------------------------------

def evm_memory_reading(blob: bytes, call_only: bool, zero_is_self: bool, this: str, guard_reverts: bool):
    """(calls made, reverted): memory holds the length word then the blob, zeros beyond it."""
    if guard_reverts:
        return [], True
    memory = len(blob).to_bytes(32, "big") + blob

    def mload(offset: int) -> int:
        return int.from_bytes(memory[offset : offset + 32].ljust(32, b"\x00"), "big")

    length, i, calls = mload(0), 0x20, []
    while i < length:
        operation = mload(i) >> 0xF8
        to = mload(i + 0x01) >> 0x60
        if zero_is_self and to == 0:
            to = int(this, 16)
        value = mload(i + 0x15)
        data_length = mload(i + 0x35)
        if operation not in (0, 1) or (call_only and operation == 1):
            return calls, True
        if i + 0x55 + data_length > MEMORY_LIMIT:  # memory expansion no transaction can pay for
            return calls, True
        start = i + 0x55
        data = memory[start : start + data_length].ljust(data_length, b"\x00")
        calls.append((operation, to_checksum_address(to.to_bytes(20, "big")), value, data))
        i += 0x55 + data_length
    return calls, False


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
addresses = st.sampled_from([A, B, ZERO, USDC, SAFE])
entry = st.tuples(st.sampled_from([0, 0, 0, 1, 2]), addresses, st.integers(0, 2**64), st.binary(max_size=40))
blobs = st.one_of(
    st.binary(max_size=300),
    st.tuples(st.lists(entry, max_size=5), st.binary(max_size=90), st.integers(0, 120)).map(
        lambda t: (b"".join(packed_entry(*e) for e in t[0]) + t[1])[: max(0, len(b"".join(packed_entry(*e) for e in t[0])) + len(t[1]) - t[2])]),
)
libraries = st.sampled_from([(CALL_ONLY, SAFE), (PLAIN, SAFE), (CALL_ONLY_150, SAFE), (CALL_ONLY_150, MSCO_150),
                             (PLAIN_150, SAFE), (PLAIN, MS_141)])


@FUZZ
@given(blobs, libraries)
def test_reader_equals_the_assembly_loop(blob, library_and_context):
    library, this = library_and_context
    try:
        reading = read_batch(blob, library, this)
    except DecodeError:
        return  # only more than MAX_ENTRIES entries, which these blobs cannot reach
    calls, reverted = evm_memory_reading(blob, library.call_only, library.zero_to_is_self, this,
                                         library.delegatecall_only and this == library.address)
    assert [(e.operation, e.to, e.value, e.data) for e in reading.entries] == calls
    assert (reading.reverts_at is not None) == reverted
    if reading.clean and reading.reverts_at is None:
        assert encode_packed((e.operation, e.encoded_to, e.value, e.data) for e in reading.entries) == blob


@FUZZ
@given(st.binary(max_size=400))
def test_reader_raises_only_decode_errors(blob):
    for library, this in [(CALL_ONLY, SAFE), (PLAIN, SAFE), (PLAIN_111, MS_111)]:
        try:
            read_batch(blob, library, this)
        except DecodeError:
            pass


# ---- through the call tree -------------------------------------------------------------------

def _batch(blob: bytes, to: str = MSCO_141, operation: int = 1, version: str = "1.4.1", **extra) -> dict:
    return service_record(to=to, data=hex0x(multisend(blob)), operation=operation, safeVersion=version, **extra)


def test_nested_batch_is_read_by_its_own_library():
    inner = packed_entry(0, A, 0, b"") + b"\x00" * 3  # the inner batch has trailing bytes
    report = verify_record(_batch(packed_entry(1, MSCO_141, 0, multisend(inner)), to=MS_141))
    assert [f.path for f in findings_by_code(report, "BATCH_AMBIGUOUS")] == ["0.0"]
    assert [n.path for n in report.root.walk()] == ["0", "0.0", "0.0.0"]
    assert report.root.children[0].children[0].runs_as == SAFE  # delegatecall chain keeps the Safe's context


def test_hidden_trailing_entry_is_shown_and_blocks():
    blob = E1 + b"\x00" + bytes.fromhex("77" * 20) + b"\x55" * 12
    report = verify_record(_batch(blob))
    assert [c.to for c in report.root.children] == [A, to_checksum_address(HIDDEN_TO)]
    assert report.verdict == "block"
    assert "never read" not in findings_by_code(report, "BATCH_AMBIGUOUS")[0].message
    assert report.as_json()["calls"]["batch"]["clean"] is False


def test_outer_abi_stays_strict():
    data = multisend(E1)
    for bad in (data + b"\x00" * 32, data[:4] + (64).to_bytes(32, "big") + bytes(32) + data[36:]):
        report = verify_record(service_record(to=MSCO_141, operation=1, safeVersion="1.4.1", data=hex0x(bad)))
        assert findings_by_code(report, "UNDECODABLE_CALLDATA") and report.root.children == []


# ---- multiSend on an unknown contract; plain CALL to a batch library ---------------------------

def test_multisend_on_unknown_contract_is_not_unwrapped():
    report = verify_record(_batch(E1 + E2, to=B, operation=0))
    assert report.root.children == [] and report.root.batch_encoding is None
    assert [(f.code, f.severity) for f in findings_by_code(report, "BATCH_UNKNOWN_CONTRACT")] == [
        ("BATCH_UNKNOWN_CONTRACT", "warn")]
    assert report.verdict == "warn"


def test_multisend_on_a_deployment_of_another_chain_is_unknown():
    # MultiSendCallOnly 1.4.1 zksync address (v1.4.1/multi_send_call_only.json): not deployed there on chain 1
    report = verify_record(_batch(E1, to="0x0408EF011960d02349d50286D20531229BCef773", operation=1))
    assert report.root.children == [] and findings_by_code(report, "DELEGATECALL_UNTRUSTED")


def test_plain_call_to_multisend_call_only_runs_as_the_library():
    blob = packed_entry(0, USDC, 0, erc20_transfer(B, 5)) + packed_entry(0, ZERO, 0, b"")
    report = verify_record(_batch(blob, to=MSCO_150, operation=0, version="1.5.0"))
    root = report.root
    assert [c.runs_as for c in root.children] == [MSCO_150, MSCO_150]
    assert root.children[1].to == MSCO_150  # 0x0 is address(this): the library, not the Safe
    not_delegated = findings_by_code(report, "BATCH_NOT_DELEGATECALLED")
    assert [(f.severity, f.path) for f in not_delegated] == [("warn", "0")]
    child_messages = [f.message for f in report.findings if f.path in ("0.0", "0.1")]
    assert child_messages and all("not by this Safe" in m for m in child_messages)
    calls = report.as_json()["calls"]
    assert calls["runsAs"] == SAFE and [c["runsAs"] for c in calls["calls"]] == [MSCO_150, MSCO_150]


@pytest.mark.parametrize("value,inner_value", [(1, 0), (0, 1)])
def test_plain_call_moving_value_is_critical(value, inner_value):
    report = verify_record(_batch(packed_entry(0, A, inner_value, b""), to=MSCO_141, operation=0, value=str(value)))
    assert [f.severity for f in findings_by_code(report, "BATCH_NOT_DELEGATECALLED")] == ["critical"]
    assert report.verdict == "block"


def test_plain_call_to_plain_multisend_reverts():
    report = verify_record(_batch(E1, to=MS_141, operation=0))
    assert report.root.children == []
    finding = findings_by_code(report, "BATCH_NOT_DELEGATECALLED")[0]
    assert "reverts" in finding.message
    assert report.as_json()["calls"]["batch"]["revertsAt"] == 0


def test_multisend_call_only_nested_by_call_in_a_batch():
    inner = packed_entry(0, A, 5, b"")
    report = verify_record(_batch(packed_entry(0, MSCO_141, 0, multisend(inner))))
    nested = report.root.children[0]
    assert nested.runs_as == SAFE and nested.children[0].runs_as == MSCO_141
    assert [(f.severity, f.path) for f in findings_by_code(report, "BATCH_NOT_DELEGATECALLED")] == [("critical", "0.0")]


def test_calldata_shows_zero_filled_bytes():
    blob = packed_entry(0, USDC, 0, erc20_transfer(B, 5))[:-20]
    report = verify_record(_batch(blob))
    child = report.root.children[0]
    assert child.data == erc20_transfer(B, 5)[:-20] + bytes(20)
    assert child.function is not None and child.arg_at(1) == 0  # the amount the token really receives


def test_safe_150_zero_address_claims_accept_zero():
    blob = packed_entry(0, ZERO, 0, calldata("changeThreshold(uint256)", ["uint256"], [2]))
    record = _batch(blob, to=MSCO_150, version="1.5.0")
    record["dataDecoded"] = {"method": "multiSend", "parameters": [{"name": "transactions", "type": "bytes",
        "value": record["data"], "valueDecoded": [{"operation": 0, "to": ZERO, "value": "0",
        "data": hex0x(calldata("changeThreshold(uint256)", ["uint256"], [2])),
        "dataDecoded": {"method": "changeThreshold", "parameters": [{"name": "_threshold", "type": "uint256", "value": "2"}]}}]}]}
    report = verify_record(record)
    assert not findings_by_code(report, "DECODED_MISMATCH")
