"""`coldsight policy diff OLD NEW`: what NEW allows that OLD did not, and the reverse.

The comparison is semantic, per (Safe binding, target, function, argument), on resolved
addresses and amounts in base units, shown in the token's units:

- a rule is keyed by what it resolves to on each Safe's chain, so relabelling `@payroll` to
  another address shows as a new recipient there, and a token's `decimals` change shows as
  every cap in that unit multiplied by 10^k even though the text of the rule did not change;
- the direction of each change is read from the rule's effect: a wider allow rule widens, a
  wider warn or deny rule narrows (it flags or stops more);
- what cannot be ordered (a condition rewritten with other operators) counts as widening, so a
  reviewer looks at it: `exit 1` means "something may now be allowed that was not".

Also compared: Safe bindings and version pins, validity window, defaults, trusted delegatecall
targets, waivers (`[[allow_dangerous]]`), the `[refund]` table and `[[batch_rules]]`.
"""

import re
from dataclasses import dataclass
from typing import overload

from decoders.hexutil import to_checksum
from decoders.units import format_units

from .conditions import AllOf, AnyOf, Calldata, Compare, Condition, Every, Fields, Length, Some
from .model import BatchRule, CallMatch, Policy, RefundPolicy, Rule
from .refs import AddressRef, Env
from decoders.vocabulary import Effect, operation_name
from .example_keys import EXAMPLE_SIGNERS

WIDENS, NARROWS, NEUTRAL = "widens", "narrows", "neutral"
ORDER_OPS = ("lt", "lte", "gt", "gte")


@dataclass(frozen=True)
class Change:
    direction: str  # widens | narrows | neutral
    scope: str  # the Safe binding, or "policy"
    target: str
    function: str
    argument: str
    old: str
    new: str
    note: str
    where: str  # the key path in NEW (or OLD, when removed)

    @property
    def loosens(self) -> bool:
        return self.direction == WIDENS

    def as_json(self) -> dict:
        return {"direction": self.direction, "scope": self.scope, "target": self.target, "function": self.function,
                "argument": self.argument, "old": self.old, "new": self.new, "note": self.note, "where": self.where}


class _Side:
    """One policy resolved for one Safe binding: references, labels and token units on its chain."""

    def __init__(self, policy: Policy, chain: int, safe: str):
        self.policy = policy
        self.env = Env(chain, safe, policy.book)

    @overload
    def resolve(self, refs: tuple[AddressRef, ...]) -> frozenset[str]: ...
    @overload
    def resolve(self, refs: tuple[AddressRef, ...] | None) -> frozenset[str] | None: ...

    def resolve(self, refs: tuple[AddressRef, ...] | None) -> frozenset[str] | None:
        return None if refs is None else self.env.resolve_all(refs)

    def name(self, address: str) -> str:
        """`@label 0x…` with the whole checksummed address: four plus four characters is what poisoning forges."""
        label = self.env.label_of(address)
        shown = to_checksum(bytes.fromhex(address[2:]))
        return f"@{label} {shown}" if label else shown

    def token(self, address: str | None) -> tuple[str, int] | None:
        """(symbol, decimals) of the token at `address` in this policy's address book."""
        for entry in self.policy.book.values():
            if (address is not None and entry.chain == self.env.chain_id and entry.address.lower() == address
                    and entry.token_symbol is not None and entry.token_decimals is not None):
                return entry.token_symbol, entry.token_decimals
        return None


def _amount(value: int, unit: tuple[str, int] | None) -> str:
    if unit is None:
        return str(value)
    symbol, decimals = unit
    return f"{format_units(value, decimals)} {symbol}" + (f" ({value})" if decimals else "")


def _power_of_ten(old: int, new: int) -> str:
    """"cap x 10^12" when one amount is the other times a power of ten, else ""."""
    if old <= 0 or new <= 0 or old == new:
        return ""
    big, small = max(old, new), min(old, new)
    if big % small:
        return ""
    ratio, k = big // small, 0
    while ratio % 10 == 0:
        ratio, k = ratio // 10, k + 1
    if ratio != 1:
        return ""
    return f"cap \u00d7 10^{k}" if new > old else f"cap \u00f7 10^{k}"


# ---- conditions --------------------------------------------------------------------------------

def _parts(condition: Condition | None) -> list[Condition]:
    if condition is None:
        return []
    return list(condition.parts) if isinstance(condition, AllOf) else [condition]


