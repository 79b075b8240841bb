"""The signer team's address book: names for addresses, per chain, and the lookalike check.

Pure parsing (no files): `app/addressbook_store.py` reads and keeps the files. Accepted inputs:
- Safe{Wallet}'s address-book CSV export: header `address,name,chainId`, one entry a row;
- Safe{Wallet}'s data export (`{"version": "3.0", "data": {"addressBook": {chainId: {address: name}}}}`;
  "2.0" has the same shape);
- Coldsight's own store (`{"schema": "coldsight.addressbook/1", "entries": [{chainId, address, name}]}`).

Lookalike: address poisoning sends a victim dust from an address that shares the first and last
four hex characters of one they use, hoping they copy it from their history. An address that is
not in the book but matches a named one that way is flagged.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from .errors import ColdsightError
from .hexutil import parse_address

SCHEMA = "coldsight.addressbook/1"
SAFE_EXPORT_VERSIONS = ("2.0", "3.0")
MAX_NAME_LENGTH = 120


class AddressBookError(ColdsightError):
    """An address-book file that cannot be imported (CLI exit 3)."""

    code = "ADDRESS_BOOK_INVALID"


@dataclass(frozen=True)
class Entry:
    chain_id: int
    address: str  # EIP-55
    name: str


@dataclass
class AddressBook:
    entries: dict[tuple[int, str], Entry] = field(default_factory=dict)  # (chain, lowercase address) -> entry

    def add(self, entry: Entry) -> None:
        self.entries[(entry.chain_id, entry.address.lower())] = entry

    def merged(self, other: AddressBook) -> AddressBook:
        """A new book: this one's entries, replaced or extended by `other`'s."""
        book = AddressBook(dict(self.entries))
        for entry in other.entries.values():
            book.add(entry)
        return book

    def name_of(self, chain_id: int | None, address: str) -> str | None:
        if chain_id is None:
            return None
        entry = self.entries.get((chain_id, address.lower()))
        return entry.name if entry is not None else None

    def on_chain(self, chain_id: int | None) -> list[Entry]:
        return [e for (chain, _), e in sorted(self.entries.items()) if chain == chain_id]

    def as_json(self) -> dict:
        rows = sorted(self.entries.values(), key=lambda e: (e.chain_id, e.address.lower()))
        return {"schema": SCHEMA,
                "entries": [{"chainId": str(e.chain_id), "address": e.address, "name": e.name} for e in rows]}

    def __len__(self) -> int:
        return len(self.entries)


def lookalike_key(address: str) -> str:
    """First and last four hex characters, case-insensitive: what people compare at a glance."""
    body = address.lower()[2:]
    return body[:4] + body[-4:]


def lookalikes(address: str, known: dict[str, str]) -> list[str]:
    """Names of known addresses (lowercase address -> name) that `address` imitates: same first and
    last four hex characters, different address."""
    key = lookalike_key(address)
    lower = address.lower()
    return sorted({name for other, name in known.items() if other != lower and lookalike_key(other) == key})


# -- parsing -----------------------------------------------------------------------------------
def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AddressBookError("a name must be a non-empty text", where)
    name = " ".join(value.split())  # no line breaks or tabs that could push text around on screen
    if len(name) > MAX_NAME_LENGTH:
        raise AddressBookError(f"name is {len(name)} characters, more than {MAX_NAME_LENGTH}", where)
    return name


def _chain(value: object, where: str) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text.isdigit() or not text.isascii() or len(text) > 20 or int(text) == 0:
        raise AddressBookError(f"chain id must be a positive decimal number, got {value!r}", where)
    return int(text)


def _entry(chain: object, address: object, name: object, where: str) -> Entry:
    try:
        checked = parse_address(address, f"{where}: address")
    except ColdsightError as err:
        raise AddressBookError(err.message, err.where, err.hint) from None
    return Entry(_chain(chain, f"{where}: chainId"), checked, _name(name, f"{where}: name"))


def parse_csv(text: str, source: str) -> AddressBook:
    """Safe{Wallet}'s address-book CSV: `address,name,chainId` (header required, any column order)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise AddressBookError("the file is empty", source)
    header = [cell.strip() for cell in rows[0]]
    missing = [column for column in ("address", "name", "chainId") if column not in header]
    if missing:
        raise AddressBookError(f"the header must name the columns address,name,chainId; missing {', '.join(missing)}",
                               f"{source}: line 1", "export the address book from Safe{Wallet} as CSV")
    position = {column: header.index(column) for column in ("address", "name", "chainId")}
    book = AddressBook()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise AddressBookError(f"expected {len(header)} columns, found {len(row)}", f"{source}: line {line}")
        book.add(_entry(row[position["chainId"]], row[position["address"]].strip(), row[position["name"]],
                        f"{source}: line {line}"))
    return book


def _parse_safe_export(document: dict, source: str) -> AddressBook:
    data = document.get("data")
    chains = data.get("addressBook") if isinstance(data, dict) else None
    if not isinstance(chains, dict):
        raise AddressBookError('no "data.addressBook" object in this Safe{Wallet} export', source)
    book = AddressBook()
    for chain, names in chains.items():
        if not isinstance(names, dict):
            raise AddressBookError("expected {address: name}", f"{source}: data.addressBook.{chain}")
        for address, name in names.items():
            book.add(_entry(chain, address, name, f"{source}: data.addressBook.{chain}.{address}"))
    return book


def _parse_own(document: dict, source: str) -> AddressBook:
    rows = document.get("entries")
    if not isinstance(rows, list):
        raise AddressBookError('expected "entries": [...]', source)
    book = AddressBook()
    for index, row in enumerate(rows):
        where = f"{source}: entries[{index}]"
        if not isinstance(row, dict):
            raise AddressBookError("expected {chainId, address, name}", where)
        book.add(_entry(row.get("chainId"), row.get("address"), row.get("name"), where))
    return book


def parse_json(text: str, source: str) -> AddressBook:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise AddressBookError(f"not valid JSON: {exc}", source) from None
    if not isinstance(document, dict):
        raise AddressBookError("expected a JSON object", source)
    if document.get("schema") == SCHEMA:
        return _parse_own(document, source)
    version = document.get("version")
    if version in SAFE_EXPORT_VERSIONS:
        return _parse_safe_export(document, source)
    raise AddressBookError(
        f"not a Safe{{Wallet}} data export of version {' or '.join(SAFE_EXPORT_VERSIONS)} (version is {version!r})",
        source, "export it again from Safe{Wallet}: Settings, Data, Export")


def parse_address_book(text: str, source: str) -> AddressBook:
    """A CSV or JSON address book, told apart by its first character."""
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return parse_json(text, source)
    return parse_csv(text, source)
