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
from typing import Callable, Protocol


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
class ScanProgress:
    """How far an animated QR scan has come (numbers from the UR decoder)."""

    parts_received: int = 0
    parts_total: int | None = None
    percent: float = 0.0
    seconds_left: float | None = None
    message: str = ""


@dataclass(frozen=True)
class Acknowledgement:
    """One warning the signer must tick before "Reviewed" is allowed."""

    key: str
    text: str


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
            "hashes": {"domain": self.domain_hash, "message": self.message_hash, "safeTx": self.safe_tx_hash},
            "acknowledged": list(self.acknowledged),
            "policy": self.policy_id,
            "error": self.error,
        }


class DecisionSink(Protocol):
    def append(self, record: DecisionRecord) -> None: ...


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def acknowledgements_for(report) -> list[Acknowledgement]:
    """Everything behind a `warn` verdict, one tick each. Never empty for a warn verdict."""
    items = [
        Acknowledgement(f"finding:{index}:{finding.code}", finding.message)
        for index, finding in enumerate(report.effective_findings)
        if finding.severity == "warn"
    ]
    policy = report.policy
    for call in getattr(policy, "calls", None) or ():
        if getattr(call, "outcome", None) == "warn":
            items.append(Acknowledgement(f"policy:{call.path}", f"Policy, call {call.path}: {call.message}"))
    if policy is not None and getattr(policy, "unsigned", False):
        items.append(Acknowledgement("policy:unsigned", "The policy is an UNSIGNED draft: it cannot clear this transaction"))
    for index, reason in enumerate(report.extra_verdict_reasons):
        items.append(Acknowledgement(f"reason:{index}", reason))
    if report.verdict == "warn" and not items:  # fail closed: a warn verdict always asks for a tick
        items.append(Acknowledgement("verdict:warn", "The verdict is WARN; I read the whole review"))
    return items


@dataclass
class ReviewSession:
    """The state of one review. `sink` receives decisions (the review log); `clock` gives ISO times."""

    sink: DecisionSink | None = None
    clock: Callable[[], str] = _utc_now
    phase: Phase = Phase.START
    source: str | None = None
    report: object | None = None  # decoders.report.Report while REVIEWING / DECIDED
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

    def start_scan(self) -> None:
        self._require(Phase.START)
        self.phase = Phase.SCANNING
        self.progress = ScanProgress()
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

    def show_report(self, report) -> None:
        self._require(Phase.VERIFYING)
        self.report = report
        self.acknowledgements = acknowledgements_for(report) if report.verdict == "warn" else []
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
        return self.report.verdict if self.report is not None and self.phase in (Phase.REVIEWING, Phase.DECIDED) else "block"

    @property
    def can_mark_reviewed(self) -> bool:
        if self.phase is not Phase.REVIEWING or self.verdict == "block":
            return False
        return all(a.key in self.ticked for a in self.acknowledgements)

    @property
    def can_discard(self) -> bool:
        return self.phase in (Phase.REVIEWING, Phase.FAILED)

    def decide(self, decision: Decision) -> DecisionRecord:
        if decision is Decision.REVIEWED and not self.can_mark_reviewed:
            if self.phase is Phase.REVIEWING and self.verdict == "block":
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
        self.source = self.report = self.problem = self.progress = self.record = None
        self.acknowledgements = []
        self.ticked = set()
        self._changed()

    def _record(self, decision: Decision) -> DecisionRecord:
        report = self.report if self.phase is Phase.REVIEWING else None
        if report is None:
            problem = self.problem
            return DecisionRecord(decision=decision, verdict="block", time=self.clock(), source=self.source or "",
                                  error=problem.message if problem else None)
        policy_id = None
        if report.policy is not None:
            policy_json = report.policy.as_json()
            policy_id = policy_json.get("id") if isinstance(policy_json, dict) else None
        hashes = report.hashes
        return DecisionRecord(
            decision=decision,
            verdict=report.verdict,
            time=self.clock(),
            source=self.source or "",
            safe=report.context.safe,
            chain_id=report.context.chain_id,
            nonce=report.payload.tx.nonce,
            domain_hash="0x" + hashes.domain.hex(),
            message_hash="0x" + hashes.message.hex(),
            safe_tx_hash="0x" + hashes.safe_tx.hex(),
            acknowledged=tuple(a.key for a in self.acknowledgements if a.key in self.ticked),
            policy_id=policy_id,
        )


def problem_from_error(err: BaseException, source: str | None = None) -> Problem:
    """A Problem the signer can read, from a ColdsightError (or, failing closed, any bug)."""
    from decoders.errors import ColdsightError

    if isinstance(err, ColdsightError):
        return Problem("This payload cannot be verified", err.message, err.where, err.hint, err.code)
    return Problem(
        "Coldsight failed while checking this payload",
        f"internal error ({type(err).__name__}: {err})",
        source,
        "do not sign; report this to your security team",
        "INTERNAL",
    )


# -- Where reports come from ---------------------------------------------------------------------
# The command line's payload options (an argparse Namespace from `add_payload_arguments`) travel
# with the session so that a file opened, text pasted or a QR scanned in the GUI is verified
# exactly as `coldsight verify` would verify it.


def verify_file(path: str, options) -> object:
    """Report for a payload file; raises ColdsightError on bad input (cmd_verify.build_report)."""
    import argparse

    from .cmd_verify import build_report

    args = argparse.Namespace(**vars(options))
    args.payload = path
    return build_report(args)


def verify_text(text: str, source: str, options) -> object:
    """Report for pasted or scanned text (`ur:` parts or JSON); raises ColdsightError on bad input."""
    from decoders.formats import parse_text

    from . import cmd_verify

    # Verify + policy through the same code path as `coldsight verify`.
    return cmd_verify.report_for_payload(parse_text(text, source), options)


def describe_policy(options) -> list[str]:
    """Lines for the start screen: the loaded policy's id, serial, signature status and expiry."""
    path = getattr(options, "policy", None)
    if not path:
        return ["No policy loaded: only Coldsight's built-in checks will be applied."]
    from .cmd_policy import load_for_use

    try:
        loaded = load_for_use(options)  # no serial store: looking must not record anything
    except Exception as err:  # shown, not raised: loading a payload will fail closed on it too
        message = err.describe() if hasattr(err, "describe") else f"{type(err).__name__}: {err}"
        return [f"Policy {path} CANNOT BE USED: {message}", "Every transaction will be blocked until this is fixed."]
    policy = loaded.policy
    lines = [f"Policy {policy.id}, serial #{policy.serial}", f"Signature: {loaded.signature.text}"]
    validity = []
    if policy.not_before is not None:
        validity.append(f"valid from {policy.not_before}")
    validity.append(f"expires {policy.expires}" if policy.expires is not None else "no expiry date")
    lines.append(", ".join(validity).capitalize())
    lines.append(f"File: {path} (sha256 {loaded.sha256[:16]}…)")
    return lines