def _describe(condition: Condition | None, side: _Side, unit: tuple[str, int] | None) -> str:
    if condition is None:
        return "any"
    texts = []
    for part in _parts(condition):
        if isinstance(part, Compare) and part.op in ORDER_OPS:
            texts.append(f"{part.describe().split(' ')[0]} {_amount(part.expected[0], unit)}")
        elif isinstance(part, Compare) and part.is_address:
            names = sorted(side.name(a) for a in side.env.resolve_all(part.expected))
            texts.append(f"{'none of' if part.op == 'not_in' else 'one of'} [{', '.join(names) or 'nothing on this chain'}]")
        else:
            texts.append(part.describe())
    return " and ".join(texts)


def _bounds(condition: Condition | None) -> tuple[dict[str, int], list[Condition]]:
    """Order bounds by operator, and the parts that are not order bounds."""
    bounds, rest = {}, []
    for part in _parts(condition):
        if isinstance(part, Compare) and part.op in ORDER_OPS and isinstance(part.expected[0], int):
            bounds[part.op] = part.expected[0]
        else:
            rest.append(part)
    return bounds, rest


def canonical(condition: Condition | None, side: _Side) -> object:
    """What a condition means on this side, independent of how it was written: addresses resolved,
    amounts in base units, `eq X` the same as `in [X]`, operands unordered. Equal canonical forms match
    exactly the same calls ("250000 USDC" and "250000000000" are one cap)."""
    if condition is None:
        return None
    if isinstance(condition, Compare):
        if condition.is_address:
            values = frozenset(("address", a) for a in side.env.resolve_all(condition.expected))
        else:
            values = frozenset((type(v).__name__, v) for v in condition.expected)
        op = "in" if condition.op == "eq" else condition.op
        return ("compare", op, values)
    if isinstance(condition, AllOf):
        parts = frozenset(canonical(p, side) for p in condition.parts)
        return next(iter(parts)) if len(parts) == 1 else ("all", parts)
    if isinstance(condition, AnyOf):
        parts = frozenset(canonical(p, side) for p in condition.parts)
        return next(iter(parts)) if len(parts) == 1 else ("any", parts)
    if isinstance(condition, (Length, Every, Some)):
        return (type(condition).__name__, canonical(condition.inner, side))
    if isinstance(condition, Fields):
        return ("fields", frozenset((index, canonical(c, side)) for index, _, c in condition.fields))
    if isinstance(condition, Calldata):
        return ("calldata", condition.function.canonical, canonical_checks(condition.args, side))
    return ("other", repr(condition))


def canonical_checks(checks, side: _Side) -> object:
    if checks is None:
        return None
    return frozenset((index, canonical(c, side)) for index, _, c in checks.checks)


def canonical_match(match: CallMatch | None, side: _Side) -> object:
    if match is None:
        return None
    return (side.resolve(match.targets), match.selector, match.operations, canonical(match.value, side),
            canonical_checks(match.args, side))


def _value_sets(condition: Condition | None, side: _Side) -> tuple[str, frozenset] | None:
    """("in" | "not_in", values) for a single eq/in/not_in comparison, addresses resolved."""
    parts = _parts(condition)
    if len(parts) != 1 or not isinstance(parts[0], Compare) or parts[0].op not in ("eq", "in", "not_in"):
        return None
    part = parts[0]
    values = side.env.resolve_all(part.expected) if part.is_address else frozenset(part.expected)
    return ("not_in" if part.op == "not_in" else "in"), values


def compare_condition(old: Condition | None, new: Condition | None, sides: tuple[_Side, _Side],
                      units: tuple, is_allow: bool) -> list[tuple[str, str, str, str]]:
    """(direction, old text, new text, note) for each difference; direction is for the POLICY."""
    before, after = sides
    old_text, new_text = _describe(old, before, units[0]), _describe(new, after, units[1])

    def policy(rule_matches_more: bool) -> str:
        return WIDENS if rule_matches_more == is_allow else NARROWS

    if canonical(old, before) == canonical(new, after):
        return []  # written differently, means the same (units, eq vs in, order of operands)
    if old is None or new is None:
        note = "condition removed" if new is None else "condition added"
        return [(policy(new is None), old_text, new_text, note)]
    old_sets, new_sets = _value_sets(old, before), _value_sets(new, after)
    if old_sets is not None and new_sets is not None and old_sets[0] == new_sets[0]:
        kind, added, removed = old_sets[0], new_sets[1] - old_sets[1], old_sets[1] - new_sets[1]
        changes = []
        for items, grew in ((added, True), (removed, False)):
            if not items:
                continue
            names = ", ".join(sorted((after if grew else before).name(v) if isinstance(v, str) and v.startswith("0x")
                                     else str(v) for v in items))
            matches_more = grew if kind == "in" else not grew
            changes.append((policy(matches_more), old_text, new_text, f"{'added' if grew else 'removed'}: {names}"))
        return changes
    old_bounds, old_rest = _bounds(old)
    new_bounds, new_rest = _bounds(new)
    if [p.describe() for p in old_rest] == [p.describe() for p in new_rest] and old_bounds and new_bounds:
        changes = []
        for op in sorted(set(old_bounds) | set(new_bounds)):
            a, b = old_bounds.get(op), new_bounds.get(op)
            if a == b:
                continue
            upper = op in ("lt", "lte")
            if a is None or b is None:
                matches_more = a is not None  # a bound dropped matches more
                note = f"{op} bound {'removed' if b is None else 'added'}"
            else:
                matches_more = (b > a) if upper else (b < a)
                note = _power_of_ten(a, b) if upper else ""
                if units[0] != units[1] and units[0] is not None and units[1] is not None:
                    note = (note + "; " if note else "") + f"{units[1][0]} decimals {units[0][1]} \u2192 {units[1][1]}"
            changes.append((policy(matches_more), old_text, new_text, note))
        if changes:
            return changes
    # Rewritten with other operators: not ordered here, shown as widening so a person reads it.
    return [(WIDENS, old_text, new_text, "condition rewritten; cannot be ordered, review it")]


