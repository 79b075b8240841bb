"""Policy rules for Safe messages (EIP-1271): allow, warn or deny what the Safe may sign.

    [[message_rules]]
    id = "permit2-router"
    effect = "allow"                                  # allow | warn | deny
    preset = "permit2-single"                         # optional: fixes primary_type, domain name and contract
    kind = "typed-data"                               # optional: text | typed-data | hash | bytes
    primary_type = ["PermitSingle", "PermitBatch"]    # optional: the typed data's primaryType
    domain = { name = "Permit2", chain_id = 1, verifying_contract = "@PERMIT2" }   # optional, each key optional
    members = { spender = "@router", "details.token" = "@USDC", "details.amount" = { lte = "50000 USDC" } }

Every key given must hold (a list means "one of"); a rule with none matches every message. The
decision is made as for a call: a matching deny rule wins; else an allow rule must match (a
matching warn rule turns it into warn); else `defaults.unmatched`, with the closest allow rule's
failed conditions as the explanation. A typed-data key (primary_type, domain, members) never holds
for a text message or a bare hash, whose content cannot be seen.

Members are read through the typed data's own declared types only (policies/typed_view.py), as the
hash reads them: a JSON key the types do not declare is not signed and never satisfies a rule; a path
through an array must hold for every item (allow, warn) or for some item (deny).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
import datetime as dt

from decoders.abi import Param
from decoders.messages import PERMIT2, MessageReview
from decoders.safetx import Context
from decoders.units import format_units
from decoders.vocabulary import Effect

from . import typed_view
from .conditions import Compare, Condition, Failure, param_kind
from .refs import AddressRef, Env
from .result import CallDecision, FailedCondition, PolicyResult
from .evaluate import binding_error

MESSAGE_PATH = "message"  # the decision's path (app.presentation names it "this message")
MESSAGE_KINDS = ("text", "typed-data", "hash", "bytes")  # decoders.messages.InnerMessage.kind
MAX_MESSAGE_RULES = 1_000
MAX_MEMBERS = 64
MAX_EXPLAINED = 5  # failed conditions kept per rule, and list items shown per member path
MAX_MISSES = 20  # failed conditions of the closest allow rules kept in one decision
MAX_LIST_ITEMS = 5_000  # as policies.schema.MAX_LIST_ITEMS
# CoW Protocol's GPv2Settlement, same address on every chain it is deployed on (cowprotocol/contracts networks.json).
GPV2_SETTLEMENT = "0x9008D19f58AAbD9eD0D60971565AA8510560ab41"

_PERMIT_DETAILS = {"token": "address", "amount": "uint160", "expiration": "uint48", "nonce": "uint48"}
_TOKEN_PERMISSIONS = {"token": "address", "amount": "uint256"}


def _prefixed(prefix: str, members: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}.{name}": kind for name, kind in members.items()}


@dataclass(frozen=True)
class Preset:
    """A known typed-data message: its primary types, fixed domain parts, and the types of its members
    (Uniswap/permit2 src/libraries/PermitHash.sol; EIP-2612; CoW Protocol GPv2Order.sol)."""

    primary_types: tuple[str, ...]
    domain_name: str | None
    contract: str | None  # the verifying contract, when the protocol has one address everywhere
    members: dict[str, str]
    parties: tuple[str, ...] = ()  # members naming who the message empowers (spender, receiver)


PRESETS = {
    "permit2-single": Preset(("PermitSingle",), "Permit2", PERMIT2,
                             {**_prefixed("details", _PERMIT_DETAILS), "spender": "address", "sigDeadline": "uint256"},
                             ("spender",)),
    "permit2-batch": Preset(("PermitBatch",), "Permit2", PERMIT2,
                            {**_prefixed("details", _PERMIT_DETAILS), "spender": "address", "sigDeadline": "uint256"},
                            ("spender",)),
    "permit2-transfer": Preset(("PermitTransferFrom", "PermitBatchTransferFrom"), "Permit2", PERMIT2,
                               {**_prefixed("permitted", _TOKEN_PERMISSIONS), "spender": "address", "nonce": "uint256",
                                "deadline": "uint256"}, ("spender",)),
    "permit": Preset(("Permit",), None, None, {"owner": "address", "spender": "address", "value": "uint256",
                                                "nonce": "uint256", "deadline": "uint256"}, ("spender",)),
    "cow-order": Preset(("Order",), "Gnosis Protocol", GPV2_SETTLEMENT,
                        {"sellToken": "address", "buyToken": "address", "receiver": "address", "sellAmount": "uint256",
                         "buyAmount": "uint256", "validTo": "uint32", "appData": "bytes32", "feeAmount": "uint256",
                         "kind": "string", "partiallyFillable": "bool", "sellTokenBalance": "string",
                         "buyTokenBalance": "string"}, ("receiver",)),
}
ZERO_ADDRESS = "0x" + "00" * 20  # a CoW order's receiver 0 is the order's owner (GPv2Order.sol): the Safe itself


def party_paths(primary_type: object) -> tuple[str, ...] | None:
    """The members naming whom a known message empowers; None for typed data Coldsight cannot read that way."""
    for preset in PRESETS.values():
        if primary_type in preset.primary_types:
            return preset.parties
    return None


_DURATION_UNITS = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600,
                   "day": 86400, "days": 86400, "week": 604800, "weeks": 604800}


@dataclass(frozen=True)
class Within(Condition):
    """A Unix time at most `seconds` after the moment of the review (an expiry or deadline "within 7 days")."""

    seconds: int
    shown: str
    now: int | None = None  # set per review (policies.messages.decide_message); None: cannot be judged

    def check(self, value, env, path, unknown_holds):
        if self.now is not None and isinstance(value, int) and not isinstance(value, bool) and value <= self.now + self.seconds:
            return []
        return [Failure(path, self.describe(), str(value))]

    def describe(self) -> str:
        return f"within {self.shown} of the review"


def _within(compiler, operand: object, where: str) -> Within:
    text = compiler.typed(operand, str, where, 'write a duration: "7 days", "24 hours"')
    parts = text.split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in _DURATION_UNITS:
        raise compiler.src.error(f"not a duration: {text!r}", where, 'write "7 days", "24 hours", "30 minutes"')
    return Within(int(parts[0]) * _DURATION_UNITS[parts[1]], text)


@dataclass(frozen=True)
class MemberCheck:
    path: str  # as the policy wrote it: "details.amount", "domain.verifyingContract"
    type: str  # the type the condition was compiled against
    condition: Condition


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
    members: tuple[MemberCheck, ...] = ()
    preset: str | None = None
    counterparties: tuple[AddressRef, ...] | None = None  # who the message may empower (spender, receiver)


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
        table = compiler.table(item, where, {"id", "effect", "description", "kind", "primary_type", "domain", "preset",
                                             "members", "counterparties"}, {"id", "effect"})
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
        preset = None
        if "preset" in table:
            name = compiler.typed(table["preset"], str, f"{where}.preset")
            if name not in PRESETS:
                raise src.error(f"unknown preset {name!r}", f"{where}.preset", f"presets: {', '.join(sorted(PRESETS))}")
            preset = PRESETS[name]
        domain = compiler.table(table.get("domain", {}), f"{where}.domain", {"name", "chain_id", "verifying_contract"})
        chain_ids = None
        if "chain_id" in domain:
            raw = domain["chain_id"] if isinstance(domain["chain_id"], list) else [domain["chain_id"]]
            chain_ids = tuple(compiler.typed(c, int, f"{where}.domain.chain_id") for c in raw)
        contracts = None
        if "verifying_contract" in domain:
            if preset is not None and preset.contract is not None:
                raise src.error(f"preset {table['preset']!r} already fixes the verifying contract", f"{where}.domain.verifying_contract",
                                "leave it out: the preset names the protocol's own contract")
            raw = domain["verifying_contract"]
            raw = raw if isinstance(raw, list) else [raw]
            contracts = tuple(compiler.ref(c, f"{where}.domain.verifying_contract") for c in raw)
        elif preset is not None and preset.contract is not None:
            contracts = (AddressRef("literal", preset.contract),)
        primary_types = _strings(compiler, table.get("primary_type"), f"{where}.primary_type")
        names = _strings(compiler, domain.get("name"), f"{where}.domain.name")
        if preset is not None:
            for key, given in (("primary_type", primary_types), ("domain.name", names if preset.domain_name else None)):
                if given is not None:
                    raise src.error(f"preset {table['preset']!r} already fixes {key}", f"{where}.{key}", "leave it out")
            primary_types = preset.primary_types
            names = (preset.domain_name,) if preset.domain_name else names
        checks = _members(compiler, table.get("members"), f"{where}.members", effect, preset, contracts)
        parties = None
        if "counterparties" in table:
            raw = compiler.typed(table["counterparties"], list, f"{where}.counterparties",
                                 'list who the message may empower: ["@router"]')
            if len(raw) > MAX_LIST_ITEMS:
                raise src.error(f"{len(raw)} counterparties; at most {MAX_LIST_ITEMS}", f"{where}.counterparties")
            parties = tuple(compiler.ref(item, f"{where}.counterparties[{j}]") for j, item in enumerate(raw))
        rules.append(MessageRule(rule_id, effect, description, kinds, primary_types, names, chain_ids, contracts, where,
                                 table, checks, table.get("preset"), parties))
    return tuple(rules)


def _member_type(node: object, preset: Preset | None, path: str) -> str | None:
    """The type a member condition is compiled against: the preset's, an explicit `type`, or read off the values."""
    if preset is not None and path in preset.members:
        return preset.members[path]
    if isinstance(node, dict) and isinstance(node.get("type"), str):
        return node["type"]
    values: list = []

    def collect(item: object) -> None:
        if isinstance(item, dict):
            for op, operand in item.items():
                if op in ("lt", "lte", "gt", "gte"):
                    values.append(10)  # an order bound: a number
                elif op in ("any_of", "all_of") and isinstance(operand, list):
                    for sub in operand:
                        collect(sub)
                elif op in ("in", "not_in") and isinstance(operand, list):
                    values.extend(operand)
                elif op == "eq":
                    values.append(operand)
        else:
            values.append(item)

    collect(node)
    kinds = set()
    for item in values:
        if isinstance(item, bool):
            kinds.add("bool")
        elif isinstance(item, int):
            kinds.add("uint256")
        elif isinstance(item, str) and (item[:1] in ("@", "$") or (item[:2] == "0x" and len(item) == 42)):
            kinds.add("address")
        elif isinstance(item, str) and item[:2] == "0x":
            kinds.add("bytes32" if len(item) == 66 else "bytes")
        elif isinstance(item, str) and item[:1].isdigit():
            kinds.add("uint256")
        elif isinstance(item, str):
            kinds.add("string")
    return kinds.pop() if len(kinds) == 1 else None


