"""What evaluating a transaction against a policy produced: one decision per call, explained.

`PolicyResult` is what `app.service.Review.policy` holds (the core's Report is policy-free);
`judged_verdict` is the one rule that combines a Report's findings with it.
"""

from dataclasses import dataclass, field

from decoders.findings import verdict_of
from decoders.vocabulary import NEVER_WAIVABLE_CODES, Effect, Verdict, worst_effect, worst_verdict

UNSIGNED = "UNSIGNED POLICY"
EXAMPLE_MARKER = "EXAMPLE POLICY — NOT FOR REAL FUNDS"


@dataclass(frozen=True)
class FailedCondition:
    rule: str
    argument: str
    expected: str
    actual: str

    def as_json(self) -> dict:
        return {"rule": self.rule, "argument": self.argument, "expected": self.expected, "actual": self.actual}

    def text(self) -> str:
        return f"{self.argument} must be {self.expected}, is {self.actual} (rule {self.rule})"


@dataclass(frozen=True)
class CallDecision:
    path: str
    outcome: str  # allow | warn | deny
    matched_rules: tuple[str, ...]
    failed_conditions: tuple[FailedCondition, ...]
    message: str

    def as_json(self, unsigned: bool) -> dict:
        return {
            "path": self.path,
            "outcome": self.outcome,
            "matchedRules": list(self.matched_rules),
            "failedConditions": [f.as_json() for f in self.failed_conditions],
            "message": (UNSIGNED + ": " if unsigned else "") + self.message,
        }


@dataclass(frozen=True)
class SignatureStatus:
    signed: bool
    text: str  # "signed 2-of-3 by alice (0x12…), bob (0x34…)" or "UNSIGNED POLICY"
    signers: tuple[str, ...] = ()
    threshold: int = 0
    trusted: int = 0
    example: bool = False  # the threshold is only met by the shipped public example keys

    def as_json(self) -> dict:
        return {"signed": self.signed, "status": self.text, "signers": list(self.signers),
                "threshold": self.threshold, "trustedSigners": self.trusted, "example": self.example}


@dataclass
class PolicyResult:
    policy_id: str
    serial: int
    sha256: str
    signature: SignatureStatus
    calls: list[CallDecision]
    binding_error: str | None
    waivers: dict[tuple[str, str], str]  # (call path, finding code) -> reason
    labels: dict[str, str] = field(default_factory=dict)  # lowercase address -> label, for display
    refund: CallDecision | None = None  # the gas refund against [refund]; None when the Safe pays none
    batch: list[CallDecision] = field(default_factory=list)  # one per [[batch_rules]] entry, path "batch:<id>"

    @property
    def unsigned(self) -> bool:
        return not self.signature.signed

    @property
    def example(self) -> bool:
        """Signed only by the public example keys: anyone could have signed it."""
        return self.signature.example

    @property
    def outcome(self) -> Effect:
        decisions = self.calls + self.batch + ([self.refund] if self.refund is not None else [])
        return worst_effect((c.outcome for c in decisions), default=Effect.DENY)

    @property
    def verdict(self) -> Verdict:
        verdict = self.outcome.verdict
        if (self.unsigned or self.example) and verdict == Verdict.OK:
            return Verdict.WARN  # a draft, or a policy anyone can sign, never clears a transaction on its own
        return verdict

    def waiver_for(self, finding) -> str | None:
        """The allow_dangerous reason waiving this finding at this call; only a signed policy waives
        (the public example keys do not count as a signature here)."""
        if self.unsigned or self.example:
            return None
        return self.waivers.get((finding.path, finding.code))

    def decision(self, path: str) -> CallDecision | None:
        """A call's decision by path; also "refund" and "batch:<rule id>"."""
        extra = ([self.refund] if self.refund is not None else []) + self.batch
        return next((c for c in self.calls + extra if c.path == path), None)

    @property
    def matched_rules(self) -> set[str]:
        return {rule for c in self.calls for rule in c.matched_rules}

    @property
    def waivers_applied(self) -> bool:
        return not (self.unsigned or self.example)

    def as_json(self) -> dict:
        return {
            "id": self.policy_id,
            "serial": self.serial,
            "sha256": self.sha256,
            "signature": self.signature.as_json(),
            "status": self.signature.text,
            "outcome": self.outcome,
            "verdict": self.verdict,
            "bindingError": self.binding_error,
            "calls": [c.as_json(self.unsigned) for c in self.calls],
            "refund": self.refund.as_json(self.unsigned) if self.refund is not None else None,
            "batchRules": [b.as_json(self.unsigned) for b in self.batch],
            "example": self.example,
            "waivers": [{"path": path, "code": code, "reason": reason, "applied": self.waivers_applied}
                        for (path, code), reason in sorted(self.waivers.items())],
        }

    def summary_lines(self) -> list[str]:
        prefix = UNSIGNED + ": " if self.unsigned else ""
        head = f"{prefix}Policy {self.policy_id} #{self.serial} ({self.signature.text})"
        if self.example:
            head = f"{EXAMPLE_MARKER}: {head}"
        decisions = self.calls + self.batch + ([self.refund] if self.refund is not None else [])
        flagged = [c for c in decisions if c.outcome != Effect.ALLOW]
        flagged.sort(key=lambda c: -Effect(c.outcome).rank)
        if self.binding_error:
            lines = [f"{head}: {self.binding_error}"]
        elif not flagged and len(self.calls) == 1 and self.calls[0].path == "message":
            # A Safe message: say which rule allowed it and what it signs (members in token units).
            lines = [f"{head}: this message allowed: {self.calls[0].message}"]
        elif not flagged:
            lines = [f"{head}: all {len(self.calls)} call(s) allowed"]
        else:
            lines = [f"{head}: {_decision_text(flagged[0])}"] + [f"  {prefix}{_decision_text(c)}" for c in flagged[1:]]
        for (path, code), reason in sorted(self.waivers.items()):
            if not self.waivers_applied:
                why = "unsigned policy" if self.unsigned else "signed only by public example keys"
                lines.append(f"  {prefix}allow_dangerous for {code} at call {path} NOT applied ({why}): {reason}")
            else:
                lines.append(f"  Policy waives {code} at call {path}: {reason}")
        return lines


def _decision_text(decision: CallDecision) -> str:
    verb = {Effect.DENY: "denied", Effect.WARN: "needs care", Effect.ALLOW: "allowed"}[Effect(decision.outcome)]
    if decision.path == "refund":
        what = "gas refund"
    elif decision.path.startswith("batch:"):
        what = f"batch rule {decision.path[6:]}"
    else:
        what = f"call {decision.path}"
    return f"{what} {verb}: {decision.message}"


def effective_waiver(finding, result: PolicyResult | None) -> str | None:
    """The waiver that counts for `finding`: the policy's, except for a never-waivable code (integrity,
    and whatever stopped the EVM check), which counts whatever the policy object says."""
    if result is None or finding.code in NEVER_WAIVABLE_CODES:
        return None
    return result.waiver_for(finding)


def judged_verdict(findings: list, result: PolicyResult | None) -> Verdict:
    """The verdict that counts: the findings a signed policy did not waive, and the policy's own."""
    if result is None:
        return verdict_of(findings)
    return worst_verdict(verdict_of([f for f in findings if effective_waiver(f, result) is None]), result.verdict)
