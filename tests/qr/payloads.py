"""Payloads for QR tests: the bundled Bybit example and a MultiSend batch built here."""

from __future__ import annotations

import json
from pathlib import Path

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

REPO_ROOT = Path(__file__).resolve().parents[2]
BYBIT = REPO_ROOT / "examples" / "bybit-attack.json"

# Canonical Safe 1.3.0 MultiSendCallOnly (safe-deployments, multi_send_call_only.json v1.3.0)
MULTISEND_CALL_ONLY_130 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # Circle USDC on Ethereum mainnet
SAFE = "0x5aFE3855358E112B5647B952709E6165e1c1eEEe"


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _packed(operation: int, to: str, value: int, data: bytes) -> bytes:
    # MultiSend entry: operation uint8 | to address | value uint256 | dataLength uint256 | data
    return bytes([operation]) + bytes.fromhex(to[2:]) + value.to_bytes(32, "big") + len(data).to_bytes(32, "big") + data


def multisend_batch(calls: int = 12, nonce: int = 5) -> dict:
    """Safe Transaction Service-style JSON: a batch of USDC transfers and ETH payments."""
    entries = b""
    for index in range(calls):
        recipient = to_checksum_address(keccak(text=f"recipient {index}")[:20])
        if index % 3 == 2:
            entries += _packed(0, recipient, (index + 1) * 10**16, b"")
        else:
            transfer = _selector("transfer(address,uint256)") + abi_encode(["address", "uint256"], [recipient, (index + 1) * 1_000_000])
            entries += _packed(0, USDC, 0, transfer)
    data = _selector("multiSend(bytes)") + abi_encode(["bytes"], [entries])
    return {
        "safe": SAFE,
        "chainId": 1,
        "safeVersion": "1.3.0",
        "to": MULTISEND_CALL_ONLY_130,
        "value": "0",
        "data": "0x" + data.hex(),
        "operation": 1,
        "safeTxGas": "0",
        "baseGas": "0",
        "gasPrice": "0",
        "gasToken": "0x0000000000000000000000000000000000000000",
        "refundReceiver": "0x0000000000000000000000000000000000000000",
        "nonce": str(nonce),
    }


def write_multisend(directory: Path, calls: int = 12, nonce: int = 5) -> Path:
    path = directory / f"multisend-{calls}-{nonce}.json"
    path.write_text(json.dumps(multisend_batch(calls, nonce), indent=2))
    return path
