"""`coldsight policy lint`: what a reviewer of a policy should look at twice.

Schema errors are PolicyErrors raised while compiling; these are the legal-but-suspect things:
signatures that disagree with the bundled or supplied ABIs, rules that can never match, allow
rules a deny rule fully shadows, wildcards in allow rules, labels nobody uses; batch limits over a
label that is not a token, approvals no allowance limit bounds; message rules that can never match,
allow every message or any typed data, or use a preset without member constraints.
"""

import json
from dataclasses import dataclass

from decoders.abi import AbiRegistry, parse_signature

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
    if not policy.rules and not policy.message_rules:
        add(Severity.WARN, "rules", "no rules: this policy allows nothing")
    _lint_batch_rules(policy, add)
    _lint_message_rules(policy, add)
    every_id = {r.id for r in policy.rules} | {r.id for r in policy.batch_rules} | {r.id for r in policy.message_rules}
    for case_rule in sorted({r for t in policy.tests for r in (t.rules or ())} - every_id):
        add(Severity.WARN, "tests", f"tests expect rule {case_rule!r}, which does not exist")
    return found


def _resolves(policy: Policy, refs) -> bool:
    return any(Env(s.chain, s.address, policy.book).resolve_all(refs) for s in policy.safes)


def _lint_batch_rules(policy: Policy, add) -> None:
    approve = parse_signature("approve(address spender,uint256 amount)").selector
    capped = set()
    for rule in policy.batch_rules:
        for limit in rule.sums + rule.allowances:
            token = limit.token
            if token is None:
                continue
            where = f"{limit.where}.token"
            if token.kind == "label" and token.text in policy.book and policy.book[token.text].token_symbol is None:
                add(Severity.WARN, where, f"@{token.text} is not a token in [addresses] (no token table): this limit counts "
                                          f"transfers OF a token at that address, so if @{token.text} is a wallet it never "
                                          "applies (use per_recipient, or counterparties, to limit what reaches it)")
            if not _resolves(policy, (token,)):
                add(Severity.WARN, where, f"can never apply: {token.display} names no address on the chains of this "
                                          "policy's Safes")
        capped |= {a.token for a in rule.allowances}
        if rule.counterparties is not None and not _resolves(policy, rule.counterparties):
            add(Severity.WARN, f"{rule.where}.counterparties", "names no address on the chains of this policy's Safes: "
                                                               "every counterparty breaks it")
        for allowance in rule.allowances:
            for use in allowance.used_by:
                if not _resolved_anywhere(policy, use.match):
                    add(Severity.WARN, f"{allowance.where}.used_by", f"{use.shown} names no address here: no call "
                                                                     "ever counts as using an allowance")
    for call_rule in policy.rules:
        if call_rule.effect == Effect.ALLOW and call_rule.match.selector == approve and call_rule.match.targets is not None:
            if not any(t in capped for t in call_rule.match.targets):
                add(Severity.INFO, call_rule.where, "allows approvals, and no batch rule caps that token's allowances: `sums` "
                                               "count outflows only (an approval is an allowance), so add "
                                               "`allowances = [{ token = …, lte = … }]` or `left_lte` to bound it")


def _lint_message_rules(policy: Policy, add) -> None:
    chains = {s.chain for s in policy.safes}
    typed_keys_kinds = {"typed-data"}
    for rule in policy.message_rules:
        typed = rule.primary_types is not None or rule.domain_names is not None or rule.chain_ids is not None or \
            rule.contracts is not None or bool(rule.members) or rule.counterparties is not None
        if rule.kinds is not None and typed and not set(rule.kinds) & typed_keys_kinds:
            add(Severity.WARN, f"{rule.where}.kind", "can never match: it reads typed data (primary_type, domain or "
                                                     f"members) but only allows kind {', '.join(rule.kinds)}")
        if rule.contracts is not None and not _resolves(policy, rule.contracts):
            add(Severity.WARN, f"{rule.where}.domain.verifying_contract",
                "can never match: it names no address on the chains of this policy's Safes")
        if rule.chain_ids is not None and not set(rule.chain_ids) & chains:
            add(Severity.WARN, f"{rule.where}.domain.chain_id",
                f"can never match: this policy's Safes are on chain {', '.join(map(str, sorted(chains)))}")
        if rule.effect == Effect.DENY:
            continue
        if not typed and rule.kinds is None:
            add(Severity.WARN, rule.where, f"wildcard: this {rule.effect} rule matches every message the Safe could sign")
        elif rule.kinds is not None and set(rule.kinds) & {"hash", "bytes"} and rule.effect == Effect.ALLOW:
            add(Severity.WARN, f"{rule.where}.kind", "allows a bare hash or raw bytes: what they stand for cannot be seen")
        elif rule.kinds == ("typed-data",) and not typed:
            add(Severity.WARN, rule.where, "allows ANY typed data: constrain primary_type, domain and members")
        if rule.preset is not None and not rule.members and rule.effect == Effect.ALLOW:
            whom = "amount and expiry" if rule.counterparties is not None else "spender, amount and expiry"
            add(Severity.WARN, rule.where, f"preset {rule.preset} without members: allows any {whom} "
                                           "(constrain them with members = { … })")
        for deny in policy.message_rules:
            if deny.effect == Effect.DENY and _message_covers(deny, rule):
                add(Severity.WARN, rule.where, f"shadowed: deny message rule {deny.id} matches every message this rule "
                                               f"could {rule.effect}")
                break


def _message_covers(deny, rule) -> bool:
    """The deny message rule constrains nothing the other rule does not constrain at least as tightly."""
    if deny.members or deny.counterparties is not None:
        return False
    for key in ("kinds", "primary_types", "domain_names", "chain_ids", "contracts"):
        wide, narrow = getattr(deny, key), getattr(rule, key)
        if wide is not None and (narrow is None or not set(narrow) <= set(wide)):
            return False
    return True


def _check_abi(rule: Rule, registry: AbiRegistry, policy: Policy, add) -> None:
    function = rule.match.function
    assert function is not None  # called for rules that name a function
    addresses: set[str | None] = set()
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
