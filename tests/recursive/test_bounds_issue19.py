"""Bounds of issue 19, each at its documented limit: within the limit the input is reviewed, above
it the answer is a clear error or a block, never an internal error (docs/bounds.md has the times;
tests never assert them)."""

import json

import pytest

from decoders.bounds import LimitExceeded
from decoders.errors import PayloadError
from decoders.execution_check import MAX_SELF_CALLS_EXECUTED
from decoders.formats.tx_builder import MAX_BUILDER_VALUES, compare_with_tree, load_batch_file
from decoders.messages import load_message_document, review_message
from decoders.typed_view import MAX_TYPED_DATA_VALUES
from decoders.verify import VerifyOptions, verify_bytes
from tests.builders import MULTISEND_CALL_ONLY_130, address, calldata, multisend, packed_entry, service_record

SAFE = address("bounded safe")
TARGET = address("bounded target")


# -- a Safe message with a huge typed-data array -----------------------------------------------------

def typed_message(items: int) -> str:
    """Mail{Item[] items}, Item{address to, uint256 amount}: each item is 3 JSON values (object, 2 members)."""
    item = {"to": address("payee"), "amount": 1}
    inner = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}],
                       "Item": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
                       "Mail": [{"name": "items", "type": "Item[]"}]},
             "primaryType": "Mail", "domain": {"name": "x"}, "message": {"items": [item] * items}}
    return json.dumps({"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": inner})


def values_of(items: int) -> int:
    return 1 + 1 + 1 + 1 + 3 * items  # domain object + name, message object + items list, the items


@pytest.mark.slow
def test_message_at_the_value_limit_is_reviewed():
    items = (MAX_TYPED_DATA_VALUES - 4) // 3
    assert values_of(items) <= MAX_TYPED_DATA_VALUES
    review = review_message(load_message_document(typed_message(items), "m"))
    assert review.verdict == "warn" and review.inner.typed_view.get(f"message.items[{items - 1}].amount") == 1


def test_half_megabyte_message_of_the_issue_is_reviewed():
    text = typed_message(7_400)  # ~0.5 MB: 108 s before the type hash was computed once per type
    assert 450_000 < len(text) < 550_000
    assert review_message(load_message_document(text, "m")).verdict == "warn"


def test_message_over_the_value_limit_is_a_clear_error():
    items = (MAX_TYPED_DATA_VALUES - 4) // 3 + 1
    assert values_of(items) > MAX_TYPED_DATA_VALUES
    with pytest.raises(LimitExceeded, match="MAX_TYPED_DATA_VALUES"):
        review_message(load_message_document(typed_message(items), "m"))


# -- Transaction Builder files -------------------------------------------------------------------------

def builder_file(array_items: int, transactions: int = 1) -> bytes:
    tx = {"to": TARGET, "value": "0", "data": None,
          "contractMethod": {"name": "f", "inputs": [{"name": "xs", "type": "uint256[]", "internalType": "uint256[]"}],
                             "payable": False},
          "contractInputsValues": {"xs": "[" + ",".join(["1"] * array_items) + "]"}}
    document = {"version": "1.0", "chainId": "1", "createdAt": 0, "meta": {"name": "x", "createdFromSafeAddress": SAFE},
                "transactions": [tx] * transactions}
    return json.dumps(document).encode()


def small_report():
    record = service_record(SAFE, TARGET, data=calldata("f(uint256[])", ["uint256[]"], [[1, 1]]), safe_version="1.4.1")
    return verify_bytes(json.dumps(record).encode(), "p", VerifyOptions(execute=False))


def apply_batch_file(report, document: dict) -> list:
    """The builder comparison stage of verify_payload (VerifyOptions.batch_file), on an existing report."""
    return compare_with_tree(document, report.root, report.context)


def test_builder_array_at_the_limit_is_compared():
    found = apply_batch_file(small_report(), load_batch_file(builder_file(MAX_BUILDER_VALUES - 1), "b.json"))
    assert any(f.code == "BUILDER_MISMATCH" for f in found)  # the file's array is not the transaction's


def test_builder_array_over_the_limit_is_a_clear_error():
    with pytest.raises(LimitExceeded, match="MAX_BUILDER_VALUES"):
        apply_batch_file(small_report(), load_batch_file(builder_file(2_000_000), "b.json"))  # 4 MB, the issue's shape


def test_builder_with_more_transactions_than_a_batch_holds_is_a_clear_error():
    from decoders.multisend import MAX_ENTRIES

    with pytest.raises(LimitExceeded, match="MAX_ENTRIES"):
        apply_batch_file(small_report(), load_batch_file(builder_file(1, MAX_ENTRIES + 1), "b.json"))


def test_deep_inner_json_of_a_builder_file_is_a_clear_error():
    document = json.loads(builder_file(1))
    document["transactions"][0]["contractInputsValues"]["xs"] = "[" * 3000 + "]" * 3000
    with pytest.raises(PayloadError, match="nested too deeply"):
        apply_batch_file(small_report(), load_batch_file(json.dumps(document).encode(), "b.json"))


# -- a batch of calls to the Safe itself, with the EVM check ------------------------------------------

def self_call_batch(count: int) -> bytes:
    entries = b"".join(packed_entry(0, SAFE, 0, b"") for _ in range(count))
    record = service_record(SAFE, MULTISEND_CALL_ONLY_130, data=multisend(entries), operation=1, safe_version="1.3.0")
    return json.dumps(record).encode()


def test_more_self_calls_than_the_check_executes_block():
    report = verify_bytes(self_call_batch(MAX_SELF_CALLS_EXECUTED + 1), "p", VerifyOptions())
    unchecked = [f for f in report.findings if f.code == "EXECUTION_UNCHECKED"]
    assert unchecked and unchecked[0].severity == "critical" and "MAX_SELF_CALLS_EXECUTED" in unchecked[0].message
    assert report.verdict == "block" and report.execution.status == "unavailable"


def test_five_thousand_self_calls_block_without_running():
    report = verify_bytes(self_call_batch(5_000), "p", VerifyOptions())
    assert report.verdict == "block" and report.execution.status == "unavailable"


@pytest.mark.slow
def test_self_calls_at_the_limit_are_executed():
    report = verify_bytes(self_call_batch(MAX_SELF_CALLS_EXECUTED), "p", VerifyOptions())
    assert report.execution.status == "confirmed" and report.verdict == "ok"
