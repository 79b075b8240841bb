"""Function signatures and strict ABI decoding.

Signatures are human-readable (`transfer(address to,uint256 amount)`, tuples in parentheses).
Decoding is strict: arguments must be exactly their canonical encoding. eth-abi alone accepts
trailing junk and non-canonical offsets, which would let an attacker hide bytes the signer never
sees. The common type shapes are checked directly over the bytes (`abi_canonical`, proven equal
to the rule below by tests/core/test_abi_fastpath.py); any other type is decoded with eth-abi AND
re-encoded, and must give exactly the same bytes.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import eth_abi
from eth_abi.exceptions import DecodingError, EncodingError
from eth_abi.grammar import parse as parse_type_string

from .abi_canonical import CanonicalDecoder, NotCanonical, compile_inputs
from .errors import DecodeError, PayloadError
from .hexutil import keccak, to_checksum

DATA_DIR = Path(__file__).parent / "data" / "abis"


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # canonical type as eth-abi reads it, tuples spelled "(address,uint256)[]"
    components: tuple["Param", ...] = ()  # for tuple types (and arrays of tuples)


@dataclass(frozen=True)
class Function:
    name: str
    inputs: tuple[Param, ...]
    source: str  # which bundled family or file it came from

    # Cached on the instance (frozen dataclasses allow it: cached_property writes __dict__ directly);
    # not fields, so equality and hashing are unchanged.
    @functools.cached_property
    def canonical(self) -> str:
        return f"{self.name}({','.join(p.type for p in self.inputs)})"

    @functools.cached_property
    def selector(self) -> bytes:
        return keccak(self.canonical.encode())[:4]

    @functools.cached_property
    def canonical_decoder(self) -> CanonicalDecoder | None:
        """The direct strict decoder for these inputs, or None when eth-abi must decode them."""
        return compile_inputs(self.inputs)

    @property
    def display(self) -> str:
        return f"{self.name}({', '.join(_param_display(p) for p in self.inputs)})"


def _param_display(param: Param) -> str:
    return f"{param.type} {param.name}".strip()


# ---- parsing human-readable signatures -------------------------------------------------------

def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced parentheses")
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if depth != 0:
        raise ValueError("unbalanced parentheses")
    tail = "".join(current).strip()
    if tail or parts:
        parts.append(tail)
    return parts


def _parse_param(text: str, index: int) -> Param:
    text = text.strip()
    if text.startswith("("):
        depth = 0
        for pos, ch in enumerate(text):  # noqa: B007 (pos is read after the loop)
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                break
        inner, rest = text[1:pos], text[pos + 1 :]
        suffix, _, name = rest.partition(" ")
        if not all(ch in "[]0123456789" for ch in suffix):
            raise ValueError(f"bad array suffix {suffix!r}")
        components = tuple(_parse_param(part, i) for i, part in enumerate(_split_top_level(inner)))
        type_str = "(" + ",".join(c.type for c in components) + ")" + suffix
        return Param(name=name.strip() or f"arg{index}", type=type_str, components=components)
    words = text.split()
    if not words or len(words) > 3:
        raise ValueError(f"bad parameter {text!r}")
    type_str = words[0]
    name = words[-1] if len(words) > 1 and words[-1] not in ("memory", "calldata", "indexed") else f"arg{index}"
    return Param(name=name, type=type_str)


def parse_signature(signature: str, source: str = "") -> Function:
    signature = signature.strip()
    open_at = signature.find("(")
    if open_at <= 0 or not signature.endswith(")"):
        raise ValueError(f"not a function signature: {signature!r}")
    name = signature[:open_at]
    if not name.isidentifier():
        raise ValueError(f"bad function name {name!r}")
    params = tuple(_parse_param(part, i) for i, part in enumerate(_split_top_level(signature[open_at + 1 : -1])))
    for param in params:
        parse_type_string(param.type).validate()  # raises on non-canonical or invalid types
    return Function(name=name, inputs=params, source=source)


def function_from_json_abi(entry: dict, source: str) -> Function:
    def to_param(item: dict, index: int) -> Param:
        kind = item["type"]
        if kind.startswith("tuple"):
            components = tuple(to_param(c, i) for i, c in enumerate(item["components"]))
            kind = "(" + ",".join(c.type for c in components) + ")" + kind[len("tuple") :]
            return Param(item.get("name") or f"arg{index}", kind, components)
        return Param(item.get("name") or f"arg{index}", kind)

    return Function(entry["name"], tuple(to_param(p, i) for i, p in enumerate(entry.get("inputs", []))), source)


# ---- the registry -----------------------------------------------------------------------------

class AbiRegistry:
    """Selector -> candidate functions, from the bundled families plus per-address extras."""

    def __init__(self) -> None:
        self._by_selector: dict[bytes, list[Function]] = {}
        self._by_address: dict[str, dict[bytes, Function]] = {}

    def add(self, function: Function) -> None:
        bucket = self._by_selector.setdefault(function.selector, [])
        if all(f.canonical != function.canonical or f.display != function.display for f in bucket):
            bucket.append(function)

    def copy(self) -> "AbiRegistry":
        clone = AbiRegistry()
        clone._by_selector = {k: list(v) for k, v in self._by_selector.items()}
        clone._by_address = {k: dict(v) for k, v in self._by_address.items()}
        return clone

    def add_for_address(self, address: str, function: Function) -> None:
        self._by_address.setdefault(address.lower(), {})[function.selector] = function

    def candidates(self, selector: bytes, address: str | None = None) -> list[Function]:
        general = self._by_selector.get(selector, [])
        specific = self._by_address.get(address.lower(), {}).get(selector) if address and self._by_address else None
        if specific is None:
            return list(general)
        return [specific] + [f for f in general if f is not specific]

    def load_family_file(self, path: Path) -> None:
        document = json.loads(path.read_text())
        family = path.stem
        for text in document["functions"]:
            self.add(parse_signature(text, source=family))

    def load_abi_dir(self, directory: Path) -> None:
        """Extra ABIs keyed by address: `<0xaddress>.json` holding a JSON ABI list or
        `{"functions": [signature, ...]}`. Errors name the file."""
        for path in sorted(Path(directory).glob("*.json")):
            address = path.stem
            if not (address.startswith("0x") and len(address) == 42):
                raise PayloadError("ABI files must be named after the contract address (0x….json)", str(path))
            try:
                document = json.loads(path.read_text())
                if isinstance(document, dict) and "functions" in document:
                    functions = [parse_signature(s, source=path.name) for s in document["functions"]]
                elif isinstance(document, dict) and "abi" in document:
                    functions = [function_from_json_abi(e, path.name) for e in document["abi"] if e.get("type") == "function"]
                elif isinstance(document, list):
                    functions = [function_from_json_abi(e, path.name) for e in document if e.get("type") == "function"]
                else:
                    raise ValueError("expected a JSON ABI list or {\"functions\": [...]}")
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise PayloadError(f"cannot read ABI: {err}", str(path)) from None
            for function in functions:
                self.add_for_address(address, function)


@functools.lru_cache(maxsize=1)
def bundled_registry() -> AbiRegistry:
    registry = AbiRegistry()
    for path in sorted(DATA_DIR.glob("*.json")):
        registry.load_family_file(path)
    return registry


# ---- strict decoding --------------------------------------------------------------------------

@dataclass(frozen=True)
class DecodedArg:
    name: str
    type: str
    value: object  # int, str (checksummed address), bytes, bool, str, list, dict (tuples by field name)


def _to_display_value(param_type: str, components: tuple[Param, ...], value: Any) -> object:
    if param_type.endswith("]"):
        inner_type = param_type[: param_type.rindex("[")]
        return [_to_display_value(inner_type, components, item) for item in value]
    if param_type.startswith("("):
        return {c.name: _to_display_value(c.type, c.components, v) for c, v in zip(components, value)}
    if param_type == "address":
        return to_checksum(bytes.fromhex(value[2:]))
    return value


def decode_arguments(function: Function, data: bytes) -> list[DecodedArg]:
    """Decode calldata (selector included) strictly; raise DecodeError if it is not canonical."""
    if data[:4] != function.selector:
        raise DecodeError("selector does not match")
    body = data[4:]
    fast = function.canonical_decoder
    if fast is not None:
        try:
            values = fast.decode(body)
        except NotCanonical as err:
            raise DecodeError(f"arguments are not the canonical encoding of {function.canonical}: {err}") from None
        return [DecodedArg(p.name, p.type, v) for p, v in zip(function.inputs, values)]
    return decode_arguments_eth_abi(function, data)


def decode_arguments_eth_abi(function: Function, data: bytes) -> list[DecodedArg]:
    """The general path: eth-abi decodes, re-encodes, and the bytes must be identical."""
    body = data[4:]
    types = [p.type for p in function.inputs]
    try:
        values = eth_abi.decode(types, body, strict=True)
        reencoded = eth_abi.encode(types, values)
    except (DecodingError, EncodingError, OverflowError, ValueError, TypeError, MemoryError) as err:
        raise DecodeError(f"arguments do not decode as {function.canonical}: {err}") from None
    if reencoded != body:
        extra = len(body) - len(reencoded)
        detail = f"{extra} extra byte(s) after the arguments" if extra > 0 else "non-canonical encoding"
        raise DecodeError(f"arguments decode as {function.canonical} but do not re-encode to the same bytes ({detail})")
    return [
        DecodedArg(p.name, p.type, _to_display_value(p.type, p.components, v)) for p, v in zip(function.inputs, values)
    ]
