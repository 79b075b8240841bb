"""The compiled policy: what the loader produces and the evaluator reads."""

from dataclasses import dataclass, field
from datetime import datetime

from decoders.abi import Function
from decoders.vocabulary import Effect, Operation

from .conditions import ArgumentChecks, Condition
from .refs import AddressBookEntry, AddressRef

EFFECTS = tuple(Effect)
OPERATIONS = {operation.policy_name: operation.value for operation in Operation}  # the one map (decoders.vocabulary)


@dataclass(frozen=True)
class CallMatch:
    """What a rule (or an allow_dangerous entry) says about the call itself."""

    targets: tuple[AddressRef, ...] | None  # None: any target ("*", or omitted in a deny rule)
    function: Function | None  # the signature when the rule names one
    selector: bytes | None  # None: any data; b"": no data at all (plain native transfer); else 4 bytes
    operations: frozenset[int] | None  # None: any operation
    value: Condition | None
    args: ArgumentChecks | None


@dataclass(frozen=True)
class Rule:
    id: str
    effect: str
    description: str | None
    match: CallMatch
    where: str  # key path, e.g. "rules[3]"
    condition_count: int = 0
    source: dict = field(default_factory=dict, compare=False, hash=False)  # the TOML table, for diff


@dataclass(frozen=True)
class Waiver:
    finding: str
    reason: str
    match: CallMatch
    where: str


@dataclass(frozen=True)
class RefundToken:
    """One gas token a refund may be paid in, with its caps (`[[refund.tokens]]`)."""

    token: AddressRef | None  # None: the chain's native coin
    max_total: int  # cap on the maximum refund Coldsight computes, in the token's base units
    max_gas_price: int | None
    where: str


@dataclass(frozen=True)
class RefundPolicy:
    """`[refund]`: the only gas refunds the policy allows. Absent: no refund is allowed."""

    tokens: tuple[RefundToken, ...]
    receivers: tuple[AddressRef, ...]  # fixed refund receivers allowed
    executor: bool  # "$executor": whoever executes the transaction (refundReceiver 0x0, paid to tx.origin)


@dataclass(frozen=True)
class SumLimit:
    """`sums` entry of a batch rule: token amounts flowing out of the Safe over the whole transaction, capped."""

    token: AddressRef | None  # None: the chain's native coin
    per_recipient: bool  # cap each recipient's sum instead of the total
    cap: int  # base units
    where: str


@dataclass(frozen=True)
class AllowanceUse:
    """A call that uses an allowance the batch granted: its target is the spender, `amount` the argument it pulls."""

    match: "CallMatch"
    amount_index: int
    amount_name: str
    shown: str


@dataclass(frozen=True)
class AllowanceLimit:
    """`allowances` entry: what approvals grant (kind "granted") or leave standing after the batch (kind "left")."""

    token: AddressRef
    per_recipient: bool  # per spender
    cap: int
    kind: str  # granted | left
    used_by: tuple[AllowanceUse, ...]
    where: str


@dataclass(frozen=True)
class CountLimit:
    """`counts` entry: at most `cap` calls matching `match` in the transaction."""

    match: CallMatch
    cap: int
    shown: str  # the call as the policy wrote it, for explanations
    where: str


@dataclass(frozen=True)
class SequenceRule:
    """`sequences` entry: every call matching `when` must satisfy `require` and be followed at once by `then`."""

    when: CallMatch
    require: ArgumentChecks | None
    then: CallMatch | None
    shown_when: str
    shown_then: str
    where: str


@dataclass(frozen=True)
class BatchRule:
    """`[[batch_rules]]`: limits over the whole transaction (every call of the tree, batches unwrapped)."""

    id: str
    effect: str  # deny | warn: what a broken limit does
    description: str | None
    max_calls: int | None
    sums: tuple[SumLimit, ...]
    counts: tuple[CountLimit, ...]
    sequences: tuple[SequenceRule, ...]
    where: str
    source: dict = field(default_factory=dict, compare=False, hash=False)
    allowances: tuple[AllowanceLimit, ...] = ()
    counterparties: tuple[AddressRef, ...] | None = None  # None: any; else every counterparty must be listed (or the Safe)
    authority_changes: bool = True  # False: `authority_changes = false`, no change of who controls anything


@dataclass(frozen=True)
class SafeBinding:
    chain: int
    address: str
    name: str | None
    version: str | None


@dataclass(frozen=True)
class PolicyTestCase:
    name: str
    payload: str  # path relative to the policy file
    expect: str  # allow | warn | deny (the policy's outcome for the whole transaction)
    rules: tuple[str, ...] | None  # exact set of matched rule ids, when given
    calls: dict[str, str] | None  # path -> outcome, when given
    verdict: str | None  # the whole report's verdict (findings + policy), when given
    chain_id: int | None
    safe: str | None
    safe_version: str | None
    where: str


@dataclass
class Policy:
    id: str
    serial: int
    not_before: datetime | None  # UTC
    expires: datetime | None
    description: str | None
    unmatched: str  # deny | warn
    unknown_abi: str  # deny | warn
    safes: tuple[SafeBinding, ...]
    book: dict[str, AddressBookEntry]
    trusted_delegates: tuple[AddressRef, ...]
    rules: tuple[Rule, ...]
    waivers: tuple[Waiver, ...]
    tests: tuple[PolicyTestCase, ...]
    document: dict = field(repr=False, default_factory=dict)  # the parsed TOML, for diff
    refund: RefundPolicy | None = None  # [refund]; None: no gas refund is allowed
    batch_rules: tuple[BatchRule, ...] = ()
    message_rules: tuple = ()  # policies.messages.MessageRule: what Safe messages the Safe may sign
    _indexes: dict = field(default_factory=dict, repr=False)  # (chain, safe) -> RuleIndex, built lazily
