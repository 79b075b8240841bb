"""The one vocabulary every layer speaks: verdicts, severities, operations and the finding codes.

The finding-code catalogue is the single source of truth: the policy schema derives which codes a
signed policy may waive from it, the README's findings table is checked against it, and a test
fails when a code is raised somewhere without being catalogued here (tests/test_vocabulary.py).
Members are `str` enums, so they compare equal to (and serialize as) the stable strings that
scripts and policies use.
"""

from dataclasses import dataclass
from enum import Enum, StrEnum


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


class Operation(int, Enum):
    """Safe's Enum.Operation (CREATE only before Safe 1.1.0)."""

    CALL = 0
    DELEGATECALL = 1
    CREATE = 2

    @property
    def word(self) -> str:
        return self.name


def operation_word(value: int) -> str:
    try:
        return Operation(value).word
    except ValueError:
        return f"operation {value}"


@dataclass(frozen=True)
class CodeInfo:
    severity: str  # default (or highest) severity, for documentation
    waivable: bool  # may a signed policy's [[allow_dangerous]] waive it?
    meaning: str  # one line, for the README table and `coldsight codes`


# Integrity codes (the payload lies about itself, or Coldsight cannot read it) are never waivable.
CATALOGUE: dict[str, CodeInfo] = {
    "DELEGATECALL_UNTRUSTED": CodeInfo("critical", True, "operation 1 to anything but a known Safe library"),
    "DELEGATECALL_NESTED": CodeInfo("critical", True, "a delegatecall inside a batch"),
    "MULTISEND_DELEGATECALL_CAPABLE": CodeInfo("warn", True, "the batch goes through plain MultiSend, which can delegatecall"),
    "MASTERCOPY_CHANGE": CodeInfo("critical", True, "the Safe's implementation is replaced"),
    "PROXY_UPGRADE": CodeInfo("critical", True, "the implementation behind a proxy is upgraded"),
    "MODULE_CHANGE": CodeInfo("critical", True, "a module is enabled or disabled"),
    "GUARD_CHANGE": CodeInfo("critical", True, "the transaction or module guard changes"),
    "FALLBACK_HANDLER_CHANGE": CodeInfo("critical", True, "the fallback handler changes"),
    "OWNER_CHANGE": CodeInfo("warn", True, "owners are added, removed or swapped"),
    "THRESHOLD_CHANGE": CodeInfo("critical", True, "the signing threshold changes (critical at 1)"),
    "OWNERSHIP_TRANSFER": CodeInfo("critical", True, "control of a contract is handed over"),
    "ROLE_CHANGE": CodeInfo("warn", True, "a non-admin role is granted"),
    "GAS_REFUND": CodeInfo("critical", True, "the Safe pays gas refunds (critical above a sane fee)"),
    "TOKEN_APPROVAL": CodeInfo("warn", True, "a bounded allowance (or a revoke, info)"),
    "UNLIMITED_APPROVAL": CodeInfo("critical", True, "an unlimited allowance or operator approval"),
    "UNKNOWN_SELECTOR": CodeInfo("critical", False, "no ABI for the function (critical under delegatecall)"),
    "UNDECODABLE_CALLDATA": CodeInfo("critical", False, "calldata that does not decode strictly"),
    "CONTRACT_CREATION": CodeInfo("warn", True, "a contract is deployed (operation 2 before Safe 1.1.0, or CreateCall)"),
    "NATIVE_TRANSFER": CodeInfo("info", True, "native coin is sent"),
    "SELF_CALL": CodeInfo("info", True, "a call to the Safe itself"),
    "CLAIMED_HASH_MISMATCH": CodeInfo("critical", False, "the payload's safeTxHash differs from the recomputed one"),
    "SIGNATURE_MISMATCH": CodeInfo("critical", False, "an attached signature is not over the recomputed hash"),
    "DOMAIN_MISMATCH": CodeInfo("critical", False, "the typed-data domain disagrees with the Safe or chain"),
    "DECODED_MISMATCH": CodeInfo("critical", False, "the service's dataDecoded disagrees with the real calldata"),
    "BATCH_AMBIGUOUS": CodeInfo("critical", False, "the batch library would read the bytes differently from a clean parse"),
    "BATCH_NOT_DELEGATECALLED": CodeInfo("critical", True, "a batch library is CALLed: its calls run as the library"),
    "BATCH_UNKNOWN_CONTRACT": CodeInfo("warn", True, "multiSend on a contract that is not a known batch library"),
    "EXECUTION_MISMATCH": CodeInfo("critical", False, "the real bytecode does something the call tree does not show"),
    "OPAQUE_CALL": CodeInfo("critical", False, "a wrapper would make calls that cannot be decoded (critical as the Safe)"),
    "OPAQUE_APPROVAL": CodeInfo("warn", True, "approveHash / signMessage: the Safe approves or signs something unseen"),
    "ORDER_RECEIVER": CodeInfo("critical", True, "a signed order pays its proceeds to someone other than the Safe"),
    "UNKNOWN_TYPED_DATA": CodeInfo("warn", True, "the Safe signs typed data Coldsight has no rule for"),
    "BUILDER_MISMATCH": CodeInfo("critical", False, "the transaction is not what its Transaction Builder file describes"),
    "BUILDER_CHECKSUM": CodeInfo("warn", True, "a Transaction Builder file was edited after export (checksum)"),
    "EXECUTION_UNCHECKED": CodeInfo("warn", True, "the transaction could not be executed on verified bytecode offline"),
    "ADDRESS_LOOKALIKE": CodeInfo("warn", False, "an unknown address starts and ends like a known one (address poisoning)"),
    "DECEPTIVE_TEXT": CodeInfo("warn", True, "decoded text carries control, bidi or zero-width characters (shown escaped)"),
}

FINDING_CODES = frozenset(CATALOGUE)
WAIVABLE_CODES = frozenset(code for code, info in CATALOGUE.items() if info.waivable)
NEVER_WAIVABLE_CODES = FINDING_CODES - WAIVABLE_CODES
