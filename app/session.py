"""The review session: what the signer's app is doing, as a pure state machine (no Qt).

    START --scan--> SCANNING --payload complete--> VERIFYING --> REVIEWING --decide--> DECIDED
    START --open file / paste text----------------> VERIFYING --bad input--> FAILED

Errors are states (FAILED, with what went wrong and where), never exceptions escaping to the
user. The Qt widgets in `app.gui` only render `session.state` and call these methods; the
rules that protect the signer live here, where tests can check them without a screen:

- a `block` verdict (or an unreadable payload) can only be discarded;
- a `warn` verdict needs every warning acknowledged before "Reviewed" is accepted;
- each decision is appended to the review log with the hashes, verdict and time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Protocol

from .presentation import Acknowledgement, acknowledgements_for
from decoders.vocabulary import Verdict
from .service import MessageItem, Review
from decoders.errors import ColdsightError

if TYPE_CHECKING:
    from decoders.report import Report

    from .qr.scan import ScanProgress
    from .service import AnyReview


class Phase(enum.Enum):
    START = "start"
    SCANNING = "scanning"
    VERIFYING = "verifying"
    REVIEWING = "reviewing"
    DECIDED = "decided"
    FAILED = "failed"


class Decision(enum.Enum):
    REVIEWED = "reviewed"  # the signer read everything and may go on to sign on the device
    DISCARDED = "discarded"


class SessionError(Exception):
    """A transition the current state does not allow (a bug in the caller, never user input)."""


@dataclass(frozen=True)
class Problem:
    """Why the session failed, in words for the signer."""

    title: str
    message: str
    where: str | None = None
    hint: str | None = None
    code: str = "ERROR"


@dataclass(frozen=True)
class DecisionRecord:
    """One line of the review log."""

    decision: Decision
    verdict: str
    time: str
    source: str
    safe: str | None = None
    chain_id: int | None = None
    nonce: int | None = None
    domain_hash: str | None = None
    message_hash: str | None = None
    safe_tx_hash: str | None = None
    safe_message_hash: str | None = None  # a Safe message (EIP-1271) instead of a transaction
    acknowledged: tuple[str, ...] = ()
    policy_id: str | None = None
    error: str | None = None

    def as_json(self) -> dict:
        return {
            "schema": "coldsight.review/1",
            "time": self.time,
            "decision": self.decision.value,
            "verdict": self.verdict,
            "source": self.source,
            "safe": self.safe,
            "chainId": str(self.chain_id) if self.chain_id is not None else None,
            "nonce": str(self.nonce) if self.nonce is not None else None,
            "hashes": {"domain": self.domain_hash, "message": self.message_hash, "safeTx": self.safe_tx_hash,
                       **({"safeMessage": self.safe_message_hash} if self.safe_message_hash else {})},
            "acknowledged": list(self.acknowledged),
            "policy": self.policy_id,
            "error": self.error,
        }


class DecisionSink(Protocol):
    def append(self, record: DecisionRecord) -> None: ...


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class ReviewSession:
    """The state of one review. `sink` receives decisions (the review log); `clock` gives ISO times."""

    sink: DecisionSink | None = None
    clock: Callable[[], str] = _utc_now
    phase: Phase = Phase.START
    source: str | None = None
    review: AnyReview | None = None  # a transaction or a Safe message, while REVIEWING / DECIDED
    problem: Problem | None = None
    progress: ScanProgress | None = None
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    ticked: set[str] = field(default_factory=set)
    record: DecisionRecord | None = None
    listeners: list[Callable[["ReviewSession"], None]] = field(default_factory=list)

    # -- transitions ---------------------------------------------------------------------------
    def _require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            allowed = ", ".join(p.value for p in phases)
            raise SessionError(f"not allowed while {self.phase.value} (only while {allowed})")

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    @property
    def report(self) -> Report | None:
        return self.review.report if isinstance(self.review, Review) else None

    def start_scan(self) -> None:
        self._require(Phase.START)
        self.phase = Phase.SCANNING
        self.progress = None  # nothing read yet
        self._changed()

    def scan_progress(self, progress: ScanProgress) -> None:
        self._require(Phase.SCANNING)
        self.progress = progress
        self._changed()

    def cancel_scan(self) -> None:
        self._require(Phase.SCANNING)
        self.progress = None
        self.phase = Phase.START
        self._changed()

    def begin_verifying(self, source: str) -> None:
        """A whole payload (file, pasted text, or the last QR part) is in; checking starts."""
        self._require(Phase.START, Phase.SCANNING)
        self.source = source
        self.phase = Phase.VERIFYING
        self._changed()

    def show_review(self, review: AnyReview) -> None:
        self._require(Phase.VERIFYING)
        self.review = review
        self.acknowledgements = acknowledgements_for(review) if review.verdict == Verdict.WARN else []
        self.ticked = set()
        self.phase = Phase.REVIEWING
        self._changed()

    def fail(self, problem: Problem) -> None:
        """Bad input, a camera that cannot be opened, a bug: all end here, with a "do not sign"."""
        self._require(Phase.START, Phase.SCANNING, Phase.VERIFYING)
        self.problem = problem
        self.phase = Phase.FAILED
        self._changed()

    def tick(self, key: str, checked: bool = True) -> None:
        self._require(Phase.REVIEWING)
        if key not in {a.key for a in self.acknowledgements}:
            raise SessionError(f"no warning {key!r} to acknowledge")
        if checked:
            self.ticked.add(key)
        else:
            self.ticked.discard(key)
        self._changed()

    @property
    def verdict(self) -> str:
        """`block` for anything that is not a reviewed, readable transaction."""
        if self.review is not None and self.phase in (Phase.REVIEWING, Phase.DECIDED):
            return self.review.verdict
        return Verdict.BLOCK

    @property
    def can_mark_reviewed(self) -> bool:
        if self.phase is not Phase.REVIEWING or self.verdict == Verdict.BLOCK:
            return False
        return all(a.key in self.ticked for a in self.acknowledgements)

    @property
    def can_discard(self) -> bool:
        return self.phase in (Phase.REVIEWING, Phase.FAILED)

    def decide(self, decision: Decision) -> DecisionRecord:
        if decision is Decision.REVIEWED and not self.can_mark_reviewed:
            if self.phase is Phase.REVIEWING and self.verdict == Verdict.BLOCK:
                raise SessionError("a blocked transaction can only be discarded")
            if self.phase is Phase.REVIEWING:
                raise SessionError("tick every warning before marking the transaction reviewed")
            raise SessionError(f"nothing to mark reviewed while {self.phase.value}")
        if not self.can_discard:
            raise SessionError(f"nothing to decide while {self.phase.value}")
        self.record = self._record(decision)
        if self.sink is not None:
            self.sink.append(self.record)
        self.phase = Phase.DECIDED
        self._changed()
        return self.record

    def restart(self) -> None:
        """Back to the start screen, forgetting the payload (allowed from every state)."""
        self.phase = Phase.START
        self.source = self.review = self.problem = self.progress = self.record = None
        self.acknowledgements = []
        self.ticked = set()
        self._changed()

    def _record(self, decision: Decision) -> DecisionRecord:
        review = self.review if self.phase is Phase.REVIEWING else None
        if review is None:
            problem = self.problem
            return DecisionRecord(decision=decision, verdict=Verdict.BLOCK, time=self.clock(), source=self.source or "",
                                  error=problem.message if problem else None)
        acknowledged = tuple(a.key for a in self.acknowledgements if a.key in self.ticked)
        policy_id = review.policy.policy_id if review.policy is not None else None

        if isinstance(review, MessageItem):
            message = review.message
            return DecisionRecord(decision=decision, verdict=review.verdict, time=self.clock(), source=self.source or "",
                                  safe=message.safe, chain_id=message.chain_id,
                                  domain_hash="0x" + message.hashes.domain.hex(),
                                  message_hash="0x" + message.hashes.message.hex(),
                                  safe_message_hash="0x" + message.hashes.safe_message.hex(),
                                  acknowledged=acknowledged, policy_id=policy_id)
        report = review.report
        hashes = report.hashes
        return DecisionRecord(
            decision=decision,
            verdict=review.verdict,
            time=self.clock(),
            source=self.source or "",
            safe=report.context.safe,
            chain_id=report.context.chain_id,
            nonce=report.payload.tx.nonce,
            domain_hash="0x" + hashes.domain.hex(),
            message_hash="0x" + hashes.message.hex(),
            safe_tx_hash="0x" + hashes.safe_tx.hex(),
            acknowledged=acknowledged,
            policy_id=policy_id,
        )


def problem_from_error(err: BaseException, source: str | None = None) -> Problem:
    """A Problem the signer can read, from a ColdsightError (or, failing closed, any bug)."""
    if isinstance(err, ColdsightError):
        return Problem("This payload cannot be verified", err.message, err.where, err.hint, err.code)
    return Problem(
        "Coldsight failed while checking this payload",
        f"internal error ({type(err).__name__}: {err})",
        source,
        "do not sign; report this to your security team",
        "INTERNAL",
    )
