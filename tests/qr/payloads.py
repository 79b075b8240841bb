"""Payloads for QR tests: the bundled Bybit example and a MultiSend batch built here."""

from __future__ import annotations

import json
from pathlib import Path

from tests.builders import (
    MULTISEND_CALL_ONLY_130, USDC, address, erc20_transfer, multisend, packed_entry, service_record,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
BYBIT = REPO_ROOT / "examples" / "bybit-attack.json"
SAFE = "0x5aFE3855358E112B5647B952709E6165e1c1eEEe"


def multisend_batch(calls: int = 12, nonce: int = 5) -> dict:
    """Safe Transaction Service-style JSON: a batch of USDC transfers and ETH payments."""
    entries = b""
    for index in range(calls):
        recipient = address(f"recipient {index}")
        if index % 3 == 2:
            entries += packed_entry(0, recipient, (index + 1) * 10**16, b"")
        else:
            entries += packed_entry(0, USDC, 0, erc20_transfer(recipient, (index + 1) * 1_000_000))
    return service_record(SAFE, MULTISEND_CALL_ONLY_130, data=multisend(entries), operation=1, nonce=nonce)


def write_multisend(directory: Path, calls: int = 12, nonce: int = 5) -> Path:
    path = directory / f"multisend-{calls}-{nonce}.json"
    path.write_text(json.dumps(multisend_batch(calls, nonce), indent=2))
    return path