# ---- rules -------------------------------------------------------------------------------------

def _function_key(match: CallMatch) -> str:
    if match.function is not None:
        return match.function.display
    return "any call data" if match.selector is None else "no call data (plain transfer)"


def _grants(side: _Side) -> dict[tuple[str, str | None, str], list[Rule]]:
    """(effect, resolved target or None for any, function) -> rules."""
    table: dict[tuple[str, str | None, str], list[Rule]] = {}
    for rule in side.policy.rules:
        targets = side.resolve(rule.match.targets)
        for target in (sorted(targets) if targets is not None else [None]):
            table.setdefault((rule.effect, target, _function_key(rule.match)), []).append(rule)
    return table


def _ops(match: CallMatch) -> str:
    return "any" if match.operations is None else ", ".join(operation_name(o) for o in sorted(match.operations))


def _compare_rules(old: Rule, new: Rule, sides: tuple[_Side, _Side], target: str | None, add) -> None:
    is_allow = new.effect == Effect.ALLOW
    units = (sides[0].token(target), sides[1].token(target))
    before, after = old.match, new.match
    if before.operations != after.operations:
        grew = after.operations is None or (before.operations is not None and not after.operations <= before.operations)
        add(WIDENS if grew == is_allow else NARROWS, "operation", _ops(before), _ops(after), f"rule {new.id}", new.where)
    native = (("native", 18), ("native", 18))
    for direction, a, b, note in compare_condition(before.value, after.value, sides, native, is_allow):
        add(direction, "value", a, b, f"rule {new.id}: {note}", new.where)
    old_checks = {index: (name, c) for index, name, c in (before.args.checks if before.args else ())}
    new_checks = {index: (name, c) for index, name, c in (after.args.checks if after.args else ())}
    for index in sorted(set(old_checks) | set(new_checks)):
        name = (new_checks.get(index) or old_checks[index])[0]
        old_c = old_checks.get(index, (None, None))[1]
        new_c = new_checks.get(index, (None, None))[1]
        for direction, a, b, note in compare_condition(old_c, new_c, sides, units, is_allow):
            add(direction, name, a, b, f"rule {new.id}" + (f": {note}" if note else ""), f"{new.where}.args.{name}")


def _conditions_text(rule: Rule, side: _Side, target: str | None) -> str:
    unit = side.token(target)
    parts = [f"{name} {_describe(c, side, unit)}" for _, name, c in (rule.match.args.checks if rule.match.args else ())]
    if rule.match.value is not None:
        parts.append(f"value {_describe(rule.match.value, side, ('native', 18))}")
    return "; ".join(parts) or "no conditions"


def _diff_rules(sides: tuple[_Side, _Side], scope: str, out: list[Change]) -> None:
    before, after = sides
    old_grants, new_grants = _grants(before), _grants(after)
    for key in sorted(set(old_grants) | set(new_grants), key=lambda k: (k[0], k[1] or "", k[2])):
        effect, target, function = key
        shown_target = "any target" if target is None else (after if key in new_grants else before).name(target)

        def add(direction, argument, old, new, note, where, shown_target=shown_target, function=function):
            out.append(Change(direction, scope, shown_target, function, argument, old, new, note, where))

        grows = effect == Effect.ALLOW  # a new allow rule widens; a new warn or deny rule narrows
        old_rules = {r.id: r for r in old_grants.get(key, [])}
        new_rules = {r.id: r for r in new_grants.get(key, [])}
        for rule_id in sorted(set(old_rules) | set(new_rules)):
            o, n = old_rules.get(rule_id), new_rules.get(rule_id)
            if o is None:
                assert n is not None  # the id came from one of the two maps
                add(WIDENS if grows else NARROWS, "(call)", "not " + _verb(effect),
                    f"{_verb(effect)}: {_conditions_text(n, after, target)}", f"new {effect} rule {rule_id}", n.where)
            elif n is None:
                add(NARROWS if grows else WIDENS, "(call)", f"{_verb(effect)}: {_conditions_text(o, before, target)}",
                    "not " + _verb(effect), f"{effect} rule {rule_id} no longer applies here", o.where)
            else:
                _compare_rules(o, n, sides, target, add)


