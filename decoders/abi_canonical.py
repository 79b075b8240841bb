"""Strict ABI decoding written directly over the bytes, for the common type shapes.

Accepts exactly the canonical encoding (what eth-abi's encoder would produce for the decoded
values), so it answers the same question as "eth-abi decodes it AND re-encodes it to identical
bytes" without the re-encoding: every padding byte is checked to be zero (or the sign
extension, for intN), every value is checked to fit its type, every offset must point exactly
where the canonical encoder would put that tail (right after the head, tails in order, no gaps,
no sharing, no backward jumps), and nothing may follow the last tail.

Supported: address, bool, uintN, intN, bytesN, bytes, string, tuples of these and fixed or
dynamic arrays of any of them, nested to any depth. `compile_inputs` returns None for anything
else (fixed/ufixed, function, unparsable types) and the caller keeps eth-abi's path for it.

Memory and time are linear in the input: offsets may only point at the next unread byte, so no
element can be read twice, and a declared length (array or bytes) is checked against the bytes
that remain before anything is allocated for it.
"""

from __future__ import annotations

from eth_abi.exceptions import ParseError
from eth_abi.grammar import BasicType, TupleType
from eth_abi.grammar import parse as parse_type_string

from .hexutil import to_checksum

WORD = 32
_ZERO_WORD = bytes(WORD)


class NotCanonical(ValueError):
    """The bytes are not the canonical ABI encoding of the expected types; says what and where."""


def _word(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + WORD], "big")


class _Codec:
    """One ABI type. Static types decode in place; dynamic ones decode their tail."""

    __slots__ = ("dynamic", "label", "size")
    dynamic: bool
    size: int  # bytes the type takes in its enclosing head (32 for every dynamic type)
    label: str

    def static(self, data: bytes, pos: int) -> object:
        raise NotImplementedError

    def tail(self, data: bytes, pos: int) -> tuple[object, int]:
        """Decode the tail at `pos`; return the value and the position right after it."""
        raise NotImplementedError


class _Address(_Codec):
    __slots__ = ()

    def __init__(self) -> None:
        self.dynamic, self.size, self.label = False, WORD, "address"

    def static(self, data: bytes, pos: int) -> object:
        if data[pos : pos + 12] != _ZERO_WORD[:12]:
            raise NotCanonical(f"address at byte {pos} has non-zero padding")
        return to_checksum(data[pos + 12 : pos + WORD])


class _Uint(_Codec):
    __slots__ = ("bits",)

    def __init__(self, bits: int) -> None:
        self.dynamic, self.size, self.label, self.bits = False, WORD, f"uint{bits}", bits

    def static(self, data: bytes, pos: int) -> object:
        value = _word(data, pos)
        if value >> self.bits:
            raise NotCanonical(f"{self.label} at byte {pos} is out of range (padding bits set)")
        return value


class _Int(_Codec):
    __slots__ = ("high", "low")

    def __init__(self, bits: int) -> None:
        self.dynamic, self.size, self.label = False, WORD, f"int{bits}"
        self.low, self.high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def static(self, data: bytes, pos: int) -> object:
        value = int.from_bytes(data[pos : pos + WORD], "big", signed=True)
        if not self.low <= value <= self.high:
            raise NotCanonical(f"{self.label} at byte {pos} is out of range (bad sign extension)")
        return value


class _Bool(_Codec):
    __slots__ = ()

    def __init__(self) -> None:
        self.dynamic, self.size, self.label = False, WORD, "bool"

    def static(self, data: bytes, pos: int) -> object:
        value = _word(data, pos)
        if value > 1:
            raise NotCanonical(f"bool at byte {pos} is neither 0 nor 1")
        return value == 1


class _FixedBytes(_Codec):
    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.dynamic, self.size, self.label, self.length = False, WORD, f"bytes{length}", length

    def static(self, data: bytes, pos: int) -> object:
        end = pos + self.length
        if data[end : pos + WORD] != _ZERO_WORD[self.length :]:
            raise NotCanonical(f"{self.label} at byte {pos} has non-zero padding")
        return data[pos:end]


