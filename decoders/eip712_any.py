"""EIP-712 hashing of any typed-data document (the JSON a wallet receives for eth_signTypedData_v4).

Written from the EIP-712 specification: encodeType is the primary type followed by its referenced
struct types sorted by name; atomic members are one 32-byte word, `bytes` and `string` are hashed,
arrays are the hash of their concatenated encoded elements, structs are their hashStruct. Values
are read strictly: a number that does not fit its type, an address that is not 20 bytes or a
member that is missing is a PayloadError naming the JSON path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import PayloadError
from .hexutil import keccak, parse_address, parse_hex

_ARRAY = re.compile(r"^(.*)\[(\d*)\]$")
_INT = re.compile(r"^(u?)int(\d*)$")
_FIXED_BYTES = re.compile(r"^bytes(\d+)$")
MAX_DEPTH = 16


@dataclass(frozen=True)
class TypedDataHashes:
    domain: bytes  # hashStruct(EIP712Domain, domain): the domain separator
    message: bytes  # hashStruct(primaryType, message)
    digest: bytes  # keccak(0x19 0x01 || domain || message): what the signer signs

    def as_json(self) -> dict:
        return {"domain": "0x" + self.domain.hex(), "message": "0x" + self.message.hex(), "digest": "0x" + self.digest.hex()}


def _fields(types: dict, name: str, where: str) -> list[dict]:
    members = types.get(name)
    if not isinstance(members, list):
        raise PayloadError(f"type {name!r} is not defined", where)
    for index, member in enumerate(members):
        if not (isinstance(member, dict) and isinstance(member.get("name"), str) and isinstance(member.get("type"), str)):
            raise PayloadError("each member needs a string name and type", f"{where}.{name}[{index}]")
    return members


def _base(type_name: str) -> str:
    while (match := _ARRAY.match(type_name)) is not None:
        type_name = match.group(1)
    return type_name


def _dependencies(types: dict, primary: str, found: set[str], where: str) -> None:
    if primary in found or primary not in types:
        return
    found.add(primary)
    for member in _fields(types, primary, where):
        _dependencies(types, _base(member["type"]), found, where)


def encode_type(types: dict, primary: str, where: str = "types") -> str:
    found: set[str] = set()
    _dependencies(types, primary, found, where)
    if primary not in found:
        raise PayloadError(f"type {primary!r} is not defined", where)
    ordered = [primary] + sorted(found - {primary})
    return "".join(f"{name}({','.join(m['type'] + ' ' + m['name'] for m in _fields(types, name, where))})"
                   for name in ordered)


def type_hash(types: dict, primary: str) -> bytes:
    return keccak(encode_type(types, primary).encode())


def hash_struct(types: dict, primary: str, data: object, where: str, depth: int = 0) -> bytes:
    if depth > MAX_DEPTH:
        raise PayloadError(f"typed data nested deeper than {MAX_DEPTH} levels", where)
    if not isinstance(data, dict):
        raise PayloadError(f"expected an object for struct {primary}", where)
    encoded = bytearray(type_hash(types, primary))
    for member in _fields(types, primary, "types"):
        name = member["name"]
        if name not in data:
            raise PayloadError(f"member {name!r} of {primary} is missing", where)
        encoded += _encode_value(types, member["type"], data[name], f"{where}.{name}", depth)
    return keccak(bytes(encoded))


def _encode_value(types: dict, type_name: str, value: object, where: str, depth: int) -> bytes:
    array = _ARRAY.match(type_name)
    if array is not None:
        inner, size = array.group(1), array.group(2)
        if not isinstance(value, list):
            raise PayloadError(f"expected a list for {type_name}", where)
        if size and int(size) != len(value):
            raise PayloadError(f"{type_name} needs exactly {size} items, got {len(value)}", where)
        return keccak(b"".join(_encode_value(types, inner, item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)))
    if type_name in types:
        return hash_struct(types, type_name, value, where, depth + 1)
    if type_name == "string":
        if not isinstance(value, str):
            raise PayloadError("expected a string", where)
        return keccak(value.encode("utf-8"))
    if type_name == "bytes":
        return keccak(parse_bytes(value, where))
    return encode_atomic(type_name, value, where)


def parse_bytes(value: object, where: str) -> bytes:
    """0x hex, strictly (hexutil.parse_hex: no whitespace, no odd length)."""
    return parse_hex(value, where)


def parse_uint(value: object, where: str, bits: int = 256, signed: bool = False) -> int:
    if isinstance(value, bool):
        raise PayloadError("expected a number, got a boolean", where)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            number = int(text, 16) if text[:2].lower() in ("0x", "-0x") else int(text, 10)
        except ValueError:
            raise PayloadError(f"not a number: {value!r}", where) from None
    else:
        raise PayloadError("expected a number (JSON number or decimal / 0x string)", where)
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not low <= number <= high:
        raise PayloadError(f"{number} does not fit in {'int' if signed else 'uint'}{bits}", where)
    return number


def encode_atomic(type_name: str, value: object, where: str) -> bytes:
    if type_name == "address":
        return bytes(12) + bytes.fromhex(parse_address(value, where)[2:])
    if type_name == "bool":
        if not isinstance(value, bool):
            raise PayloadError("expected true or false", where)
        return int(value).to_bytes(32, "big")
    integer = _INT.match(type_name)
    if integer is not None:
        bits = int(integer.group(2) or 256)
        if bits % 8 or not 8 <= bits <= 256:
            raise PayloadError(f"unknown type {type_name}", where)
        signed = integer.group(1) == ""
        number = parse_uint(value, where, bits, signed)
        return (number % (1 << 256)).to_bytes(32, "big")
    fixed = _FIXED_BYTES.match(type_name)
    if fixed is not None and 1 <= int(fixed.group(1)) <= 32:
        raw = parse_bytes(value, where)
        if len(raw) != int(fixed.group(1)):
            raise PayloadError(f"{type_name} needs exactly {fixed.group(1)} bytes, got {len(raw)}", where)
        return raw + bytes(32 - len(raw))
    raise PayloadError(f"unknown type {type_name}", where)


def hash_typed_data(document: dict, where: str = "typedData") -> TypedDataHashes:
    """Domain separator, message hash and digest of an eth_signTypedData_v4 document.

    Computed by decoders.typed_view, which caches each struct's type hash (the functions above
    recompute encodeType for every struct instance: fine for one struct, not for thousands)."""
    from .typed_view import typed_view

    return typed_view(document, where).hashes


def hash_typed_data_uncached(document: dict, where: str = "typedData") -> TypedDataHashes:
    """The plain recursive reading of the spec above (kept as a second implementation for tests)."""
    if not isinstance(document, dict):
        raise PayloadError("typed data must be an object", where)
    types, primary = document.get("types"), document.get("primaryType")
    if not isinstance(types, dict) or not isinstance(primary, str):
        raise PayloadError("typed data needs `types` (an object) and `primaryType` (a string)", where)
    if "EIP712Domain" not in types:
        raise PayloadError("typed data has no EIP712Domain type", f"{where}.types")
    domain = hash_struct(types, "EIP712Domain", document.get("domain"), f"{where}.domain")
    message = hash_struct(types, primary, document.get("message"), f"{where}.message")
    return TypedDataHashes(domain, message, keccak(b"\x19\x01" + domain + message))
