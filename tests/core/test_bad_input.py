"""Bad input: every case ends in exit 3 with a message naming the field, and no traceback.

Each row mutates a valid service record (or replaces the whole file) and names a word the
error message must contain, so a generic "something went wrong" fails the test."""

import json

import pytest

from .peers import OWNERS, erc20_transfer, hex0x, multisend, packed_entry, service_record

CHECKSUMMED = OWNERS[3]  # eth-account spells it EIP-55


def flip_case(address: str) -> str:
    """Change the case of one letter so the mixed-case checksum fails."""
    body = list(address[2:])
    index = next(i for i, ch in enumerate(body) if ch.isalpha())
    body[index] = body[index].swapcase()
    return "0x" + "".join(body)


def deep(levels: int) -> object:
    value: object = 0
    for _ in range(levels):
        value = [value]
    return value


# (id, mutation of the record, words the stderr message must contain)
FIELD_CASES = [
    ("truncated address", {"to": CHECKSUMMED[:-4]}, ["to", "20 bytes"]),
    ("odd-length data", {"data": "0xa9059cbb0"}, ["data", "odd-length"]),
    ("non-hex data", {"data": "0xa9059cbz"}, ["data", "non-hex"]),
    ("data without 0x", {"data": "a9059cbb"}, ["data", "0x"]),
    ("operation 256 (uint8)", {"operation": 256}, ["operation", "uint8"]),
    ("operation 3", {"operation": 3}, ["operation", "3"]),
    ("operation negative", {"operation": -1}, ["operation"]),
    ("value uint256+1", {"value": str(1 << 256)}, ["value", "uint256"]),
    ("value uint256+1 as JSON int", {"value": 1 << 256}, ["value", "uint256"]),
    ("nonce hex overflow", {"nonce": "0x1" + "0" * 64}, ["nonce", "uint256"]),
    ("nonce float", {"nonce": 1.5}, ["nonce"]),
    ("nonce boolean", {"nonce": True}, ["nonce", "boolean"]),
    ("value with sign", {"value": "+5"}, ["value"]),
    ("safeTxGas huge digits", {"safeTxGas": "9" * 200}, ["safeTxGas"]),
    ("bad checksum to", {"to": flip_case(CHECKSUMMED)}, ["to", "EIP-55"]),
    ("bad checksum safe", {"safe": flip_case(OWNERS[4])}, ["safe", "EIP-55"]),
    ("bad checksum gasToken", {"gasToken": flip_case("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")}, ["gasToken", "EIP-55"]),
    ("address is a number", {"refundReceiver": 5}, ["refundReceiver"]),
    ("claimed hash too short", {"safeTxHash": "0x1234"}, ["safeTxHash", "32 bytes"]),
    ("confirmations not a list", {"confirmations": {"owner": OWNERS[0]}}, ["confirmations", "list"]),
    ("confirmation signature odd hex", {"confirmations": [{"owner": OWNERS[0], "signature": "0x123"}]},
     ["confirmations[0].signature", "odd-length"]),
    ("confirmation owner bad checksum", {"confirmations": [{"owner": flip_case(OWNERS[0]), "signature": "0x" + "11" * 65}]},
     ["confirmations[0].owner", "EIP-55"]),
    ("unknown version", {"safeVersion": "1.6.0"}, ["safeVersion", "unknown Safe version"]),
    ("version suffix", {"safeVersion": "1.3.0+L3"}, ["safeVersion", "L3"]),
    ("version 0.0.1", {"safeVersion": "0.0.1"}, ["safeVersion", "0.0.1"]),
    ("operation 2 on 1.3.0", {"operation": 2}, ["operation", "1.1.0"]),
    ("both gas keys", {"dataGas": "0"}, ["baseGas", "dataGas"]),
    ("deep nesting in an extra key", {"extra": deep(200)}, ["nested"]),
]


@pytest.mark.parametrize("mutation,words", [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES])
def test_bad_field(run_cli, write_payload, mutation, words):
    record = service_record()
    record.update(mutation)
    assert_invalid(run_cli(["verify", write_payload(record)]), words)