class _Bytes(_Codec):
    __slots__ = ("text",)

    def __init__(self, text: bool) -> None:
        self.dynamic, self.size, self.label, self.text = True, WORD, "string" if text else "bytes", text

    def tail(self, data: bytes, pos: int) -> tuple[object, int]:
        if pos + WORD > len(data):
            raise NotCanonical(f"{self.label} length at byte {pos} is past the end of the data")
        length = _word(data, pos)
        start = pos + WORD
        if length > len(data) - start:
            raise NotCanonical(f"{self.label} at byte {pos} declares {length} bytes but only {len(data) - start} remain")
        end = start + length
        padded_end = start + -(-length // WORD) * WORD
        if padded_end > len(data):
            raise NotCanonical(f"{self.label} at byte {pos} is missing its padding")
        if data[end:padded_end] != _ZERO_WORD[: padded_end - end]:
            raise NotCanonical(f"{self.label} at byte {pos} has non-zero padding")
        raw = data[start:end]
        if not self.text:
            return raw, padded_end
        try:
            return raw.decode("utf-8"), padded_end
        except UnicodeDecodeError as err:
            raise NotCanonical(f"string at byte {pos} is not valid UTF-8 (byte {start + err.start})") from None


def _decode_heads(items: tuple[_Codec, ...], head_size: int, data: bytes, start: int) -> tuple[list[object], int]:
    """Decode the heads of `items` at `start` and their tails right after them; return values and end."""
    cursor = start + head_size
    if cursor > len(data):
        raise NotCanonical(f"{head_size} bytes of head needed at byte {start}, only {len(data) - start} remain")
    values: list[object] = []
    pos = start
    for item in items:
        if item.dynamic:
            offset = _word(data, pos)
            if offset != cursor - start:
                raise NotCanonical(
                    f"offset at byte {pos} is {offset}, the canonical encoding has {cursor - start} "
                    f"(tails must follow the head in order, without gaps or sharing)")
            value, cursor = item.tail(data, cursor)
        else:
            value = item.static(data, pos)
        values.append(value)
        pos += item.size
    return values, cursor


class _Sequence(_Codec):
    """A tuple, or a fixed-length array (a tuple of k equal elements): heads, then tails in order."""

    __slots__ = ("head_size", "items", "names")

    def __init__(self, items: tuple[_Codec, ...], names: tuple[str, ...] | None, label: str) -> None:
        self.items, self.names, self.label = items, names, label  # names: tuple fields; None for arrays
        self.head_size = sum(item.size for item in items)
        self.dynamic = any(item.dynamic for item in items)
        self.size = WORD if self.dynamic else self.head_size

    def decode_at(self, data: bytes, start: int) -> tuple[list[object], int]:
        return _decode_heads(self.items, self.head_size, data, start)

    def _shape(self, values: list[object]) -> object:
        return values if self.names is None else dict(zip(self.names, values))

    def static(self, data: bytes, pos: int) -> object:
        return self._shape(self.decode_at(data, pos)[0])

    def tail(self, data: bytes, pos: int) -> tuple[object, int]:
        values, end = self.decode_at(data, pos)
        return self._shape(values), end


class _DynamicArray(_Codec):
    __slots__ = ("item",)

    def __init__(self, item: _Codec) -> None:
        self.dynamic, self.size, self.label, self.item = True, WORD, f"{item.label}[]", item

    def tail(self, data: bytes, pos: int) -> tuple[object, int]:
        if pos + WORD > len(data):
            raise NotCanonical(f"{self.label} length at byte {pos} is past the end of the data")
        count = _word(data, pos)
        start = pos + WORD
        # Every element takes at least item.size bytes of head: refuse lengths the data cannot hold
        # before building anything of that size.
        if count * self.item.size > len(data) - start:
            raise NotCanonical(f"{self.label} at byte {pos} declares {count} elements but only {len(data) - start} bytes remain")
        return _decode_heads((self.item,) * count, count * self.item.size, data, start)


# ---- compiling Params into codecs -------------------------------------------------------------

def _elementary(node: BasicType) -> _Codec | None:
    base, sub = node.base, node.sub
    if base == "address" and sub is None:
        return _Address()
    if base == "bool" and sub is None:
        return _Bool()
    if base == "uint" and isinstance(sub, int):
        return _Uint(sub)
    if base == "int" and isinstance(sub, int):
        return _Int(sub)
    if base == "bytes" and isinstance(sub, int):
        return _FixedBytes(sub)
    if base in ("bytes", "string") and sub is None:
        return _Bytes(text=base == "string")
    return None  # fixed/ufixed, function, anything new: eth-abi's path


def _codec(type_str: str, components: tuple) -> _Codec | None:
    try:
        node = parse_type_string(type_str)
        node.validate()
    except (ParseError, ValueError):  # not a type this decoder knows; eth-abi's path reports it
        return None
    if isinstance(node, TupleType):
        if len(node.components) != len(components):
            return None
        items = tuple(_codec(c.type, c.components) for c in components)
        if any(item is None for item in items):
            return None
        codec: _Codec = _Sequence(items, tuple(c.name for c in components), "tuple")  # type: ignore[arg-type]
    else:
        base = _elementary(node)
        if base is None:
            return None
        codec = base
    for dims in node.arrlist or ():
        if dims:
            codec = _Sequence((codec,) * dims[0], None, f"{codec.label}[{dims[0]}]")
        else:
            codec = _DynamicArray(codec)
    return codec


class CanonicalDecoder:
    """The compiled decoder for one function's inputs."""

    __slots__ = ("_arguments",)

    def __init__(self, arguments: _Sequence) -> None:
        self._arguments = arguments

    def decode(self, body: bytes) -> list[object]:
        """Display values of the arguments (addresses checksummed, tuples as dicts by field name,
        arrays as lists); NotCanonical if `body` is not exactly their canonical encoding."""
        values, end = self._arguments.decode_at(body, 0)
        if end != len(body):
            raise NotCanonical(f"{len(body) - end} extra byte(s) after the arguments (at byte {end})")
        return values


def compile_inputs(inputs: tuple) -> CanonicalDecoder | None:
    """A decoder for these Params, or None if some type needs eth-abi's general path."""
    items = tuple(_codec(p.type, p.components) for p in inputs)
    if any(item is None for item in items):
        return None
    return CanonicalDecoder(_Sequence(items, None, "arguments"))  # type: ignore[arg-type]
