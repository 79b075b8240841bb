"""EIP-712 hashing of SafeTx for every Safe version, computed from the raw fields only.

Encoding per EIP-712: hashStruct(s) = keccak(typeHash || encodeData(s)), `bytes` members are
hashed, atomic members are 32-byte words; digest = keccak(0x19 0x01 || domainSeparator || hashStruct).
Type strings are the ones in safe-smart-account's Safe.sol / GnosisSafe.sol of each release.
"""

from dataclasses import dataclass

from .hexutil import keccak
from .safetx import Context, HashFamily, SafeTx

DOMAIN_TYPE_NO_CHAIN = "EIP712Domain(address verifyingContract)"
DOMAIN_TYPE_WITH_CHAIN = "EIP712Domain(uint256 chainId,address verifyingContract)"
SAFE_TX_TYPE = (
    "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 {gas},"
    "uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)

DOMAIN_TYPEHASH_NO_CHAIN = keccak(DOMAIN_TYPE_NO_CHAIN.encode())
DOMAIN_TYPEHASH_WITH_CHAIN = keccak(DOMAIN_TYPE_WITH_CHAIN.encode())
SAFE_TX_TYPEHASH = {gas: keccak(SAFE_TX_TYPE.format(gas=gas).encode()) for gas in ("dataGas", "baseGas")}


@dataclass(frozen=True)
class SafeTxHashes:
    domain: bytes
    message: bytes
    safe_tx: bytes

    def as_json(self) -> dict:
        return {"domain": "0x" + self.domain.hex(), "message": "0x" + self.message.hex(), "safeTx": "0x" + self.safe_tx.hex()}


def _word(number: int) -> bytes:
    return number.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def domain_separator(family: HashFamily, safe: str, chain_id: int | None) -> bytes:
    if family.has_chain_id:
        if chain_id is None:
            raise ValueError("chain id required for Safe >= 1.3.0")
        return keccak(DOMAIN_TYPEHASH_WITH_CHAIN + _word(chain_id) + _address_word(safe))
    return keccak(DOMAIN_TYPEHASH_NO_CHAIN + _address_word(safe))


def message_hash(family: HashFamily, tx: SafeTx) -> bytes:
    return keccak(
        SAFE_TX_TYPEHASH[family.gas_field]
        + _address_word(tx.to)
        + _word(tx.value)
        + keccak(tx.data)
        + _word(tx.operation)
        + _word(tx.safe_tx_gas)
        + _word(tx.base_gas)
        + _word(tx.gas_price)
        + _address_word(tx.gas_token)
        + _address_word(tx.refund_receiver)
        + _word(tx.nonce)
    )


def compute_hashes(tx: SafeTx, context: Context) -> SafeTxHashes:
    family = context.version.family
    domain = domain_separator(family, context.safe, context.chain_id)
    message = message_hash(family, tx)
    return SafeTxHashes(domain=domain, message=message, safe_tx=keccak(b"\x19\x01" + domain + message))


def hardware_wallet_groups(digest: bytes) -> str:
    """`0x1234 5678 …` in groups of four hex digits, the way signers compare on device screens."""
    text = digest.hex().upper()
    return "0x" + " ".join(text[i : i + 4] for i in range(0, len(text), 4))
