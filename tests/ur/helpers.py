"""Shared helpers for the UR tests (message generators as the bc-ur reference tests define them)."""

import json
from pathlib import Path

from decoders.ur.ur import UR
from decoders.ur.xoshiro import Xoshiro256

HERE = Path(__file__).parent
# Vectors from BlockchainCommons/bc-ur test/test.cpp at commit 4479fb81b2350ae8bafa042a5572b9c64c2c32ca
VECTORS = json.loads((HERE / "bc_ur_vectors.json").read_text())


def make_message(length: int, seed: str = "Wolf") -> bytes:
    """bc-ur test-utils.cpp make_message: `length` bytes from Xoshiro256(seed).next_data."""
    return Xoshiro256(seed).next_data(length)


def cbor_bytes(data: bytes) -> bytes:
    """CBOR byte string head + data, written out by hand (RFC 8949 major type 2)."""
    n = len(data)
    if n < 24:
        head = bytes([0x40 | n])
    elif n < 0x100:
        head = bytes([0x58, n])
    elif n < 0x10000:
        head = bytes([0x59]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x5A]) + n.to_bytes(4, "big")
    return head + data


def make_message_ur(length: int, seed: str = "Wolf") -> UR:
    """bc-ur test-utils.cpp make_message_ur: a `bytes` UR holding the message as a CBOR byte string."""
    return UR("bytes", cbor_bytes(make_message(length, seed)))
