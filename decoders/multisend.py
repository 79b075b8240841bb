"""Parsing the `transactions` blob of MultiSend / MultiSendCallOnly batches.

Packed encoding (Safe >= 1.1.0 libraries): operation uint8 | to address(20) | value uint256 |
dataLength uint256 | data. The first MultiSend (Safe 0.1.0 / 1.0.0 era) ABI-encoded each entry
as 32-byte words: operation | to | value | (offset, ignored) | dataLength | data padded to 32.
"""

from dataclasses import dataclass

from .errors import DecodeError
from .hexutil import to_checksum

MAX_ENTRIES = 5000


@dataclass(frozen=True)
class BatchEntry:
    operation: int
    to: str
    value: int
    data: bytes
    offset: int  # byte offset of the entry inside the transactions blob, for error messages


def parse_packed(blob: bytes) -> list[BatchEntry]:
    entries, pos = [], 0
    while pos < len(blob):
        if len(entries) >= MAX_ENTRIES:
            raise DecodeError(f"batch has more than {MAX_ENTRIES} entries")
        if pos + 85 > len(blob):
            raise DecodeError(f"batch entry at byte {pos} is truncated ({len(blob) - pos} bytes, need at least 85)")
        operation = blob[pos]
        if operation not in (0, 1):
            raise DecodeError(f"batch entry at byte {pos} has operation {operation} (only 0 call / 1 delegatecall exist)")
        to = to_checksum(blob[pos + 1 : pos + 21])
        value = int.from_bytes(blob[pos + 21 : pos + 53], "big")
        length = int.from_bytes(blob[pos + 53 : pos + 85], "big")
        start = pos + 85
        if length > len(blob) - start:
            raise DecodeError(f"batch entry at byte {pos} declares {length} data bytes but only {len(blob) - start} remain")
        entries.append(BatchEntry(operation, to, value, blob[start : start + length], pos))
        pos = start + length
    return entries


def parse_padded(blob: bytes) -> list[BatchEntry]:
    entries, pos = [], 0
    while pos < len(blob):
        if len(entries) >= MAX_ENTRIES:
            raise DecodeError(f"batch has more than {MAX_ENTRIES} entries")
        if pos + 160 > len(blob):
            raise DecodeError(f"padded batch entry at byte {pos} is truncated")
        words = [blob[pos + 32 * i : pos + 32 * (i + 1)] for i in range(5)]
        operation = int.from_bytes(words[0], "big")
        if operation not in (0, 1) or any(words[1][:12]):
            raise DecodeError(f"padded batch entry at byte {pos} is malformed")
        length = int.from_bytes(words[4], "big")
        start = pos + 160
        padded = -(-length // 32) * 32
        if padded > len(blob) - start:
            raise DecodeError(f"padded batch entry at byte {pos} declares {length} data bytes beyond the end")
        entries.append(BatchEntry(operation, to_checksum(words[1][12:]), int.from_bytes(words[2], "big"), blob[start : start + length], pos))
        pos = start + padded
    return entries


def parse_batch(blob: bytes, prefer_padded: bool = False) -> tuple[list[BatchEntry], str]:
    """Return the entries and the encoding that parsed ("packed" or "padded")."""
    order = (("padded", parse_padded), ("packed", parse_packed)) if prefer_padded else (("packed", parse_packed), ("padded", parse_padded))
    first_error = None
    for name, parser in order:
        try:
            return parser(blob), name
        except DecodeError as err:
            first_error = first_error or err
    raise first_error
