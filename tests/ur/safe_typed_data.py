"""A SafeTx EIP-712 typed-data document written out by hand (Safe >= 1.3.0 layout)."""

import json

SAFE = "0x1234567890123456789012345678901234567890"


def safe_typed_data(chain_id: int = 1, nonce: int = 7) -> dict:
    return {
        "types": {
            "EIP712Domain": [
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "SafeTx": [
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "data", "type": "bytes"},
                {"name": "operation", "type": "uint8"},
                {"name": "safeTxGas", "type": "uint256"},
                {"name": "baseGas", "type": "uint256"},
                {"name": "gasPrice", "type": "uint256"},
                {"name": "gasToken", "type": "address"},
                {"name": "refundReceiver", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "SafeTx",
        "domain": {"chainId": chain_id, "verifyingContract": SAFE},
        "message": {
            "to": "0x5aFE3855358E112B5647B952709E6165e1c1eEEe",
            "value": "1000000000000000000",
            "data": "0x",
            "operation": 0,
            "safeTxGas": "0",
            "baseGas": "0",
            "gasPrice": "0",
            "gasToken": "0x0000000000000000000000000000000000000000",
            "refundReceiver": "0x0000000000000000000000000000000000000000",
            "nonce": str(nonce),
        },
    }


def safe_typed_data_bytes(chain_id: int = 1, nonce: int = 7) -> bytes:
    return json.dumps(safe_typed_data(chain_id, nonce)).encode()
