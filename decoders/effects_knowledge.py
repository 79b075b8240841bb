"""Function knowledge as data: which argument of which function is a recipient, a spender, an amount,
an expiry or a new authority (decoders/data/knowledge/*.json, one file per protocol).

A file:

    {"protocol": "...", "sources": ["where every fact comes from", ...],
     "contracts": {"<chain id or *>": {"0x…": "name"}},          # optional: known intermediaries
     "anyoneCanCallAs": {"<chain id or *>": {"0x…": "words"}},   # optional: contracts that make calls
                                                                 # for any caller (what they hold, anyone takes)
     "sentinels": {"0x…01": "$caller"},                          # optional: magic recipient values
     "functions": {"<signature with parameter names>": {"payable": bool, "effects": [spec, ...]}}}

A signature must be in a bundled ABI family (decoders/data/abis, tests/test_effects_knowledge.py
checks it), so the function is decoded before it is judged. `payable` says whether the function
takes native coin (default false: coin attached to it is VALUE_NOT_NEEDED); a Solidity-payable function
that never spends msg.value (Uniswap's unwrapWETH9/sweepToken pay out the contract's balance) is false.
`anyoneCanCallAs` lists contracts that make calls for any caller (Multicall3): as a recipient they are
never an intermediary (decoders/effects_extract.py `judge`), since the next caller takes what they hold.

A spec is `{"kind": "asset" | "allowance" | "authority" | "opaque-order", ...}` whose values are
references into the decoded call:

    "$target"   the called contract        "$caller"  the account making the call (msg.sender)
    "$value"    the native coin attached   "$native"  the native coin as an asset
    "name", "name.field", "name[-1]"       an argument, a tuple member, an array element
    "name@last20", "name@first20"          the last / first 20 bytes of a bytes argument (a swap path)
    "item.field"                           a member of the current element when the spec has
                                           "each": "<array reference>" (one effect per element)
    "=123"                                 a literal number
    "all", "all-if:<bool argument>"        an unbounded amount (operator approvals), or 0 when false

asset: role, token, from (default $caller), to, amount, bound, tokenId, network, zeroMeans (what the
zero address stands for as the recipient). allowance: route, mode (set / increase / decrease),
token, owner (default $caller), spender, amount, expiry (a uint48 maximum means none), via.
authority: contract (default $target), role or roleArg (a bytes32 AccessControl role), holder
(null: given up), action. opaque-order: enabled (a bool argument).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from importlib import resources

from .abi import parse_signature
from .errors import ColdsightError

KNOWLEDGE_DIR = "knowledge"
SPEC_KINDS = {"asset", "allowance", "authority", "opaque-order"}


@dataclass(frozen=True)
class FunctionKnowledge:
    canonical: str
    signature: str
    protocol: str
    file: str
    payable: bool
    effects: tuple[dict, ...]
    sentinels: tuple[tuple[str, str], ...]  # (lowercase address, reference)
    uses_value: tuple[bool, ...] = ()  # per spec: does it account for the native coin attached ("$value")?


@dataclass(frozen=True)
class Knowledge:
    functions: dict[str, FunctionKnowledge]  # canonical signature -> knowledge
    contracts: dict[tuple[str, str], str]  # (chain id or "*", lowercase address) -> name
    # (chain id or "*", lowercase address) -> words: contracts that make calls as themselves for any caller
    open_contracts: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    def contract_name(self, chain_id: int | None, address: str) -> str | None:
        lower = address.lower()
        return self.contracts.get((str(chain_id), lower)) or self.contracts.get(("*", lower))

    def open_to_anyone(self, chain_id: int | None, address: str) -> str | None:
        """Words when `address` is a contract anyone can make calls as (so anyone can take what it holds)."""
        lower = address.lower()
        return self.open_contracts.get((str(chain_id), lower)) or self.open_contracts.get(("*", lower))


def knowledge_files() -> list[str]:
    folder = resources.files("decoders.data").joinpath(KNOWLEDGE_DIR)
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))


def _read(name: str) -> dict:
    where = f"decoders/data/{KNOWLEDGE_DIR}/{name}"
    try:
        document = json.loads(resources.files("decoders.data").joinpath(KNOWLEDGE_DIR, name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ColdsightError(f"bundled knowledge file is missing or corrupt: {exc}", where,
                             "reinstall Coldsight; the installation is damaged") from None
    if not isinstance(document, dict) or not isinstance(document.get("functions"), dict) \
            or not isinstance(document.get("sources"), list) or not document["sources"]:
        raise ColdsightError("a knowledge file needs `sources` (non-empty) and `functions`", where)
    return document


@functools.cache
def knowledge() -> Knowledge:
    functions: dict[str, FunctionKnowledge] = {}
    contracts: dict[tuple[str, str], str] = {}
    open_contracts: dict[tuple[str, str], str] = {}
    for name in knowledge_files():
        document = _read(name)
        sentinels = tuple((a.lower(), ref) for a, ref in (document.get("sentinels") or {}).items())
        for chain, named in (document.get("contracts") or {}).items():
            for address, label in named.items():
                contracts[(str(chain), address.lower())] = label
        for chain, named in (document.get("anyoneCanCallAs") or {}).items():
            for address, words in named.items():
                open_contracts[(str(chain), address.lower())] = words
        for signature, entry in document["functions"].items():
            where = f"decoders/data/{KNOWLEDGE_DIR}/{name}: {signature}"
            try:
                function = parse_signature(signature)
            except ValueError as err:
                raise ColdsightError(f"bad signature in knowledge file: {err}", where) from None
            effects = tuple(entry.get("effects", ()))
            for spec in effects:
                if spec.get("kind") not in SPEC_KINDS:
                    raise ColdsightError(f"unknown effect kind {spec.get('kind')!r}", where)
            if function.canonical in functions:
                raise ColdsightError(f"{function.canonical} is described twice (also in {functions[function.canonical].file})",
                                     where)
            functions[function.canonical] = FunctionKnowledge(
                canonical=function.canonical, signature=signature, protocol=document.get("protocol", name),
                file=name, payable=bool(entry.get("payable", False)), effects=effects, sentinels=sentinels,
                uses_value=tuple(any(v == "$value" for v in spec.values()) for spec in effects))
    return Knowledge(functions, contracts, open_contracts)
