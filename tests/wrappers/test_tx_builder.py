"""Safe Transaction Builder batch files: checksum and the rebuilt calls compared with the transaction.

Checksum vectors: safe-global/safe-react-apps apps/tx-builder/src/lib/checksum.test.js (the older
0x832e… without `meta.name` nulled, the current 0x4ecb… with it). Calls are encoded in the test with
eth-abi from the method given in the file; batches with the packed MultiSend encoding of
tests/core/peers (eth-abi encode_packed)."""

import copy

import pytest

from decoders.formats.tx_builder import builder_calls, checksum, serialize
from decoders.hexutil import keccak
from tests.core.peers import OWNERS, calldata, hex0x, multisend, packed_entry, service_record

VECTOR = {
    "version": "1.0", "chainId": "4", "createdAt": 1646321521061,
    "meta": {"name": "test batch file", "txBuilderVersion": "1.4.0", "checksum": "",
             "createdFromSafeAddress": "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa",
             "createdFromOwnerAddress": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6"},
    "transactions": [
        {"to": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6", "value": "0",
         "contractMethod": {"inputs": [{"internalType": "address", "name": "paramAddress", "type": "address"}],
                            "name": "testAddress", "payable": False},
         "contractInputsValues": {"paramAddress": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6"}},
        {"to": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6", "value": "0",
         "contractMethod": {"inputs": [{"internalType": "bool", "name": "paramBool", "type": "bool"}],
                            "name": "testBool", "payable": False},
         "contractInputsValues": {"paramAddress": "", "paramBool": "false"}},
        {"to": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6", "value": "2000000000000000000",
         "data": "0x42f4579000000000000000000000000049d4450977e2c95362c13d3a31a09311e0ea26a6"},
    ],
}


def test_serialization_reproduces_both_published_checksums():
    assert "0x" + keccak(serialize(VECTOR, "b").encode()).hex() == \
        "0x832ecdb6653751ed00b79dede73864163e46e71815b72e11e506d6399bedffc9"
    current = {**VECTOR, "meta": {**VECTOR["meta"], "name": None}}
    assert "0x" + keccak(serialize(current, "b").encode()).hex() == \
        "0x4ecbfd364aa6759983915644e73f8bd411e85a2dc306f252a387c2728c4db64c"


def test_checksum_ignores_property_order_and_name_but_not_transaction_order():
    reordered = {key: VECTOR[key] for key in reversed(list(VECTOR))}
    renamed = {**VECTOR, "meta": {**VECTOR["meta"], "name": "another name"}}
    swapped = {**VECTOR, "transactions": list(reversed(VECTOR["transactions"]))}
    assert checksum(VECTOR) == checksum(reordered) == checksum(renamed) != checksum(swapped)


def test_calls_are_encoded_from_the_method():
    calls = builder_calls(VECTOR)
    assert calls[0].data == calldata("testAddress(address)", ["address"], [VECTOR["transactions"][0]["to"]])
    assert calls[1].data == calldata("testBool(bool)", ["bool"], [False])
    assert (calls[2].value, calls[2].data.hex()[:8]) == (2 * 10**18, "42f45790")


SAFE = OWNERS[4]
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # Circle's USDC on Ethereum
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 multi_send_call_only
TRANSFER = {"inputs": [{"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}], "name": "transfer"}


def batch_file(amount: str = "5") -> dict:
    document = {"version": "1.0", "chainId": "1", "createdAt": 1,
                "meta": {"name": "payroll", "createdFromSafeAddress": SAFE},
                "transactions": [{"to": OWNERS[1], "value": "1", "data": None},
                                 {"to": USDC, "value": "0", "contractMethod": TRANSFER,
                                  "contractInputsValues": {"to": OWNERS[2], "value": amount}}]}
    document["meta"]["checksum"] = checksum(document)
    return document


def batch_record(amount: int = 5) -> dict:
    blob = packed_entry(0, OWNERS[1], 1, b"") + packed_entry(
        0, USDC, 0, calldata("transfer(address,uint256)", ["address", "uint256"], [OWNERS[2], amount]))
    return service_record(safe=SAFE, chainId=1, safeVersion="1.4.1", to=MSCO_141, operation=1, data=hex0x(multisend(blob)))


def run(run_cli, write_payload, record, document):
    return run_cli(["verify", write_payload(record), "--tx-builder", write_payload(document), "--format", "json"])


def codes(result) -> set:
    return {f["code"] for f in result.json()["findings"]}


def test_matching_batch_adds_nothing(run_cli, write_payload):
    result = run(run_cli, write_payload, batch_record(), batch_file())
    assert not codes(result) & {"BUILDER_MISMATCH", "BUILDER_CHECKSUM"}


def test_a_changed_amount_is_blocked(run_cli, write_payload):
    result = run(run_cli, write_payload, batch_record(amount=6), batch_file())
    findings = [f for f in result.json()["findings"] if f["code"] == "BUILDER_MISMATCH"]
    assert [(f["path"], "data" in f["message"]) for f in findings] == [("0.1", True)] and result.code == 2


def test_an_edited_file_is_a_warning(run_cli, write_payload):
    document = batch_file()
    edited = copy.deepcopy(document)
    edited["transactions"][1]["contractInputsValues"]["value"] = "6"
    result = run(run_cli, write_payload, batch_record(amount=6), edited)
    assert "BUILDER_CHECKSUM" in codes(result) and "BUILDER_MISMATCH" not in codes(result)


@pytest.mark.parametrize(("change", "words"), [({"chainId": "5"}, "chain"),
                                               ({"meta": {"createdFromSafeAddress": OWNERS[0]}}, "made for Safe")])
def test_other_chain_or_safe_is_blocked(run_cli, write_payload, change, words):
    document = batch_file()
    for key, value in change.items():
        document[key] = {**document[key], **value} if isinstance(value, dict) else value
    result = run(run_cli, write_payload, batch_record(), document)
    assert any(words in f["message"] for f in result.json()["findings"] if f["code"] == "BUILDER_MISMATCH")


def test_not_a_batch_file_is_a_payload_error(run_cli, write_payload):
    result = run(run_cli, write_payload, batch_record(), {"version": "2"})
    assert result.code == 3 and "Transaction Builder" in result.stderr


@pytest.mark.parametrize("field,bad", [
    ("to", OWNERS[1].replace("0x", "0x ", 1)[:42]),   # whitespace that bytes.fromhex would skip
    ("to", OWNERS[1][:-1] + ("A" if OWNERS[1][-1] == "a" else "a")),  # a broken EIP-55 checksum
    ("data", "0x12 34"),
    ("value", str(2**256)),                             # does not fit uint256
], ids=["address with a space", "bad checksum", "data with a space", "value too large"])
def test_malformed_values_are_refused_not_reinterpreted(field, bad):
    from decoders.errors import PayloadError

    document = copy.deepcopy(batch_file())
    document["transactions"][0][field] = bad
    with pytest.raises(PayloadError):
        builder_calls(document)