def table_name(preset: Preset) -> str:
    return " / ".join(preset.primary_types)


def _members(compiler, value: object, where: str, effect: str, preset: Preset | None,
             contracts: tuple[AddressRef, ...] | None) -> tuple[MemberCheck, ...]:
    from .schema import _Counter  # schema imports this module lazily

    if value is None:
        return ()
    table = compiler.typed(value, dict, where, 'write members = { spender = "@router", "details.amount" = { lte = "1000 USDC" } }')
    if len(table) > MAX_MEMBERS:
        raise compiler.src.error(f"{len(table)} member conditions; at most {MAX_MEMBERS}", where)
    # Amounts are in the unit of the one token the rule pins (a `token` member, or the domain's contract for a permit).
    pinned = [node for path, node in table.items() if path.rsplit(".", 1)[-1] in ("token", "sellToken")]
    token_refs: list[object] = []
    for node in pinned:
        item = node.get("eq", node.get("in")) if isinstance(node, dict) else node
        token_refs += item if isinstance(item, list) else [item]
    if not pinned and preset is PRESETS["permit"] and contracts:
        token_refs = [c.display for c in contracts]
    symbols = {compiler.book[t[1:]].token_symbol if isinstance(t, str) and t[1:] in compiler.book else None for t in token_refs}
    unit = symbols.pop() if len(symbols) == 1 and None not in symbols else None
    counter = _Counter(compiler.src, where)
    checks = []
    for path, node in table.items():
        at = f"{where}.{path}"
        if not path or any(not part for part in path.split(".")):
            raise compiler.src.error(f"bad member path {path!r}", at, 'dotted member names, e.g. "details.amount"')
        if preset is not None and path not in preset.members and not path.startswith("domain."):
            nested = [m for m in preset.members if m.startswith(path + ".")]
            if nested:
                raise compiler.src.error(f"member {path!r} is a struct; constrain its members by path", at,
                                         f"e.g. {', '.join(nested)}")
            raise compiler.src.error(f"{table_name(preset)} has no member {path!r}", at,
                                     f"its members: {', '.join(preset.members)}")
        type_name = _member_type(node, preset, path)
        if type_name is None:
            known = f"; the preset's members: {', '.join(preset.members)}" if preset is not None else ""
            raise compiler.src.error(f"cannot tell the type of member {path!r} from its condition", at,
                                     f'add type = "uint256" (or address, bool, string, bytes32 …) to the condition{known}')
        if isinstance(node, dict) and "type" in node:
            node = {k: v for k, v in node.items() if k != "type"}
            if not node:
                raise compiler.src.error("a type alone checks nothing", at)
        param = Param(path, type_name)
        if isinstance(node, dict) and "within" in node:
            if len(node) != 1 or param_kind(param) != "uint":
                raise compiler.src.error("within stands alone, on a uint member (a Unix time)", at,
                                         '"details.expiration" = { within = "7 days" }')
            if effect == Effect.DENY:
                raise compiler.src.error("within belongs in allow and warn rules", at,
                                         "a deny rule would hold for every expiry beyond it; write the allow rule instead")
            counter.add(1)
            checks.append(MemberCheck(path, type_name, _within(compiler, node["within"], f"{at}.within")))
            continue
        if param_kind(param) in ("tuple", "other"):
            raise compiler.src.error(f"member {path!r} is a {type_name}; constrain its members by path", at,
                                     f'e.g. "{path}.amount"')
        compiler.unit = unit if param_kind(param) in ("uint", "int") else None
        try:
            condition = compiler.condition(node, param, at, effect, counter, 0)
        finally:
            compiler.unit = None
        checks.append(MemberCheck(path, type_name, condition))
    return tuple(checks)


