"""Names for addresses, as a signer reads them: who is this, and is it someone I know?

One resolver for every place an address is shown in words (intents, lookalike findings). Order:
this Safe, the team's address book, the policy's [addresses] labels, the bundled token list,
the bundled Safe deployments, the bundled ERC-7730 descriptors' contracts. An address none of them knows is marked "unknown"; an unknown one
that imitates a known one (address poisoning) says so.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cached_property

from . import deployments, erc7730, tokens
from .addressbook import AddressBook, lookalike_key
from .calls import CallNode
from .findings import Finding
from .hexutil import short_address
from .vocabulary import Severity

ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class Names:
    chain_id: int | None
    safe: str | None = None
    book: AddressBook = field(default_factory=AddressBook)
    labels: dict[str, str] = field(default_factory=dict)  # lowercase address -> label (the policy's)

    def name_of(self, address: str) -> str | None:
        """The best name for `address`, or None when nothing here knows it."""
        lower = address.lower()
        if self.safe is not None and lower == self.safe.lower():
            return "this Safe"
        name = self.book.name_of(self.chain_id, address) or self.labels.get(lower)
        if name:
            return name
        token = tokens.token_at(self.chain_id, address)
        if token is not None:
            return f"{token.symbol} token"
        known = deployments.identify(self.chain_id, address)
        if known is not None:
            return known.label
        return erc7730.contract_name(self.chain_id, address)

    @cached_property
    def _known_by_key(self) -> dict[str, dict[str, str]]:
        """lookalike key -> {lowercase address: name} over everything with a name on this chain."""
        index: dict[str, dict[str, str]] = {}

        def put(address: str, name: str) -> None:
            index.setdefault(lookalike_key(address), {})[address.lower()] = name

        if self.chain_id is not None:
            for key, named in _token_keys(self.chain_id).items():
                index[key] = dict(named)
        for address, label in self.labels.items():
            put(address, label)
        for entry in self.book.on_chain(self.chain_id):
            put(entry.address, entry.name)
        if self.safe is not None:
            put(self.safe, "this Safe")
        return index

    def imitated(self, address: str) -> list[str]:
        """Names of known addresses that `address` (not itself known) imitates, else []."""
        if address.lower() == ZERO_ADDRESS or self.name_of(address) is not None:
            return []
        same_key = self._known_by_key.get(lookalike_key(address), {})
        return sorted({name for other, name in same_key.items() if other != address.lower()})

    def display(self, address: str) -> str:
        """`payroll (0x553b…9e5a)`, `0x9622…7242 (unknown)`, or the lookalike alarm."""
        short = short_address(address)
        if address.lower() == ZERO_ADDRESS:
            return f"the zero address ({short})"
        name = self.name_of(address)
        if name is not None:
            return f"{name} ({short})"
        imitated = self.imitated(address)
        if imitated:
            return f"{short} (unknown; LOOKS LIKE {' / '.join(imitated)})"
        return f"{short} (unknown)"


@functools.cache
def _token_keys(chain_id: int) -> dict[str, dict[str, str]]:
    """lookalike key -> {lowercase address: "SYM token"} for the listed tokens of a chain (built once)."""
    index: dict[str, dict[str, str]] = {}
    for token in tokens.tokens_on(chain_id):
        index.setdefault(lookalike_key(token.address), {})[token.address.lower()] = f"{token.symbol} token"
    return index


def _addresses_in(value: object) -> list[str]:
    """Every address in a decoded argument value (tuples and arrays walked)."""
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return [value]
    if isinstance(value, (list, tuple)):
        return [address for item in value for address in _addresses_in(item)]
    if isinstance(value, dict):
        return [address for item in value.values() for address in _addresses_in(item)]
    return []


def lookalike_findings(root: CallNode, names: Names) -> list[Finding]:
    """ADDRESS_LOOKALIKE for each call target or address argument that imitates a known address."""
    found: list[Finding] = []
    for node in root.walk():
        seen: set[str] = set()
        candidates = [("target", node.to)] + [(arg.name, address) for arg in node.args or ()
                                              for address in _addresses_in(arg.value)]
        for role, address in candidates:
            if address.lower() in seen:
                continue
            seen.add(address.lower())
            imitated = names.imitated(address)
            if imitated:
                found.append(Finding(
                    "ADDRESS_LOOKALIKE", Severity.WARN.value, node.path,
                    f"{address} ({role}) is unknown but starts and ends like {' / '.join(imitated)}: "
                    "check every character, it may be an address-poisoning lookalike"))
    return found
