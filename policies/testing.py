"""`[[tests]]` entries: run each payload through the full verification and this policy, and
compare with the expected outcome, matched rules, per-call outcomes and verdict.

A payload that holds a Safe message (the Transaction Service message shape, or SafeMessage typed
data) is reviewed as a message and decided by `[[message_rules]]` (its one decision has the path
`message`). How a transaction payload becomes a Report comes from the caller (`verify`): the app passes
its review (`--abi-dir`, the address book), so a payload gets the same result here as in `coldsight verify`."""

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from decoders.addressbook import AddressBook, Entry
from decoders.errors import ColdsightError
from decoders.formats import decode_text, parse_text
from decoders.messages import is_message_document, load_message_document, review_message
from decoders.report import Report
from decoders.verify import VerifyOptions, verify_payload
from decoders.vocabulary import worst_verdict

from .evaluate import evaluate
from .load import LoadedPolicy
from .messages import evaluate_message
from .model import PolicyTestCase
from .result import judged_verdict
from decoders.vocabulary import Effect

MAX_PAYLOAD_BYTES = 32 * 1024 * 1024


@dataclass
class TestOutcome:
    case: PolicyTestCase
    problems: list[str] = field(default_factory=list)
    matched: set[str] = field(default_factory=set)
    outcome: str | None = None
    batch_broken: set[str] = field(default_factory=set)  # batch rules this payload breaks

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        return {"name": self.case.name, "payload": self.case.payload, "passed": self.passed, "outcome": self.outcome,
                "matchedRules": sorted(self.matched), "problems": self.problems}


def _message_document(text: str, source: str) -> object | None:
    try:
        document = load_message_document(text, source)
    except ColdsightError:
        return None
    return document if is_message_document(document) else None


# How a [[tests]] transaction payload becomes a Report: the app passes the review `verify` makes (its ABIs
# and address book), so `policy test` sees what `verify` shows; the default is the core alone.
VerifyCase = Callable[[Path, PolicyTestCase], Report]


def verify_case(path: Path, case: PolicyTestCase, options: VerifyOptions | None = None) -> Report:
    with path.open("rb") as handle:
        data = handle.read(MAX_PAYLOAD_BYTES + 1)
    request = replace(options or VerifyOptions(), chain_id=case.chain_id, safe=case.safe, safe_version=case.safe_version)
    return verify_payload(parse_text(decode_text(data, str(path)), str(path)), request)


def policy_book(loaded: LoadedPolicy) -> AddressBook:
    """The policy's [addresses] as an address book: they name counterparties as in a review
    (app.service.address_book_for adds the team's imported book under them)."""
    book = AddressBook()
    for entry in loaded.policy.book.values():
        book.add(Entry(entry.chain, entry.address, entry.label))
    return book


def run_case(loaded: LoadedPolicy, case: PolicyTestCase, base: Path, verify: VerifyCase | None = None) -> TestOutcome:
    result = TestOutcome(case)
    path = base / case.payload
    if verify is None:
        options = VerifyOptions(address_book=policy_book(loaded))
        verify = lambda path, case: verify_case(path, case, options)  # noqa: E731
    # [[tests]] describe the policy as its signers mean it; the cap on policies signed only with the
    # public example keys is about who signed, not about the rules, and `policy test` says so in its header.
    as_signed = replace(loaded, signature=replace(loaded.signature, example=False))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PAYLOAD_BYTES + 1)
        text = decode_text(data, str(path))
        document = _message_document(text, str(path))
        if document is not None:
            review = review_message(document, chain_id=case.chain_id, safe=case.safe, safe_version=case.safe_version,
                                    address_book=policy_book(loaded))
            decision = evaluate_message(as_signed, review)
            return _compare(result, case, decision, worst_verdict(review.verdict, decision.verdict))
        report = verify(path, case)
    except OSError as err:
        result.problems.append(f"cannot read payload {path}: {err.strerror}")
        return result
    except ColdsightError as err:
        result.problems.append(f"payload does not verify: {err.describe()}")
        return result
    decision = evaluate(as_signed, report)
    return _compare(result, case, decision, judged_verdict(report.findings, decision))


def _compare(result: TestOutcome, case: PolicyTestCase, decision, verdict: str) -> TestOutcome:
    result.outcome = decision.outcome
    result.matched = decision.matched_rules
    result.batch_broken = {b.path.removeprefix("batch:") for b in decision.batch if b.outcome != Effect.ALLOW}
    if decision.outcome != case.expect:
        first = next((c for c in decision.calls if c.outcome == decision.outcome), None)
        why = f" (call {first.path}: {first.message})" if first else ""
        result.problems.append(f"expected {case.expect}, got {decision.outcome}{why}")
    if case.rules is not None and set(case.rules) != decision.matched_rules:
        result.problems.append(f"expected matched rules {sorted(case.rules)}, got {sorted(decision.matched_rules)}")
    for path_key, expected in (case.calls or {}).items():
        call = decision.decision(path_key)
        if call is None:
            result.problems.append(f"call {path_key} does not exist in this transaction")
        elif call.outcome != expected:
            result.problems.append(f"call {path_key}: expected {expected}, got {call.outcome} ({call.message})")
    if case.verdict is not None and verdict != case.verdict:
        result.problems.append(f"expected verdict {case.verdict}, got {verdict}")
    return result


def run_tests(loaded: LoadedPolicy, base: Path,
              verify: VerifyCase | None = None) -> tuple[list[TestOutcome], list[str]]:
    """Outcomes of every [[tests]] entry, and the ids of rules no test matched (a batch rule is
    covered when some test's payload breaks it: that shows the limit bites)."""
    outcomes = [run_case(loaded, case, base, verify) for case in loaded.policy.tests]
    covered = set().union(*(o.matched for o in outcomes)) if outcomes else set()
    broken = set().union(*(o.batch_broken for o in outcomes)) if outcomes else set()
    uncovered = [r.id for r in loaded.policy.rules if r.id not in covered]
    uncovered += [r.id for r in loaded.policy.batch_rules if r.id not in broken]
    uncovered += [r.id for r in loaded.policy.message_rules if r.id not in covered]
    return outcomes, uncovered
