"""The signer team's address book: names for addresses, per chain, and the lookalike check.

Pure parsing (no files): `app/addressbook_store.py` reads and keeps the files. Accepted inputs:
- Safe{Wallet}'s address-book CSV export: header `address,name,chainId`, one entry a row;
- Safe{Wallet}'s data export (`{"version": "3.0", "data": {"addressBook": {chainId: {address: name}}}}`;
  "2.0" has the same shape);
- Coldsight's own store (`{"schema": "coldsight.addressbook/1", "entries": [{chainId, address, name}]}`).

Lookalike: address poisoning sends a victim dust from an address that shares the first and last
hex characters of one they use, hoping they copy it from their history. Real incidents matched 3
leading and 4 trailing hex characters (vanity generators make that cheap: 16^7 ≈ 2.7e8 tries), so
that is the rule here: two different addresses with the same first 3 and last 4 hex characters
(case-insensitive) look alike. An address that matches a named one is flagged, and so are two
entries of the book itself that match each other (one of them may be the poisoned copy).

False matches: a given unrelated address matches one given named address with probability
16^-7 = 1 / 268,435,456 ≈ 3.7e-9. With N named addresses on the chain (book, policy labels,
bundled tokens and deployments: a few hundred to a few thousand) and M addresses in one
transaction, the chance of any false alarm is at most N·M / 16^7: for N = 2,000 and M = 50, about
3.7e-4 (one review in 2,700). Within a book of n entries the chance of a false pair is
n(n-1)/2 / 16^7: about 1.9e-3 for n = 1,000. A false alarm costs a careful look; a miss costs the
funds, so the rule errs on the side of alarms.

Names that the review itself uses for roles ("this Safe", "unknown", "the zero address", …) are
refused at import: a row naming a stranger "this Safe" would otherwise be shown as this Safe.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from .errors import ColdsightError
from .hexutil import parse_address
from . import strictjson

SCHEMA = "coldsight.addressbook/1"
LOOKALIKE_PREFIX = 3  # leading hex characters compared (after 0x)
LOOKALIKE_SUFFIX = 4  # trailing hex characters compared
# Words the review uses for roles and alarms: an entry named so would impersonate them on screen.
RESERVED_NAMES = frozenset({
    "this safe", "this safe itself", "the safe", "safe", "our safe", "your safe", "my safe", "the nested safe",
    "unknown", "the zero address", "zero address", "whoever executes", "whoever executes the transaction",
    "the executor", "the batch contract", "the multicall3 contract", "the smart account",
})
RESERVED_WORDS = ("looks like", "(unknown", "this safe")
SAFE_EXPORT_VERSIONS = ("2.0", "3.0")
MAX_NAME_LENGTH = 120
MAX_BOOK_BYTES = 16 * 1024 * 1024  # app.addressbook_store.MAX_FILE_BYTES: the file bound, checked before reading


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
    """First 3 and last 4 hex characters, case-insensitive: what people compare at a glance."""
    body = address.lower()[2:]
    return body[:LOOKALIKE_PREFIX] + body[-LOOKALIKE_SUFFIX:]


def lookalikes(address: str, known: dict[str, str]) -> list[str]:
    """Names of known addresses (lowercase address -> name) that `address` imitates: same first 3 and
    last 4 hex characters, different address."""
    key = lookalike_key(address)
    lower = address.lower()
    return sorted({name for other, name in known.items() if other != lower and lookalike_key(other) == key})


def mark_differences(address: str, other: str) -> str:
    """`address` in full with each run of hex characters that differs from `other` in [brackets]:
    0x553B[7]4…9E5A shows at once where a lookalike departs from the real one."""
    out, inside = ["0x"], False
    for mine, theirs in zip(address[2:], other[2:]):
        differs = mine.lower() != theirs.lower()
        if differs != inside:
            out.append("[" if differs else "]")
            inside = differs
        out.append(mine)
    if inside:
        out.append("]")
    return "".join(out)


def lookalike_pairs(book: AddressBook) -> list[tuple[Entry, Entry]]:
    """Pairs of entries on the same chain whose different addresses look alike (one may be poisoned)."""
    by_key: dict[tuple[int, str], list[Entry]] = {}
    for (chain, _), entry in sorted(book.entries.items()):
        by_key.setdefault((chain, lookalike_key(entry.address)), []).append(entry)
    return [(group[i], group[j]) for group in by_key.values() if len(group) > 1
            for i in range(len(group)) for j in range(i + 1, len(group))]


# -- parsing -----------------------------------------------------------------------------------
def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AddressBookError("a name must be a non-empty text", where)
    name = " ".join(value.split())  # no line breaks or tabs that could push text around on screen
    if len(name) > MAX_NAME_LENGTH:
        raise AddressBookError(f"name is {len(name)} characters, more than {MAX_NAME_LENGTH}", where)
    folded = name.casefold()
    if folded.strip(" .:;,!'\"") in RESERVED_NAMES or any(word in folded for word in RESERVED_WORDS):
        raise AddressBookError(f"the name {name!r} is reserved: the review uses it for a role or an alarm "
                               "(this Safe, unknown, the zero address, LOOKS LIKE)", where,
                               "give the entry a name of its own")
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
        document = strictjson.loads(text, source, max_bytes=MAX_BOOK_BYTES)
    except ColdsightError as exc:
        raise AddressBookError(exc.message, exc.where, exc.hint) from None
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
