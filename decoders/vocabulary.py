"""The one vocabulary every layer speaks: verdicts, severities, operations and the finding codes.

The finding-code catalogue is the single source of truth: the policy schema derives which codes a
signed policy may waive from it, the README's findings table is checked against it, and a test
fails when a code is raised somewhere without being catalogued here (tests/test_vocabulary.py).
Members are `str` enums, so they compare equal to (and serialize as) the stable strings that
scripts and policies use.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TypeVar

T = TypeVar("T")


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]


_VERDICT_RANK = {Verdict.OK: 0, Verdict.WARN: 1, Verdict.BLOCK: 2}


def worst_verdict(*verdicts: str) -> Verdict:
    """The most severe of the verdicts given (`ok` when none)."""
    return max((Verdict(v) for v in verdicts), key=lambda v: v.rank, default=Verdict.OK)


class Severity(StrEnum):
    INFO = "info"
    WARN = "warn"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @property
    def verdict(self) -> Verdict:
        return {Severity.INFO: Verdict.OK, Severity.WARN: Verdict.WARN, Severity.CRITICAL: Verdict.BLOCK}[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARN: 1, Severity.CRITICAL: 2}


def worst_severity_verdict(severities: Iterable[str]) -> Verdict:
    """The verdict a set of finding severities earns on its own (`ok` when there are none)."""
    return worst_verdict(*(Severity(s).verdict for s in severities))


def by_severity_worst_first(items: Iterable[T], severity_of: Callable[[T], str]) -> list[T]:
    """`items` sorted critical first, then warn, then info; stable, so equal ones keep their order."""
    return sorted(items, key=lambda item: -Severity(severity_of(item)).rank)


class Effect(StrEnum):
    """A policy rule's effect, which is also the outcome the policy gives a call."""

    ALLOW = "allow"
    WARN = "warn"
    DENY = "deny"

    @property
    def rank(self) -> int:
        return _EFFECT_RANK[self]

    @property
    def verdict(self) -> Verdict:
        return _EFFECT_VERDICT[self]


_EFFECT_RANK = {Effect.ALLOW: 0, Effect.WARN: 1, Effect.DENY: 2}
_EFFECT_VERDICT = {Effect.ALLOW: Verdict.OK, Effect.WARN: Verdict.WARN, Effect.DENY: Verdict.BLOCK}


def worst_effect(effects: Iterable[str], default: Effect) -> Effect:
    """The strictest of the effects given (`default` when none)."""
    return max((Effect(e) for e in effects), key=lambda e: e.rank, default=default)


class Operation(int, Enum):
    """Safe's Enum.Operation (CREATE only before Safe 1.1.0)."""

    CALL = 0
    DELEGATECALL = 1
    CREATE = 2

    @property
    def word(self) -> str:
        return self.name

    @property
    def policy_name(self) -> str:
        """The name a policy file writes (`operation = "delegatecall"`) and its messages use."""
        return self.name.lower()

    @property
    def shown(self) -> str:
        """The word in a call row: a delegatecall in capitals, it hands over control."""
        return self.name if self is Operation.DELEGATECALL else self.name.lower()


def operation_word(value: int) -> str:
    try:
        return Operation(value).word
    except ValueError:
        return f"operation {value}"


def operation_name(value: int) -> str:
    """The policy's name for an operation number (`call`, `delegatecall`, `create`), else the number."""
    try:
        return Operation(value).policy_name
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class CodeInfo:
    severity: Severity  # default (or highest) severity, for documentation
    waivable: bool  # may a signed policy's [[allow_dangerous]] waive it?
    meaning: str  # one line, for the README table and `coldsight codes`


