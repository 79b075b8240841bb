"""The call tree: MultiSend batches unwrapped (packed and old padded encodings), nested paths,
Safe 1.5.0 `to == 0x0`, strict decoding. Batches are built with eth-abi's encoders."""

import pytest
from eth_abi import encode

from .helpers import codes, findings_by_code, verify_record
from .peers import OWNERS, ZERO, calldata, erc20_transfer, hex0x, multisend, packed_entry, padded_entry, selector, service_record

# Addresses from @safe-global/safe-deployments (src/assets/v1.4.1/multi_send_call_only.json,
# v1.5.0/multi_send_call_only.json, v1.1.1/multi_send.json: canonical deployments).
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MSCO_150 = "0xA83c336B20401Af773B6219BA5027174338D1836"
MULTISEND_111 = "0x8D29bE29923b68abfDD21e541b9374737B49cdAD"
MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"  # v1.4.1/multi_send.json, canonical
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
SAFE = OWNERS[4]


def batch_record(blob: bytes, to: str = MSCO_141, version: str = "1.4.1", operation: int = 1) -> dict:
    return service_record(to=to, data=hex0x(multisend(blob)), operation=operation, safeVersion=version)


ENTRIES = [
    (0, OWNERS[0], 10**18, b""),
    (0, USDC, 0, erc20_transfer(OWNERS[1], 5_000_000)),
    (0, OWNERS[2], 1, bytes.fromhex("deadbeef") + bytes(32)),
]


def test_packed_batch_unwrapped():
    blob = b"".join(packed_entry(*entry) for entry in ENTRIES)
    report = verify_record(batch_record(blob))
    root = report.root
    assert root.batch_encoding == "packed" and root.function.name == "multiSend"
    assert [c.path for c in root.children] == ["0.0", "0.1", "0.2"]
    assert [(c.operation, c.to, c.value, c.data) for c in root.children] == ENTRIES
    assert root.children[1].function.name == "transfer"
    assert root.children[1].arg("to") == OWNERS[1] and root.children[1].arg("value") == 5_000_000
    assert root.children[2].function is None and root.children[2].selector == bytes.fromhex("deadbeef")
    assert root.target.name == "MultiSendCallOnly" and root.target.version == "1.4.1"
    assert "DELEGATECALL_UNTRUSTED" not in codes(report)
    assert [f.path for f in findings_by_code(report, "UNKNOWN_SELECTOR")] == ["0.2"]
    assert sorted(f.path for f in findings_by_code(report, "NATIVE_TRANSFER")) == ["0.0", "0.2"]


def test_padded_batch_is_never_reinterpreted():
    # The first MultiSend (0.1.0/1.0.0) padded its entries, but no bundled deployment is that contract:
    # on an unknown address nothing is unwrapped; on a real library the bytes are read packed, as it does.
    blob = b"".join(padded_entry(*entry) for entry in ENTRIES)
    unknown = verify_record(batch_record(blob, to=OWNERS[0], version="1.0.0"))
    assert unknown.root.batch_encoding is None and unknown.root.children == []
    assert ("BATCH_UNKNOWN_CONTRACT", "0") not in [(f.code, f.path) for f in unknown.findings]  # delegatecall
    assert ("DELEGATECALL_UNTRUSTED", "critical") in [(f.code, f.severity) for f in unknown.findings]
    real = verify_record(batch_record(blob, to=MULTISEND_111, version="1.1.1"))
    assert real.root.batch_encoding == "packed" and real.verdict == "block"
    assert [f.path for f in findings_by_code(real, "BATCH_AMBIGUOUS")] == ["0"]


def test_nested_batches_and_paths():
    inner = packed_entry(0, USDC, 0, erc20_transfer(OWNERS[0], 1)) + packed_entry(0, OWNERS[3], 7, b"")
    outer = b"".join(packed_entry(*entry) for entry in ENTRIES[:2]) + packed_entry(0, MSCO_141, 0, multisend(inner))
    report = verify_record(batch_record(outer))
    paths = [node.path for node in report.root.walk()]
    assert paths == ["0", "0.0", "0.1", "0.2", "0.2.0", "0.2.1"]
    nested = report.root.children[2].children
    assert nested[0].function.name == "transfer" and nested[1].value == 7 and nested[1].to == OWNERS[3]
    assert nested[0].depth == 2


def test_nested_delegatecall_in_batch_is_critical():
    blob = packed_entry(0, OWNERS[0], 1, b"") + packed_entry(1, OWNERS[2], 0, erc20_transfer(OWNERS[0], 1))
    report = verify_record(batch_record(blob, to=MULTISEND_141))
    nested = findings_by_code(report, "DELEGATECALL_NESTED")
    assert [(f.path, f.severity) for f in nested] == [("0.1", "critical")]
    assert report.verdict == "block"


