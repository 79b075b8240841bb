"""`coldsight policy export --zodiac-roles`: the allow rules a chain can enforce, as Zodiac Roles v2 permissions.

A Roles modifier (gnosisguild/zodiac-modifier-roles v2) lets a role's members execute through the Safe
only what its permissions allow: a target (any call), or a function on a target whose calldata matches
a condition tree. This compiles each `allow` rule whose meaning Roles can express **exactly, or more
narrowly**, and lists every other rule with the reason it cannot be enforced on chain. A rule is never
exported partly: dropping one condition would let the chain allow more than the policy does.

Enforceable: a fixed target (address or label on the Safe's chain); a function (or any call data);
`value` 0 (no `send`); operation `call`; conditions on static arguments (address, bool, bytesN,
uint/int) with eq / in / lt / lte / gt / gte / any_of / all_of. Not enforceable (listed): warn and
deny rules (Roles only allows; what nothing allows is refused, but a deny carve-out of an allow rule
is not), wildcard targets, plain native transfers (Roles can only allow the target, which is wider),
value caps, delegatecall and create, conditions on dynamic types, arrays, tuples and nested calldata,
`[[batch_rules]]`, `[refund]`, `[[message_rules]]`, `[[allow_dangerous]]`.

The condition encoding follows the Roles v2 contracts' Types.sol (ParameterType, Operator) as the
zodiac-roles-sdk writes it; tests/differential checks it against that SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from decoders.abi import Param

from decoders.vocabulary import Effect

from .conditions import AllOf, AnyOf, Compare, Condition, param_kind
from .model import Policy, Rule
from .refs import Env
from decoders.hexutil import to_checksum as checksum

# ParameterType and Operator of the Roles v2 modifier (zodiac-modifier-roles-v2 Types.sol; zodiac-roles-deployments).
NONE, STATIC, DYNAMIC, TUPLE, ARRAY, CALLDATA = 0, 1, 2, 3, 4, 5
PASS, AND, OR, MATCHES = 0, 1, 2, 5
EQUAL_TO, GREATER_THAN, LESS_THAN, SIGNED_GREATER_THAN, SIGNED_LESS_THAN = 16, 17, 18, 19, 20
SCHEMA = "coldsight.zodiac-roles/1"


class NotEnforceable(Exception):
    """Why a rule (or one of its conditions) has no exact on-chain form."""


@dataclass
class RolesExport:
    chain_id: int
    safe: str
    permissions: list[dict] = field(default_factory=list)  # the SDK's Permission objects
    sources: list[dict] = field(default_factory=list)  # for each permission: the rule it comes from
    not_enforceable: list[dict] = field(default_factory=list)  # {rule, where, reason}

    def as_json(self) -> dict:
        return {"chainId": self.chain_id, "safe": self.safe, "permissions": self.permissions,
                "sources": self.sources, "notEnforceable": self.not_enforceable}


def _word(value: object, param: Param) -> str:
    """One ABI word, as the SDK's abiEncode writes a static value (0x + 64 lowercase hex digits)."""
    kind = param_kind(param)
    if kind == "address":
        return "0x" + str(value)[2:].lower().rjust(64, "0")
    if kind == "bool":
        return "0x" + ("1" if value else "0").rjust(64, "0")
    if kind in ("uint", "int"):
        assert isinstance(value, int)  # the loader parsed it to the argument's type
        return "0x" + (int(value) % (1 << 256)).to_bytes(32, "big").hex()
    if kind == "bytesN":
        assert isinstance(value, bytes)  # the loader parsed it to the argument's type
        return "0x" + bytes(value).hex().ljust(64, "0")
    raise NotEnforceable(f"{param.type} values cannot be compared on chain here")


def _bits(param: Param) -> int:
    digits = param.type.removeprefix("u").removeprefix("int")
    return int(digits or 256)


def _compare(condition: Compare, param: Param, env: Env) -> dict | None:
    """One comparison; None when it constrains nothing (lte of the type's maximum)."""
    kind = param_kind(param)
    if condition.op == "not_in":
        raise NotEnforceable("not_in (a blocklist) has no on-chain allow form")
    if condition.op in ("eq", "in"):
        if condition.is_address:
            values = sorted(env.resolve_all(condition.expected))
            if not values:
                raise NotEnforceable(f"{', '.join(condition.shown)} names no address on chain {env.chain_id}")
        else:
            values = list(condition.expected)
        nodes = [{"paramType": STATIC, "operator": EQUAL_TO, "compValue": _word(v, param)} for v in values]
        return nodes[0] if len(nodes) == 1 else {"paramType": NONE, "operator": OR, "children": nodes}
    if kind not in ("uint", "int"):
        raise NotEnforceable(f"{condition.op} on a {param.type} argument")
    bound = condition.expected[0]
    signed = kind == "int"
    low, high = (-(1 << (_bits(param) - 1)), (1 << (_bits(param) - 1)) - 1) if signed else (0, (1 << _bits(param)) - 1)
    # Roles compares strictly: lte X is LessThan X + 1, gte X is GreaterThan X - 1 (as the SDK's c.lte / c.gte).
    if condition.op in ("lt", "lte"):
        limit = bound + 1 if condition.op == "lte" else bound
        if limit > high:
            return None
        if limit <= low:
            raise NotEnforceable(f"{condition.describe()} can never hold")
        return {"paramType": STATIC, "operator": SIGNED_LESS_THAN if signed else LESS_THAN, "compValue": _word(limit, param)}
    limit = bound - 1 if condition.op == "gte" else bound
    if limit < low:
        return None
    if limit >= high:
        raise NotEnforceable(f"{condition.describe()} can never hold")
    return {"paramType": STATIC, "operator": SIGNED_GREATER_THAN if signed else GREATER_THAN, "compValue": _word(limit, param)}