def _strings(compiler, value: object, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise compiler.src.error("an empty list matches nothing; leave the key out to match anything", where)
    return tuple(compiler.typed(item, str, where) for item in items)


def _one_of(values: tuple) -> str:
    return repr(values[0]) if len(values) == 1 else "one of " + ", ".join(repr(v) for v in values)


TIME_MEMBERS = ("expiration", "deadline", "sigDeadline", "validTo", "expiry")


class _Reads:
    """Member reads of one message, each path walked once however many rules name it (a 50,000-item
    Permit2 batch against 1,000 rules would otherwise be walked 1,000 times)."""

    def __init__(self) -> None:
        self.found: dict[tuple[int, str], list | None] = {}
        self.checked: dict[tuple, list] = {}  # (condition, path, deny) -> [(item, Failure)]: equal conditions of many rules
        self.facts: dict[tuple[int, str], tuple] = {}
        self.now: int | None = None  # the moment of the review, for `within`

    def summary(self, found: list) -> tuple:
        """(declared types, the smallest and largest item when every value is a number, else None, None)."""
        key = (id(found), "")
        if key not in self.facts:
            self.facts[key] = _summary(found)
        return self.facts[key]

    def members(self, typed: dict, path: str) -> list | None:
        key = (id(typed), path)
        if key not in self.found:
            self.found[key] = typed_view.members(typed, path)
        return self.found[key]


def _summary(found: list) -> tuple:
    types = {m.type for m in found}
    numbers = [m for m in found if isinstance(m.value, int) and not isinstance(m.value, bool)]
    if not numbers or len(numbers) != len(found):
        return types, None, None
    return types, min(numbers, key=lambda m: m.value), max(numbers, key=lambda m: m.value)


def _members_of(typed: dict, path: str, reads: "_Reads | None") -> list | None:
    return reads.members(typed, path) if reads is not None else typed_view.members(typed, path)


def _typed(review: MessageReview) -> dict | None:
    inner = review.inner
    return inner.typed_data if inner.kind == "typed-data" and isinstance(inner.typed_data, dict) else None


def _domain_value(typed: dict | None, member: str) -> object | None:
    """A domain member as the domain separator binds it (None when EIP712Domain does not declare it)."""
    found = typed_view.members(typed, f"domain.{member}") if typed is not None else None
    return found[0].value if found else None


def rule_failures(rule: MessageRule, review: MessageReview, env: Env, units: dict | None = None,
                  reads: _Reads | None = None) -> list[FailedCondition]:
    """Which of the rule's conditions this message does not meet (empty: the rule matches)."""
    inner = review.inner
    typed = _typed(review)
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
        name = _domain_value(typed, "name")
        check("domain.name", _one_of(rule.domain_names), name, name in rule.domain_names)
    if rule.chain_ids is not None:
        chain = _domain_value(typed, "chainId")
        check("domain.chain_id", _one_of(rule.chain_ids), chain, chain in rule.chain_ids)
    if rule.contracts is not None:
        contract = _domain_value(typed, "verifyingContract")
        allowed = env.resolve_all(rule.contracts)
        shown = _one_of(tuple(ref.display for ref in rule.contracts))
        check("domain.verifying_contract", shown, contract, isinstance(contract, str) and contract.lower() in allowed)
    deny = rule.effect == Effect.DENY
    for member in rule.members:
        failures.extend(_member_failures(rule, member, typed, env, deny, units or {}, reads))
    if rule.counterparties is not None:
        failures.extend(_party_failures(rule, review, typed, env, deny, reads))
    return failures


def _party_failures(rule: MessageRule, review: MessageReview, typed: dict | None, env: Env,
                    deny: bool, reads: _Reads | None = None) -> list[FailedCondition]:
    """`counterparties`: everyone a known message empowers (a permit's spender, an order's receiver) is
    listed, or the Safe itself; the same vocabulary as a batch rule's counterparties."""
    assert rule.counterparties is not None  # called for rules that list counterparties
    allowed = env.resolve_all(rule.counterparties) | {review.safe.lower()}
    names = ", ".join(ref.display for ref in rule.counterparties) or "nobody"
    paths = party_paths(typed.get("primaryType")) if typed is not None else None
    if paths is None:
        why = "no typed data to read" if typed is None else f"Coldsight cannot tell whom {typed.get('primaryType')!r} empowers"
        return [] if deny else [FailedCondition(rule.id, "counterparties", f"one of [{names}]", why)]
    assert typed is not None  # paths are read from typed data
    failures, outside = [], []
    for path in paths:
        for item in _members_of(typed, path, reads) or [None]:
            if item is None:
                failures.append(FailedCondition(rule.id, f"counterparty {path}", f"one of [{names}]",
                                                "not a member its types declare (not signed)"))
                continue
            party = str(item.value).lower()
            if party == ZERO_ADDRESS and path == "receiver":
                continue  # the order's owner: this Safe
            if party not in allowed:
                label = env.label_of(item.value)
                outside.append(FailedCondition(rule.id, f"counterparty {item.path}", f"one of [{names}]",
                                               f"{item.value} (@{label})" if label else str(item.value)))
    if deny:
        # A deny rule's counterparties hold when someone outside the list is empowered: it denies exactly those.
        return [] if (outside or failures) else [FailedCondition(rule.id, "counterparties", f"someone outside [{names}]",
                                                                 "all listed")]
    return failures + outside


def _member_failures(rule: MessageRule, member: MemberCheck, typed: dict | None, env: Env, deny: bool,
                     units: dict, reads: _Reads | None = None) -> list[FailedCondition]:
    """Allow and warn rules: every value the path names must satisfy the condition (and it must be declared);
    deny rules: some value must (an undeclared or mistyped member holds, fail closed)."""
    if typed is None:
        return [FailedCondition(rule.id, member.path, member.condition.describe(), "no typed data to read")]
    found = _members_of(typed, member.path, reads)
    wanted = param_kind(Param(member.path, member.type))
    facts = (reads.summary(found) if reads is not None else _summary(found)) if found else (set(), None, None)
    types = facts[0]
    if found is None or any(not _same_kind(typed_view.kind_of(t), wanted) for t in types):
        if deny:
            return []
        declared = f"declared as {found[0].type}" if found else "not a member its types declare (not signed)"
        return [FailedCondition(rule.id, member.path, member.condition.describe(), declared)]
    condition = member.condition
    if isinstance(condition, Within):
        condition = replace(condition, now=reads.now if reads is not None else None)
    key = (condition, member.path, deny)
    cache = reads.checked if reads is not None else {}
    if key not in cache:
        cache[key] = _check_items(condition, found, env, deny, facts[1], facts[2])
    return [FailedCondition(rule.id, p.argument, p.expected, _shown(item, typed, env, units)) for item, p in cache[key]]


def _check_items(condition: Condition, found: list, env: Env, deny: bool, smallest=None, largest=None) -> list:
    """(item, Failure) pairs: for an allow or warn rule, the first items that fail (empty: every item
    holds); for a deny rule, empty as soon as some item holds. An order bound over numbers is checked
    on the extreme item first: when it holds there, it holds for all (10,000 items, 1,000 rules)."""
    if isinstance(condition, Compare) and condition.op in ("lt", "lte", "gt", "gte") and largest is not None:
        upper = condition.op in ("lt", "lte")
        extreme = largest if upper != deny else smallest
        if not condition.check(extreme.value, env, extreme.path, unknown_holds=deny):
            return []  # allow: the largest meets an upper bound, so all do; deny: the most extreme item holds
        if deny:
            return [(extreme, p) for p in condition.check(extreme.value, env, extreme.path, unknown_holds=True)]
    misses: list = []
    for item in found:
        problems = condition.check(item.value, env, item.path, unknown_holds=deny)
        if deny and not problems:
            return []  # some item satisfies the deny rule
        misses += [(item, p) for p in problems]
        if not deny and len(misses) >= MAX_EXPLAINED:
            break  # the rule fails; a 10,000-item batch needs no 10,000 lines
    return misses[:MAX_EXPLAINED]


def _same_kind(declared: str, wanted: str) -> bool:
    numbers = ("uint", "int")
    return declared == wanted or (declared in numbers and wanted in numbers)


def _token_of(item: typed_view.Member, typed: dict) -> str | None:
    """The token an amount member counts: `token` next to `amount` (Permit2), `sellToken` next to
    `sellAmount` (CoW), or the domain's contract for an EIP-2612 `value`."""
    name = item.path.rsplit(".", 1)[-1].split("[")[0]
    if name == "amount":
        return typed_view.sibling(typed, item, "token")
    if name.endswith("Amount"):
        return typed_view.sibling(typed, item, name[:-6] + "Token")
    if name == "value" and typed.get("primaryType") == "Permit":
        contract = _domain_value(typed, "verifyingContract")
        return contract if isinstance(contract, str) else None
    return None


def _shown(item: typed_view.Member, typed: dict, env: Env, units: dict) -> str:
    """A member's value as a reviewer reads it: full addresses with labels, amounts in token units, times as dates."""
    value = item.value
    if isinstance(value, str) and item.type == "address":
        label = env.label_of(value)
        return f"{value} (@{label})" if label else value
    if isinstance(value, int) and not isinstance(value, bool):
        name = item.path.rsplit(".", 1)[-1].split("[")[0]
        if name in TIME_MEMBERS:
            if value >= (1 << 47):
                return f"{value} (never)"
            when = dt.datetime.fromtimestamp(value, dt.timezone.utc)
            return f"{value} ({when:%Y-%m-%d %H:%M} UTC)"
        token = _token_of(item, typed)
        unit = units.get(token.lower()) if token else None
        if unit is not None:
            return f"{format_units(value, unit[1])} {unit[0]} ({value})"
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)


