"""Xoshiro256** seeded from SHA-256, the deterministic generator bc-ur's fountain code uses.

Encoder and decoder must derive the same fragment choices from (seqNum, checksum), so this
must match the reference bit for bit (vectors: BlockchainCommons/bc-ur test/test.cpp).
"""

from __future__ import annotations

import hashlib

_MASK64 = (1 << 64) - 1


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & _MASK64


class Xoshiro256:
    """Xoshiro256** whose 256-bit state is the SHA-256 digest of the seed (four big-endian words)."""

    __slots__ = ("_s",)

    def __init__(self, seed: bytes | str):
        seed_bytes = seed.encode("utf-8") if isinstance(seed, str) else bytes(seed)
        digest = hashlib.sha256(seed_bytes).digest()
        self._s = [int.from_bytes(digest[i : i + 8], "big") for i in range(0, 32, 8)]

    @classmethod
    def from_uint32(cls, value: int) -> "Xoshiro256":
        """Seeded from a 32-bit integer's four big-endian bytes (as bc-ur does for a checksum)."""
        return cls(value.to_bytes(4, "big"))

    def next(self) -> int:
        s0, s1, s2, s3 = self._s
        result = (_rotl((s1 * 5) & _MASK64, 7) * 9) & _MASK64
        t = (s1 << 17) & _MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self._s = [s0, s1, s2, s3]
        return result

    def next_double(self) -> float:
        """A float in [0, 1): next() divided by 2**64, as the reference computes it."""
        return self.next() / 18446744073709551616.0

    def next_int(self, low: int, high: int) -> int:
        """An integer in [low, high], both inclusive."""
        return int(self.next_double() * (high - low + 1)) + low

    def next_byte(self) -> int:
        return self.next_int(0, 255)

    def next_data(self, count: int) -> bytes:
        return bytes(self.next_byte() for _ in range(count))
