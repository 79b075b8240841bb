"""Address book: Safe{Wallet} CSV and data export parsed strictly, imported by the CLI in one
command, and its names shown in the review (text, JSON intents, call rows)."""

from __future__ import annotations

import json

import pytest

from decoders.addressbook import AddressBookError, parse_address_book
from tests.builders import USDC, address, erc20_transfer, service_record
from tests.conftest import run_cli

PAYROLL = address("payroll")
VENDOR = address("vendor")
SAFE = address("book-safe")


def short(a: str) -> str:
    return f"{a[:6]}…{a[-4:]}"


def test_safe_wallet_csv():
    text = f"address,name,chainId\n{PAYROLL},payroll,1\n{VENDOR.lower()},\"Vendor, Inc.\",10\n"
    book = parse_address_book(text, "book.csv")
    assert book.name_of(1, PAYROLL) == "payroll"
    assert book.name_of(10, VENDOR) == "Vendor, Inc."
    assert book.name_of(1, VENDOR) is None  # a name holds on its own chain only


def test_safe_wallet_data_export_v3():
    export = {"version": "3.0", "data": {"addressBook": {"1": {PAYROLL: "payroll"}, "100": {VENDOR: "vendor"}},
                                         "addedSafes": {}}}
    book = parse_address_book(json.dumps(export), "export.json")
    assert (book.name_of(1, PAYROLL), book.name_of(100, VENDOR)) == ("payroll", "vendor")


@pytest.mark.parametrize("text,where", [
    ("name,chainId\nx,1\n", "book.csv: line 1"),
    (f"address,name,chainId\n{PAYROLL[:-1]}0,payroll,1\n".replace(PAYROLL[2:6], PAYROLL[2:6].upper()),
     "book.csv: line 2: address"),
    (f"address,name,chainId\n{PAYROLL},payroll,mainnet\n", "book.csv: line 2: chainId"),
    (f"address,name,chainId\n{PAYROLL},,1\n", "book.csv: line 2: name"),
    (f"address,name,chainId\n{PAYROLL},payroll\n", "book.csv: line 2"),
    ('{"version": "1.0", "data": {}}', "book.csv"),
    ('{"version": "3.0", "data": {"addressBook": {"1": ["x"]}}}', "book.csv: data.addressBook.1"),
])
def test_bad_books_are_typed_errors_naming_where(text, where):
    with pytest.raises(AddressBookError) as caught:
        parse_address_book(text, "book.csv")
    assert caught.value.where == where


def test_bad_checksum_is_refused():
    mixed = PAYROLL[:2] + "".join(c.swapcase() if c.isalpha() else c for c in PAYROLL[2:])
    assert mixed != PAYROLL and mixed.lower() != mixed
    with pytest.raises(AddressBookError, match="checksum"):
        parse_address_book(f"address,name,chainId\n{mixed},payroll,1\n", "book.csv")


def test_import_once_then_every_review_shows_the_names(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    csv_file = tmp_path / "safe-address-book.csv"
    csv_file.write_text(f"address,name,chainId\n{PAYROLL},payroll,1\n")
    result = run_cli(["addressbook", "import", str(csv_file)])
    assert result.code == 0 and "1 new" in result.stdout, result.stderr
    assert PAYROLL in run_cli(["addressbook", "list"]).stdout

    payload = tmp_path / "tx.json"
    payload.write_text(json.dumps(service_record(SAFE, USDC, data=erc20_transfer(PAYROLL, 150_000 * 10**6),
                                                 safe_version="1.4.1")))
    text = run_cli(["verify", str(payload)])
    assert f"Send 150,000 USDC to payroll ({short(PAYROLL)})" in text.stdout
    assert f"{PAYROLL} (payroll)" in text.stdout  # the call tree's argument row names it too
    document = run_cli(["verify", str(payload), "--format", "json"]).json()
    assert document["calls"]["intent"]["text"] == f"Send 150,000 USDC to payroll ({short(PAYROLL)})"

    again = run_cli(["addressbook", "import", str(csv_file)])
    assert "0 new, 0 renamed, 1 unchanged" in again.stdout


def test_import_of_a_bad_file_exits_3_with_where(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    bad = tmp_path / "bad.csv"
    bad.write_text("address,name,chainId\n0x1234,payroll,1\n")
    result = run_cli(["addressbook", "import", str(bad)])
    assert result.code == 3
    assert "line 2" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "state" / "addressbook.json").exists()