class FindingCode(StrEnum):
    """Every finding code Coldsight raises; each member's value is its own name (what JSON and policies carry)."""

    DELEGATECALL_UNTRUSTED = "DELEGATECALL_UNTRUSTED"
    DELEGATECALL_NESTED = "DELEGATECALL_NESTED"
    MULTISEND_DELEGATECALL_CAPABLE = "MULTISEND_DELEGATECALL_CAPABLE"
    MASTERCOPY_CHANGE = "MASTERCOPY_CHANGE"
    PROXY_UPGRADE = "PROXY_UPGRADE"
    MODULE_CHANGE = "MODULE_CHANGE"
    GUARD_CHANGE = "GUARD_CHANGE"
    FALLBACK_HANDLER_CHANGE = "FALLBACK_HANDLER_CHANGE"
    OWNER_CHANGE = "OWNER_CHANGE"
    THRESHOLD_CHANGE = "THRESHOLD_CHANGE"
    OWNERSHIP_TRANSFER = "OWNERSHIP_TRANSFER"
    ROLE_CHANGE = "ROLE_CHANGE"
    GAS_REFUND = "GAS_REFUND"
    TOKEN_APPROVAL = "TOKEN_APPROVAL"
    UNLIMITED_APPROVAL = "UNLIMITED_APPROVAL"
    UNKNOWN_SELECTOR = "UNKNOWN_SELECTOR"
    UNDECODABLE_CALLDATA = "UNDECODABLE_CALLDATA"
    CONTRACT_CREATION = "CONTRACT_CREATION"
    NATIVE_TRANSFER = "NATIVE_TRANSFER"
    SELF_CALL = "SELF_CALL"
    CLAIMED_HASH_MISMATCH = "CLAIMED_HASH_MISMATCH"
    SIGNATURE_MISMATCH = "SIGNATURE_MISMATCH"
    DOMAIN_MISMATCH = "DOMAIN_MISMATCH"
    DECODED_MISMATCH = "DECODED_MISMATCH"
    BATCH_AMBIGUOUS = "BATCH_AMBIGUOUS"
    BATCH_NOT_DELEGATECALLED = "BATCH_NOT_DELEGATECALLED"
    BATCH_UNKNOWN_CONTRACT = "BATCH_UNKNOWN_CONTRACT"
    EXECUTION_MISMATCH = "EXECUTION_MISMATCH"
    OPAQUE_CALL = "OPAQUE_CALL"
    OPAQUE_APPROVAL = "OPAQUE_APPROVAL"
    ORDER_RECEIVER = "ORDER_RECEIVER"
    UNKNOWN_TYPED_DATA = "UNKNOWN_TYPED_DATA"
    BUILDER_MISMATCH = "BUILDER_MISMATCH"
    BUILDER_CHECKSUM = "BUILDER_CHECKSUM"
    EXECUTION_UNCHECKED = "EXECUTION_UNCHECKED"
    ADDRESS_LOOKALIKE = "ADDRESS_LOOKALIKE"
    DECEPTIVE_TEXT = "DECEPTIVE_TEXT"
    TYPED_DATA_UNDECLARED = "TYPED_DATA_UNDECLARED"
    COUNTERPARTY_UNKNOWN = "COUNTERPARTY_UNKNOWN"
    PROCEEDS_TO_THIRD_PARTY = "PROCEEDS_TO_THIRD_PARTY"
    VALUE_NOT_NEEDED = "VALUE_NOT_NEEDED"
    STATE_INCOMPLETE = "STATE_INCOMPLETE"
    STATE_TX_FAILS = "STATE_TX_FAILS"
    EFFECT_MISMATCH = "EFFECT_MISMATCH"


