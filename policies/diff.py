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

from dataclasses import dataclass

from decoders.hexutil import short_address, to_checksum
from decoders.units import format_units

from .conditions import AllOf, Compare, Condition
from .model import BatchRule, CallMatch, Policy, RefundPolicy, Rule
from .refs import AddressRef, Env
from decoders.vocabulary import Effect, operation_name

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

    def resolve(self, refs: tuple[AddressRef, ...] | None) -> frozenset[str] | None:
        return None if refs is None else self.env.resolve_all(refs)

    def name(self, address: str) -> str:
        label = self.env.label_of(address)
        shown = to_checksum(bytes.fromhex(address[2:]))
        return f"@{label} {short_address(shown)}" if label else shown

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

    if old is None and new is None:
        return []
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
    if old_text == new_text and repr(old) == repr(new):
        return []
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
                add(WIDENS if grows else NARROWS, "(call)", "not " + _verb(effect),
                    f"{_verb(effect)}: {_conditions_text(n, after, target)}", f"new {effect} rule {rule_id}", n.where)
            elif n is None:
                add(NARROWS if grows else WIDENS, "(call)", f"{_verb(effect)}: {_conditions_text(o, before, target)}",
                    "not " + _verb(effect), f"{effect} rule {rule_id} no longer applies here", o.where)
            else:
                _compare_rules(o, n, sides, target, add)


def _verb(effect: str) -> str:
    return {Effect.ALLOW: "allowed", Effect.WARN: "flagged", Effect.DENY: "denied"}[effect]


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
            out.append(Change(WIDENS, scope, target, function, finding, "not waived", f"waived: {n.reason}",
                              "new waiver", n.where))
        elif n is None:
            out.append(Change(NARROWS, scope, target, function, finding, f"waived: {o.reason}", "not waived",
                              "waiver removed", o.where))
        elif o.match.args != n.match.args or o.match.value != n.match.value or o.match.operations != n.match.operations:
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

    def add(direction, rule: BatchRule, argument, a, b, note=""):
        out.append(Change(direction, "all Safes", "whole transaction", f"batch rule {rule.id}", argument, a, b, note,
                          rule.where))

    for rule_id in sorted(set(old_rules) | set(new_rules)):
        o, n = old_rules.get(rule_id), new_rules.get(rule_id)
        if o is None:
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
        old_sums = {(s.token.display if s.token else "native", s.per_recipient): s for s in o.sums}
        new_sums = {(s.token.display if s.token else "native", s.per_recipient): s for s in n.sums}
        for key in sorted(set(old_sums) | set(new_sums)):
            a, b = old_sums.get(key), new_sums.get(key)
            name = f"sum of {key[0]}" + (" per recipient" if key[1] else "")
            if a is None or b is None or a.cap != b.cap:
                grew = b is None or (a is not None and b.cap > a.cap)
                add(WIDENS if grew else NARROWS, n, name, "-" if a is None else str(a.cap), "-" if b is None else str(b.cap),
                    _power_of_ten(a.cap, b.cap) if a and b else "")
        old_counts = {c.shown: c.cap for c in o.counts}
        new_counts = {c.shown: c.cap for c in n.counts}
        for key in sorted(set(old_counts) | set(new_counts)):
            a, b = old_counts.get(key), new_counts.get(key)
            if a != b:
                grew = b is None or (a is not None and b > a)
                add(WIDENS if grew else NARROWS, n, f"calls of {key}", "-" if a is None else str(a), "-" if b is None else str(b))
        old_seq = {s.shown_when: s for s in o.sequences}
        new_seq = {s.shown_when: s for s in n.sequences}
        for key in sorted(set(old_seq) | set(new_seq)):
            a, b = old_seq.get(key), new_seq.get(key)
            if a is None:
                add(NARROWS, n, f"sequence after {key}", "-", b.shown_then or "required arguments")
            elif b is None:
                add(WIDENS, n, f"sequence after {key}", a.shown_then or "required arguments", "-", "sequence removed")
            elif a != b:
                add(WIDENS, n, f"sequence after {key}", a.shown_then, b.shown_then, "sequence changed; review it")


def _scope_name(chain: int, address: str) -> str:
    return f"Safe {short_address(address)} (chain {chain})"


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
    for key in ("unmatched", "unknown_abi"):
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            policy_change(WIDENS if b == Effect.WARN else NARROWS, f"defaults.{key}", a, b, "", f"defaults.{key}")
    # Address book: what a label means, and a token's decimals (which scale every amount in its unit).
    for label in sorted(set(old.book) & set(new.book)):
        a, b = old.book[label], new.book[label]
        if (a.address, a.chain) != (b.address, b.chain):
            policy_change(WIDENS, f"@{label}", f"{a.address} (chain {a.chain})", f"{b.address} (chain {b.chain})",
                          "every rule using the label now means another address", f"addresses.{label}")
        if a.token_decimals != b.token_decimals and a.token_decimals is not None and b.token_decimals is not None:
            k = b.token_decimals - a.token_decimals
            policy_change(WIDENS if k > 0 else NARROWS, f"@{label} decimals", str(a.token_decimals), str(b.token_decimals),
                          f"every amount written in {b.token_symbol} \u00d7 10^{k}", f"addresses.{label}.token.decimals")
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
    _diff_batch_rules(old, new, out)
    if new.serial <= old.serial:
        policy_change(NEUTRAL, "meta.serial", str(old.serial), str(new.serial),
                      "WARNING: not above the old serial: machines that saw the old one refuse the new one", "meta.serial")
    return out


def _moment(value) -> str:
    return "none" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


COLUMNS = (("CHANGE", "direction"), ("SAFE", "scope"), ("TARGET", "target"), ("FUNCTION", "function"),
           ("ARGUMENT", "argument"), ("OLD", "old"), ("NEW", "new"), ("NOTE", "note"))
MAX_CELL = 60


def table(changes: list[Change]) -> list[str]:
    """The reviewer's table: widenings first, one row per change, cells cut at 60 characters (JSON has them whole)."""
    order = {WIDENS: 0, NARROWS: 1, NEUTRAL: 2}
    rows = [[h for h, _ in COLUMNS]]
    for change in sorted(changes, key=lambda c: order[c.direction]):
        cells = [str(getattr(change, attr)) for _, attr in COLUMNS]
        cells[0] = cells[0].upper() if change.direction == WIDENS else cells[0]
        rows.append([c if len(c) <= MAX_CELL else c[:MAX_CELL - 1] + "\u2026" for c in cells])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