def summary(review: MessageReview, env: Env, units: dict, paths: tuple[str, ...] = ()) -> str:
    """The members a reviewer needs (a preset's members, and those the matched rules constrain), in units."""
    typed = _typed(review)
    if typed is None:
        return ""
    primary = typed.get("primaryType")
    wanted = [p for preset in PRESETS.values() if primary in preset.primary_types for p in preset.members
              if not p.endswith("nonce")]
    wanted += [p for p in paths if p not in wanted]
    parts = []
    for path in wanted:
        items = [item for item in typed_view.members(typed, path) or () if not isinstance(item.value, (dict, list))]
        parts += [f"{item.path} = {_shown(item, typed, env, units)}" for item in items[:MAX_EXPLAINED]]
        if len(items) > MAX_EXPLAINED:
            parts.append(f"{path}: {len(items) - MAX_EXPLAINED} more item(s)")
    return "; ".join(parts)


def describe(review: MessageReview) -> str:
    typed = _typed(review)
    if typed is not None:
        name = _domain_value(typed, "name")
        return f"typed data {typed.get('primaryType')!s} for domain {name if name is not None else 'without a name'!s}"
    return {"text": "a text message", "hash": "a bare hash", "bytes": "raw bytes"}.get(review.inner.kind, review.inner.kind)