def _verb(effect: str) -> str:
    verbs: dict[str, str] = {Effect.ALLOW: "allowed", Effect.WARN: "flagged", Effect.DENY: "denied"}
    return verbs[effect]


# ---- the rest of the policy ----------------------------------------------------------------------

def _diff_refund(old: RefundPolicy | None, new: RefundPolicy | None, sides: tuple[_Side, _Side], scope: str,
                 out: list[Change]) -> None:
    def add(direction, argument, a, b, note, where="refund"):
        out.append(Change(direction, scope, "gas refund", "[refund]", argument, a, b, note, where))

    if old is None and new is None:
        return
    if old is None or new is None:
        add(WIDENS if old is None else NARROWS, "(table)", "no refund allowed" if old is None else "refunds allowed",
            "refunds allowed" if old is None else "no refund allowed", "[refund] added" if old is None else "[refund] removed")
        if new is None:
            return
        old = RefundPolicy((), (), False)
    before, after = sides

    def token_key(side: _Side, token: AddressRef | None) -> str:
        return "native" if token is None else ",".join(sorted(side.resolve((token,)) or ())) or token.display

    old_tokens = {token_key(before, t.token): t for t in old.tokens}
    for entry in new.tokens:
        key = token_key(after, entry.token)
        unit = ("native", 18) if entry.token is None else after.token(key)
        name = "native" if entry.token is None else after.name(key) if key.startswith("0x") else key
        prior = old_tokens.get(key)
        if prior is None:
            add(WIDENS, f"{name} max_total", "not allowed", _amount(entry.max_total, unit), "new refund token", entry.where)
            continue
        old_unit = ("native", 18) if prior.token is None else before.token(key)
        if entry.max_total != prior.max_total:
            add(WIDENS if entry.max_total > prior.max_total else NARROWS, f"{name} max_total",
                _amount(prior.max_total, old_unit), _amount(entry.max_total, unit),
                _power_of_ten(prior.max_total, entry.max_total), entry.where)
        if entry.max_gas_price != prior.max_gas_price:
            grew = entry.max_gas_price is None or (prior.max_gas_price is not None and entry.max_gas_price > prior.max_gas_price)
            show = lambda v, u: "no cap" if v is None else _amount(v, u)  # noqa: E731
            add(WIDENS if grew else NARROWS, f"{name} max_gas_price", show(prior.max_gas_price, old_unit),
                show(entry.max_gas_price, unit), "", entry.where)
    new_keys = {token_key(after, t.token) for t in new.tokens}
    for key, prior in old_tokens.items():
        if key not in new_keys:
            add(NARROWS, "token", key, "not allowed", "refund token removed", prior.where)
    old_receivers, new_receivers = before.resolve(old.receivers) or frozenset(), after.resolve(new.receivers) or frozenset()
    for address in sorted(new_receivers - old_receivers):
        add(WIDENS, "receivers", "-", after.name(address), "new refund receiver", "refund.receivers")
    for address in sorted(old_receivers - new_receivers):
        add(NARROWS, "receivers", before.name(address), "-", "refund receiver removed", "refund.receivers")
    if old.executor != new.executor:
        add(WIDENS if new.executor else NARROWS, "receivers", "$executor" if old.executor else "-",
            "$executor" if new.executor else "-", "whoever executes may be refunded", "refund.receivers")


def _waiver_key(side: _Side, waiver) -> tuple:
    return (waiver.finding, tuple(sorted(side.resolve(waiver.match.targets) or ())), _function_key(waiver.match))


def _diff_waivers(sides: tuple[_Side, _Side], scope: str, out: list[Change]) -> None:
    before, after = sides
    old = {_waiver_key(before, w): w for w in before.policy.waivers}
    new = {_waiver_key(after, w): w for w in after.policy.waivers}
    for key in sorted(set(old) | set(new)):
        finding, targets, function = key
        target = ", ".join((after if key in new else before).name(t) for t in targets)
        o, n = old.get(key), new.get(key)
        if o is None:
            assert n is not None  # the key came from one of the two maps
            out.append(Change(WIDENS, scope, target, function, finding, "not waived", f"waived: {n.reason}",
                              "new waiver", n.where))
        elif n is None:
            out.append(Change(NARROWS, scope, target, function, finding, f"waived: {o.reason}", "not waived",
                              "waiver removed", o.where))
        elif canonical_match(o.match, before) != canonical_match(n.match, after):
            out.append(Change(WIDENS, scope, target, function, finding, _waiver_text(o, before), _waiver_text(n, after),
                              "waiver conditions changed; review them", n.where))
        elif o.reason != n.reason:
            out.append(Change(NEUTRAL, scope, target, function, finding, o.reason, n.reason, "reason reworded", n.where))