def test_safe_150_zero_address_means_the_safe():
    blob = packed_entry(0, ZERO, 0, calldata("changeThreshold(uint256)", ["uint256"], [2]))
    report = verify_record(batch_record(blob, to=MSCO_150, version="1.5.0"))
    child = report.root.children[0]
    assert child.to == SAFE and child.to_zero_means_safe
    assert ("SELF_CALL", "0.0") in [(f.code, f.path) for f in report.findings]
    assert [(f.code, f.severity) for f in findings_by_code(report, "THRESHOLD_CHANGE")] == [("THRESHOLD_CHANGE", "warn")]


def test_zero_address_before_150_is_the_zero_address():
    blob = packed_entry(0, ZERO, 0, b"")
    report = verify_record(batch_record(blob))
    assert report.root.children[0].to == ZERO and not report.root.children[0].to_zero_means_safe
    assert "SELF_CALL" not in codes(report)


def _undecodable(report, path: str) -> bool:
    return any(f.code == "UNDECODABLE_CALLDATA" and f.path == path and f.severity == "critical" for f in report.findings)


STRICT_CASES = [
    ("trailing junk byte", erc20_transfer(OWNERS[0], 1) + b"\x00"),
    ("trailing junk word", erc20_transfer(OWNERS[0], 1) + bytes(32)),
    ("truncated argument", erc20_transfer(OWNERS[0], 1)[:-1]),
    ("dirty address padding", selector("transfer(address,uint256)") + b"\x01" + bytes(11) + bytes.fromhex(OWNERS[0][2:]) + bytes(32)),
    ("bool not 0/1", selector("setApprovalForAll(address,bool)") + encode(["address", "uint256"], [OWNERS[0], 2])),
    ("non-canonical offset", selector("multicall(bytes[])") + encode(["uint256", "uint256"], [0x40, 0]) + encode(["bytes[]"], [[b"\x01"]])[32:]),
    ("shorter than a selector", b"\xa9\x05\x9c"),
]


@pytest.mark.parametrize("data", [c[1] for c in STRICT_CASES], ids=[c[0] for c in STRICT_CASES])
def test_strict_decoding(data):
    report = verify_record(service_record(to=USDC, data=hex0x(data)))
    assert report.root.function is None and report.root.args is None
    assert report.root.decode_error
    assert _undecodable(report, "0")
    assert report.verdict == "block"


def test_trailing_junk_inside_a_batch_entry():
    blob = packed_entry(0, USDC, 0, erc20_transfer(OWNERS[1], 1) + b"\xff")
    report = verify_record(batch_record(blob))
    assert _undecodable(report, "0.0")


def test_batch_with_non_canonical_offset_is_not_unwrapped():
    good = multisend(packed_entry(0, OWNERS[0], 1, b""))
    # Same batch, but its `bytes` offset points one word further, over an inserted junk word.
    moved = selector("multiSend(bytes)") + (0x40).to_bytes(32, "big") + bytes(32) + good[36:]
    report = verify_record(service_record(to=MSCO_141, operation=1, data=hex0x(moved), safeVersion="1.4.1"))
    assert report.root.children == [] and _undecodable(report, "0")


def test_batch_with_trailing_bytes_after_entries_is_refused():
    # 10 trailing bytes are never read by the contract (its loop stops 32 bytes before the end): the entry runs,
    # the batch is not clean
    blob = packed_entry(0, OWNERS[0], 1, b"") + b"\x00" * 10
    report = verify_record(batch_record(blob))
    assert [f.path for f in findings_by_code(report, "BATCH_AMBIGUOUS")] == ["0"] and report.verdict == "block"
    assert [(c.to, c.value) for c in report.root.children] == [(OWNERS[0], 1)]


@pytest.mark.parametrize("operation,severity", [(0, "warn"), (1, "critical")])
def test_unknown_selector(operation, severity):
    report = verify_record(service_record(to=OWNERS[0], data="0x12345678" + "00" * 32, operation=operation))
    assert [(f.severity, f.path) for f in findings_by_code(report, "UNKNOWN_SELECTOR")] == [(severity, "0")]
    assert report.root.selector == bytes.fromhex("12345678")


def test_multisend_111_is_delegatecall_capable():
    report = verify_record(batch_record(packed_entry(0, OWNERS[0], 1, b""), to=MULTISEND_111, version="1.1.1"))
    assert [(f.code, f.severity) for f in report.findings if f.code.startswith(("MULTISEND", "DELEGATECALL"))] == [
        ("MULTISEND_DELEGATECALL_CAPABLE", "warn")]
    assert report.root.batch_encoding == "packed"