def _condition(condition: Condition, param: Param, env: Env) -> dict | None:
    if isinstance(condition, Compare):
        return _compare(condition, param, env)
    if isinstance(condition, (AllOf, AnyOf)):
        parts = [_condition(p, param, env) for p in condition.parts]
        if isinstance(condition, AnyOf) and any(p is None for p in parts):
            return None  # one branch allows anything
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"paramType": NONE, "operator": AND if isinstance(condition, AllOf) else OR,
                                                 "children": parts}
    raise NotEnforceable(f"{type(condition).__name__.lower()} conditions are not exported")


def pass_node(param: Param) -> dict:
    """An unconstrained argument, with the type structure the modifier needs to walk the calldata."""
    kind = param_kind(param)
    if kind == "array":
        element = Param(param.name, param.type[: param.type.rindex("[")], param.components)
        return {"paramType": ARRAY, "operator": PASS, "children": [pass_node(element)]}
    if kind == "tuple":
        return {"paramType": TUPLE, "operator": PASS, "children": [pass_node(c) for c in param.components]}
    if kind in ("bytes", "string"):
        return {"paramType": DYNAMIC, "operator": PASS}
    return {"paramType": STATIC, "operator": PASS}


def rule_permissions(rule: Rule, env: Env) -> list[dict]:
    """The permissions one allow rule compiles to (one per target address), or NotEnforceable."""
    match = rule.match
    if rule.effect == Effect.WARN:
        raise NotEnforceable("a warn rule asks a person to look twice; a chain can only allow or refuse")
    if rule.effect == Effect.DENY:
        raise NotEnforceable("Roles only allows: a call no permission allows is refused, but a deny rule that "
                             "carves an exception out of an allow rule is not enforced on chain")
    if match.targets is None:
        raise NotEnforceable('wildcard target "*": Roles permissions name their targets')
    targets = sorted(env.resolve_all(match.targets))
    if not targets:
        raise NotEnforceable(f"its targets name no address on chain {env.chain_id}")
    if match.operations != frozenset({0}):
        raise NotEnforceable("delegatecall or create: Roles' delegatecall flag also allows plain calls; not exported")
    send = not (isinstance(match.value, Compare) and match.value.op == "eq" and match.value.expected == (0,))
    if send:
        raise NotEnforceable("a value cap: Roles meters native coin only through allowances, not per call")
    if match.selector == b"":
        raise NotEnforceable("a plain native transfer: Roles could only allow the whole target, which is wider")
    if match.selector is None:
        return [{"targetAddress": to_checksum(t), "send": False, "delegatecall": False} for t in targets]
    condition = None
    if match.args is not None and match.args.checks:
        function = match.function
        assert function is not None  # argument checks are only written under a named function
        children: list[dict | None] = [None] * len(function.inputs)
        for index, name, check in match.args.checks:
            try:
                children[index] = _condition(check, function.inputs[index], env)
            except NotEnforceable as err:
                raise NotEnforceable(f"argument {name}: {err}") from None
        if any(c is not None for c in children):
            last = max(i for i, c in enumerate(children) if c is not None)
            condition = {"paramType": CALLDATA, "operator": MATCHES,
                         "children": [c if c is not None else pass_node(function.inputs[i])
                                      for i, c in enumerate(children[: last + 1])]}
    selector = "0x" + match.selector.hex()
    permissions = []
    for target in targets:
        permission = {"targetAddress": to_checksum(target), "selector": selector, "send": False, "delegatecall": False}
        if condition is not None:
            permission["condition"] = condition
        permissions.append(permission)
    return permissions


def to_checksum(address: str) -> str:
    return checksum(bytes.fromhex(address[2:]))


def export_roles(policy: Policy, chain_id: int, safe: str) -> RolesExport:
    env = Env(chain_id, safe, policy.book)
    result = RolesExport(chain_id, safe)
    for rule in policy.rules:
        try:
            permissions = rule_permissions(rule, env)
        except NotEnforceable as err:
            result.not_enforceable.append({"rule": rule.id, "where": rule.where, "reason": str(err)})
            continue
        for permission in permissions:
            result.permissions.append(permission)
            result.sources.append({"rule": rule.id, "where": rule.where})
    for section, items in (("batch_rules", policy.batch_rules), ("message_rules", policy.message_rules)):
        for item in items:
            why = ("limits over a whole transaction are not Roles permissions" if section == "batch_rules" else
                   "Safe messages (EIP-1271) are signed by the owners, not executed through Roles")
            result.not_enforceable.append({"rule": item.id, "where": item.where, "reason": why})
    for waiver in policy.waivers:
        result.not_enforceable.append({"rule": f"allow_dangerous {waiver.finding}", "where": waiver.where,
                                       "reason": "a waiver changes what the signer is told, not what a chain allows"})
    if policy.refund is not None:
        result.not_enforceable.append({"rule": "refund", "where": "refund",
                                       "reason": "Roles members execute without Safe gas refunds"})
    return result