def _waiver_text(waiver, side: _Side) -> str:
    checks = waiver.match.args.checks if waiver.match.args else ()
    return "; ".join(f"{name} {_describe(c, side, None)}" for _, name, c in checks) or "any arguments"


def _diff_batch_rules(old: Policy, new: Policy, out: list[Change]) -> None:
    old_rules = {r.id: r for r in old.batch_rules}
    new_rules = {r.id: r for r in new.batch_rules}
    # Batch rules apply to every Safe; their labels are read on the first Safe's chain of each policy.
    before = _Side(old, old.safes[0].chain, old.safes[0].address)
    after = _Side(new, new.safes[0].chain, new.safes[0].address)

    def token_key(side: _Side, token: AddressRef | None) -> str:
        if token is None:
            return "native"
        resolved = sorted(side.resolve((token,)) or ())
        return resolved[0] if resolved else token.display

    def unit(side: _Side, key: str) -> tuple[str, int] | None:
        return ("native", 18) if key == "native" else side.token(key)

    def shown(side: _Side, key: str) -> str:
        return side.name(key) if key.startswith("0x") else key

    def add(direction, rule: BatchRule, argument, a, b, note=""):
        out.append(Change(direction, "all Safes", "whole transaction", f"batch rule {rule.id}", argument, a, b, note,
                          rule.where))

    for rule_id in sorted(set(old_rules) | set(new_rules)):
        o, n = old_rules.get(rule_id), new_rules.get(rule_id)
        if o is None:
            assert n is not None  # the id came from one of the two maps
            add(NARROWS, n, "(rule)", "-", "new limits", "")
            continue
        if n is None:
            add(WIDENS, o, "(rule)", "limits", "-", "batch rule removed")
            continue
        if o.effect != n.effect:
            add(WIDENS if n.effect == Effect.WARN else NARROWS, n, "effect", o.effect, n.effect)
        if o.max_calls != n.max_calls:
            grew = n.max_calls is None or (o.max_calls is not None and n.max_calls > o.max_calls)
            add(WIDENS if grew else NARROWS, n, "max_calls", str(o.max_calls or "no limit"), str(n.max_calls or "no limit"))
        for field_name, what in (("sums", "sum of"), ("allowances", "allowance of")):
            old_sums = {(token_key(before, s.token), s.per_recipient, getattr(s, "kind", "")): s for s in getattr(o, field_name)}
            new_sums = {(token_key(after, s.token), s.per_recipient, getattr(s, "kind", "")): s for s in getattr(n, field_name)}
            for key in sorted(set(old_sums) | set(new_sums)):
                a, b = old_sums.get(key), new_sums.get(key)
                name = f"{what} {shown(after if b else before, key[0])}" + (" per recipient" if key[1] else "") + \
                    (f" ({key[2]})" if key[2] else "")
                if a is None or b is None or a.cap != b.cap:
                    grew = b is None or (a is not None and b.cap > a.cap)
                    add(WIDENS if grew else NARROWS, n, name, "-" if a is None else _amount(a.cap, unit(before, key[0])),
                        "-" if b is None else _amount(b.cap, unit(after, key[0])), _power_of_ten(a.cap, b.cap) if a and b else "")
        _diff_effect_limits(o, n, (before, after), add)
        old_counts = {canonical_match(c.match, before): (c.shown, c.cap) for c in o.counts}
        new_counts = {canonical_match(c.match, after): (c.shown, c.cap) for c in n.counts}
        for count_key in sorted(set(old_counts) | set(new_counts), key=lambda k: (old_counts.get(k) or new_counts[k])[0]):
            (label, a), (label_new, b) = old_counts.get(count_key, (None, None)), new_counts.get(count_key, (None, None))
            if a != b:
                grew = b is None or (a is not None and b > a)
                add(WIDENS if grew else NARROWS, n, f"calls of {label_new or label}", "-" if a is None else str(a),
                    "-" if b is None else str(b))
        old_seq = {s.shown_when: s for s in o.sequences}
        new_seq = {s.shown_when: s for s in n.sequences}
        for seq_key in sorted(set(old_seq) | set(new_seq)):
            a, b = old_seq.get(seq_key), new_seq.get(seq_key)
            if a is None:
                assert b is not None  # the key came from one of the two maps
                add(NARROWS, n, f"sequence after {seq_key}", "-", b.shown_then or "required arguments")
            elif b is None:
                add(WIDENS, n, f"sequence after {seq_key}", a.shown_then or "required arguments", "-", "sequence removed")
            elif (canonical_match(a.when, before), canonical_checks(a.require, before), canonical_match(a.then, before)) != \
                    (canonical_match(b.when, after), canonical_checks(b.require, after), canonical_match(b.then, after)):
                add(WIDENS, n, f"sequence after {seq_key}", a.shown_then, b.shown_then, "sequence changed; review it")


