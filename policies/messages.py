"""Policy rules for Safe messages (EIP-1271): allow, warn or deny what the Safe may sign.

    [[message_rules]]
    id = "permit2-router"
    effect = "allow"                                  # allow | warn | deny
    kind = "typed-data"                               # optional: text | typed-data | hash | bytes
    primary_type = ["PermitSingle", "PermitBatch"]    # optional: the typed data's primaryType
    domain = { name = "Permit2", chain_id = 1, verifying_contract = "@PERMIT2" }   # optional, each key optional

Every key given must hold (a list means "one of"); a rule with none matches every message. The
decision is made as for a call: a matching deny rule wins; else an allow rule must match (a
matching warn rule turns it into warn); else `defaults.unmatched`, with the closest allow rule's
failed conditions as the explanation. A typed-data key (primary_type, domain) never holds for a
text message or a bare hash, whose content cannot be seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from decoders.messages import MessageReview
from decoders.safetx import Context
from decoders.vocabulary import Effect

from .refs import AddressRef, Env
from .result import CallDecision, FailedCondition, PolicyResult

MESSAGE_PATH = "message"  # the decision's path (app.presentation names it "this message")
MESSAGE_KINDS = ("text", "typed-data", "hash", "bytes")  # decoders.messages.InnerMessage.kind
MAX_MESSAGE_RULES = 1_000


@dataclass(frozen=True)
class MessageRule:
    id: str
    effect: str
    description: str | None
    kinds: tuple[str, ...] | None  # None: any
    primary_types: tuple[str, ...] | None
    domain_names: tuple[str, ...] | None
    chain_ids: tuple[int, ...] | None
    contracts: tuple[AddressRef, ...] | None
    where: str
    source: dict = field(default_factory=dict, compare=False, hash=False)


def compile_message_rules(compiler, value: object, taken_ids: set[str]) -> tuple[MessageRule, ...]:
    """`[[message_rules]]` -> rules; `compiler` is schema._Compiler (its typed/table/ref helpers and errors)."""
    src = compiler.src
    items = compiler.typed(value, list, "message_rules", "write [[message_rules]] tables")
    if len(items) > MAX_MESSAGE_RULES:
        raise src.error(f"{len(items)} message rules; at most {MAX_MESSAGE_RULES}", "message_rules")
    rules = []
    seen = set(taken_ids)
    for i, item in enumerate(items):
        where = f"message_rules[{i}]"
        table = compiler.table(item, where, {"id", "effect", "description", "kind", "primary_type", "domain"},
                               {"id", "effect"})
        rule_id = compiler.typed(table["id"], str, f"{where}.id")
        if rule_id in seen:
            raise src.error(f"duplicate rule id {rule_id!r}", f"{where}.id", "all rule ids of a policy are distinct")
        seen.add(rule_id)
        where = f"message_rules[{i}] ({rule_id})"
        effect = compiler.choice(table["effect"], tuple(Effect), f"{where}.effect")
        description = compiler.typed(table["description"], str, f"{where}.description") if "description" in table else None
        kinds = _strings(compiler, table.get("kind"), f"{where}.kind")
        for kind in kinds or ():
            if kind not in MESSAGE_KINDS:
                raise src.error(f"unknown message kind {kind!r}", f"{where}.kind", f"one of {', '.join(MESSAGE_KINDS)}")
        domain = compiler.table(table.get("domain", {}), f"{where}.domain", {"name", "chain_id", "verifying_contract"})
        chain_ids = None
        if "chain_id" in domain:
            raw = domain["chain_id"] if isinstance(domain["chain_id"], list) else [domain["chain_id"]]
            chain_ids = tuple(compiler.typed(c, int, f"{where}.domain.chain_id") for c in raw)
        contracts = None
        if "verifying_contract" in domain:
            raw = domain["verifying_contract"]
            raw = raw if isinstance(raw, list) else [raw]
            contracts = tuple(compiler.ref(c, f"{where}.domain.verifying_contract") for c in raw)
        rules.append(MessageRule(rule_id, effect, description, kinds,
                                 _strings(compiler, table.get("primary_type"), f"{where}.primary_type"),
                                 _strings(compiler, domain.get("name"), f"{where}.domain.name"),
                                 chain_ids, contracts, where, table))
    return tuple(rules)


def _strings(compiler, value: object, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise compiler.src.error("an empty list matches nothing; leave the key out to match anything", where)
    return tuple(compiler.typed(item, str, where) for item in items)


def _one_of(values: tuple) -> str:
    return repr(values[0]) if len(values) == 1 else "one of " + ", ".join(repr(v) for v in values)


def rule_failures(rule: MessageRule, review: MessageReview, env: Env) -> list[FailedCondition]:
    """Which of the rule's conditions this message does not meet (empty: the rule matches)."""
    inner = review.inner
    typed = inner.typed_data if isinstance(inner.typed_data, dict) else None
    domain = typed.get("domain") if typed is not None and isinstance(typed.get("domain"), dict) else {}
    failures = []

    def check(argument: str, expected: str, actual: object, holds: bool) -> None:
        if not holds:
            failures.append(FailedCondition(rule.id, argument, expected, "absent" if actual is None else repr(actual)))

    if rule.kinds is not None:
        check("kind", _one_of(rule.kinds), inner.kind, inner.kind in rule.kinds)
    if rule.primary_types is not None:
        primary = typed.get("primaryType") if typed is not None else None
        check("primary_type", _one_of(rule.primary_types), primary, primary in rule.primary_types)
    if rule.domain_names is not None:
        name = domain.get("name")
        check("domain.name", _one_of(rule.domain_names), name, name in rule.domain_names)
    if rule.chain_ids is not None:
        chain = _as_int(domain.get("chainId"))
        check("domain.chain_id", _one_of(rule.chain_ids), domain.get("chainId"), chain in rule.chain_ids)
    if rule.contracts is not None:
        contract = domain.get("verifyingContract")
        allowed = env.resolve_all(rule.contracts)
        shown = _one_of(tuple(ref.display for ref in rule.contracts))
        check("domain.verifying_contract", shown, contract, isinstance(contract, str) and contract.lower() in allowed)
    return failures