def test_missing_field_is_named(run_cli, write_payload):
    for key in ("to", "value", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver"):
        record = service_record()
        del record[key]
        assert_invalid(run_cli(["verify", write_payload(record)]), ["missing", key])


VALID_TEXT = json.dumps(service_record())

# (id, raw file content, words)
FILE_CASES = [
    ("duplicate key", VALID_TEXT[:-1] + ', "to": "' + OWNERS[0] + '"}', ["duplicate", "'to'"]),
    ("NaN", VALID_TEXT.replace('"value": "0"', '"value": NaN'), ["NaN"]),
    ("Infinity", VALID_TEXT.replace('"value": "0"', '"value": Infinity'), ["Infinity"]),
    ("deep nesting", "[" * 100_000 + "]" * 100_000, ["nested"]),
    ("truncated JSON", VALID_TEXT[: len(VALID_TEXT) // 2], ["not valid JSON"]),
    ("empty file", b"", ["empty"]),
    ("only whitespace", "  \n\t ", ["empty"]),
    ("binary file", bytes(range(256)) * 4, ["UTF-8"]),
    ("PNG header, not an image", b"\x89PNG\r\n\x1a\n" + bytes(64), ["image"]),  # PAYLOAD may be a QR image
    ("JSON list", json.dumps([service_record()]), ["list"]),
    ("service list response", json.dumps({"count": 1, "results": [service_record()]}), ["list response"]),
    ("unknown JSON object", json.dumps({"hello": "world"}), ["neither"]),
    ("plain text", "send 30000 ETH to our wallet", ["not a recognised payload"]),
    ("JSON string", '"0xabc"', ["not a recognised payload"]),
    ("JSON number", "12345", ["not a recognised payload"]),
]


@pytest.mark.parametrize("content,words", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_bad_file(run_cli, write_payload, content, words):
    assert_invalid(run_cli(["verify", write_payload(content)]), words)


def test_bad_file_on_stdin_with_json_error_document(run_cli):
    result = run_cli(["verify", "-", "--format", "json"], stdin=b"{\"to\": 1, \"to\": 2}")
    assert_invalid(result, ["duplicate", "stdin"])
    document = result.json()
    assert document["schema"] == "coldsight.error/1" and document["verdict"] == "block"
    assert document["error"]["code"] == "PAYLOAD_INVALID" and "duplicate" in document["error"]["message"]


def test_missing_file_and_directory(run_cli, tmp_path):
    assert_invalid(run_cli(["verify", str(tmp_path / "nope.json")]), ["no such file"])
    assert_invalid(run_cli(["verify", str(tmp_path)]), ["directory"])


TYPED_CASES = [
    ("primaryType not SafeTx", lambda d: d.update(primaryType="Permit"), ["primaryType"]),
    ("extra SafeTx member", lambda d: d["types"]["SafeTx"].append({"name": "x", "type": "uint256"}), ["types.SafeTx"]),
    ("domain with name", lambda d: d["types"]["EIP712Domain"].insert(0, {"name": "name", "type": "string"}), ["EIP712Domain"]),
    ("domain keys differ from type", lambda d: d["domain"].pop("chainId"), ["domain"]),
    ("message field missing", lambda d: d["message"].pop("nonce"), ["message", "nonce"]),
    ("message operation 3", lambda d: d["message"].update(operation=3), ["message.operation"]),
    ("message data odd hex", lambda d: d["message"].update(data="0x123"), ["message.data", "odd-length"]),
    ("domain chainId negative", lambda d: d["domain"].update(chainId=-1), ["domain.chainId"]),
    ("extra top-level key", lambda d: d.update(extra=1), ["unexpected"]),
    ("typedData not an object", None, ["typedData"]),
]


@pytest.mark.parametrize("mutate,words", [c[1:] for c in TYPED_CASES], ids=[c[0] for c in TYPED_CASES])
def test_bad_typed_data(run_cli, write_payload, mutate, words):
    from .peers import typed_data

    document = typed_data(service_record())
    if mutate is None:
        document = {"typedData": 5}
    else:
        mutate(document)
    assert_invalid(run_cli(["verify", write_payload(document)]), words)


def test_usage_errors_exit_64(run_cli, write_payload):
    path = write_payload(service_record())
    for argv in (["verify"], ["verify", path, "--chain-id", "zero"], ["verify", path, "--format", "xml"], ["frobnicate"], []):
        result = run_cli(argv)
        assert result.code == 64, argv
        assert "Traceback" not in result.stderr


def assert_invalid(result, words: list[str]) -> None:
    assert result.code == 3, (result.code, result.stderr, result.stdout[:300])
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr, result.stderr  # fail-closed catch-all hides bugs
    assert "invalid payload" in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


# ---- inputs that parse but whose calldata does not: critical finding, never a crash ----------

def _verify_data(run_cli, write_payload, data: bytes, to: str = OWNERS[2], operation: int = 0) -> dict:
    result = run_cli(["verify", write_payload(service_record(to=to, data=hex0x(data), operation=operation)), "--format", "json"])
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    return result.json()


MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # MultiSendCallOnly 1.4.1, safe-deployments


def _nested(levels: int) -> bytes:
    data = erc20_transfer(OWNERS[0], 1)
    for _ in range(levels):
        data = multisend(packed_entry(0, MSCO_141, 0, data))
    return data


@pytest.mark.parametrize("data,path,code", [
    (_nested(12), None, "UNDECODABLE_CALLDATA"),  # deeper than any real batch
    (multisend(b"".join(packed_entry(0, OWNERS[0], 1, b"") for _ in range(11_000))), "0", "UNDECODABLE_CALLDATA"),
    # the contract reads past the end as zeros: not undecodable, but not the batch a clean parse shows
    (multisend(packed_entry(0, OWNERS[0], 0, b"\x00" * 10)[:-5]), "0", "BATCH_AMBIGUOUS"),
    (bytes.fromhex("8d80ff0a") + (2**255).to_bytes(32, "big"), "0", "UNDECODABLE_CALLDATA"),  # offset far outside
    (bytes.fromhex("8d80ff0a") + (32).to_bytes(32, "big") + (2**200).to_bytes(32, "big"), "0", "UNDECODABLE_CALLDATA"),
], ids=["nested 12 deep", "11000 calls", "entry beyond end", "offset outside", "length outside"])
def test_hostile_batches_become_findings(run_cli, write_payload, data, path, code):
    report = _verify_data(run_cli, write_payload, data, to=MSCO_141, operation=1)
    undecodable = [f for f in report["findings"] if f["code"] == code]
    assert undecodable and all(f["severity"] == "critical" for f in undecodable)
    if path is not None:
        assert undecodable[0]["path"] == path
    assert report["verdict"] == "block"
