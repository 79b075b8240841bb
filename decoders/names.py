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
from .addressbook import LOOKALIKE_PREFIX, LOOKALIKE_SUFFIX, AddressBook, lookalike_key, mark_differences
from .calls import CallNode
from .findings import Finding
from .hexutil import short_address, to_checksum
from .vocabulary import FindingCode, Severity

ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class Names:
    chain_id: int | None
    safe: str | None = None
    book: AddressBook = field(default_factory=AddressBook)
    labels: dict[str, str] = field(default_factory=dict)  # lowercase address -> label (the policy's)

    # Built once per instance (one Names per verification); cached_property writes the instance
    # __dict__, which a frozen dataclass allows.
    @cached_property
    def _known(self) -> dict[str, str]:
        """lowercase address -> name, precedence applied: this Safe, the address book, the policy's
        labels, then the bundled data (an empty name never hides a later source)."""
        known = dict(_bundled_names(self.chain_id))
        known.update((address, label) for address, label in self.labels.items() if label)
        known.update((lower, entry.name) for (chain, lower), entry in self.book.entries.items()
                     if chain == self.chain_id and entry.name)
        if self.safe is not None:
            known[self.safe.lower()] = "this Safe"
        return known

    @cached_property
    def _displays(self) -> dict[str, str]:
        return {}

    def name_of(self, address: str) -> str | None:
        """The best name for `address`, or None when nothing here knows it."""
        return self._known.get(address.lower())

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
        """Names of other named addresses that `address` looks like (same first 3 and last 4 hex
        characters), else []. A named address is checked too: two book entries that look alike mean
        one of them may be the poisoned copy saved under a trusted name."""
        return sorted({name for name, _ in self.lookalike_matches(address)})

    def lookalike_matches(self, address: str) -> list[tuple[str, str]]:
        """(name, EIP-55 address) of every other named address `address` looks like."""
        # The key lookup first: most addresses share their key with nothing known, and then no name is needed.
        same_key = self._known_by_key.get(lookalike_key(address))
        if not same_key:
            return []
        lower = address.lower()
        if lower == ZERO_ADDRESS:
            return []
        return sorted((name, to_checksum(bytes.fromhex(other[2:]))) for other, name in same_key.items() if other != lower)

    def imitated_addresses(self, address: str) -> list[tuple[str, str]]:
        """(name, known address) for each known address `address` imitates (see `imitated`)."""
        if not self.imitated(address):
            return []
        lower = address.lower()
        same_key = self._known_by_key.get(lookalike_key(address), {})
        return sorted((name, to_checksum(bytes.fromhex(other[2:]))) for other, name in same_key.items() if other != lower)

    def lookalike_text(self, address: str) -> str | None:
        """`0x553B[f00d…]9E5A (unknown; LOOKS LIKE payroll 0x553b[…]9e5a)`: both in full, the characters
        that differ in brackets, since the start and end are exactly what poisoning copies. None when
        `address` imitates nothing."""
        pairs = self.imitated_addresses(address)
        if not pairs:
            return None
        looks = " / ".join(f"{name} {mark_differences(known, address)}" for name, known in pairs)
        return f"{mark_differences(address, pairs[0][1])} (unknown; LOOKS LIKE {looks})"

    def display(self, address: str) -> str:
        """`payroll (0x553b…9e5a)`, `0x9622…7242 (unknown)`, or the lookalike alarm."""
        text = self._displays.get(address)
        if text is None:
            text = self._displays[address] = self._display(address)
        return text

    def _display(self, address: str) -> str:
        short = short_address(address)
        lower = address.lower()
        if lower == ZERO_ADDRESS:
            return f"the zero address ({short})"
        name = self._known.get(lower)  # name_of, without lowering again
        matches = self.lookalike_matches(address) if lookalike_key(lower) in self._known_by_key else []
        if matches:
            # Poisoning imitates the short form: a lookalike is always shown in full, differences marked.
            full = mark_differences(to_checksum(bytes.fromhex(lower[2:])), matches[0][1])
            alike = " / ".join(f"{other_name} {other}" for other_name, other in matches)
            return f"{name} ({full}; LOOKS LIKE {alike})" if name is not None else f"{full} (unknown; LOOKS LIKE {alike})"
        if name is not None:
            return f"{name} ({short})"
        return f"{short} (unknown)"


def _bundled_name(chain_id: int | None, address: str) -> str | None:
    """The bundled data's name for `address`: a listed token, else a Safe deployment, else an ERC-7730 contract."""
    token = tokens.token_at(chain_id, address)
    if token is not None:
        return f"{token.symbol} token"
    known = deployments.identify(chain_id, address)
    if known is not None:
        return known.label
    return erc7730.contract_name(chain_id, address)


