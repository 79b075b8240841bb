"""Verify a one-call Safe transaction built from the spec (tests/builders.py) and read its intents."""

from __future__ import annotations

import json

from decoders.addressbook import AddressBook
from decoders.report import Report
from decoders.verify import VerifyOptions, verify_bytes
from tests.builders import address, service_record

SAFE = address("intent-test-safe")


def review(to: str, data: bytes = b"", *, value: int = 0, operation: int = 0, chain_id: int = 1,
           book: AddressBook | None = None, safe: str = SAFE, version: str = "1.4.1") -> Report:
    record = service_record(safe, to, data=data, value=value, operation=operation, chain_id=chain_id,
                            safe_version=version)
    return verify_bytes(json.dumps(record).encode(), "test.json", VerifyOptions(execute=False, address_book=book))


def intent_text(report: Report, path: str = "0") -> str:
    return report.intents[path].text
