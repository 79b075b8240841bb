"""The SafeTx and its context, as Coldsight understands them after parsing.

A `Payload` is what every input format becomes: the ten SafeTx fields, the context needed to
hash them (chain, Safe address, Safe version), and whatever the payload *claims* (a hash,
signatures, a decoding) kept apart so it can be checked, never trusted.
"""

from dataclasses import dataclass, field
from enum import Enum

from .errors import ContextError, UnsupportedVersionError

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

# Every Safe release that signs EIP-712 SafeTx messages (safe-smart-account tags).
KNOWN_VERSIONS = ("0.1.0", "1.0.0", "1.1.0", "1.1.1", "1.2.0", "1.3.0", "1.4.0", "1.4.1", "1.5.0")


class HashFamily(Enum):
    """The three EIP-712 layouts Safe has used; the hash depends only on this."""

    DATAGAS_NO_CHAIN = "0.1.0"  # 0.1.0: SafeTx has dataGas, domain has no chainId
    BASEGAS_NO_CHAIN = "1.0.0-1.2.0"  # 1.0.0 .. 1.2.0: baseGas, domain has no chainId
    BASEGAS_CHAIN = ">=1.3.0"  # 1.3.0 ..: baseGas, domain has chainId

    @property
    def has_chain_id(self) -> bool:
        return self is HashFamily.BASEGAS_CHAIN

    @property
    def gas_field(self) -> str:
        return "dataGas" if self is HashFamily.DATAGAS_NO_CHAIN else "baseGas"


@dataclass(frozen=True)
class SafeVersion:
    """An exact Safe version ("1.4.1", "1.3.0+L2") or only a hash family (from typed data)."""

    family: HashFamily
    exact: str | None = None  # e.g. "1.4.1"; None when only the family is known
    l2: bool = False

    @classmethod
    def parse(cls, text: str, where: str = "safeVersion") -> "SafeVersion":
        if not isinstance(text, str):
            raise ContextError("Safe version must be a string such as \"1.4.1\"", where)
        raw = text.strip()
        base, _, suffix = raw.partition("+")
        if suffix not in ("", "L2"):
            raise UnsupportedVersionError(f"unknown Safe version suffix '+{suffix}' in {raw!r}", where)
        if base == "0.0.1":
            raise UnsupportedVersionError(
                "Safe 0.0.1 does not sign EIP-712 messages; Coldsight cannot verify its transactions",
                where,
            )
        if base not in KNOWN_VERSIONS:
            raise UnsupportedVersionError(
                f"unknown Safe version {raw!r}", where, f"known versions: {', '.join(KNOWN_VERSIONS)}"
            )
        return cls(family=family_of(base), exact=base, l2=bool(suffix))

    @property
    def label(self) -> str:
        if self.exact is None:
            return self.family.value
        return self.exact + ("+L2" if self.l2 else "")

    def at_least(self, version: str) -> bool | None:
        """Whether this is >= `version`; None when only the family is known and it can't tell."""
        if self.exact is not None:
            return _key(self.exact) >= _key(version)
        lows = {HashFamily.DATAGAS_NO_CHAIN: "0.1.0", HashFamily.BASEGAS_NO_CHAIN: "1.0.0", HashFamily.BASEGAS_CHAIN: "1.3.0"}
        highs = {HashFamily.DATAGAS_NO_CHAIN: "0.1.0", HashFamily.BASEGAS_NO_CHAIN: "1.2.0", HashFamily.BASEGAS_CHAIN: KNOWN_VERSIONS[-1]}
        if _key(lows[self.family]) >= _key(version):
            return True
        if _key(highs[self.family]) < _key(version):
            return False
        return None

    @property
    def allows_create_operation(self) -> bool:
        # Enum.Operation had a third member, Create, before 1.1.0.
        return self.at_least("1.1.0") is False


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def family_of(version: str) -> HashFamily:
    if _key(version) < (1, 0, 0):
        return HashFamily.DATAGAS_NO_CHAIN
    if _key(version) < (1, 3, 0):
        return HashFamily.BASEGAS_NO_CHAIN
    return HashFamily.BASEGAS_CHAIN


class Operation(int, Enum):
    CALL = 0
    DELEGATECALL = 1
    CREATE = 2  # Safe < 1.1.0 only


@dataclass(frozen=True)
class SafeTx:
    to: str
    value: int
    data: bytes
    operation: int
    safe_tx_gas: int
    base_gas: int  # called dataGas before Safe 1.0.0; same position and meaning
    gas_price: int
    gas_token: str
    refund_receiver: str
    nonce: int

    def as_json_fields(self, family: HashFamily | None = None) -> dict:
        """All fields with numbers as decimal strings (the report's `tx` object)."""
        return {
            "to": self.to,
            "value": str(self.value),
            "data": "0x" + self.data.hex(),
            "operation": self.operation,
            "safeTxGas": str(self.safe_tx_gas),
            "baseGas": str(self.base_gas),
            "gasPrice": str(self.gas_price),
            "gasToken": self.gas_token,
            "refundReceiver": self.refund_receiver,
            "nonce": str(self.nonce),
        }


@dataclass(frozen=True)
class AttachedSignature:
    """A signature the payload carries, with the owner it claims (if it names one)."""

    signature: bytes
    claimed_owner: str | None
    where: str


@dataclass
class Payload:
    tx: SafeTx
    format: str  # "safe-service-json", "eip712-typed-data", "ur:eth-sign-request", ...
    safe: str | None = None
    chain_id: int | None = None
    version: SafeVersion | None = None
    claimed_safe_tx_hash: bytes | None = None
    signatures: list[AttachedSignature] = field(default_factory=list)
    data_decoded: object | None = None  # the service's own decoding, to compare with ours
    # Typed data only: the domain exactly as the wallet would sign it.
    typed_domain_chain_id: int | None = None
    typed_domain_contract: str | None = None
    notes: list[str] = field(default_factory=list)
    executor_value: int = 0  # native coin the executor's own transaction attaches to execTransaction (executor_tx)


@dataclass(frozen=True)
class Context:
    """What the hash is computed over, after command-line overrides."""

    chain_id: int | None
    safe: str
    version: SafeVersion


def resolve_context(payload: Payload, chain_id: int | None, safe: str | None, version: SafeVersion | None) -> Context:
    """Combine the payload's own context with the command line's. Unknowns are errors, not guesses."""
    resolved_version = version or payload.version
    if resolved_version is None:
        raise ContextError(
            "the Safe version is not known", "safeVersion", "pass --safe-version (e.g. --safe-version 1.4.1)"
        )
    if version is not None and payload.version is not None and payload.version.exact is None:
        # Typed data told us a family; a declared exact version must belong to it.
        if version.family is not payload.version.family:
            raise ContextError(
                f"--safe-version {version.label} hashes as family {version.family.value}, "
                f"but the typed data has the {payload.version.family.value} layout",
                "safeVersion",
            )
    resolved_safe = safe or payload.safe
    if resolved_safe is None:
        raise ContextError("the Safe address is not known", "safe", "pass --safe 0x…")
    resolved_chain = chain_id if chain_id is not None else payload.chain_id
    if resolved_chain is None and resolved_version.family.has_chain_id:
        raise ContextError(
            "the chain id is not known and Safe >= 1.3.0 hashes include it", "chainId", "pass --chain-id (1 for Ethereum)"
        )
    return Context(chain_id=resolved_chain, safe=resolved_safe, version=resolved_version)
