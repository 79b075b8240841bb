"""Address references in rules: a literal address, an `@label` or `$safe`, resolved per chain.

Resolution happens at evaluation time because a label means an address on one chain only,
built-in labels such as `@MultiSendCallOnly-1.4.1` have chain-specific deployments, and
`$safe` is whichever Safe is being reviewed.
"""

from dataclasses import dataclass, field

from decoders import deployments


@dataclass(frozen=True)
class AddressBookEntry:
    label: str
    chain: int
    address: str  # checksummed
    name: str | None = None
    token_symbol: str | None = None
    token_decimals: int | None = None


@dataclass(frozen=True)
class AddressRef:
    """One of: kind "literal" (text = checksummed address), "label" (text = name), "safe"."""

    kind: str
    text: str

    @property
    def display(self) -> str:
        return {"literal": self.text, "label": "@" + self.text, "safe": "$safe"}[self.kind]


@dataclass
class Env:
    """What references resolve against: the chain and Safe of the transaction under review."""

    chain_id: int | None
    safe: str
    book: dict[str, AddressBookEntry]
    _cache: dict[str, frozenset[str]] = field(default_factory=dict)

    def resolve(self, ref: AddressRef) -> frozenset[str]:
        """Lowercase addresses the reference stands for here (empty when it names nothing here)."""
        key = ref.kind + ":" + ref.text
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(ref)
        return found

    def _resolve(self, ref: AddressRef) -> frozenset[str]:
        if ref.kind == "literal":
            return frozenset({ref.text.lower()})
        if ref.kind == "safe":
            return frozenset({self.safe.lower()})
        entry = self.book.get(ref.text)
        if entry is not None:
            return frozenset({entry.address.lower()}) if entry.chain == self.chain_id else frozenset()
        name, version = split_builtin_label(ref.text)
        return frozenset(c.address.lower() for c in deployments.by_label(name, version, self.chain_id))

    def label_of(self, address: str) -> str | None:
        """The address-book label of `address` on this chain, for display."""
        lowered = address.lower()
        for entry in self.book.values():
            if entry.chain == self.chain_id and entry.address.lower() == lowered:
                return entry.label
        return None

    def resolve_all(self, refs: tuple[AddressRef, ...]) -> frozenset[str]:
        result: frozenset[str] = frozenset()
        for ref in refs:
            result |= self.resolve(ref)
        return result


def split_builtin_label(text: str) -> tuple[str, str]:
    """`MultiSendCallOnly-1.4.1` -> ("MultiSendCallOnly", "1.4.1")."""
    name, _, version = text.rpartition("-")
    return name, version


def builtin_label_exists(text: str) -> bool:
    name, version = split_builtin_label(text)
    return bool(name) and bool(deployments.by_label(name, version, None)) or any(
        c.name == name and c.version == version for c in deployments.known_contracts())