@functools.cache
def _bundled_names(chain_id: int | None) -> dict[str, str]:
    """lowercase address -> `_bundled_name` for every address some bundled source knows on this chain
    (a few hundred, built once per chain): then an address costs one lookup, and most are in none."""
    candidates = {contract.address.lower() for contract in deployments.known_contracts()}
    if chain_id is not None:
        candidates.update(token.address.lower() for token in tokens.tokens_on(chain_id))
        candidates.update(erc7730.addresses_on(chain_id))
    return {address: name for address in sorted(candidates)
            if (name := _bundled_name(chain_id, address)) is not None}


@functools.cache
def _token_keys(chain_id: int) -> dict[str, dict[str, str]]:
    """lookalike key -> {lowercase address: "SYM token"} for the listed tokens of a chain (built once)."""
    index: dict[str, dict[str, str]] = {}
    for token in tokens.tokens_on(chain_id):
        index.setdefault(lookalike_key(token.address), {})[token.address.lower()] = f"{token.symbol} token"
    return index


def _addresses_in(value: object, found: list[str]) -> None:
    """Append every address in a decoded argument value (tuples and arrays walked) to `found`."""
    if isinstance(value, str):
        if len(value) == 42 and value.startswith("0x"):
            found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _addresses_in(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _addresses_in(item, found)


# A lookalike in one of these roles receives something (assets, an allowance, control): block.
RECEIVING_FUNCTIONS = frozenset({
    "transfer", "transferFrom", "safeTransferFrom", "safeBatchTransferFrom", "approve", "increaseAllowance",
    "setApprovalForAll", "permit", "mint", "deposit", "depositFor", "withdrawTo", "send", "sendValue",
    "transferOwnership", "changeAdmin", "setOwner", "grantRole", "addOwnerWithThreshold", "swapOwner",
    "enableModule", "setGuard", "setFallbackHandler", "delegate", "execTransactionFromModule",
})
RECEIVING_ARGUMENTS = frozenset({"to", "recipient", "receiver", "spender", "operator", "beneficiary", "dst", "guy",
                                 "newowner", "delegatee", "destination", "payee"})


def _receives(node: CallNode, role: str) -> bool:
    if role == "target":
        return node.value > 0
    name = node.function.name if node.function is not None else ""
    return name in RECEIVING_FUNCTIONS or role.lstrip("_").lower() in RECEIVING_ARGUMENTS


def lookalike_findings(root: CallNode, names: Names) -> list[Finding]:
    """ADDRESS_LOOKALIKE for each call target or address argument that looks like another named address:
    a warning, critical when the lookalike receives something (native value, tokens, an allowance, control)."""
    found: list[Finding] = []
    known_keys = names._known_by_key  # a key no known address has rules an address out at once
    imitations: dict[str, list[tuple[str, str]]] = {}  # lowercase address -> (name, address) it imitates (pure, so once per address)
    for node in root.walk():
        seen: set[str] = set()
        candidates = [("target", node.to)]
        for arg in node.args or ():
            if not isinstance(arg.value, (int, bytes)):  # numbers and bytes hold no address: most arguments
                addresses: list[str] = []
                _addresses_in(arg.value, addresses)
                candidates += [(arg.name, address) for address in addresses]
        for role, address in candidates:
            lower = address.lower()
            if lower in seen:
                continue
            seen.add(lower)
            matches = imitations.get(lower)
            if matches is None:
                body = lower[2:]  # lookalike_key, inlined: this runs for every address
                key = body[:LOOKALIKE_PREFIX] + body[-LOOKALIKE_SUFFIX:]
                matches = imitations[lower] = names.lookalike_matches(address) if key in known_keys else []
            if matches:
                own = names.name_of(address)
                who = f"{mark_differences(address, matches[0][1])} ({own!r}, {role})" if own is not None \
                    else f"{mark_differences(address, matches[0][1])} ({role}, unknown)"
                alike = " / ".join(f"{name} {other}" for name, other in matches)
                receives = _receives(node, role)
                consequence = (" and receives something in this call: do not sign until you have checked every "
                               "character against your own records" if receives else
                               ": check every character, it may be an address-poisoning lookalike")
                found.append(Finding(
                    FindingCode.ADDRESS_LOOKALIKE, Severity.CRITICAL if receives else Severity.WARN, node.path,
                    f"{who} starts and ends like {alike} (differences in [brackets]){consequence}"))
    return found
