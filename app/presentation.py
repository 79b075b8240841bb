"""What every front end shows for one Review, computed once: reasons, acknowledgements, call rows.

The CLI text (`text_report`), the Qt review screen (`gui.review_view`), the PNG render and the
review session (`session`) all render this; none of them builds its own list, so the reasons
appear in the same order, with the same words and the policy's address-book labels, everywhere.

Reason order: by severity (critical, warn, info); within one severity the core's findings
first (in the Report's order, which is also the JSON `findings` order), then the policy's
decisions, then any further verdict reasons. A finding a signed policy waived no longer counts
and is listed as info, saying which policy reason allowed it.

Every text field is escaped as it is built (`app.sanitize.display`, in `__post_init__`): decoded
strings, labels and messages reach no front end with a control, bidi or zero-width character.
"""

from __future__ import annotations

from dataclasses import dataclass

from decoders.calls import CallNode
from decoders.effects import Effects
from decoders.report import json_value
from decoders.tokens import token_at
from decoders.intent import UNLIMITED_FROM, token_amount
from decoders.units import format_native
from decoders.vocabulary import Effect, Operation, Severity, Verdict, by_severity_worst_first
from policies.messages import MESSAGE_PATH  # the path of a message's findings and of the policy's decision on it
from policies.result import EXAMPLE_MARKER, CallDecision

from .sanitize import display
from .service import AnyReview, MessageItem, Review, ReviewOptions, load_policy_for_use
from decoders.errors import ColdsightError
from decoders.findings import sort_findings
from decoders.state.check import state_lines

POLICY_SEVERITY: dict[str, Severity] = {Effect.DENY: Severity.CRITICAL, Effect.WARN: Severity.WARN}  # allow adds no reason
EXAMPLE_REASON_KEY = "policy:example"


@dataclass(frozen=True)
class Reason:
    """One line of "why": `key` is stable (the review log records the acknowledged keys)."""

    key: str
    severity: str  # critical | warn | info, as shown (a waived finding is info)
    text: str
    code: str | None = None  # the finding code, for findings
    waived_by: str | None = None  # the signed policy's allow_dangerous reason

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", display(self.text))


@dataclass(frozen=True)
class Acknowledgement:
    """One warning the signer must tick before "Reviewed" is allowed."""

    key: str
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", display(self.text))


@dataclass(frozen=True)
class Detail:
    name: str
    text: str
    alarm: bool = False  # shown in the alarm colour (undecoded data)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", display(self.name))
        object.__setattr__(self, "text", display(self.text))