def token_units(policy, chain_id: int | None) -> dict[str, tuple[str, int]]:
    return {e.address.lower(): (e.token_symbol, e.token_decimals) for e in policy.book.values()
            if e.chain == chain_id and e.token_symbol is not None and e.token_decimals is not None}


def decide_message(policy, review: MessageReview, env: Env, now: int | None = None) -> CallDecision:
    matched: dict[str, list[str]] = {Effect.ALLOW: [], Effect.WARN: [], Effect.DENY: []}
    misses: list[FailedCondition] = []
    units = token_units(policy, env.chain_id)
    by_id = {rule.id: rule for rule in policy.message_rules}
    reads = _Reads()
    reads.now = int(time.time()) if now is None else now
    for rule in policy.message_rules:
        failures = rule_failures(rule, review, env, units, reads)
        if not failures:
            matched[rule.effect].append(rule.id)
        elif rule.effect == Effect.ALLOW and len(misses) < MAX_MISSES:
            misses.extend(failures[:MAX_EXPLAINED])
    misses = misses[:MAX_MISSES]
    every = tuple(sorted(matched[Effect.DENY]) + sorted(matched[Effect.ALLOW]) + sorted(matched[Effect.WARN]))
    what = describe(review)
    constrained = tuple(m.path for rule_id in every for m in by_id[rule_id].members)
    details = summary(review, env, units, constrained)
    details = f" \u2014 {details}" if details else ""
    if matched[Effect.DENY]:
        rule = by_id[sorted(matched[Effect.DENY])[0]]
        reason = f": {rule.description}" if rule.description else ""
        return CallDecision(MESSAGE_PATH, Effect.DENY, every, (), f"denied by rule {rule.id}{reason}{details}")
    if matched[Effect.ALLOW]:
        allowed = ", ".join(sorted(matched[Effect.ALLOW]))
        if matched[Effect.WARN]:
            rule = by_id[sorted(matched[Effect.WARN])[0]]
            return CallDecision(MESSAGE_PATH, Effect.WARN, every, (),
                                f"{what}: {rule.description or f'rule {rule.id} flags it'} (allowed by rule {allowed}){details}")
        return CallDecision(MESSAGE_PATH, Effect.ALLOW, every, (), f"{what} allowed by rule {allowed}{details}")
    detail = f"; closest rule: {misses[0].text()}" if misses else ""
    return CallDecision(MESSAGE_PATH, policy.unmatched, every, tuple(misses), f"no message rule allows {what}{detail}{details}")


def evaluate_message(loaded, review: MessageReview, now: int | None = None) -> PolicyResult:
    """Decide a Safe message against a loaded policy (policies.load.LoadedPolicy): one decision, path "message"."""
    policy = loaded.policy
    context = Context(chain_id=review.chain_id, safe=review.safe, version=review.version)
    env = Env(review.chain_id, review.safe, policy.book)
    bound_error = binding_error(policy, context)
    if bound_error:
        decision = CallDecision(MESSAGE_PATH, Effect.DENY, (), (), bound_error.replace("every call is", "the message is"))
    else:
        decision = decide_message(policy, review, env, now)
    labels = {e.address.lower(): e.label for e in policy.book.values() if e.chain == review.chain_id}
    return PolicyResult(policy.id, policy.serial, loaded.sha256, loaded.signature, [decision], bound_error, {}, labels)