# Integrity codes (the payload lies about itself, or Coldsight cannot read it) are never waivable.
CATALOGUE: dict[FindingCode, CodeInfo] = {
    FindingCode.DELEGATECALL_UNTRUSTED: CodeInfo(Severity.CRITICAL, True, "operation 1 to anything but a known Safe library"),
    FindingCode.DELEGATECALL_NESTED: CodeInfo(Severity.CRITICAL, True, "a delegatecall inside a batch"),
    FindingCode.MULTISEND_DELEGATECALL_CAPABLE: CodeInfo(Severity.WARN, True, "the batch goes through plain MultiSend, which can delegatecall"),
    FindingCode.MASTERCOPY_CHANGE: CodeInfo(Severity.CRITICAL, True, "the Safe's implementation is replaced"),
    FindingCode.PROXY_UPGRADE: CodeInfo(Severity.CRITICAL, True, "the implementation behind a proxy is upgraded"),
    FindingCode.MODULE_CHANGE: CodeInfo(Severity.CRITICAL, True, "a module is enabled or disabled"),
    FindingCode.GUARD_CHANGE: CodeInfo(Severity.CRITICAL, True, "the transaction or module guard changes"),
    FindingCode.FALLBACK_HANDLER_CHANGE: CodeInfo(Severity.CRITICAL, True, "the fallback handler changes"),
    FindingCode.OWNER_CHANGE: CodeInfo(Severity.WARN, True, "owners are added, removed or swapped"),
    FindingCode.THRESHOLD_CHANGE: CodeInfo(Severity.CRITICAL, True, "the signing threshold changes (critical at 1)"),
    FindingCode.OWNERSHIP_TRANSFER: CodeInfo(Severity.CRITICAL, True, "control of a contract is handed over"),
    FindingCode.ROLE_CHANGE: CodeInfo(Severity.WARN, True, "a non-admin role is granted"),
    FindingCode.GAS_REFUND: CodeInfo(Severity.CRITICAL, True, "the Safe pays gas refunds (critical above a sane fee)"),
    FindingCode.TOKEN_APPROVAL: CodeInfo(Severity.WARN, True, "a bounded allowance (or a revoke, info)"),
    FindingCode.UNLIMITED_APPROVAL: CodeInfo(Severity.CRITICAL, True, "an unlimited allowance or operator approval"),
    FindingCode.UNKNOWN_SELECTOR: CodeInfo(Severity.CRITICAL, False, "no ABI for the function (critical under delegatecall)"),
    FindingCode.UNDECODABLE_CALLDATA: CodeInfo(Severity.CRITICAL, False, "calldata that does not decode strictly"),
    FindingCode.CONTRACT_CREATION: CodeInfo(Severity.WARN, True, "a contract is deployed (operation 2 before Safe 1.1.0, or CreateCall)"),
    FindingCode.NATIVE_TRANSFER: CodeInfo(Severity.INFO, True, "native coin is sent"),
    FindingCode.SELF_CALL: CodeInfo(Severity.INFO, True, "a call to the Safe itself"),
    FindingCode.CLAIMED_HASH_MISMATCH: CodeInfo(Severity.CRITICAL, False, "the payload's safeTxHash differs from the recomputed one"),
    FindingCode.SIGNATURE_MISMATCH: CodeInfo(Severity.CRITICAL, False, "an attached signature is not over the recomputed hash"),
    FindingCode.DOMAIN_MISMATCH: CodeInfo(Severity.CRITICAL, False, "the typed-data domain disagrees with the Safe or chain"),
    FindingCode.DECODED_MISMATCH: CodeInfo(Severity.CRITICAL, False, "the service's dataDecoded disagrees with the real calldata"),
    FindingCode.BATCH_AMBIGUOUS: CodeInfo(Severity.CRITICAL, False, "the batch library would read the bytes differently from a clean parse"),
    FindingCode.BATCH_NOT_DELEGATECALLED: CodeInfo(Severity.CRITICAL, True, "a batch library is CALLed: its calls run as the library"),
    FindingCode.BATCH_UNKNOWN_CONTRACT: CodeInfo(Severity.WARN, True, "multiSend on a contract that is not a known batch library"),
    FindingCode.EXECUTION_MISMATCH: CodeInfo(Severity.CRITICAL, False, "the real bytecode does something the call tree does not show"),
    FindingCode.OPAQUE_CALL: CodeInfo(Severity.CRITICAL, False, "a wrapper would make calls that cannot be decoded (critical as the Safe)"),
    FindingCode.OPAQUE_APPROVAL: CodeInfo(Severity.WARN, True, "approveHash / signMessage: the Safe approves or signs something unseen"),
    FindingCode.ORDER_RECEIVER: CodeInfo(Severity.CRITICAL, True, "a signed order pays its proceeds to someone other than the Safe"),
    FindingCode.UNKNOWN_TYPED_DATA: CodeInfo(Severity.WARN, True, "the Safe signs typed data Coldsight has no rule for"),
    FindingCode.BUILDER_MISMATCH: CodeInfo(Severity.CRITICAL, False, "the transaction is not what its Transaction Builder file describes"),
    FindingCode.BUILDER_CHECKSUM: CodeInfo(Severity.WARN, True, "a Transaction Builder file was edited after export (checksum)"),
    FindingCode.EXECUTION_UNCHECKED: CodeInfo(Severity.CRITICAL, False, "the EVM check did not cover every call shown (not run, stopped early, work limit)"),
    FindingCode.ADDRESS_LOOKALIKE: CodeInfo(Severity.WARN, False, "an unknown address starts and ends like a known one (address poisoning)"),
    FindingCode.DECEPTIVE_TEXT: CodeInfo(Severity.WARN, True, "decoded text carries control, bidi or zero-width characters (shown escaped)"),
    FindingCode.TYPED_DATA_UNDECLARED: CodeInfo(Severity.CRITICAL, False, "typed data carries members its types do not declare (not signed)"),
    FindingCode.COUNTERPARTY_UNKNOWN: CodeInfo(Severity.WARN, True, "assets, an allowance or control go to an address no address book, policy or bundled list knows"),
    FindingCode.PROCEEDS_TO_THIRD_PARTY: CodeInfo(Severity.CRITICAL, True, "a swap, withdrawal, bridge, deposit or claim credits an unknown address instead of the Safe"),
    FindingCode.VALUE_NOT_NEEDED: CodeInfo(Severity.CRITICAL, True, "native coin is attached to a function that takes none (an ERC-20 call, execTransaction, ...)"),
    FindingCode.STATE_INCOMPLETE: CodeInfo(Severity.WARN, False, "the run on the proven snapshot read something the snapshot does not prove"),
    FindingCode.STATE_TX_FAILS: CodeInfo(Severity.WARN, True, "on the proven snapshot, the transaction fails (revert reason shown)"),
    FindingCode.EFFECT_MISMATCH: CodeInfo(Severity.CRITICAL, False, "executed on the proven snapshot, the transaction does something the static effects do not show"),
}
if set(CATALOGUE) != set(FindingCode):  # declared side by side: neither may gain a code alone
    raise RuntimeError(f"FindingCode and CATALOGUE disagree: {set(FindingCode) ^ set(CATALOGUE)}")

FINDING_CODES = frozenset(CATALOGUE)
WAIVABLE_CODES = frozenset(code for code, info in CATALOGUE.items() if info.waivable)
NEVER_WAIVABLE_CODES = FINDING_CODES - WAIVABLE_CODES
