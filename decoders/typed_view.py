"""The hash-bound view of EIP-712 typed data: exactly what the digest signs, and nothing else.

A typed-data document is JSON a dapp wrote; its digest covers only the members its `types`
declare. A member the types do not declare (an extra `"allowed": false` next to an unlimited
permit's `value`) is not signed: a wallet drops it, but a reviewer that reads the JSON as written
would judge a message nobody signs. So every judgement reads typed data only through this view:

    view = typed_view(document, "message")
    view.digest                  # keccak(0x19 0x01 || domain separator || hashStruct(message))
    view.get("message.spender")  # a declared member, as the digest encodes it; None when absent
    view.get("domain.verifyingContract")
    view.undeclared              # JSON paths of members present but not declared (a finding)
    view.as_document()           # {types, primaryType, domain, message}: only signed members

The view is built in the same single pass that computes the hashes, and every atomic value in it is
read back from the 32-byte word that pass encoded (an address checksummed from the word, a number
as the integer the word holds, `bytesN` as its N bytes): no value can say one thing to the hash and
another to a rule. `bytes` and `string` members are kept as given (0x hex, text): their hash is the
keccak of exactly those bytes. Struct type hashes are computed once per type (a 0.5 MB message of
thousands of items recomputed encodeType per item before).

For policy rules (issue 23) and findings: read `view.get(path)` or `view.domain` / `view.message`;
never the document as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .eip712_any import MAX_DEPTH, TypedDataHashes, encode_atomic, parse_bytes
from .bounds import LimitExceeded
from .errors import PayloadError
from .hexutil import keccak, parse_address, to_checksum

# Values (members and array items, at any depth) one document may hold. Real typed data (permits,
# Permit2 batches, orders with their consideration arrays) holds well under a thousand; each value
# costs up to a keccak and some Python, so this keeps a 4 MiB document of the worst shape within
# seconds (docs/bounds.md).
MAX_TYPED_DATA_VALUES = 50_000
_ARRAY = re.compile(r"^(.*)\[(\d*)\]$")
_INT = re.compile(r"^(u?)int(\d*)$")
_FIXED_BYTES = re.compile(r"^bytes(\d+)$")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class TypedView:
    primary_type: str
    types: dict  # the declared types, as given (validated: every member has a string name and type, no duplicates)
    domain: dict  # EIP712Domain's declared members only
    message: dict  # primaryType's declared members only (nested structs and arrays likewise)
    hashes: TypedDataHashes
    undeclared: tuple[str, ...]  # JSON paths of members present in the document but not in its types

    @property
    def digest(self) -> bytes:
        return self.hashes.digest

    def get(self, path: str, default: object = None) -> object:
        """A declared value by path: `domain.name`, `message.details.token`, `message.permitted[1].amount`."""
        current: object = {"domain": self.domain, "message": self.message, "primaryType": self.primary_type}
        for name, index in _PATH_PART.findall(path):
            if name:
                if not isinstance(current, dict) or name not in current:
                    return default
                current = current[name]
            else:
                if not isinstance(current, list) or int(index) >= len(current):
                    return default
                current = current[int(index)]
        return current

    def as_document(self) -> dict:
        """The signed content as an eth_signTypedData_v4 document: it hashes to the same digest."""
        return {"types": self.types, "primaryType": self.primary_type, "domain": self.domain, "message": self.message}

    def strings(self) -> list[tuple[str, str]]:
        """(path, text) for every text a signer may read: string members, type and member names."""
        found: list[tuple[str, str]] = [("primaryType", self.primary_type)]
        for type_name, members in self.types.items():
            found.append((f"types.{type_name}", type_name))
            found += [(f"types.{type_name}.{m['name']}", m["name"]) for m in members]
        _collect(self.domain, "domain", found)
        _collect(self.message, "message", found)
        return found


def _collect(value: object, where: str, found: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        found.append((where, value))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect(item, f"{where}[{index}]", found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect(item, f"{where}.{key}", found)


class _Reader:
    """One pass over a document: hashes and view together, type hashes cached per type."""

    def __init__(self, types: dict, where: str):
        self.types = types
        self.where = where
        self._fields: dict[str, list[dict]] = {}
        self._type_hashes: dict[str, bytes] = {}
        self.undeclared: list[str] = []

    def fields(self, name: str) -> list[dict]:
        members = self._fields.get(name)
        if members is None:
            members = self.types.get(name)
            place = f"{self.where}.types.{name}"
            if not isinstance(members, list):
                raise PayloadError(f"type {name!r} is not defined", f"{self.where}.types")
            seen = set()
            for index, member in enumerate(members):
                if not (isinstance(member, dict) and isinstance(member.get("name"), str) and isinstance(member.get("type"), str)):
                    raise PayloadError("each member needs a string name and type", f"{place}[{index}]")
                if member["name"] in seen:
                    raise PayloadError(f"member {member['name']!r} is declared twice: the document is ambiguous", place)
                seen.add(member["name"])
            self._fields[name] = members
        return members

    def type_hash(self, primary: str) -> bytes:
        cached = self._type_hashes.get(primary)
        if cached is None:
            found: set[str] = set()
            stack = [primary]
            while stack:
                name = stack.pop()
                if name in found or name not in self.types:
                    continue
                found.add(name)
                stack.extend(_base(member["type"]) for member in self.fields(name))
            ordered = [primary] + sorted(found - {primary})
            text = "".join(f"{name}({','.join(m['type'] + ' ' + m['name'] for m in self.fields(name))})" for name in ordered)
            cached = self._type_hashes[primary] = keccak(text.encode())
        return cached

    def struct(self, primary: str, data: object, where: str, depth: int) -> tuple[bytes, dict]:
        if depth > MAX_DEPTH:
            raise PayloadError(f"typed data nested deeper than {MAX_DEPTH} levels", where)
        if not isinstance(data, dict):
            raise PayloadError(f"expected an object for struct {primary}", where)
        members = self.fields(primary)
        encoded = bytearray(self.type_hash(primary))
        view: dict = {}
        for member in members:
            name = member["name"]
            if name not in data:
                raise PayloadError(f"member {name!r} of {primary} is missing", where)
            word, view[name] = self.value(member["type"], data[name], f"{where}.{name}", depth)
            encoded += word
        if len(data) > len(members):
            declared = {member["name"] for member in members}
            self.undeclared += [f"{where}.{key}" for key in data if key not in declared]
        return keccak(bytes(encoded)), view

    def value(self, type_name: str, value: object, where: str, depth: int) -> tuple[bytes, object]:
        # The common atomic cases first, without a regular expression (thousands of items per message).
        if type_name == "address" and isinstance(value, str):
            checksummed = parse_address(value, where)
            return bytes(12) + bytes.fromhex(checksummed[2:]), checksummed
        if type_name == "uint256" and isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 256:
            return value.to_bytes(32, "big"), value
        array = _ARRAY.match(type_name)
        if array is not None:
            inner, size = array.group(1), array.group(2)
            if not isinstance(value, list):
                raise PayloadError(f"expected a list for {type_name}", where)
            if size and int(size) != len(value):
                raise PayloadError(f"{type_name} needs exactly {size} items, got {len(value)}", where)
            words, items = [], []
            for index, item in enumerate(value):
                word, shown = self.value(inner, item, f"{where}[{index}]", depth + 1)
                words.append(word)
                items.append(shown)
            return keccak(b"".join(words)), items
        if type_name in self.types:
            return self.struct(type_name, value, where, depth + 1)
        if type_name == "string":
            if not isinstance(value, str):
                raise PayloadError("expected a string", where)
            return keccak(value.encode("utf-8")), value
        if type_name == "bytes":
            raw = parse_bytes(value, where)
            return keccak(raw), "0x" + raw.hex()
        word = encode_atomic(type_name, value, where)
        return word, _from_word(type_name, word)


def _base(type_name: str) -> str:
    while (match := _ARRAY.match(type_name)) is not None:
        type_name = match.group(1)
    return type_name


def _from_word(type_name: str, word: bytes) -> object:
    """The value an encoded atomic word holds (what the digest signs), in the view's form."""
    if type_name == "address":
        return to_checksum(word[12:])
    if type_name == "bool":
        return word[-1] == 1
    integer = _INT.match(type_name)
    if integer is not None:
        return int.from_bytes(word, "big", signed=integer.group(1) == "")
    size = int(_FIXED_BYTES.match(type_name).group(1))  # type: ignore[union-attr]  # encode_atomic accepted it
    return "0x" + word[:size].hex()


