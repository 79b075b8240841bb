"""Independent reference implementations the core tests compare Coldsight against.

Hashes come from safe-eth-py (its own SafeTx EIP-712 encoder), signatures from eth-account,
batches and calldata from eth-abi encoders and eth-utils selectors. Nothing here imports
`decoders`, so a bug in Coldsight cannot shape its own expected values.
"""

from eth_account import Account
from eth_utils import to_checksum_address
from safe_eth.eth.eip712 import eip712_encode
from safe_eth.safe.safe_tx import SafeTx as PeerSafeTx

ZERO = "0x0000000000000000000000000000000000000000"
MAX_UINT256 = (1 << 256) - 1

# Test-only keys: anyone may know them, nothing they sign is worth anything.
KEYS = [bytes([i]) * 32 for i in range(1, 6)]
ACCOUNTS = [Account.from_key(key) for key in KEYS]
OWNERS = [account.address for account in ACCOUNTS]


class OfflineClient:
    """Stands in for safe-eth-py's EthereumClient: any use of it would be a network call."""

    def __getattr__(self, name: str):
        raise AssertionError(f"safe-eth-py tried to use the network (EthereumClient.{name})")


def peer_hashes(record: dict, safe: str | None = None, chain_id: int | None = None, version: str | None = None) -> dict:
    """safe-eth-py's {domain, message, safeTx} for a service-JSON-shaped record (0x hex strings)."""
    gas = record.get("baseGas", record.get("dataGas"))
    peer = PeerSafeTx(
        OfflineClient(),  # type: ignore[arg-type]
        to_checksum_address(safe or record["safe"]),
        to_checksum_address(record["to"]),
        int(record["value"]),
        bytes.fromhex((record.get("data") or "0x")[2:]),
        int(record["operation"]),
        int(record["safeTxGas"]),
        int(gas),
        int(record["gasPrice"]),
        to_checksum_address(record["gasToken"]),
        to_checksum_address(record["refundReceiver"]),
        safe_nonce=int(record["nonce"]),
        safe_version=version or record["safeVersion"],
        chain_id=int(chain_id if chain_id is not None else record.get("chainId") or 1),
    )
    _, domain, message = eip712_encode(peer.eip712_structured_data)
    return {
        "domain": "0x" + bytes(domain).hex(),
        "message": "0x" + bytes(message).hex(),
        "safeTx": "0x" + bytes(peer.safe_tx_hash).hex(),
    }


def peer_safe_tx_hash(record: dict, **context) -> bytes:
    return bytes.fromhex(peer_hashes(record, **context)["safeTx"][2:])


# ---- signatures (eth-account) -------------------------------------------------------------

def _rsv(signed) -> tuple[int, int, int]:
    return signed.r, signed.s, signed.v


def pack(r: int, s: int, v: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def sign_eip712(key: bytes, safe_tx_hash: bytes) -> bytes:
    """Safe EIP-712 signature: ECDSA over the safeTxHash itself, v 27/28."""
    return pack(*_rsv(Account.unsafe_sign_hash(safe_tx_hash, key)))


def sign_eth_sign(key: bytes, safe_tx_hash: bytes) -> bytes:
    """Safe eth_sign signature: personal_sign of the 32-byte hash, with v raised by 4 (31/32)."""
    from eth_account.messages import encode_defunct

    r, s, v = _rsv(Account.sign_message(encode_defunct(primitive=safe_tx_hash), key))
    return pack(r, s, v + 4)


def approved_hash_signature(owner: str) -> bytes:
    """v=1: r holds the owner who called approveHash on chain, s is unused."""
    return pack(int(owner, 16), 0, 1)


def contract_signature(owner: str, offset: int) -> bytes:
    """v=0: r holds the EIP-1271 contract owner, s the offset of its dynamic data."""
    return pack(int(owner, 16), offset, 0)


def hex0x(raw: bytes) -> str:
    return "0x" + raw.hex()


# ---- calldata and batches (eth-abi): the shared builders, written from the specs ------------------
# (re-exported so core tests keep importing everything independent of Coldsight from one place)
from tests.builders import calldata, erc20_transfer, multisend, packed_entry, padded_entry, selector  # noqa: E402,F401


def service_record(**fields) -> dict:
    """A Safe Transaction Service multisig-transaction record with every SafeTx field."""
    record = {
        "safe": OWNERS[4],
        "chainId": 1,
        "safeVersion": "1.3.0",
        "to": OWNERS[3],
        "value": "0",
        "data": None,
        "operation": 0,
        "safeTxGas": "0",
        "baseGas": "0",
        "gasPrice": "0",
        "gasToken": ZERO,
        "refundReceiver": ZERO,
        "nonce": 0,
    }
    record.update(fields)
    return record


def typed_data(record: dict, *, with_chain: bool = True, gas_key: str = "baseGas") -> dict:
    """The eth_signTypedData_v4 document a wallet would receive for this record."""
    domain_type = ([{"name": "chainId", "type": "uint256"}] if with_chain else []) + [
        {"name": "verifyingContract", "type": "address"}
    ]
    fields = [
        ("to", "address"), ("value", "uint256"), ("data", "bytes"), ("operation", "uint8"),
        ("safeTxGas", "uint256"), (gas_key, "uint256"), ("gasPrice", "uint256"), ("gasToken", "address"),
        ("refundReceiver", "address"), ("nonce", "uint256"),
    ]
    message = {name: record["baseGas"] if name == gas_key else record[name] for name, _ in fields}
    message["data"] = record.get("data") or "0x"
    domain = {"verifyingContract": record["safe"]}
    if with_chain:
        domain = {"chainId": record["chainId"], **domain}
    return {
        "types": {"EIP712Domain": domain_type, "SafeTx": [{"name": n, "type": t} for n, t in fields]},
        "domain": domain,
        "primaryType": "SafeTx",
        "message": message,
    }


def eth_account_typed_hash(document: dict) -> bytes:
    """A second, independent safeTxHash: eth-account's generic EIP-712 encoder on the typed data."""
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    return bytes(_hash_eip191_message(encode_typed_data(full_message=document)))