def _diff_effect_limits(o: BatchRule, n: BatchRule, sides: tuple[_Side, _Side], add) -> None:
    """Counterparties by label, authority changes, and how allowances are read as used."""
    before, after = sides
    old_parties = before.resolve(o.counterparties) if o.counterparties is not None else None
    new_parties = after.resolve(n.counterparties) if n.counterparties is not None else None
    if old_parties != new_parties:
        if new_parties is None:
            add(WIDENS, n, "counterparties", "only listed", "anyone", "counterparty list removed")
        elif old_parties is None:
            add(NARROWS, n, "counterparties", "anyone", ", ".join(sorted(after.name(a) for a in new_parties)), "")
        else:
            for address in sorted(new_parties - old_parties):
                add(WIDENS, n, "counterparties", "-", after.name(address), "new counterparty")
            for address in sorted(old_parties - new_parties):
                add(NARROWS, n, "counterparties", before.name(address), "-", "counterparty removed")
    if o.authority_changes != n.authority_changes:
        add(WIDENS if n.authority_changes else NARROWS, n, "authority changes", "allowed" if o.authority_changes else "none",
            "allowed" if n.authority_changes else "none", "")
    old_uses = {canonical_match(u.match, before) for a in o.allowances for u in a.used_by}
    new_uses = {canonical_match(u.match, after) for a in n.allowances for u in a.used_by}
    if new_uses - old_uses:
        add(WIDENS, n, "allowance used by", "-", ", ".join(sorted({u.shown for a in n.allowances for u in a.used_by})),
            "more calls count as using an allowance (less is left standing); review them")


def _diff_message_rules(sides: tuple[_Side, _Side], scope: str, out: list[Change]) -> None:
    """`[[message_rules]]`: what the Safe may sign. A wider allow rule widens; a wider warn or deny rule narrows."""
    before, after = sides
    old_rules = {r.id: r for r in before.policy.message_rules}
    new_rules = {r.id: r for r in after.policy.message_rules}
    rank = {Effect.ALLOW: 0, Effect.WARN: 1, Effect.DENY: 2}
    for rule_id in sorted(set(old_rules) | set(new_rules)):
        o, n = old_rules.get(rule_id), new_rules.get(rule_id)

        def add(direction, argument, a, b, note, where, rule=n or o):
            out.append(Change(direction, scope, "Safe messages", f"message rule {rule.id}", argument, a, b, note, where))

        if o is None or n is None:
            rule = n or o
            assert rule is not None  # the id came from one of the two maps
            grows = (rule.effect == Effect.ALLOW) == (o is None)
            side = after if o is None else before
            text = f"{_verb(rule.effect)}: {_message_text(rule, side)}"
            add(WIDENS if grows else NARROWS, "(rule)", "-" if o is None else text, text if o is None else "-",
                f"{'new' if o is None else 'removed'} {rule.effect} message rule", rule.where)
            continue
        is_allow = n.effect == Effect.ALLOW
        if o.effect != n.effect:
            add(WIDENS if rank[n.effect] < rank[o.effect] else NARROWS, "effect", o.effect, n.effect, "", n.where)
        for key, a, b in _message_sets(o, n, sides):
            if a == b:
                continue
            shown = lambda values: "any" if values is None else ", ".join(sorted(map(str, values)))  # noqa: E731
            added = None if b is None else (b - a if a is not None else frozenset())
            removed = None if a is None else (a - b if b is not None else frozenset())
            if b is None or a is None:
                more = b is None
                add(WIDENS if more == is_allow else NARROWS, key, shown(a), shown(b), "constraint removed" if more
                    else "constraint added", n.where)
                continue
            # More listed values match more messages, except a deny rule's counterparties: it denies those NOT listed.
            grows = is_allow or (key == "counterparties" and n.effect == Effect.DENY)
            if added:
                add(WIDENS if grows else NARROWS, key, shown(a), shown(b), f"added: {shown(added)}", n.where)
            if removed:
                add(NARROWS if grows else WIDENS, key, shown(a), shown(b), f"removed: {shown(removed)}", n.where)
        old_members = {m.path: m.condition for m in o.members}
        new_members = {m.path: m.condition for m in n.members}
        for path in sorted(set(old_members) | set(new_members)):
            for direction, old_text, new_text, note in compare_condition(old_members.get(path), new_members.get(path), sides,
                                                                         (None, None), is_allow):
                add(direction, f"members.{path}", old_text, new_text, note, f"{n.where}.members.{path}")