def _count_values(document: dict) -> int:
    """JSON values under `domain` and `message` (iterative; JSON nesting is already bounded)."""
    count, stack = 0, [document.get("domain"), document.get("message")]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return count


def typed_view(document: object, where: str = "typedData") -> TypedView:
    """Parse `document` against its declared types: the hashes and the signed-only view, in one pass."""
    if not isinstance(document, dict):
        raise PayloadError("typed data must be an object", where)
    types, primary = document.get("types"), document.get("primaryType")
    if not isinstance(types, dict) or not isinstance(primary, str):
        raise PayloadError("typed data needs `types` (an object) and `primaryType` (a string)", where)
    if "EIP712Domain" not in types:
        raise PayloadError("typed data has no EIP712Domain type", f"{where}.types")
    count = _count_values(document)
    if count > MAX_TYPED_DATA_VALUES:  # before any hashing: the work is linear in this count
        raise LimitExceeded("MAX_TYPED_DATA_VALUES", MAX_TYPED_DATA_VALUES,
                            f"typed data holds {count} values (members, array items), more than allowed", where)
    reader = _Reader(types, where)
    domain_hash, domain = reader.struct("EIP712Domain", document.get("domain"), f"{where}.domain", 0)
    message_hash, message = reader.struct(primary, document.get("message"), f"{where}.message", 0)
    hashes = TypedDataHashes(domain_hash, message_hash, keccak(b"\x19\x01" + domain_hash + message_hash))
    declared_types = {name: reader.fields(name) for name in types}
    return TypedView(primary, declared_types, domain, message, hashes, tuple(reader.undeclared))