def _as_int(value: object) -> int | None:
    """An EIP-712 chainId as typed data carries it: a number, or a decimal / 0x string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            return None
    return None


def describe(review: MessageReview) -> str:
    inner = review.inner
    if inner.kind == "typed-data" and isinstance(inner.typed_data, dict):
        domain = inner.typed_data.get("domain") if isinstance(inner.typed_data.get("domain"), dict) else {}
        return f"typed data {inner.typed_data.get('primaryType')!s} for domain {domain.get('name', 'without a name')!s}"
    return {"text": "a text message", "hash": "a bare hash", "bytes": "raw bytes"}.get(inner.kind, inner.kind)


def decide_message(policy, review: MessageReview, env: Env) -> CallDecision:
    matched: dict[str, list[str]] = {Effect.ALLOW: [], Effect.WARN: [], Effect.DENY: []}
    misses: list[FailedCondition] = []
    by_id = {rule.id: rule for rule in policy.message_rules}
    for rule in policy.message_rules:
        failures = rule_failures(rule, review, env)
        if not failures:
            matched[rule.effect].append(rule.id)
        elif rule.effect == Effect.ALLOW:
            misses.extend(failures[:5])
    every = tuple(sorted(matched[Effect.DENY]) + sorted(matched[Effect.ALLOW]) + sorted(matched[Effect.WARN]))
    what = describe(review)
    if matched[Effect.DENY]:
        rule = by_id[sorted(matched[Effect.DENY])[0]]
        reason = f": {rule.description}" if rule.description else ""
        return CallDecision(MESSAGE_PATH, Effect.DENY, every, (), f"denied by rule {rule.id}{reason}")
    if matched[Effect.ALLOW]:
        if matched[Effect.WARN]:
            rule = by_id[sorted(matched[Effect.WARN])[0]]
            return CallDecision(MESSAGE_PATH, Effect.WARN, every, (),
                                f"{what}: {rule.description or f'rule {rule.id} flags it'}")
        return CallDecision(MESSAGE_PATH, Effect.ALLOW, every, (),
                            f"{what} allowed by {', '.join(sorted(matched[Effect.ALLOW]))}")
    detail = f"; closest rule: {misses[0].text()}" if misses else ""
    return CallDecision(MESSAGE_PATH, policy.unmatched, every, tuple(misses), f"no message rule allows {what}{detail}")


def evaluate_message(loaded, review: MessageReview) -> PolicyResult:
    """Decide a Safe message against a loaded policy (policies.load.LoadedPolicy): one decision, path "message"."""
    from .evaluate import binding_error

    policy = loaded.policy
    context = Context(chain_id=review.chain_id, safe=review.safe, version=review.version)
    env = Env(review.chain_id, review.safe, policy.book)
    bound_error = binding_error(policy, context)
    if bound_error:
        decision = CallDecision(MESSAGE_PATH, Effect.DENY, (), (), bound_error.replace("every call is", "the message is"))
    else:
        decision = decide_message(policy, review, env)
    labels = {e.address.lower(): e.label for e in policy.book.values() if e.chain == review.chain_id}
    return PolicyResult(policy.id, policy.serial, loaded.sha256, loaded.signature, [decision], bound_error, {}, labels)