def _message_sets(o, n, sides: tuple[_Side, _Side]) -> list[tuple[str, frozenset | None, frozenset | None]]:
    before, after = sides

    def as_set(values, side: _Side | None = None, refs: bool = False):
        if values is None:
            return None
        if refs:
            assert side is not None  # references are resolved on a side
            return frozenset(side.name(a) for a in side.resolve(values))
        return frozenset(values)

    return [("kind", as_set(o.kinds), as_set(n.kinds)), ("primary_type", as_set(o.primary_types), as_set(n.primary_types)),
            ("domain.name", as_set(o.domain_names), as_set(n.domain_names)),
            ("domain.chain_id", as_set(o.chain_ids), as_set(n.chain_ids)),
            ("domain.verifying_contract", as_set(o.contracts, before, True), as_set(n.contracts, after, True)),
            ("counterparties", as_set(o.counterparties, before, True), as_set(n.counterparties, after, True))]


def _message_text(rule, side: _Side) -> str:
    parts = []
    for key, values in (("kind", rule.kinds), ("primary_type", rule.primary_types), ("domain.name", rule.domain_names),
                        ("domain.chain_id", rule.chain_ids)):
        if values is not None:
            parts.append(f"{key} one of [{', '.join(map(str, values))}]")
    if rule.contracts is not None:
        parts.append(f"domain.verifying_contract one of [{', '.join(sorted(side.name(a) for a in side.resolve(rule.contracts)))}]")
    parts += [f"{m.path} {_describe(m.condition, side, None)}" for m in rule.members]
    if rule.counterparties is not None:
        parts.append(f"counterparties one of [{', '.join(sorted(side.name(a) for a in side.resolve(rule.counterparties)))}]")
    return "; ".join(parts) or "ANY message (no conditions)"


def diff_trust(old, new) -> list[Change]:
    """Two trust files (`coldsight.trust/1`): who may sign policies, and how many must."""
    out: list[Change] = []

    def add(direction, argument, a, b, note, target="-"):
        out.append(Change(direction, "trust", target, "-", argument, a, b, note, "trust"))

    if old.threshold != new.threshold:
        fewer = new.threshold < old.threshold
        add(WIDENS if fewer else NARROWS, "threshold", f"{old.threshold} of {len(old.signers)}",
            f"{new.threshold} of {len(new.signers)}",
            "fewer signatures make a policy valid" if fewer else "more signatures are needed")
    for address in sorted(set(new.signers) - set(old.signers)):
        note = "may now sign policies" + (" (a PUBLIC EXAMPLE KEY: anyone can sign as it)" if address in EXAMPLE_SIGNERS else "")
        add(WIDENS, "signer", "-", f"{new.signers[address]} {address}", note, address)
    for address in sorted(set(old.signers) - set(new.signers)):
        add(NARROWS, "signer", f"{old.signers[address]} {address}", "-", "may no longer sign policies", address)
    for address in sorted(set(old.signers) & set(new.signers)):
        if old.signers[address] != new.signers[address]:
            add(NEUTRAL, "signer name", old.signers[address], new.signers[address], "renamed", address)
    return out


def _scope_name(chain: int, address: str) -> str:
    return f"Safe {address} (chain {chain})"


