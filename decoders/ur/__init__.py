"""Blockchain Commons Uniform Resources (UR) and the EIP-4527 Ethereum registry items.

Pure Python: Bytewords, Xoshiro256**, fountain codes, UR texts (single and multipart), and
strict CBOR for eth-sign-request / eth-signature / crypto-hdkey / crypto-account.
Every failure on untrusted input is a `decoders.errors.URError`.
"""

from decoders.ur.eip4527 import (
    CryptoAccount,
    CryptoHDKey,
    EthDataType,
    EthSignature,
    EthSignRequest,
    KeyPath,
    PathComponent,
    decode_registry_item,
)
from decoders.ur.fountain import FountainDecoder, FountainEncoder, FountainPart
from decoders.ur.ur import (
    UR,
    Progress,
    ReceiveResult,
    URDecoder,
    UREncoder,
    decode_single,
    encode_single,
    parse_part,
)

__all__ = [
    "UR",
    "URDecoder",
    "UREncoder",
    "ReceiveResult",
    "Progress",
    "decode_single",
    "encode_single",
    "parse_part",
    "FountainEncoder",
    "FountainDecoder",
    "FountainPart",
    "EthSignRequest",
    "EthSignature",
    "EthDataType",
    "KeyPath",
    "PathComponent",
    "CryptoHDKey",
    "CryptoAccount",
    "decode_registry_item",
]
