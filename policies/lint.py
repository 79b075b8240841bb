"""`coldsight policy lint`: what a reviewer of a policy should look at twice.

Schema errors are PolicyErrors raised while compiling; these are the legal-but-suspect things:
signatures that disagree with the bundled or supplied ABIs, rules that can never match, allow
rules a deny rule fully shadows, wildcards in allow rules, labels nobody uses.
"""

import json
from dataclasses import dataclass

from decoders.abi import AbiRegistry

from .model import CallMatch, Policy, Rule
from .refs import Env
from decoders.vocabulary import Effect, Severity


@dataclass(frozen=True)
class LintFinding:
    severity: str  # warn | info
    where: str
    message: str

    def as_json(self) -> dict:
        return {"severity": self.severity, "where": self.where, "message": self.message}


def _resolved_anywhere(policy: Policy, match: CallMatch) -> bool:
    if match.targets is None:
        return True
    return any(Env(s.chain, s.address, policy.book).resolve_all(match.targets) for s in policy.safes)


def _covers(deny: CallMatch, allow: CallMatch, policy: Policy) -> bool:
    """The deny rule matches every call the allow rule could match (so the allow is dead)."""
    if deny.value is not None or deny.args is not None:
        return False
    if deny.operations is not None and (allow.operations is None or not allow.operations <= deny.operations):
        return False
    if deny.selector is not None and deny.selector != allow.selector:
        return False
    if deny.targets is None:
        return True
    if allow.targets is None:
        return False
    for safe in policy.safes:
        env = Env(safe.chain, safe.address, policy.book)
        if not env.resolve_all(allow.targets) <= env.resolve_all(deny.targets):
            return False
    return True


def lint(policy: Policy, registry: AbiRegistry) -> list[LintFinding]:
    found: list[LintFinding] = []
    add = lambda severity, where, message: found.append(LintFinding(severity, where, message))  # noqa: E731
    trusted_anywhere = _resolved_anywhere(policy, CallMatch(policy.trusted_delegates or None, None, None, None, None, None)) \
        if policy.trusted_delegates else False
    for rule in policy.rules:
        match = rule.match
        if rule.effect != Effect.DENY and match.targets is None:
            add(Severity.WARN, f"{rule.where}.call.to", "wildcard target \"*\" in an allow rule: it allows this call to any address")
        if rule.effect != Effect.DENY and match.function is None and match.selector is None:
            add(Severity.WARN, f"{rule.where}.call.function", "wildcard function \"*\" in an allow rule: it allows any call data")
        if not _resolved_anywhere(policy, match):
            add(Severity.WARN, f"{rule.where}.call.to", "can never match: its targets name no address on the chains of this policy's Safes")
        if rule.effect != Effect.DENY and match.operations and 1 in match.operations and not trusted_anywhere:
            add(Severity.WARN, f"{rule.where}.call.operation", "allows delegatecall, but [delegatecall].trusted is empty: it can never allow")
        if match.function is not None:
            _check_abi(rule, registry, policy, add)
    for rule in policy.rules:
        if rule.effect == Effect.DENY:
            continue
        for deny in policy.rules:
            if deny.effect == Effect.DENY and _covers(deny.match, rule.match, policy):
                add(Severity.WARN, rule.where, f"shadowed: deny rule {deny.id} matches every call this rule could {rule.effect}")
                break
    used = json.dumps(policy.document, default=str)
    for label in policy.book:
        if f'"@{label}"' not in used:
            add(Severity.INFO, f"addresses.{label}", "label is not used by any rule")
    if not policy.rules:
        add(Severity.WARN, "rules", "no rules: this policy allows nothing")
    for case_rule in sorted({r for t in policy.tests for r in (t.rules or ())} - {r.id for r in policy.rules}):
        add(Severity.WARN, "tests", f"tests expect rule {case_rule!r}, which does not exist")
    return found


def _check_abi(rule: Rule, registry: AbiRegistry, policy: Policy, add) -> None:
    function = rule.match.function
    addresses = set()
    if rule.match.targets is not None:
        for safe in policy.safes:
            addresses |= Env(safe.chain, safe.address, policy.book).resolve_all(rule.match.targets)
    candidates = {f.display for a in (addresses or {None}) for f in registry.candidates(function.selector, a)}
    where = f"{rule.where}.call.function"
    if not candidates:
        add(Severity.INFO, where, f"{function.canonical} is not in the bundled or supplied ABIs: the signer's screen will show it "
                           "as an unknown function (pass --abi-dir to lint against the contract's ABI)")
    elif function.display not in candidates and not any(c.replace(" ", "") == function.display.replace(" ", "") for c in candidates):
        add(Severity.INFO, where, f"the ABI names its arguments differently ({sorted(candidates)[0]}); this rule's names "
                           f"({function.display}) are the ones its conditions use")
