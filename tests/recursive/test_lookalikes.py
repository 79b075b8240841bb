"""Address poisoning (issue 19): reserved names refused, lookalikes inside the book, the 3 + 4 rule,
a lookalike that receives anything blocks, lookalikes shown in full with the differences marked.

Addresses are built by hand from a real-looking one by changing the middle; the rule they test is
the one stated in decoders/addressbook.py (same first 3 and last 4 hex characters)."""

import pytest
from eth_utils import to_checksum_address

from decoders.addressbook import AddressBook, AddressBookError, Entry, parse_address_book
from decoders.verify import VerifyOptions, verify_bytes
from tests.builders import USDC, address, calldata, erc20_transfer, service_record

SAFE = address("poisoned team safe")
PAYROLL = "0x553bcb0FBb3774067e89AEDF5308AfF836f99e5a"


def variant(real: str, same_prefix: int) -> str:
    """An address with the same first `same_prefix` and last 4 hex characters as `real`, the rest changed."""
    body = real[2:].lower()
    middle = "".join("0" if c != "0" else "1" for c in body[same_prefix:36])
    return to_checksum_address("0x" + body[:same_prefix] + middle + body[36:])


FAKE_3_4 = variant(PAYROLL, 3)  # 3 leading + 4 trailing: missed by a 4 + 4 rule


def book(*entries) -> AddressBook:
    result = AddressBook()
    for where, name in entries:
        result.add(Entry(1, where, name))
    return result


import json  # noqa: E402


def review(to, data=b"", value=0, entries=((PAYROLL, "payroll"),)):
    record = service_record(SAFE, to, data=data, value=value, safe_version="1.4.1")
    return verify_bytes(json.dumps(record).encode(), "t", VerifyOptions(execute=False, address_book=book(*entries)))


def lookalike(report):
    return [(f.severity, f.path) for f in report.findings if f.code == "ADDRESS_LOOKALIKE"]


@pytest.mark.parametrize("name", ["this Safe", "This safe", "  this   Safe ", "unknown", "the zero address",
                                  "payroll (unknown; LOOKS LIKE treasury)", "this Safe (main)"])
def test_reserved_names_are_refused_at_import(name):
    with pytest.raises(AddressBookError, match="reserved"):
        parse_address_book(f"address,name,chainId\n{address('stranger')},{name},1\n", "book.csv")


def test_three_plus_four_lookalike_is_flagged():
    assert FAKE_3_4[2:5].lower() == PAYROLL[2:5].lower() and FAKE_3_4[5].lower() != PAYROLL[5].lower()
    report = review(USDC, calldata("balanceOf(address)", ["address"], [FAKE_3_4]))
    assert lookalike(report) == [("warn", "0")]


def test_lookalike_receiving_tokens_blocks():
    report = review(USDC, erc20_transfer(FAKE_3_4, 10**6))
    assert lookalike(report) == [("critical", "0")] and report.verdict == "block"


def test_lookalike_receiving_native_value_blocks():
    report = review(FAKE_3_4, value=1)
    assert lookalike(report) == [("critical", "0")] and report.verdict == "block"


def test_lookalike_receiving_an_allowance_blocks():
    data = calldata("approve(address,uint256)", ["address", "uint256"], [FAKE_3_4, 5])
    assert lookalike(review(USDC, data)) == [("critical", "0")]


def test_two_lookalike_entries_in_the_book_warn_even_though_both_are_named():
    from decoders.addressbook import lookalike_pairs

    # The poisoned copy saved as "payroll", the real one as "payroll (old)": both named, one is a trap.
    entries = ((FAKE_3_4, "payroll"), (PAYROLL, "payroll old"))
    assert [(a.name, b.name) for a, b in lookalike_pairs(book(*entries))] in ([("payroll", "payroll old")],
                                                                               [("payroll old", "payroll")])
    quiet = review(USDC, calldata("balanceOf(address)", ["address"], [FAKE_3_4]), entries=entries)
    assert lookalike(quiet) == [("warn", "0")]
    paid = review(USDC, erc20_transfer(FAKE_3_4, 10**6), entries=entries)
    assert lookalike(paid) == [("critical", "0")] and paid.verdict == "block"


def test_the_real_address_alone_is_no_lookalike():
    assert lookalike(review(USDC, erc20_transfer(PAYROLL, 10**6))) == []


def test_lookalike_is_shown_in_full_with_the_differences_marked():
    from decoders.addressbook import mark_differences

    report = review(USDC, erc20_transfer(FAKE_3_4, 10**6))
    message = next(f.message for f in report.findings if f.code == "ADDRESS_LOOKALIKE")
    marked = mark_differences(FAKE_3_4, PAYROLL)
    assert marked in message and PAYROLL in message
    assert marked.replace("[", "").replace("]", "") == FAKE_3_4 and marked.startswith(FAKE_3_4[:5] + "[")
    assert report.intents["0"].text.count(FAKE_3_4[-4:]) >= 1 and marked in report.intents["0"].text


def test_import_warns_about_lookalikes_inside_the_book(tmp_path, monkeypatch):
    from decoders.addressbook import mark_differences
    from tests.conftest import run_cli

    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path))
    source = tmp_path / "book.csv"
    source.write_text(f"address,name,chainId\n{PAYROLL},payroll old,1\n{FAKE_3_4},payroll,1\n")
    result = run_cli(["addressbook", "import", str(source)])
    assert result.code == 0 and "WARNING" in result.stderr and mark_differences(FAKE_3_4, PAYROLL) in result.stderr


def test_deep_json_address_book_is_a_clear_error():
    text = '{"schema": "coldsight.addressbook/1", "entries": ' + "[" * 3000 + "]" * 3000 + "}"
    with pytest.raises(AddressBookError, match="nested too deeply"):
        parse_address_book(text, "book.json")


def test_no_two_bundled_tokens_of_a_chain_look_alike():
    # Named addresses are checked against each other too: a pair inside the bundled list would warn forever.
    from collections import defaultdict

    from decoders import tokens
    from decoders.addressbook import lookalike_key

    for chain in (1, 10, 56, 100, 137, 8453, 42161, 43114):
        keys: dict[str, set[str]] = defaultdict(set)
        for token in tokens.tokens_on(chain):
            keys[lookalike_key(token.address)].add(token.address.lower())
        assert not {key: found for key, found in keys.items() if len(found) > 1}, chain


def test_lookalike_counterparty_is_marked_on_the_first_screen():
    from app.presentation import counterparty_lines
    from decoders.addressbook import mark_differences

    report = review(USDC, erc20_transfer(FAKE_3_4, 10**6))
    party = report.effects.counterparty(FAKE_3_4)
    assert party is not None and party.looks_like == (f"payroll {PAYROLL}",)
    line = next(line for line in counterparty_lines(report.effects) if FAKE_3_4[-4:] in line)
    assert mark_differences(FAKE_3_4, PAYROLL) in line and f"LOOKS LIKE payroll {PAYROLL}" in line
