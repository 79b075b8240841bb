"""Test payload builders, written from the specs, shared by every test folder.

Calldata is ABI-encoded by eth-abi (an independent encoder); MultiSend entries follow the
MultiSend / MultiSendCallOnly contracts (safe-smart-account, libraries/MultiSend.sol): packed
`operation uint8 | to address | value uint256 | dataLength uint256 | data`, or for the first,
pre-1.1.0 MultiSend, `abi.encode(operation, to, value, data)`. Records have the shape of the
Safe Transaction Service's multisig-transaction JSON.
"""

from __future__ import annotations

from eth_abi import encode
from eth_abi.packed import encode_packed
from eth_utils import keccak, to_checksum_address

ZERO = "0x0000000000000000000000000000000000000000"
# Circle USDC on Ethereum mainnet (circle.com USDC contract addresses)
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
# Canonical Safe 1.3.0 MultiSendCallOnly (safe-deployments, multi_send_call_only.json v1.3.0)
MULTISEND_CALL_ONLY_130 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"


def address(seed: str) -> str:
    """A deterministic checksummed address nobody holds a key for."""
    return to_checksum_address(keccak(text=seed)[:20])


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def calldata(signature: str, types: list[str], values: list) -> bytes:
    return selector(signature) + encode(types, values)


def erc20_transfer(to: str, amount: int) -> bytes:
    return calldata("transfer(address,uint256)", ["address", "uint256"], [to, amount])


def packed_entry(operation: int, to: str, value: int, data: bytes) -> bytes:
    """One MultiSend entry in the packed encoding (Safe >= 1.1.0 libraries)."""
    return encode_packed(["uint8", "address", "uint256", "uint256", "bytes"], [operation, to, value, len(data), data])


def padded_entry(operation: int, to: str, value: int, data: bytes) -> bytes:
    """One entry of the first MultiSend: abi.encode(operation, to, value, data) as 32-byte words."""
    return encode(["uint256", "address", "uint256", "bytes"], [operation, to, value, data])


def multisend(entries: bytes) -> bytes:
    """`multiSend(bytes transactions)` calldata around already encoded entries."""
    return calldata("multiSend(bytes)", ["bytes"], [entries])


def service_record(safe: str, to: str, *, data: bytes = b"", value: int = 0, operation: int = 0, nonce: int = 0,
                   chain_id: int = 1, safe_version: str = "1.3.0", **extra) -> dict:
    """A Safe Transaction Service multisig-transaction record with every SafeTx field."""
    record = {
        "safe": safe, "chainId": chain_id, "safeVersion": safe_version, "to": to, "value": str(value),
        "data": "0x" + data.hex(), "operation": operation, "safeTxGas": "0", "baseGas": "0", "gasPrice": "0",
        "gasToken": ZERO, "refundReceiver": ZERO, "nonce": str(nonce),
    }
    record.update(extra)
    return record