@dataclass(frozen=True)
class CallRow:
    path: str
    operation: str  # call | DELEGATECALL | create
    is_delegatecall: bool
    target: str  # address with its label
    details: tuple[Detail, ...]
    children: tuple[CallRow, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", display(self.target))


@dataclass(frozen=True)
class IntentRow:
    """One call's intent line ("Send 150,000 USDC to payroll (0x553b…9e5a)"), with its risk."""

    path: str
    text: str
    severity: str  # critical | warn | info | ok: the worst finding that still counts on this call
    raw: tuple[tuple[str, str], ...]  # the exact values behind the words (shown on demand)
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", display(self.text))

    @property
    def raw_text(self) -> str:
        return "; ".join(f"{name} = {value}" for name, value in self.raw)


@dataclass(frozen=True)
class TreeRow:
    """One member of typed data as shown: `name (type)` and its value, or its members below it."""

    name: str
    text: str
    children: tuple[TreeRow, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", display(self.name))
        object.__setattr__(self, "text", display(self.text))


@dataclass(frozen=True)
class HashRow:
    title: str  # "Domain hash", "Message hash", "safeTxHash" / "safeMessageHash"
    digest: bytes
    main: bool = False  # the one the device signs (shown larger, and as a QR code)


@dataclass(frozen=True)
class MessageView:
    """What a Safe message review shows besides its reasons: who signs what, the inner message, hashes."""

    headline: str  # "Safe 0x… on chain 1 (Safe 1.4.1) signs typed data PermitSingle for Permit2 (0x…)"
    text_lines: tuple[str, ...]  # a text message, line by line (each line escaped)
    tree: tuple[TreeRow, ...]  # typed data: domain, then message, as a tree
    details: tuple[Detail, ...]  # signed bytes and the inner typed-data hashes
    hashes: tuple[HashRow, ...]  # what the owner's device shows: domain, message, safeMessageHash

    def __post_init__(self) -> None:
        object.__setattr__(self, "headline", display(self.headline))
        object.__setattr__(self, "text_lines", tuple(display(line) for line in self.text_lines))


@dataclass(frozen=True)
class PolicyLine:
    """One line of the policy card: its header, or its decision on one call (with the severity it shows in)."""

    text: str
    severity: str = Severity.INFO

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", display(self.text))


@dataclass(frozen=True)
class Presentation:
    """Everything a front end shows for one review, computed once: text, GUI and PNG render only this."""

    verdict: str
    reasons: tuple[Reason, ...]
    acknowledgements: tuple[Acknowledgement, ...]  # empty unless the verdict is warn
    policy_summary: tuple[str, ...]  # the policy's own summary (id, serial, signature, waivers)
    calls: CallRow | None  # None for a Safe message (it calls nothing)
    intents: tuple[IntentRow, ...] = ()  # what each call does, riskiest first
    message: MessageView | None = None  # a Safe message's content and hashes
    hashes: tuple[HashRow, ...] = ()  # what the signing device shows: domain, message, safeTx/safeMessage hash
    context_line: str = ""  # "Safe 0x… · chain 1 · Safe version 1.4.1"
    fields: tuple[Detail, ...] = ()  # the payload's format and every raw SafeTx field
    signatures: tuple[str, ...] = ()  # each attached signature and what its check found
    notes: tuple[str, ...] = ()  # what the payload format adds (e.g. the executor's gas and fees)
    policy_card: tuple[PolicyLine, ...] = ()  # the policy card: header, then its decision per call
    counterparties: tuple[str, ...] = ()  # who gets assets, an allowance or control, unknown ones first
    state_lines: tuple[str, ...] = ()  # with a proven snapshot (--state): what changes, shown first

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy_summary", tuple(display(line) for line in self.policy_summary))
        object.__setattr__(self, "context_line", display(self.context_line))
        object.__setattr__(self, "signatures", tuple(display(line) for line in self.signatures))
        object.__setattr__(self, "notes", tuple(display(line) for line in self.notes))
        object.__setattr__(self, "counterparties", tuple(display(line) for line in self.counterparties))
        object.__setattr__(self, "state_lines", tuple(display(line) for line in self.state_lines))

    def reasons_card(self) -> list[Reason | str]:
        """What the "why" block lists, in order: critical reasons, then the policy's summary
        (what stops a signer comes first), then the remaining reasons."""
        marker = [reason for reason in self.reasons if reason.key == EXAMPLE_REASON_KEY]  # always on top
        critical = [reason for reason in self.reasons if reason.severity == Severity.CRITICAL]
        rest = [reason for reason in self.reasons if reason.severity != Severity.CRITICAL and reason not in marker]
        return [*marker, *critical, *self.policy_summary, *rest]


# -- values ------------------------------------------------------------------------------------
def value_text(value: object) -> str:
    """An ABI argument value as the app shows it: numbers in full, bytes as 0x hex, lists as JSON."""
    shown = json_value(value)
    return shown if isinstance(shown, str) else str(shown)


def native_text(wei: int) -> str:
    return format_native(wei)


def _with_label(text: str, value: object, labels: dict[str, str]) -> str:
    if isinstance(value, str) and value.lower() in labels:
        return f"{text} ({labels[value.lower()]})"
    return text


# -- reasons -----------------------------------------------------------------------------------
def _finding_reasons(review: Review) -> list[Reason]:
    report = review.report
    reasons = []
    effective_index = 0
    for index, finding in enumerate(report.findings):
        where = f" (call {finding.path})" if finding.path else ""
        waiver = review.waiver_for(finding)
        if waiver:
            reasons.append(Reason(f"waived:{index}:{finding.code}", Severity.INFO,
                                  f"{finding.message}{where}. Allowed by the signed policy: {waiver}",
                                  finding.code, waiver))
            continue
        # Keys count effective findings only, as the review log has always recorded them.
        reasons.append(Reason(f"finding:{effective_index}:{finding.code}", finding.severity,
                              finding.message + where, finding.code))
        effective_index += 1
    return reasons


def _message_finding_reasons(item: MessageItem) -> list[Reason]:
    """A message's findings; their path is the message itself, so no "(call …)" is added."""
    return [Reason(f"finding:{index}:{finding.code}", finding.severity, finding.message, finding.code)
            for index, finding in enumerate(sort_findings(item.message.findings))]


def _policy_reasons(review: AnyReview) -> list[Reason]:
    policy = review.policy
    if policy is None:
        return []
    reasons = []
    if policy.example:
        reasons.append(Reason(EXAMPLE_REASON_KEY, Severity.WARN,
                              f"{EXAMPLE_MARKER}: the policy is signed only with the public example keys shipped "
                              "with Coldsight. Anyone can sign with them, so it cannot clear a transaction and its "
                              "waivers are not applied"))
    for call in [*policy.calls, *policy.batch]:
        severity = POLICY_SEVERITY.get(call.outcome)
        if severity is None:
            continue
        verb = "does not allow" if severity == Severity.CRITICAL else "asks for care with"
        what = f"batch rule {call.path[6:]}" if call.path.startswith("batch:") else f"call {call.path}"
        if call.path == MESSAGE_PATH:
            what = "this message"
        reasons.append(Reason(f"policy:{call.path}", severity, f"The policy {verb} {what}: {call.message}"))
    if policy.binding_error:
        reasons.append(Reason("policy:binding", Severity.CRITICAL, f"The policy does not apply: {policy.binding_error}"))
    return reasons


def _nested_reasons(review: Review) -> list[Reason]:
    """What a parent's approval is worth: the child it approves, reviewed with it (decoders.nested.link_child
    already raised a critical finding for an approveHash of any other hash)."""
    child = review.child
    if child is None:
        return []
    context, tx = child.report.context, child.report.payload.tx
    return [Reason("nested:child", Severity.INFO,
                   f"Approves (approveHash) transaction nonce {tx.nonce} of Safe {context.safe}, shown below and "
                   f"reviewed with this one: its findings count here (safeTxHash 0x{child.report.hashes.safe_tx.hex()})")]


def reasons_for(review: AnyReview) -> list[Reason]:
    if isinstance(review, MessageItem):
        reasons = _message_finding_reasons(review) + _policy_reasons(review)
        return by_severity_worst_first(reasons, lambda reason: reason.severity)
    reasons = _finding_reasons(review) + _policy_reasons(review) + _nested_reasons(review)
    return by_severity_worst_first(reasons, lambda reason: reason.severity)  # stable: groups keep their order


def acknowledgements_for(review: AnyReview, reasons: list[Reason] | None = None) -> list[Acknowledgement]:
    """Everything behind a `warn` verdict, one tick each; never empty for a warn verdict."""
    if reasons is None:
        reasons = reasons_for(review)
    items = [Acknowledgement(reason.key, reason.text) for reason in reasons if reason.severity == Severity.WARN]
    if review.policy is not None and review.policy.unsigned:
        items.append(Acknowledgement("policy:unsigned",
                                     "The policy is an UNSIGNED draft: it cannot clear this transaction"))
    if review.verdict == Verdict.WARN and not items:  # fail closed: a warn verdict always asks for a tick
        items.append(Acknowledgement("verdict:warn", "The verdict is WARN; I read the whole review"))
    return items


# -- calls -------------------------------------------------------------------------------------
def target_text(node: CallNode, labels: dict[str, str], safe: str | None, chain_id: int | None = None) -> str:
    label = labels.get(node.to.lower())
    if label is None and node.target is not None:
        label = node.target.label
    if label is None and (token := token_at(chain_id, node.to)) is not None:
        label = f"{token.symbol} token"
    if label is None and safe is not None and node.to.lower() == safe.lower():
        label = "this Safe"
    if label:
        return f"{node.to} ({label})"
    return f"{node.to} (unknown contract)" if node.data else node.to


def function_text(node: CallNode) -> str:
    if node.function is not None:
        return node.function.display
    if not node.data:
        return "no call data (plain transfer)"
    if node.selector is None:
        return f"{len(node.data)} byte(s) of data, too short for a function"
    return f"unknown function 0x{node.selector.hex()}"


def decision_text(call: CallDecision) -> str:
    """The policy's decision on one call: outcome, matched rules, failed conditions, message."""
    parts = [call.outcome]
    if call.matched_rules:
        parts.append("matched " + ", ".join(call.matched_rules))
    if call.failed_conditions:
        parts.append("failed: " + "; ".join(item.text() for item in call.failed_conditions))
    if call.message:
        parts.append(call.message)
    return " — ".join(parts)


def policy_call_text(review: Review, path: str) -> list[str]:
    if review.policy is None:
        return []
    return [decision_text(call) for call in review.policy.calls if call.path == path]


TOKEN_AMOUNT_ARGS = {"value", "amount", "addedValue", "subtractedValue", "wad"}  # ERC-20 / WETH amounts, by name


def _token_units(node: CallNode, arg, review: Review) -> str:
    """` (= 150,000 USDC)` after a raw ERC-20 amount of a listed token; else nothing."""
    if arg.name not in TOKEN_AMOUNT_ARGS or arg.type != "uint256" or not isinstance(arg.value, int):
        return ""
    chain = review.report.context.chain_id
    if token_at(chain, node.to) is None:
        return ""
    return f" (= {token_amount(arg.value, node.to, chain, UNLIMITED_FROM)})"


def call_row(node: CallNode, review: Review, labels: dict[str, str]) -> CallRow:
    details = [Detail("function", function_text(node))]
    if node.value:
        details.append(Detail("value", native_text(node.value)))
    for arg in node.args or []:
        if node.is_batch and arg.type == "bytes":
            details.append(Detail(arg.name, f"batch of {len(node.children)} call(s), {node.batch_encoding} encoding"))
            continue
        shown = _with_label(value_text(arg.value), arg.value, labels)
        details.append(Detail(f"{arg.name} ({arg.type})", shown + _token_units(node, arg, review)))
    if node.decode_error:
        details.append(Detail("NOT DECODED", node.decode_error, alarm=True))
    if node.claimed:  # decoded from a wrapper's arguments (decoders/wrappers.py): say who makes it
        maker = "this Safe" if node.runs_as == review.report.context.safe else f"{node.runs_as} ({node.maker_role})"
        place = " on L2" if node.network else ""
        details.append(Detail("made by", f"{maker}{place}; read from the wrapper's arguments, not executed offline"))
    if node.wrapper is not None and node.wrapper.opaque:
        details.extend(Detail("NOT DECODED", text, alarm=True) for text in node.wrapper.opaque)
    details.extend(Detail("policy", text) for text in policy_call_text(review, node.path))
    return CallRow(
        path=node.path,
        operation=Operation(node.operation).shown if node.operation in (0, 1, 2) else str(node.operation),
        is_delegatecall=node.operation == 1,
        target=target_text(node, labels, review.report.context.safe, review.report.context.chain_id),
        details=tuple(details),
        children=tuple(call_row(child, review, labels) for child in node.children),
    )


def labels_of(review: Review) -> dict[str, str]:
    """Names for addresses (lowercase address -> name): the team's address book on this chain, then
    the policy's labels over it; empty when neither exists."""
    labels: dict[str, str] = {}
    if review.address_book is not None:
        chain = review.report.context.chain_id
        labels.update((entry.address.lower(), entry.name) for entry in review.address_book.on_chain(chain))
    if review.policy is not None:
        labels.update(review.policy.labels)
    if review.child is not None:
        labels.setdefault(review.child.report.context.safe.lower(), "the Safe whose transaction is approved below")
    return labels


NO_FINDING = Verdict.OK  # the severity shown on an intent row no counting finding is on


def _risk(severity: str) -> int:
    """Higher is riskier: the severity's rank, below every severity for a row without findings."""
    return -1 if severity == NO_FINDING else Severity(severity).rank


def intent_rows(review: Review) -> list[IntentRow]:
    """Every call's intent, riskiest first (by the worst finding still counting on it; waived ones
    do not), in call-tree order within one risk."""
    report = review.report
    worst: dict[str, str] = {}
    for finding in review.effective_findings:
        if finding.path is not None and _risk(finding.severity) > _risk(worst.get(finding.path, NO_FINDING)):
            worst[finding.path] = finding.severity
    rows = [IntentRow(node.path, intent.text, worst.get(node.path, NO_FINDING), intent.raw, intent.source)
            for node in report.root.walk() if (intent := report.intents.get(node.path)) is not None]
    return sorted(rows, key=lambda row: -_risk(row.severity))


SIGNATURE_STATUS = {True: "valid", False: "INVALID", None: "cannot be checked offline"}
NO_POLICY_LINE = "No policy loaded: only Coldsight's built-in checks were applied."


def transaction_hashes(report) -> tuple[HashRow, ...]:
    hashes = report.hashes
    return (HashRow("Domain hash", hashes.domain), HashRow("Message hash", hashes.message),
            HashRow("safeTxHash", hashes.safe_tx, main=True))


def context_line(safe: str | None, chain_id: int | None, version_label: str) -> str:
    chain = chain_id if chain_id is not None else "not part of this version's hash"
    return f"Safe {safe} · chain {chain} · Safe version {version_label}"


def policy_card(review: AnyReview) -> tuple[PolicyLine, ...]:
    policy = review.policy
    if policy is None:
        return (PolicyLine(NO_POLICY_LINE),)
    lines = [PolicyLine(f"policy {policy.policy_id} · serial #{policy.serial} · signature: {policy.signature.text}"),
             PolicyLine(f"Policy verdict: {policy.verdict}")]
    for call in policy.calls:
        subject = "The message" if call.path == MESSAGE_PATH else f"Call {call.path}"
        lines.append(PolicyLine(f"{subject}: {decision_text(call)}", POLICY_SEVERITY.get(call.outcome, Severity.INFO)))
    return tuple(lines)


def present(review: AnyReview) -> Presentation:
    if isinstance(review, MessageItem):
        return present_message(review)
    reasons = reasons_for(review)
    acknowledgements = acknowledgements_for(review, reasons) if review.verdict == Verdict.WARN else []
    report = review.report
    fields = [Detail("format", report.payload.format)]
    fields += [Detail(key, str(value)) for key, value in report.payload.tx.as_json_fields().items()]
    return Presentation(
        verdict=review.verdict,
        reasons=tuple(reasons),
        acknowledgements=tuple(acknowledgements),
        policy_summary=tuple(review.policy.summary_lines()) if review.policy is not None else (),
        calls=call_row(report.root, review, labels_of(review)),
        intents=tuple(intent_rows(review)),
        counterparties=counterparty_lines(review.report.effects),
        hashes=transaction_hashes(report),
        context_line=context_line(report.context.safe, report.context.chain_id, report.context.version.label),
        fields=tuple(fields),
        signatures=tuple(f"Attached signature ({check.kind}): {SIGNATURE_STATUS[check.valid]}: {check.detail}"
                         for check in report.signatures),
        notes=tuple(report.payload.notes),
        policy_card=policy_card(review),
        state_lines=_state_lines(review.report),
    )


def _state_lines(report) -> tuple[str, ...]:
    if report.state is None:
        return ()

    return tuple(line for line in state_lines(report.state) if line)


JUDGEMENT_WORDS = {"unknown": "UNKNOWN, in no address book, policy or bundled list", "known": "in your address book or policy",
                   "intermediary": "a known protocol contract", "self": "this Safe's own"}


def counterparty_lines(effects: Effects) -> tuple[str, ...]:
    """Every counterparty on the first screen, full address (poisoning imitates the short form), unknown first."""
    order = {"unknown": 0, "known": 1, "intermediary": 2, "self": 3}
    parties = sorted(effects.counterparties, key=lambda p: order.get(p.judgement, 0))
    lines = []
    for party in parties:
        name = f"{party.name} " if party.name else ""
        calls = ", ".join(party.paths[:4]) + (f" and {len(party.paths) - 4} more" if len(party.paths) > 4 else "")
        alike = f"; LOOKS LIKE {' / '.join(party.looks_like)}" if party.looks_like else ""
        lines.append(f"{name}{party.marked or party.address}: {JUDGEMENT_WORDS.get(party.judgement, party.judgement)}"
                     f"{alike}; gets {', '.join(party.receives)} (call {calls})")
    return tuple(lines)


def execution_lines(review: AnyReview) -> list[str]:
    """The EVM check for the signer, under the verdict: one line saying what executing the Safe's own
    code proved (all calls, or how many and what was not covered and why), then what it assumed."""
    if isinstance(review, MessageItem):
        return []  # a message calls nothing: there is nothing to execute
    check = review.report.execution
    if check is None:
        return ["NOT checked by executing the Safe's code (the check was not run)"]
    return [display(check.summary)] + [display(f"Assumed for this check: {line}") for line in check.assumed]


# -- Safe messages -------------------------------------------------------------------------------
MESSAGE_KIND = {"text": "a text message", "typed-data": "typed data", "hash": "a bare 32-byte hash",
                "bytes": "raw bytes"}
MAX_TREE_ROWS = 400  # hostile typed data may be huge: the rest is summarised, never laid out


def present_message(item: MessageItem) -> Presentation:
    view = message_view(item)
    reasons = reasons_for(item)
    acknowledgements = acknowledgements_for(item, reasons) if item.verdict == Verdict.WARN else []
    return Presentation(
        verdict=item.verdict,
        reasons=tuple(reasons),
        acknowledgements=tuple(acknowledgements),
        policy_summary=tuple(item.policy.summary_lines()) if item.policy is not None else (),
        calls=None,
        counterparties=counterparty_lines(item.message.effects),
        message=view,
        hashes=view.hashes,
        context_line=context_line(item.message.safe, item.message.chain_id, item.message.version.label),
        policy_card=policy_card(item),
    )


def message_view(item: MessageItem) -> MessageView:
    review = item.message
    inner = review.inner
    chain = review.chain_id if review.chain_id is not None else "any (not in this version's hash)"
    what = MESSAGE_KIND.get(inner.kind, inner.kind)
    typed = inner.typed_data
    if typed is not None:
        domain = typed["domain"] if isinstance(typed.get("domain"), dict) else {}
        contract = domain.get("verifyingContract")
        named = f" ({_with_label(str(contract), contract, labels_for_message(item))})" if contract else ""
        what = f"typed data {typed.get('primaryType')!s} for {domain.get('name', 'an unnamed domain')!s}{named}"
    headline = f"Safe {review.safe} on chain {chain} (Safe {review.version.label}) signs {what}"
    details = [Detail("signed bytes (SafeMessage.message)", "0x" + inner.signed_bytes.hex())]
    if inner.typed_hashes is not None:
        details += [Detail("typed data domain hash", "0x" + inner.typed_hashes.domain.hex()),
                    Detail("typed data message hash", "0x" + inner.typed_hashes.message.hex())]
    hashes = review.hashes
    return MessageView(
        headline=headline,
        text_lines=tuple((inner.text or "").split("\n")) if inner.text is not None else (),
        tree=typed_data_rows(typed, labels_for_message(item)) if typed is not None else (),
        details=tuple(details),
        hashes=(HashRow("Domain hash", hashes.domain), HashRow("Message hash", hashes.message),
                HashRow("safeMessageHash", hashes.safe_message, main=True)),
    )


def labels_for_message(item: MessageItem) -> dict[str, str]:
    labels: dict[str, str] = {}
    if item.address_book is not None:
        labels.update((entry.address.lower(), entry.name) for entry in item.address_book.on_chain(item.message.chain_id))
    if item.policy is not None:
        labels.update(item.policy.labels)
    return labels


def typed_data_rows(document: dict, labels: dict[str, str]) -> tuple[TreeRow, ...]:
    """The typed data's domain and message as trees of `name (type)` rows, types from its own `types`."""
    types: dict = document["types"] if isinstance(document.get("types"), dict) else {}
    budget = [MAX_TREE_ROWS]
    rows = []
    for title, type_name, value in (("domain", "EIP712Domain", document.get("domain")),
                                    ("message", document.get("primaryType"), document.get("message"))):
        rows.append(TreeRow(f"{title} ({type_name})", "", _members(value, str(type_name), types, labels, budget)))
    return tuple(rows)


def _members(value: object, type_name: str, types: dict, labels: dict[str, str], budget: list[int]) -> tuple[TreeRow, ...]:
    fields = types.get(type_name)
    if not isinstance(value, dict) or not isinstance(fields, list):
        return ()
    rows = []
    for field in fields:
        if not isinstance(field, dict):
            continue
        name, kind = str(field.get("name")), str(field.get("type"))
        rows.append(_row(name, kind, value.get(name), types, labels, budget))
    return tuple(row for row in rows if row is not None)


def _row(name: str, kind: str, value: object, types: dict, labels: dict[str, str], budget: list[int]) -> TreeRow | None:
    budget[0] -= 1
    if budget[0] < 0:
        return TreeRow("…", "more members not shown (the typed data is too large to lay out)") if budget[0] == -1 else None
    if kind.endswith("]") and isinstance(value, list):
        element = kind[: kind.rindex("[")]
        items = [_row(f"[{index}]", element, entry, types, labels, budget) for index, entry in enumerate(value)]
        return TreeRow(f"{name} ({kind})", f"{len(value)} item(s)", tuple(row for row in items if row is not None))
    if kind in types:
        return TreeRow(f"{name} ({kind})", "", _members(value, kind, types, labels, budget))
    return TreeRow(f"{name} ({kind})", _with_label(value_text(value), value, labels))


# -- the start screen ----------------------------------------------------------------------------
def describe_policy(options: ReviewOptions) -> list[str]:
    """Lines for the start screen: the loaded policy's id, serial, signature status and expiry."""
    if options.policy is None:
        return ["No policy loaded: only Coldsight's built-in checks will be applied."]

    try:
        loaded = load_policy_for_use(options, record_serial=False)  # looking must not record anything
    except ColdsightError as err:  # shown, not raised: loading a payload will fail closed on it too
        return [display(f"Policy {options.policy} CANNOT BE USED: {err.describe()}"),
                "Every transaction will be blocked until this is fixed."]
    policy = loaded.policy
    lines = [f"Policy {policy.id}, serial #{policy.serial}", f"Signature: {loaded.signature.text}"]
    if loaded.signature.example:
        lines.insert(0, f"{EXAMPLE_MARKER}: signed only with the public example keys; it cannot clear a transaction")
    validity = []
    if policy.not_before is not None:
        validity.append(f"valid from {policy.not_before}")
    validity.append(f"expires {policy.expires}" if policy.expires is not None else "no expiry date")
    lines.append(", ".join(validity).capitalize())
    lines.append(f"File: {options.policy} (sha256 {loaded.sha256[:16]}…)")
    return [display(line) for line in lines]
