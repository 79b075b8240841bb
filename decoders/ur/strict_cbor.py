"""Strict CBOR for UR payloads: a structural pre-check of our own, then cbor2.

cbor2 on its own would accept indefinite lengths, floats, shared references (tags 28/29),
dates, bignums and any other semantic tag, and would trust a declared length before seeing
the bytes. UR registry items use none of that, so we first walk the raw bytes and refuse:
lengths larger than the bytes that remain, indefinite lengths, floats and simple values
other than false/true/null, tags outside the caller's allow-list, deep nesting, and
trailing bytes. Only then is cbor2 asked to build the objects; any error it still raises
is wrapped in URError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cbor2

from decoders.errors import URError

MAX_DEPTH = 24


@dataclass(frozen=True)
class Tagged:
    """A CBOR tagged item, kept as tag + value (we never let cbor2 interpret tags)."""

    tag: int
    value: object


def decode(data: bytes, where: str, allowed_tags: frozenset[int]) -> object:
    """Decode one complete CBOR item under the strict rules above; URError on anything else."""
    if not isinstance(data, (bytes, bytearray)):
        raise URError("CBOR input must be bytes", where)
    data = bytes(data)
    if not data:
        raise URError("empty CBOR", where)
    end = _check_item(data, 0, 0, allowed_tags, where)
    if end != len(data):
        raise URError(f"{len(data) - end} unexpected bytes after the CBOR item (at byte {end})", where)
    try:
        item = cbor2.loads(
            data,
            tag_hook=lambda tag, _immutable: Tagged(tag.tag, tag.value),
            # tag 37 (UUID) has a cbor2 built-in decoder; keep it raw like every other tag
            semantic_decoders={37: lambda value, _immutable: Tagged(37, value)},
            allow_indefinite=False,
            allow_duplicate_keys=False,
            max_depth=MAX_DEPTH + 2,
        )
    except Exception as exc:  # cbor2 raises several types (CBORDecodeError, ValueError, ...)
        raise URError(f"invalid CBOR: {exc}", where) from None
    return _thaw(item)


def encode(item: object) -> bytes:
    """Encode with cbor2 in plain (insertion-ordered, shortest-integer) form."""
    return cbor2.dumps(_freeze_tags(item))


def _thaw(item: object) -> object:
    if isinstance(item, Tagged):
        return Tagged(item.tag, _thaw(item.value))
    if isinstance(item, Mapping):
        return {key: _thaw(value) for key, value in item.items()}
    if isinstance(item, (list, tuple)):
        return [_thaw(value) for value in item]
    return item


def _freeze_tags(item: object) -> object:
    if isinstance(item, Tagged):
        return cbor2.CBORTag(item.tag, _freeze_tags(item.value))
    if isinstance(item, dict):
        return {key: _freeze_tags(value) for key, value in item.items()}
    if isinstance(item, (list, tuple)):
        return [_freeze_tags(value) for value in item]
    return item


def _read_argument(data: bytes, offset: int, info: int, where: str) -> tuple[int, int]:
    """The head's argument and the offset after it."""
    if info < 24:
        return info, offset
    if info > 27:
        kind = "indefinite-length" if info == 31 else "reserved"
        raise URError(f"{kind} CBOR encoding at byte {offset - 1} is not allowed", where)
    size = 1 << (info - 24)
    if offset + size > len(data):
        raise URError(f"CBOR truncated at byte {offset}", where)
    return int.from_bytes(data[offset : offset + size], "big"), offset + size


def _check_item(data: bytes, offset: int, depth: int, allowed_tags: frozenset[int], where: str) -> int:
    if depth > MAX_DEPTH:
        raise URError(f"CBOR nested deeper than {MAX_DEPTH} levels", where)
    if offset >= len(data):
        raise URError(f"CBOR truncated at byte {offset}", where)
    start = offset
    head = data[offset]
    major, info = head >> 5, head & 0x1F
    offset += 1
    if major == 7:
        if info in (20, 21, 22):  # false, true, null
            return offset
        raise URError(f"CBOR float or simple value (0x{head:02x}) at byte {start} is not allowed", where)
    argument, offset = _read_argument(data, offset, info, where)
    remaining = len(data) - offset
    if major in (0, 1):
        return offset
    if major in (2, 3):
        if argument > remaining:
            raise URError(
                f"CBOR string at byte {start} declares {argument} bytes but only {remaining} remain", where
            )
        return offset + argument
    if major in (4, 5):
        items = argument * (2 if major == 5 else 1)
        if items > remaining:  # every item needs at least one byte
            raise URError(
                f"CBOR {'map' if major == 5 else 'array'} at byte {start} declares {argument} entries "
                f"but only {remaining} bytes remain",
                where,
            )
        for _ in range(items):
            offset = _check_item(data, offset, depth + 1, allowed_tags, where)
        return offset
    # major 6: tag
    if argument not in allowed_tags:
        raise URError(f"unexpected CBOR tag {argument} at byte {start}", where)
    return _check_item(data, offset, depth + 1, allowed_tags, where)