def diff(old: Policy, new: Policy) -> list[Change]:
    out: list[Change] = []

    def policy_change(direction, argument, a, b, note, where):
        out.append(Change(direction, "policy", "-", "-", argument, a, b, note, where))

    # Safe bindings and version pins.
    old_safes = {(s.chain, s.address): s for s in old.safes}
    new_safes = {(s.chain, s.address): s for s in new.safes}
    for key in sorted(set(old_safes) | set(new_safes)):
        a, b = old_safes.get(key), new_safes.get(key)
        scope = _scope_name(*key)
        if a is None:
            assert b is not None  # the key came from one of the two maps
            out.append(Change(WIDENS, scope, "-", "-", "Safe binding", "not covered", f"covered (version {b.version or 'any'})",
                              "every rule now applies to this Safe", "safes"))
        elif b is None:
            out.append(Change(NARROWS, scope, "-", "-", "Safe binding", "covered", "not covered", "", "safes"))
        elif a.version != b.version:
            direction = NARROWS if a.version is None else WIDENS
            note = "version pin removed" if b.version is None else "version pin added" if a.version is None else "other version"
            out.append(Change(direction, scope, "-", "-", "Safe version", a.version or "any", b.version or "any", note, "safes"))
    # Validity window.
    if old.expires != new.expires:
        later = new.expires is None or (old.expires is not None and new.expires > old.expires)
        policy_change(WIDENS if later else NARROWS, "meta.expires", _moment(old.expires), _moment(new.expires),
                      "validity extended" if later else "validity shortened", "meta.expires")
    if old.not_before != new.not_before:
        earlier = new.not_before is None or (old.not_before is not None and new.not_before < old.not_before)
        policy_change(WIDENS if earlier else NARROWS, "meta.not_before", _moment(old.not_before), _moment(new.not_before),
                      "", "meta.not_before")
    for default in ("unmatched", "unknown_abi"):
        old_effect, new_effect = getattr(old, default), getattr(new, default)
        if old_effect != new_effect:
            policy_change(WIDENS if new_effect == Effect.WARN else NARROWS, f"defaults.{default}", old_effect, new_effect, "",
                          f"defaults.{default}")
    # Address book: what a label means, and a token's decimals (which scale every amount in its unit).
    for label in sorted(set(old.book) & set(new.book)):
        was, now = old.book[label], new.book[label]
        if (was.address, was.chain) != (now.address, now.chain):
            policy_change(WIDENS, f"@{label}", f"{was.address} (chain {was.chain})", f"{now.address} (chain {now.chain})",
                          "every rule using the label now means another address", f"addresses.{label}")
        if was.token_decimals != now.token_decimals and was.token_decimals is not None and now.token_decimals is not None:
            k = now.token_decimals - was.token_decimals
            policy_change(WIDENS if k > 0 else NARROWS, f"@{label} decimals", str(was.token_decimals), str(now.token_decimals),
                          f"every amount written in {now.token_symbol} \u00d7 10^{k}", f"addresses.{label}.token.decimals")
    for label in sorted(set(new.book) - set(old.book)):
        entry = new.book[label]
        policy_change(NEUTRAL, f"@{label}", "-", f"{entry.address} (chain {entry.chain})", "new label",
                      f"addresses.{label}")
    for label in sorted(set(old.book) - set(new.book)):
        entry = old.book[label]
        policy_change(NEUTRAL, f"@{label}", f"{entry.address} (chain {entry.chain})", "-", "label removed",
                      f"addresses.{label}")
    # Per Safe both policies cover: trusted delegatecall targets, rules, waivers, refunds.
    for key in sorted(set(old_safes) & set(new_safes)):
        sides = (_Side(old, *key), _Side(new, *key))
        scope = _scope_name(*key)
        trusted_old, trusted_new = sides[0].resolve(old.trusted_delegates), sides[1].resolve(new.trusted_delegates)
        for address in sorted(trusted_new - trusted_old):
            out.append(Change(WIDENS, scope, sides[1].name(address), "(delegatecall)", "[delegatecall].trusted",
                              "not trusted", "trusted", "delegatecalls to it may be allowed", "delegatecall.trusted"))
        for address in sorted(trusted_old - trusted_new):
            out.append(Change(NARROWS, scope, sides[0].name(address), "(delegatecall)", "[delegatecall].trusted",
                              "trusted", "not trusted", "", "delegatecall.trusted"))
        _diff_rules(sides, scope, out)
        _diff_waivers(sides, scope, out)
        _diff_refund(old.refund, new.refund, sides, scope, out)
        _diff_message_rules(sides, scope, out)
    _diff_batch_rules(old, new, out)
    if new.serial <= old.serial:
        policy_change(NEUTRAL, "meta.serial", str(old.serial), str(new.serial),
                      "WARNING: not above the old serial: machines that saw the old one refuse the new one", "meta.serial")
    return out


def _moment(value) -> str:
    return "none" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
COLUMNS = (("CHANGE", "direction"), ("SAFE", "scope"), ("TARGET", "target"), ("FUNCTION", "function"),
           ("ARGUMENT", "argument"), ("OLD", "old"), ("NEW", "new"), ("NOTE", "note"))
MAX_CELL = 60


def table(changes: list[Change]) -> list[str]:
    """The reviewer's table: widenings first, one row per change, cells cut at 60 characters unless they name an
    address (JSON has them whole)."""
    order = {WIDENS: 0, NARROWS: 1, NEUTRAL: 2}
    rows = [[h for h, _ in COLUMNS]]
    for change in sorted(changes, key=lambda c: order[c.direction]):
        cells = [str(getattr(change, attr)) for _, attr in COLUMNS]
        cells[0] = cells[0].upper() if change.direction == WIDENS else cells[0]
        # A cell naming an address is never cut: the whole address is what a reviewer compares.
        rows.append([c if len(c) <= MAX_CELL or _ADDRESS.search(c) else c[:MAX_CELL - 1] + "\u2026" for c in cells])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
