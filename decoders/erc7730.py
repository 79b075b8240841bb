"""Intents from ERC-7730 clear-signing descriptors (the registry Ledger and wallets share).

The bundled descriptors (decoders/data/erc7730/, a chosen subset of
LedgerHQ/clear-signing-erc7730-registry, CC0; tools/gen_erc7730.py) say, per contract and
function, the intent ("Repay loan") and which fields to show with which format ("tokenAmount",
"addressName", "enum", "date", …). A descriptor applies to its listed deployments; one without
deployments (the registry's generic ERC-20 file) applies to the tokens of the bundled token list.

Only what this module can render exactly is rendered: a path, format or field shape it does not
know makes `describe` return None and the built-in templates speak instead, so a descriptor can
never make Coldsight show half a sentence. Arguments are decoded again, strictly, with the
descriptor's own signature, so field paths use its parameter names.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import tokens
from .abi import Function, decode_arguments, parse_signature
from .data import load_json
from .errors import ColdsightError, DecodeError

if TYPE_CHECKING:
    from .calls import CallNode
    from .names import Names

INDEX_FILE = "erc7730/index.json"


class Unsupported(Exception):
    """The descriptor asks for something this renderer does not do: fall back to the templates."""


@dataclass(frozen=True)
class Descriptor:
    file: str  # path inside the registry, e.g. "registry/aave/calldata-lpv3.json"
    document: dict
    deployments: frozenset[tuple[int, str]]  # (chain id, lowercase address); empty: generic token descriptor
    formats: dict[bytes, tuple[Function, dict]]  # selector -> (signature, format)

    @property
    def entity(self) -> str:
        """`Aave DAO PoolInstance`: the owner, then the contract name unless the owner already says it."""
        metadata = self.document.get("metadata", {})
        owner, name = metadata.get("owner") or "", metadata.get("contractName") or ""
        if name and name not in owner:
            return f"{owner} {name}".strip()
        return owner or name or self.file


def _load_descriptor(file: str) -> Descriptor:
    document = load_json(f"erc7730/{file}")
    contract = document.get("context", {}).get("contract", {})
    deployments = frozenset((int(d["chainId"]), d["address"].lower()) for d in contract.get("deployments", ()))
    formats: dict[bytes, tuple[Function, dict]] = {}
    for signature, spec in document.get("display", {}).get("formats", {}).items():
        function = parse_signature(signature, f"erc7730:{file}")
        formats[function.selector] = (function, spec)
    return Descriptor(file, document, deployments, formats)


@functools.cache
def _descriptors() -> tuple[Descriptor, ...]:
    index = load_json(INDEX_FILE)
    try:
        return tuple(_load_descriptor(file) for file in index["descriptors"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ColdsightError(f"bundled ERC-7730 descriptor is corrupt: {exc}", f"decoders/data/{INDEX_FILE}",
                             "reinstall Coldsight; the installation is damaged") from None


@functools.cache
def _by_deployment() -> dict[tuple[int, str], tuple[Descriptor, ...]]:
    index: dict[tuple[int, str], list[Descriptor]] = {}
    for descriptor in _descriptors():
        for key in descriptor.deployments:
            index.setdefault(key, []).append(descriptor)
    return {key: tuple(found) for key, found in index.items()}


def descriptors_for(chain_id: int | None, address: str, generic: bool = False) -> tuple[Descriptor, ...]:
    """The descriptors listing this contract; with `generic`, the ones without deployments (the
    registry's ERC-20 file) when the contract is a listed token."""
    if chain_id is None:
        return ()
    if not generic:
        return _by_deployment().get((chain_id, address.lower()), ())
    return tuple(d for d in _descriptors() if not d.deployments) if tokens.token_at(chain_id, address) else ()


@functools.cache
def addresses_on(chain_id: int) -> frozenset[str]:
    """The lowercase addresses some bundled descriptor lists on `chain_id` (those `contract_name` knows)."""
    return frozenset(address for chain, address in _by_deployment() if chain == chain_id)


def contract_name(chain_id: int | None, address: str) -> str | None:
    """`Aave DAO PoolInstance` for a contract a bundled descriptor lists, else None."""
    own = _by_deployment().get((chain_id, address.lower()), ()) if chain_id is not None else ()
    return own[0].entity if own else None


# -- rendering ----------------------------------------------------------------------------------
class _Renderer:
    def __init__(self, descriptor: Descriptor, node: CallNode, names: Names, args: dict[str, Any]):
        self.descriptor = descriptor
        self.node = node
        self.names = names
        self.args = args
        self.raw: list[tuple[str, str]] = []

    def resolve(self, path: str) -> Any:
        """A value by ERC-7730 path: `name.field`, `#.name` (calldata), `@.to|from|value` (the
        container: this call), `$.…` (the descriptor itself)."""
        if not isinstance(path, str) or "[" in path:
            raise Unsupported(f"path {path!r}")
        if path.startswith("@."):
            container = {"to": self.node.to, "value": self.node.value, "from": self.node.runs_as,
                         "chainId": self.names.chain_id}
            if path[2:] not in container or container[path[2:]] is None:
                raise Unsupported(f"container path {path!r}")
            return container[path[2:]]
        if path.startswith("$."):
            value: Any = self.descriptor.document
            for part in path[2:].split("."):
                if not isinstance(value, dict) or part not in value:
                    raise Unsupported(f"descriptor path {path!r}")
                value = value[part]
            return value
        value = self.args
        for part in (path[2:] if path.startswith("#.") else path).split("."):
            if not isinstance(value, dict) or part not in value:
                raise Unsupported(f"argument path {path!r}")
            value = value[part]
        return value

    def param(self, params: dict, key: str) -> Any:
        value = params.get(key)
        return self.resolve(value) if isinstance(value, str) and value.startswith("$.") else value

    def field(self, spec: dict) -> str | None:
        """`Label value`, or None for a field that is not shown."""
        if "$ref" in spec:  # a shared definition, overridden by the field's own keys
            spec = {**self.resolve(spec["$ref"]), **{k: v for k, v in spec.items() if k != "$ref"}}
        if "fields" in spec or "path" not in spec:
            raise Unsupported("nested field group")
        value = self.resolve(spec["path"])
        visible = spec.get("visible", "always")
        if visible == "never":
            return None
        if isinstance(visible, dict):
            if "ifNotIn" in visible and str(value).lower() in {str(v).lower() for v in visible["ifNotIn"]}:
                return None
            if "mustBe" in visible:
                raise Unsupported("visible.mustBe")
        elif visible not in ("always", "optional"):
            raise Unsupported(f"visible {visible!r}")
        label = spec.get("label", spec["path"])
        return f"{label} {self.value_text(value, spec.get('format', 'raw'), spec.get('params', {}), label)}"

    def value_text(self, value: Any, kind: str, params: dict, label: str) -> str:
        from .intent import date_text, duration_text, native_amount, token_amount, token_symbol
        from .units import format_units

        if kind == "raw":
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, int):
                return str(value)
            if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
                self.raw.append((label, value))
                return self.names.display(value)
            raise Unsupported(f"raw value of type {type(value).__name__}")
        if kind == "addressName":
            self.raw.append((label, str(value)))
            return self.names.display(str(value))
        if kind == "amount":
            self.raw.append((label, str(value)))
            return native_amount(int(value), self.names.chain_id)
        if kind == "tokenAmount":
            token = self.param(params, "token") or (self.resolve(params["tokenPath"]) if "tokenPath" in params
                                                    else self.node.to)
            threshold = self.param(params, "threshold")
            self.raw.append((label, str(value)))
            native = self.param(params, "nativeCurrencyAddress") or []
            native = [native] if isinstance(native, str) else native
            if str(token).lower() in {str(a).lower() for a in native}:  # the descriptor's "native coin" marker
                if threshold is not None and int(value) >= int(str(threshold), 0):
                    return f"{params.get('message', 'Unlimited')} {native_amount(0, self.names.chain_id).split(' ', 1)[1]}"
                return native_amount(int(value), self.names.chain_id)
            own = self._own_token(str(token))
            if threshold is not None and int(value) >= int(str(threshold), 0):
                symbol = own["ticker"] if own else token_symbol(str(token), self.names.chain_id)
                return f"{params.get('message', 'Unlimited')} {symbol}"
            if own:
                return f"{format_units(int(value), int(own['decimals']))} {own['ticker']}"
            return token_amount(int(value), str(token), self.names.chain_id)
        if kind == "enum":
            table = self.param(params, "$ref")
            if not isinstance(table, dict):
                raise Unsupported("enum without a table")
            return str(table.get(str(value), f"{value} (not in the descriptor's list)"))
        if kind == "date":
            self.raw.append((label, str(value)))
            if params.get("encoding") == "blockheight":
                return f"block {value}"
            return date_text(int(value))
        if kind == "duration":
            return duration_text(int(value))
        if kind == "unit":
            decimals = int(params.get("decimals", 0))
            return f"{format_units(int(value), decimals)}{params.get('base', '')}"
        if kind == "nftName":
            collection = self.param(params, "collection") or (
                self.resolve(params["collectionPath"]) if "collectionPath" in params else self.node.to)
            return f"NFT #{value} of {self.names.display(str(collection))}"
        raise Unsupported(f"format {kind!r}")

    def _own_token(self, token: str) -> dict | None:
        """The descriptor's own token metadata, for its own contract when the token list lacks it."""
        own = self.descriptor.document.get("metadata", {}).get("token")
        if own and token.lower() == self.node.to.lower() and tokens.token_at(self.names.chain_id, token) is None:
            return own
        return None

    def render(self, spec: dict) -> str:
        intent = spec.get("intent")
        if not isinstance(intent, str):
            raise Unsupported("intent that is not one text")
        shown = [text for field in spec.get("fields", ()) if (text := self.field(field)) is not None]
        where = f" on {self.names.display(self.node.to)}"
        return f"{intent}{where}: {', '.join(shown)}" if shown else f"{intent}{where}"


def describe(node: CallNode, names: Names, generic: bool = False) -> tuple[str, str, list[tuple[str, str]]] | None:
    """(text, descriptor file, raw values) from the first descriptor that renders this call, else None."""
    descriptors = descriptors_for(names.chain_id, node.to, generic)
    selector = node.selector if descriptors else None  # most calls: no descriptor lists their contract
    if selector is None:
        return None
    for descriptor in descriptors:
        found = descriptor.formats.get(selector)
        if found is None:
            continue
        function, spec = found
        try:
            args = {arg.name: arg.value for arg in decode_arguments(function, node.data)}
            renderer = _Renderer(descriptor, node, names, args)
            return renderer.render(spec), descriptor.file, renderer.raw
        except (Unsupported, DecodeError, KeyError, TypeError, ValueError):
            continue
    return None

