"""Strict parsing of the primitive values found in payloads: hex bytes, addresses, integers."""

from functools import lru_cache

from eth_hash.auto import keccak as _keccak

from .errors import PayloadError

UINT256_MAX = (1 << 256) - 1
_HEX = frozenset("0123456789abcdefABCDEF")
# Checksum nibble test: a hex digit of the address is upper-cased where the hash digit is >= 8.
_HIGH_NIBBLE = frozenset("89abcdef")


def keccak(data: bytes) -> bytes:
    return _keccak(data)


def parse_hex(value: object, where: str, *, allow_empty: bool = True) -> bytes:
    """Parse `0x`-prefixed hex. Odd length, non-hex characters or a missing prefix are errors."""
    if not isinstance(value, str):
        raise PayloadError(f"expected a 0x-prefixed hex string, got {type(value).__name__}", where)
    if not value.startswith(("0x", "0X")):
        raise PayloadError("hex string must start with 0x", where)
    body = value[2:]
    if len(body) % 2:
        raise PayloadError(f"odd-length hex ({len(body)} digits): the data is truncated or corrupt", where)
    # bytes.fromhex checks every digit in C but skips whitespace between bytes: a result shorter
    # than half the digits means something was skipped. Only then scan, to name the bad digit.
    try:
        raw = bytes.fromhex(body)
    except ValueError:
        raw = None
    if raw is None or 2 * len(raw) != len(body):
        bad = next((i for i, ch in enumerate(body) if ch not in _HEX), 0)
        raise PayloadError(f"non-hex character {body[bad]!r} at hex digit {bad}", where)
    if not body and not allow_empty:
        raise PayloadError("empty hex string", where)
    return raw


def to_checksum(address: bytes) -> str:
    """EIP-55 mixed-case checksum encoding of a 20-byte address."""
    # bytearray / memoryview slices are not hashable keys for the cache: copy them once.
    return _checksum_cached(address if type(address) is bytes else bytes(address))


@lru_cache(maxsize=8192)
def _checksum_cached(address: bytes) -> str:
    # Pure and repeated: a batch names the same few tokens and recipients over and over, and each
    # conversion costs a keccak. 8192 entries of ~150 bytes bound the cache to about 1.2 MB.
    hexaddr = address.hex()
    digest = keccak(hexaddr.encode()).hex()
    return "0x" + "".join(c.upper() if d in _HIGH_NIBBLE else c for c, d in zip(hexaddr, digest))


def parse_address(value: object, where: str) -> str:
    """Return the checksummed address; reject bad length, non-hex and failing mixed-case checksums.

    All-lowercase and all-uppercase addresses carry no checksum and are accepted (EIP-55)."""
    if not isinstance(value, str):
        raise PayloadError(f"expected an address string, got {type(value).__name__}", where)
    raw = parse_hex(value, where)
    if len(raw) != 20:
        raise PayloadError(f"an address is 20 bytes, this one is {len(raw)}", where)
    body = value[2:]
    checksummed = to_checksum(raw)
    if body != body.lower() and body != body.upper() and body != checksummed[2:]:
        raise PayloadError(
            f"address {value} fails its EIP-55 checksum (expected {checksummed})",
            where,
            "a single mistyped character changes the checksum; re-export the payload",
        )
    return checksummed


def parse_uint(value: object, where: str, bits: int = 256) -> int:
    """Parse an unsigned integer given as a JSON int, a decimal string or a 0x hex string."""
    if isinstance(value, bool):
        raise PayloadError("expected an unsigned integer, got a boolean", where)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith(("0x", "0X")):
            if len(text) == 2 or any(ch not in _HEX for ch in text[2:]):
                raise PayloadError(f"not a hex number: {value!r}", where)
            number = int(text, 16)
        elif text.isdigit() and text.isascii():
            if len(text) > 80:
                raise PayloadError(f"number has {len(text)} digits, too large for uint{bits}", where)
            number = int(text)
        else:
            raise PayloadError(f"not an unsigned integer: {value!r}", where)
    else:
        raise PayloadError(f"expected an unsigned integer, got {type(value).__name__}", where)
    if number < 0:
        raise PayloadError(f"negative number {number} for an unsigned field", where)
    if number >= 1 << bits:
        raise PayloadError(f"{number} is out of range for uint{bits}", where)
    return number


def short_address(address: str) -> str:
    """`0x9622…7242`: the shape signers compare on small screens."""
    return f"{address[:6]}…{address[-4:]}"
