"""The signer team's address book on this machine: `<state dir>/addressbook.json`.

`coldsight addressbook import FILE` merges a Safe{Wallet} CSV or data export into it; every review
reads it (app/service.py). Parsing is decoders.addressbook's job; this module only does files.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
import json

from decoders.addressbook import AddressBook, AddressBookError, Entry, lookalike_pairs, parse_address_book, parse_json

BOOK_FILE = "addressbook.json"
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ImportResult:
    added: int
    renamed: int
    unchanged: int
    total: int
    path: Path
    lookalikes: tuple[tuple[Entry, Entry], ...] = ()  # entries of the merged book that look alike


def book_path(state_dir: Path) -> Path:
    return state_dir / BOOK_FILE


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise AddressBookError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", str(path))
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AddressBookError("the file is not UTF-8 text", str(path)) from None
    except OSError as exc:
        raise AddressBookError(f"cannot read the file: {exc.strerror or exc}", str(path)) from None


def read_file(path: Path) -> AddressBook:
    """An address book file as given on the command line (CSV or JSON)."""
    return parse_address_book(_read_text(path), str(path))


def load_store(state_dir: Path) -> AddressBook:
    """This machine's address book; empty when none was imported yet."""
    path = book_path(state_dir)
    if not path.exists():
        return AddressBook()
    return parse_json(_read_text(path), str(path))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".addressbook-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def import_book(source: Path, state_dir: Path, replace: bool = False) -> ImportResult:
    """Merge (or with `replace`, swap in) the entries of `source` into the store."""
    incoming = read_file(source)
    current = AddressBook() if replace else load_store(state_dir)
    added = renamed = unchanged = 0
    for key, entry in incoming.entries.items():
        before: Entry | None = current.entries.get(key)
        if before is None:
            added += 1
        elif before.name != entry.name:
            renamed += 1
        else:
            unchanged += 1
    merged = current.merged(incoming)
    path = book_path(state_dir)
    _write_atomically(path, json.dumps(merged.as_json(), indent=1, ensure_ascii=False) + "\n")
    return ImportResult(added, renamed, unchanged, len(merged), path, tuple(lookalike_pairs(merged)))
