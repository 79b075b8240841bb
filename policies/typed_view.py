"""Typed data read the way its hash reads it: only members its `types` declare, parsed by their type.

A message rule's member path (`spender`, `details.amount`, `domain.verifyingContract`) is looked up
through the declared members of the primary type (or of `EIP712Domain`), never through the JSON
keys: a key the types do not declare is not signed, so it never satisfies a rule (an attacker's
extra `"spender"` next to an undeclared one is simply absent here). A path through an array fans
out to every item. Values come back parsed by their declared type (addresses checksummed, integers
as int), exactly as decoders/eip712_any.py encodes them for the hash.

It reads `InnerMessage.typed_data`, which the core builds from its hash-bound view
(decoders/typed_view.py: only signed members, values read back from the encoded words); walking the
declared types again here keeps a rule from ever reading a key the types do not declare, whoever
built the document. It reads nothing the hash does not bind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from decoders.eip712_any import parse_bytes, parse_uint
from decoders.errors import ColdsightError
from decoders.hexutil import parse_address

_ARRAY = re.compile(r"^(.*)\[(\d*)\]$")
_INT = re.compile(r"^(u?)int(\d*)$")


@dataclass(frozen=True)
class Member:
    path: str  # concrete path, array items numbered: "details[1].amount"
    type: str  # declared EIP-712 type
    value: object  # parsed: checksummed address, int, bool, str, bytes; a dict / list for structs and arrays
    parent: dict | None  # the struct value holding it (for sibling lookups such as token next to amount)
    parent_type: str | None


def kind_of(type_name: str) -> str:
    """The condition kind a declared type takes (policies.conditions.param_kind's vocabulary)."""
    if _ARRAY.match(type_name):
        return "array"
    if type_name == "address":
        return "address"
    if type_name == "bool":
        return "bool"
    match = _INT.match(type_name)
    if match:
        return "uint" if match.group(1) else "int"
    if type_name == "bytes":
        return "bytes"
    if type_name.startswith("bytes"):
        return "bytesN"
    if type_name == "string":
        return "string"
    return "tuple"


def _declared(types: dict, struct: str) -> dict[str, str]:
    members = types.get(struct)
    if not isinstance(members, list):
        return {}
    return {m["name"]: m["type"] for m in members
            if isinstance(m, dict) and isinstance(m.get("name"), str) and isinstance(m.get("type"), str)}


def _parse(type_name: str, value: object, where: str) -> object:
    kind = kind_of(type_name)
    if kind == "address":
        return parse_address(value, where)
    if kind in ("uint", "int"):
        matched = _INT.match(type_name)
        assert matched is not None  # kind_of read it as an int type
        bits = int(matched.group(2) or 256)
        return parse_uint(value, where, bits, signed=kind == "int")
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("not a bool")
        return value
    if kind in ("bytes", "bytesN"):
        return parse_bytes(value, where)
    return value


def members(document: dict, path: str) -> list[Member] | None:
    """Every value `path` names in the signed typed data; None when the types do not declare it.

    `path` starts at the primary type's message, or at the domain with a `domain.` prefix."""
    types = document.get("types") if isinstance(document, dict) else None
    if not isinstance(types, dict):
        return None
    struct: object
    if path.startswith("domain."):
        struct, value, rest = "EIP712Domain", document.get("domain"), path[len("domain."):]
    else:
        struct, value, rest = document.get("primaryType"), document.get("message"), path
    if not isinstance(struct, str):
        return None
    found: list[Member] = []
    if not _walk(types, struct, value, rest.split("."), "", found):
        return None
    return found


def _walk(types: dict, type_name: str, value: object, segments: list[str], at: str, out: list[Member],
          parent: dict | None = None, parent_type: str | None = None) -> bool:
    array = _ARRAY.match(type_name)
    if array is not None:
        if not isinstance(value, list):
            return False
        ok = True
        for index, item in enumerate(value):
            ok = _walk(types, array.group(1), item, segments, f"{at}[{index}]", out, parent, parent_type) and ok
        return ok
    if not segments:
        try:
            parsed = _parse(type_name, value, at)
        except (ColdsightError, ValueError):
            return False
        out.append(Member(at, type_name, parsed, parent, parent_type))
        return True
    if type_name not in types or not isinstance(value, dict):
        return False
    declared = _declared(types, type_name)
    name = segments[0]
    if name not in declared or name not in value:
        return False  # not declared: not signed, never read
    return _walk(types, declared[name], value[name], segments[1:], f"{at}.{name}" if at else name, out, value, type_name)


def declared_type(document: dict, path: str) -> str | None:
    """The declared type at `path` (array items' type for a path through an array), or None."""
    found = members(document, path)
    return found[0].type if found else None


def sibling(document: dict, member: Member, name: str) -> str | None:
    """A declared member next to `member` in the same struct (Permit2's `token` next to `amount`)."""
    if member.parent is None or member.parent_type is None:
        return None
    types = document.get("types") if isinstance(document, dict) else None
    declared = _declared(types, member.parent_type) if isinstance(types, dict) else {}
    if declared.get(name) != "address" or name not in member.parent:
        return None
    try:
        return parse_address(member.parent[name], name)
    except ColdsightError:
        return None
