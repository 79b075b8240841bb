"""TOML policy text -> compiled `Policy`, with a strict schema.

Any unknown key, wrong type, bad checksum, unparseable amount, duplicate rule id, label that
resolves to nothing or condition on an argument the function does not have refuses the
whole policy, with the file, the key path and a hint. Documented in policies/README.md.
"""

import datetime as dt
import re
import tomllib

from decoders.abi import Function, Param, parse_signature
from decoders.errors import ColdsightError
from decoders.hexutil import parse_address, parse_hex
from decoders.safetx import SafeVersion
from decoders.vocabulary import NEVER_WAIVABLE_CODES, WAIVABLE_CODES, Effect, Verdict

from .amounts import NATIVE_UNITS, parse_amount
from .conditions import (AllOf, AnyOf, ArgumentChecks, Calldata, Compare, Condition, Every, Fields, Length, Some,
                         element_param, param_kind)
from .errors import PolicyError
from .model import (EFFECTS, OPERATIONS, AllowanceLimit, AllowanceUse, BatchRule, CallMatch, CountLimit, Policy, PolicyTestCase, RefundPolicy,
                    RefundToken, Rule, SafeBinding, SequenceRule, SumLimit, Waiver)
from .refs import AddressBookEntry, AddressRef, builtin_label_exists
from .messages import compile_message_rules

SCHEMA = "coldsight.policy/1"
MAX_POLICY_BYTES = 1_000_000  # ~10,000 rules of ordinary size; a 10 MB file is refused unread
MAX_RULES = 5_000
MAX_CONDITIONS_PER_RULE = 500
MAX_LIST_ITEMS = 5_000
MAX_NESTING = 12
MAX_BATCH_RULES = 200
MAX_USES = 64  # used_by patterns of one allowance limit (each is checked against every call)
OUTCOMES = tuple(Effect)
VERDICTS = tuple(Verdict)
# Which finding codes a signed policy may waive comes from the core's catalogue: integrity findings
# (the payload lies about itself, or cannot be read or executed as shown) never are.
NEVER_WAIVABLE = NEVER_WAIVABLE_CODES
WAIVABLE = WAIVABLE_CODES
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")

OPERATORS_BY_KIND = {
    "address": {"eq", "in", "not_in"},
    "bool": {"eq", "in", "not_in"},
    "bytesN": {"eq", "in", "not_in"},
    "string": {"eq", "in", "not_in", "length"},
    "bytes": {"eq", "in", "not_in", "length", "calldata"},
    "uint": {"eq", "in", "not_in", "lt", "lte", "gt", "gte"},
    "int": {"eq", "in", "not_in", "lt", "lte", "gt", "gte"},
    "array": {"every", "some", "length"},
    "tuple": {"fields"},
    "other": set(),
}
COMBINATORS = {"any_of", "all_of"}


class _Source:
    """Where we are: the file name, for messages."""

    def __init__(self, name: str):
        self.name = name

    def error(self, message: str, keypath: str, hint: str | None = None) -> PolicyError:
        return PolicyError(message, f"{self.name}: {keypath}" if keypath else self.name, hint)


def _type_name(value: object) -> str:
    return {str: "a string", int: "an integer", bool: "a boolean", float: "a float", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


class _Compiler:
    def __init__(self, source: _Source):
        self.src = source
        self.book: dict[str, AddressBookEntry] = {}
        self.decimals: dict[str, int] = {}
        self.chains: set[int] = set()  # chains of the policy's Safes: a label used elsewhere is a mistake
        # The unit amounts must be written in where they are being compiled: "native" for a call's
        # value, a token symbol for the arguments of a call to that token, None where any unit may apply.
        self.unit: str | None = None

    # ---- primitives -----------------------------------------------------------------------

    def table(self, value: object, where: str, allowed: set[str], required: set[str] | frozenset[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            raise self.src.error(f"expected a table, got {_type_name(value)}", where)
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.src.error(f"unknown key {unknown[0]!r}", f"{where}.{unknown[0]}" if where else unknown[0],
                                 f"allowed keys here: {', '.join(sorted(allowed))}")
        missing = sorted(required - set(value))
        if missing:
            raise self.src.error(f"missing required key {missing[0]!r}", where or "(top level)")
        return value

    def typed(self, value: object, kind: type, where: str, hint: str | None = None):
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.src.error(f"expected an integer, got {_type_name(value)}", where, hint)
        if kind is not int and not isinstance(value, kind):
            raise self.src.error(f"expected {_type_name(kind())}, got {_type_name(value)}", where, hint)
        return value

    def choice(self, value: object, options: tuple[str, ...], where: str) -> str:
        if not isinstance(value, str) or value not in options:
            raise self.src.error(f"expected one of {', '.join(options)}, got {value!r}", where)
        return value

    def address(self, value: object, where: str) -> str:
        try:
            address = parse_address(value, where)
        except ColdsightError as err:
            raise self.src.error(err.message, where, err.hint or "addresses are quoted 0x strings with EIP-55 checksums") from None
        if isinstance(value, str) and value[2:] != address[2:]:
            # All-lowercase (or uppercase) carries no checksum: one mistyped character would go unnoticed.
            raise self.src.error(f"address {value} has no EIP-55 checksum (all one case)", where,
                                 f"write it checksummed: {address}")
        return address

    def ref(self, value: object, where: str) -> AddressRef:
        if not isinstance(value, str):
            raise self.src.error(f"expected an address, @label or $safe, got {_type_name(value)}", where)
        if value == "$safe":
            return AddressRef("safe", "")
        if value.startswith("@"):
            name = value[1:]
            if name in self.book:
                entry = self.book[name]
                if self.chains and entry.chain not in self.chains:
                    raise self.src.error(f"label {value} is an address on chain {entry.chain}, but this policy's Safes "
                                         f"are on chain {', '.join(map(str, sorted(self.chains)))}", where,
                                         "an address means something else (or nothing) on another chain; "
                                         "define the label for the Safe's chain")
                return AddressRef("label", name)
            if builtin_label_exists(name):
                return AddressRef("label", name)
            raise self.src.error(f"label {value} resolves to nothing", where,
                                 "define it under [addresses], or use a built-in Safe contract label such as "
                                 "@MultiSendCallOnly-1.4.1")
        if value.startswith("$"):
            raise self.src.error(f"unknown variable {value}", where, "the only variable is $safe")
        return AddressRef("literal", self.address(value, where))

    def function(self, value: object, where: str) -> Function:
        text = self.typed(value, str, where)
        try:
            return parse_signature(text, source="policy")
        except Exception as err:  # parse_signature raises ValueError and eth-abi's grammar errors
            raise self.src.error(f"not a function signature: {err}", where,
                                 'write it like "transfer(address to,uint256 amount)"') from None

    # ---- document ---------------------------------------------------------------------------

    def compile(self, doc: dict) -> Policy:
        self.table(doc, "", {"schema", "meta", "defaults", "safes", "addresses", "delegatecall", "rules",
                             "allow_dangerous", "tests", "refund", "batch_rules", "message_rules"},
                   {"schema", "meta", "safes"})
        if doc["schema"] != SCHEMA:
            raise self.src.error(f"unsupported schema {doc['schema']!r}", "schema", f'this Coldsight reads "{SCHEMA}"')
        meta = self.table(doc["meta"], "meta", {"id", "serial", "not_before", "expires", "description"}, {"id", "serial"})
        policy_id = self.typed(meta["id"], str, "meta.id")
        if not _ID.match(policy_id):
            raise self.src.error(f"bad policy id {policy_id!r}", "meta.id", "letters, digits, . _ - (at most 64)")
        serial = self.typed(meta["serial"], int, "meta.serial")
        if serial < 1:
            raise self.src.error("serial must be 1 or more", "meta.serial", "raise it with every new version")
        not_before = self.moment(meta.get("not_before"), "meta.not_before", end_of_day=False)
        expires = self.moment(meta.get("expires"), "meta.expires", end_of_day=True)
        if not_before and expires and expires <= not_before:
            raise self.src.error("expires is not after not_before", "meta.expires")
        description = self.typed(meta["description"], str, "meta.description") if "description" in meta else None

        defaults = self.table(doc.get("defaults", {}), "defaults", {"unmatched", "unknown_abi"})
        unmatched = self.choice(defaults.get("unmatched", Effect.DENY), (Effect.DENY, Effect.WARN), "defaults.unmatched")
        unknown_abi = self.choice(defaults.get("unknown_abi", Effect.DENY), (Effect.DENY, Effect.WARN), "defaults.unknown_abi")

        safes = self.safes(doc["safes"])
        self.addresses(doc.get("addresses", {}))
        delegate = self.table(doc.get("delegatecall", {}), "delegatecall", {"trusted"})
        trusted = self.typed(delegate.get("trusted", []), list, "delegatecall.trusted")
        trusted_refs = tuple(self.ref(item, f"delegatecall.trusted[{i}]") for i, item in enumerate(trusted))

        rules = self.rules(doc.get("rules", []))
        waivers = self.waivers(doc.get("allow_dangerous", []))
        tests = self.tests(doc.get("tests", []))
        refund = self.refund(doc["refund"]) if "refund" in doc else None
        batch_rules = self.batch_rules(doc.get("batch_rules", []), {r.id for r in rules})

        message_rules = compile_message_rules(self, doc.get("message_rules", []),
                                              {r.id for r in rules} | {b.id for b in batch_rules})
        return Policy(id=policy_id, serial=serial, not_before=not_before, expires=expires, description=description,
                      unmatched=unmatched, unknown_abi=unknown_abi, safes=safes, book=dict(self.book),
                      trusted_delegates=trusted_refs, rules=rules, waivers=waivers, tests=tests, document=doc,
                      refund=refund, batch_rules=batch_rules, message_rules=message_rules)

    def moment(self, value: object, where: str, end_of_day: bool) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise self.src.error("a date-time without a time zone is ambiguous", where,
                                     "write a date (2026-12-31) or a time with offset (2026-12-31T18:00:00Z)")
            return value.astimezone(dt.timezone.utc)
        if isinstance(value, dt.date):
            start = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
            return start + dt.timedelta(days=1) if end_of_day else start
        raise self.src.error(f"expected a TOML date such as 2026-12-31, got {_type_name(value)}", where,
                             "dates are not quoted in TOML")

    def safes(self, value: object) -> tuple[SafeBinding, ...]:
        items = self.typed(value, list, "safes", "write [[safes]] tables")
        if not items:
            raise self.src.error("a policy must name at least one Safe", "safes")
        bindings = []
        for i, item in enumerate(items):
            where = f"safes[{i}]"
            table = self.table(item, where, {"chain", "address", "name", "version"}, {"chain", "address"})
            chain = self.typed(table["chain"], int, f"{where}.chain")
            if chain <= 0:
                raise self.src.error("chain ids are positive", f"{where}.chain")
            version = None
            if "version" in table:
                text = self.typed(table["version"], str, f"{where}.version")
                try:
                    version = SafeVersion.parse(text, f"{where}.version").label
                except ColdsightError as err:
                    raise self.src.error(err.message, f"{where}.version", err.hint) from None
            name = self.typed(table["name"], str, f"{where}.name") if "name" in table else None
            bindings.append(SafeBinding(chain, self.address(table["address"], f"{where}.address"), name, version))
            self.chains.add(chain)
        return tuple(bindings)

    def addresses(self, value: object) -> None:
        table = self.typed(value, dict, "addresses")
        for label, entry in table.items():
            where = f"addresses.{label}"
            if not _LABEL.match(label):
                raise self.src.error(f"bad label name {label!r}", where, "letters, digits, _ . - ; starting with a letter")
            item = self.table(entry, where, {"chain", "address", "name", "token"}, {"chain", "address"})
            chain = self.typed(item["chain"], int, f"{where}.chain")
            symbol = decimals = None
            if "token" in item:
                token = self.table(item["token"], f"{where}.token", {"symbol", "decimals"}, {"symbol", "decimals"})
                symbol = self.typed(token["symbol"], str, f"{where}.token.symbol")
                decimals = self.typed(token["decimals"], int, f"{where}.token.decimals")
                if not re.match(r"^[A-Za-z][A-Za-z0-9.$_-]{0,31}$", symbol) or symbol in ("wei", "gwei", "ether"):
                    raise self.src.error(f"bad token symbol {symbol!r}", f"{where}.token.symbol")
                if not 0 <= decimals <= 77:
                    raise self.src.error("decimals must be 0..77", f"{where}.token.decimals")
                if self.decimals.get(symbol, decimals) != decimals:
                    raise self.src.error(f"token symbol {symbol} is used with different decimals", f"{where}.token.decimals",
                                         "amounts in that unit would be ambiguous; rename one symbol")
                self.decimals[symbol] = decimals
            name = self.typed(item["name"], str, f"{where}.name") if "name" in item else None
            self.book[label] = AddressBookEntry(label, chain, self.address(item["address"], f"{where}.address"),
                                                name, symbol, decimals)

    # ---- rules ------------------------------------------------------------------------------

    def rules(self, value: object) -> tuple[Rule, ...]:
        items = self.typed(value, list, "rules", "write [[rules]] tables")
        if len(items) > MAX_RULES:
            raise self.src.error(f"{len(items)} rules; at most {MAX_RULES} are accepted", "rules",
                                 "split the policy per Safe, or use `in` lists instead of one rule per address")
        seen: dict[str, str] = {}
        rules = []
        for i, item in enumerate(items):
            where = f"rules[{i}]"
            table = self.table(item, where, {"id", "effect", "description", "call", "args"}, {"id", "effect", "call"})
            rule_id = self.typed(table["id"], str, f"{where}.id")
            if not _ID.match(rule_id):
                raise self.src.error(f"bad rule id {rule_id!r}", f"{where}.id", "letters, digits, . _ - (at most 64)")
            if rule_id in seen:
                raise self.src.error(f"duplicate rule id {rule_id!r} (also {seen[rule_id]})", f"{where}.id")
            seen[rule_id] = where
            where = f"rules[{i}] ({rule_id})"
            effect = self.choice(table["effect"], EFFECTS, f"{where}.effect")
            description = self.typed(table["description"], str, f"{where}.description") if "description" in table else None
            counter = _Counter(self.src, where)
            match = self.call_match(table["call"], table.get("args"), where, effect, counter, wildcards=True)
            rules.append(Rule(rule_id, effect, description, match, where, counter.count, table))
        return tuple(rules)

    def call_match(self, call: object, args: object, where: str, effect: str, counter: "_Counter",
                   wildcards: bool) -> CallMatch:
        wide = effect == Effect.DENY  # omitted constraints: wide for deny rules, narrow for allow and warn
        table = self.table(call, f"{where}.call", {"to", "function", "value", "operation"}, set() if wide else {"to"})
        targets: tuple[AddressRef, ...] | None = None
        if "to" in table:
            raw = table["to"]
            if raw == "*":
                if not wildcards:
                    raise self.src.error("an allow_dangerous entry must name its exact target", f"{where}.call.to")
                targets = None
            elif isinstance(raw, list):
                if not raw:
                    raise self.src.error("empty target list matches nothing", f"{where}.call.to")
                targets = tuple(self.ref(item, f"{where}.call.to[{j}]") for j, item in enumerate(raw))
            else:
                targets = (self.ref(raw, f"{where}.call.to"),)
        elif not wide:
            raise self.src.error("missing call.to", f"{where}.call")
        function: Function | None = None
        if "function" in table:
            if table["function"] == "*":
                if not wildcards:
                    raise self.src.error("an allow_dangerous entry must name its exact function", f"{where}.call.function")
                selector = None
            else:
                function = self.function(table["function"], f"{where}.call.function")
                selector = function.selector
        else:
            selector = None if wide else b""
        operations: frozenset[int] | None = None if wide else frozenset({0})
        if "operation" in table:
            raw = table["operation"]
            names = raw if isinstance(raw, list) else [raw]
            operations = frozenset(OPERATIONS[self.choice(n, tuple(OPERATIONS), f"{where}.call.operation")] for n in names)
        value_condition: Condition | None = None
        uint = Param("value", "uint256")
        if "value" in table:
            self.unit = "native"
            value_condition = self.condition(table["value"], uint, f"{where}.call.value", effect, counter, 0)
            self.unit = None
        elif not wide:
            value_condition = Compare("eq", (0,), ("0",))
        checks = None
        if args is not None:
            if function is None:
                raise self.src.error("conditions on arguments need a function signature in call.function",
                                     f"{where}.args", 'e.g. function = "transfer(address to,uint256 amount)"')
            self.unit = self.token_unit_of(targets)
            checks = self.argument_checks(args, function, f"{where}.args", effect, counter, 0)
            self.unit = None
        return CallMatch(targets, function, selector, operations, value_condition, checks)

    def token_unit_of(self, targets: tuple[AddressRef, ...] | None) -> str | None:
        """The token symbol every target of a call shares ([addresses] token entries), else None."""
        if not targets:
            return None
        symbols = {self.book[t.text].token_symbol if t.kind == "label" and t.text in self.book else None
                   for t in targets}
        return symbols.pop() if len(symbols) == 1 and None not in symbols else None

    def check_unit(self, item: object, where: str) -> None:
        """Refuse an amount written in a unit other than the one of the value it is compared with."""
        if self.unit is None or not isinstance(item, str) or len(item.split()) != 2:
            return
        unit = item.split()[1]
        if self.unit == "native" and unit not in NATIVE_UNITS:
            raise self.src.error(f"amount {item!r} is in {unit}, but a call's value is the native coin", where,
                                 'write the value in wei, gwei or ether ("0.5 ether")')
        if self.unit != "native" and unit != self.unit:
            raise self.src.error(f"amount {item!r} is in {unit}, but this call goes to the {self.unit} token "
                                 f"(its amounts are {self.unit} base units)", where,
                                 f'write it in {self.unit} ("250000 {self.unit}") or as raw base units (digits)')

    def argument_checks(self, args: object, function: Function, where: str, effect: str, counter: "_Counter",
                        depth: int) -> ArgumentChecks:
        table = self.typed(args, dict, where)
        by_name = {p.name: i for i, p in enumerate(function.inputs)}
        checks: list[tuple[int, str, Condition]] = []
        used: dict[int, str] = {}
        for key, node in table.items():
            index = int(key) if key.isdigit() and int(key) < len(function.inputs) else by_name.get(key)
            if index is None:
                names = ", ".join(p.name for p in function.inputs) or "none"
                raise self.src.error(f"{function.display} has no argument {key!r}", f"{where}.{key}",
                                     f"its arguments are: {names} (or their positions 0..{len(function.inputs) - 1})")
            if index in used:
                raise self.src.error(f"argument {index} is constrained twice ({used[index]!r} and {key!r})", f"{where}.{key}")
            used[index] = key
            param = function.inputs[index]
            checks.append((index, param.name, self.condition(node, param, f"{where}.{key}", effect, counter, depth + 1)))
        return ArgumentChecks(tuple(checks))

    def condition(self, node: object, param: Param, where: str, effect: str, counter: "_Counter", depth: int) -> Condition:
        if depth > MAX_NESTING:
            raise self.src.error(f"conditions nested deeper than {MAX_NESTING} levels", where)
        counter.add(1)
        kind = param_kind(param)
        if isinstance(node, list):
            raise self.src.error("a bare array is ambiguous here", where, "write { in = [...] } or { eq = ... }")
        if not isinstance(node, dict):
            node = {"eq": node}
        if not node:
            raise self.src.error("an empty condition matches everything", where, "remove it, or say what must hold")
        allowed = OPERATORS_BY_KIND[kind] | COMBINATORS
        parts: list[Condition] = []
        for op, operand in node.items():
            at = f"{where}.{op}"
            if op not in allowed:
                hint = f"operators for a {param.type} argument: {', '.join(sorted(allowed))}"
                if op in ("eq", "in", "not_in") and kind in ("array", "tuple"):
                    hint += "; compare items with every/some and tuple fields with fields = { … }"
                raise self.src.error(f"operator {op!r} does not apply to {param.type} argument {param.name!r}", at, hint)
            if op == "not_in" and effect != Effect.DENY:
                raise self.src.error("not_in is only allowed in deny rules", at,
                                     "an allow rule must list what it allows (in = [...]); a blocklist lets anything new through")
            parts.append(self.operator(op, operand, param, kind, at, effect, counter, depth))
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def operator(self, op: str, operand: object, param: Param, kind: str, where: str, effect: str, counter: "_Counter",
                 depth: int) -> Condition:
        if op in ("any_of", "all_of"):
            items = self.typed(operand, list, where, f"{op} takes an array of conditions")
            if not items:
                raise self.src.error(f"empty {op}", where)
            parts = tuple(self.condition(item, param, f"{where}[{j}]", effect, counter, depth + 1) for j, item in enumerate(items))
            return AnyOf(parts) if op == "any_of" else AllOf(parts)
        if op in ("every", "some"):
            inner = self.condition(operand, element_param(param), where, effect, counter, depth + 1)
            return Every(inner) if op == "every" else Some(inner)
        if op == "length":
            return Length(self.condition(operand, Param("length", "uint256"), where, effect, counter, depth + 1))
        if op == "fields":
            table = self.typed(operand, dict, where)
            by_name = {c.name: i for i, c in enumerate(param.components)}
            fields = []
            for key, sub in table.items():
                index = int(key) if key.isdigit() and int(key) < len(param.components) else by_name.get(key)
                if index is None:
                    raise self.src.error(f"tuple {param.name!r} has no field {key!r}", f"{where}.{key}",
                                         f"its fields are: {', '.join(by_name) or 'none'}")
                component = param.components[index]
                fields.append((index, component.name, self.condition(sub, component, f"{where}.{key}", effect, counter, depth + 1)))
            return Fields(tuple(fields))
        if op == "calldata":
            table = self.table(operand, where, {"function", "args"}, {"function"})
            function = self.function(table["function"], f"{where}.function")
            outer, self.unit = self.unit, None  # nested calldata goes to a contract this rule does not name
            checks = self.argument_checks(table.get("args", {}), function, f"{where}.args", effect, counter, depth + 1)
            self.unit = outer
            return Calldata(function, checks)
        if op in ("in", "not_in"):
            items = self.typed(operand, list, where, f"{op} takes an array")
            if not items:
                raise self.src.error(f"empty {op} list", where, "an empty list can never match")
            if len(items) > MAX_LIST_ITEMS:
                raise self.src.error(f"{len(items)} items; at most {MAX_LIST_ITEMS}", where)
            counter.add(len(items) // 50)
        else:
            items = [operand]
        values, shown = [], []
        for j, item in enumerate(items):
            at = f"{where}[{j}]" if op in ("in", "not_in") else where
            values.append(self.scalar(item, param, kind, at))
            shown.append(item if isinstance(item, str) else str(item).lower() if isinstance(item, bool) else str(item))
        if op in ("lt", "lte", "gt", "gte") and kind not in ("uint", "int"):
            raise self.src.error(f"{op} needs a number argument", where)
        return Compare(op, tuple(values), tuple(shown), is_address=kind == "address")

    def scalar(self, item: object, param: Param, kind: str, where: str) -> object:
        if kind == "address":
            return self.ref(item, where)
        if kind in ("uint", "int"):
            if kind == "int" and isinstance(item, int) and not isinstance(item, bool) and item < 0:
                number = item
            else:
                self.check_unit(item, where)
                try:
                    number = parse_amount(item, where, self.decimals)
                except PolicyError as err:
                    raise self.src.error(err.message, where, err.hint) from None
            bits = int(param.type[4 if kind == "uint" else 3:] or 256)
            low, high = (0, (1 << bits) - 1) if kind == "uint" else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            if not low <= number <= high:
                raise self.src.error(f"{item!r} is out of range for {param.type}", where)
            return number
        if kind == "bool":
            return self.typed(item, bool, where, "write true or false, unquoted")
        if kind in ("bytes", "bytesN"):
            text = self.typed(item, str, where, "write bytes as a 0x hex string")
            try:
                raw = parse_hex(text, where)
            except ColdsightError as err:
                raise self.src.error(err.message, where) from None
            if kind == "bytesN" and len(raw) != int(param.type[5:]):
                raise self.src.error(f"{param.type} is {param.type[5:]} bytes, this value is {len(raw)}", where)
            return raw
        if kind == "string":
            return self.typed(item, str, where)
        raise self.src.error(f"conditions on {param.type} arguments are not supported", where)

    # ---- gas refunds ---------------------------------------------------------------------------

    def refund(self, value: object) -> RefundPolicy:
        table = self.table(value, "refund", {"tokens", "receivers"}, {"tokens"})
        items = self.typed(table["tokens"], list, "refund.tokens", "write [[refund.tokens]] tables")
        if not items:
            raise self.src.error("an empty token list allows no refund; leave [refund] out instead", "refund.tokens")
        tokens, seen = [], set()
        for i, item in enumerate(items):
            where = f"refund.tokens[{i}]"
            entry = self.table(item, where, {"token", "max_total", "max_gas_price"}, {"token", "max_total"})
            raw = entry["token"]
            token = self.token_ref(raw, f"{where}.token")
            key = "native" if token is None else token.display
            if key in seen:
                raise self.src.error(f"token {key} is listed twice", f"{where}.token")
            seen.add(key)
            tokens.append(RefundToken(token, self.refund_amount(entry["max_total"], token, f"{where}.max_total"),
                                      self.refund_amount(entry["max_gas_price"], token, f"{where}.max_gas_price")
                                      if "max_gas_price" in entry else None, where))
        raw_receivers = self.typed(table.get("receivers", ["$executor"]), list, "refund.receivers")
        if not raw_receivers:
            raise self.src.error("an empty receiver list allows no refund; leave [refund] out instead", "refund.receivers",
                                 '"$executor" is whoever executes the transaction (refundReceiver 0x0)')
        receivers = tuple(self.ref(raw, f"refund.receivers[{j}]") for j, raw in enumerate(raw_receivers) if raw != "$executor")
        return RefundPolicy(tuple(tokens), receivers, "$executor" in raw_receivers)

    def refund_amount(self, text: object, token: AddressRef | None, where: str) -> int:
        """An amount in the gas token's base units; the unit written must be that token's own."""
        unit = text.split()[-1] if isinstance(text, str) and len(text.split()) == 2 else None
        if unit is not None:
            symbol = self.book[token.text].token_symbol if token is not None and token.kind == "label" and \
                token.text in self.book else None
            if token is None and unit not in NATIVE_UNITS:
                raise self.src.error(f"the native coin's amounts are in wei, gwei or ether, not {unit}", where)
            if token is not None and unit != symbol:
                raise self.src.error(f"amount in {unit}, but this token's unit is {symbol or 'unknown'}", where,
                                     "write the token's own symbol (from its [addresses] entry) or raw base units")
        try:
            return parse_amount(text, where, self.decimals)
        except PolicyError as err:
            raise self.src.error(err.message, where, err.hint) from None

    # ---- batch rules -------------------------------------------------------------------------------

    def batch_rules(self, value: object, rule_ids: set[str]) -> tuple[BatchRule, ...]:
        items = self.typed(value, list, "batch_rules", "write [[batch_rules]] tables")
        if len(items) > MAX_BATCH_RULES:
            raise self.src.error(f"{len(items)} batch rules; at most {MAX_BATCH_RULES}", "batch_rules")
        seen: set[str] = set()
        compiled = []
        for i, item in enumerate(items):
            where = f"batch_rules[{i}]"
            table = self.table(item, where, {"id", "effect", "description", "max_calls", "sums", "counts", "sequences",
                                             "allowances", "counterparties", "authority_changes"}, {"id"})
            rule_id = self.typed(table["id"], str, f"{where}.id")
            if not _ID.match(rule_id):
                raise self.src.error(f"bad rule id {rule_id!r}", f"{where}.id", "letters, digits, . _ - (at most 64)")
            if rule_id in seen or rule_id in rule_ids:
                raise self.src.error(f"duplicate rule id {rule_id!r}", f"{where}.id", "[[rules]] and [[batch_rules]] share ids")
            seen.add(rule_id)
            where = f"batch_rules[{i}] ({rule_id})"
            effect = self.choice(table.get("effect", Effect.DENY), (Effect.DENY, Effect.WARN), f"{where}.effect")
            description = self.typed(table["description"], str, f"{where}.description") if "description" in table else None
            max_calls = self.typed(table["max_calls"], int, f"{where}.max_calls") if "max_calls" in table else None
            if max_calls is not None and max_calls < 1:
                raise self.src.error("max_calls must be 1 or more", f"{where}.max_calls")
            counter = _Counter(self.src, where)
            sums = tuple(self.sum_limit(entry, f"{where}.sums[{j}]")
                         for j, entry in enumerate(self.typed(table.get("sums", []), list, f"{where}.sums")))
            counts = tuple(self.count_limit(entry, f"{where}.counts[{j}]", counter)
                           for j, entry in enumerate(self.typed(table.get("counts", []), list, f"{where}.counts")))
            sequences = tuple(self.sequence(entry, f"{where}.sequences[{j}]", counter)
                              for j, entry in enumerate(self.typed(table.get("sequences", []), list, f"{where}.sequences")))
            allowances = tuple(limit for j, entry in enumerate(self.typed(table.get("allowances", []), list,
                                                                          f"{where}.allowances"))
                               for limit in self.allowance_limits(entry, f"{where}.allowances[{j}]", counter))
            counterparties = None
            if "counterparties" in table:
                raw = self.typed(table["counterparties"], list, f"{where}.counterparties",
                                 'list who may receive, spend or hold control: ["@payroll", "@vault"]')
                if len(raw) > MAX_LIST_ITEMS:
                    raise self.src.error(f"{len(raw)} counterparties; at most {MAX_LIST_ITEMS}", f"{where}.counterparties")
                counterparties = tuple(self.ref(item, f"{where}.counterparties[{j}]") for j, item in enumerate(raw))
            authority = self.typed(table.get("authority_changes", True), bool, f"{where}.authority_changes",
                                   "authority_changes = false forbids any change of owners, modules, guards, roles, upgrades")
            if max_calls is None and not (sums or counts or sequences or allowances) and counterparties is None and authority:
                raise self.src.error("a batch rule without limits checks nothing", where,
                                     "give it max_calls, sums, counts, sequences, allowances, counterparties or "
                                     "authority_changes = false")
            compiled.append(BatchRule(rule_id, effect, description, max_calls, sums, counts, sequences, where, table,
                                      allowances, counterparties, authority))
        return tuple(compiled)

    def token_ref(self, value: object, where: str) -> AddressRef | None:
        """A token where a token is expected: "native" (the chain's coin), an address or an @label."""
        if value == "native":
            return None
        if isinstance(value, str) and not value.startswith(("0x", "@", "$")):
            lowered = value.lower()
            if lowered in ("eth", "ether", "wei", "gwei", "xdai", "matic", "pol", "bnb", "avax") or lowered == "coin":
                raise self.src.error(f"{value!r} is not a token address", where,
                                     'the chain\'s own coin is written "native" (amounts in wei, gwei or ether)')
            labels = [label for label, entry in self.book.items() if entry.token_symbol == value]
            hint = f'write "@{labels[0]}" (the [addresses] entry with symbol {value})' if labels else \
                'write "native" for the chain\'s coin, or a token\'s @label or address'
            raise self.src.error(f"{value!r} is not a token address", where, hint)
        return self.ref(value, where)

    def sum_limit(self, value: object, where: str) -> SumLimit:
        table = self.table(value, where, {"token", "per_recipient", "lte"}, {"token", "lte"})
        token = self.token_ref(table["token"], f"{where}.token")
        self.require_token(token, table["lte"], f"{where}.token")
        per_recipient = self.typed(table.get("per_recipient", False), bool, f"{where}.per_recipient")
        self.unit = "native" if token is None else self.token_unit_of((token,))
        try:
            self.check_unit(table["lte"], f"{where}.lte")
            cap = parse_amount(table["lte"], f"{where}.lte", self.decimals)
        except PolicyError as err:
            raise self.src.error(err.message.removeprefix("policy refused: "), f"{where}.lte", err.hint) from None
        finally:
            self.unit = None
        return SumLimit(token, per_recipient, cap, where)

    def require_token(self, token: AddressRef | None, amount: object, where: str) -> None:
        """A sum over a label that is not a token never applies: refuse it when its cap names a token unit."""
        if token is None or token.kind != "label" or token.text not in self.book:
            return
        entry = self.book[token.text]
        unit = amount.split()[-1] if isinstance(amount, str) and len(amount.split()) == 2 else None
        if entry.token_symbol is None and unit is not None:
            raise self.src.error(f"@{token.text} is not a token ([addresses].{token.text} has no token table), "
                                 f"but the cap is in {unit}", where,
                                 f"a sum counts transfers OF a token: write the token (\"@{unit}\" or its label) here; "
                                 f"to limit what reaches @{token.text}, use per_recipient or counterparties")

    def allowance_limits(self, value: object, where: str, counter: "_Counter") -> list[AllowanceLimit]:
        table = self.table(value, where, {"token", "lte", "left_lte", "per_spender", "used_by"}, {"token"})
        token = self.token_ref(table["token"], f"{where}.token")
        if token is None:
            raise self.src.error("the native coin has no allowances", f"{where}.token", "name an ERC-20 token")
        if "lte" not in table and "left_lte" not in table:
            raise self.src.error("an allowance limit needs lte (granted) or left_lte (left standing after the batch)", where)
        per_spender = self.typed(table.get("per_spender", False), bool, f"{where}.per_spender")
        uses = []
        used_by = self.typed(table.get("used_by", []), list, f"{where}.used_by")
        if len(used_by) > MAX_USES:
            raise self.src.error(f"{len(used_by)} used_by patterns; at most {MAX_USES}", f"{where}.used_by")
        for j, entry in enumerate(used_by):
            at = f"{where}.used_by[{j}]"
            use = self.table(entry, at, {"call", "amount"}, {"call", "amount"})
            match = self.call_match(use["call"], None, at, Effect.DENY, counter, wildcards=False)
            if match.function is None:
                raise self.src.error("used_by needs the spender's function signature", f"{at}.call.function")
            name = self.typed(use["amount"], str, f"{at}.amount")
            inputs = match.function.inputs
            index = int(name) if name.isdigit() and int(name) < len(inputs) else \
                next((i for i, p in enumerate(inputs) if p.name == name), None)
            if index is None or param_kind(inputs[index]) != "uint":
                raise self.src.error(f"{match.function.display} has no uint argument {name!r}", f"{at}.amount",
                                     "name the argument holding the amount the spender takes")
            uses.append(AllowanceUse(match, index, inputs[index].name, _shown_call(use["call"])))
        limits = []
        for key, kind in (("lte", "granted"), ("left_lte", "left")):
            if key in table:
                self.require_token(token, table[key], f"{where}.token")
                self.unit = self.token_unit_of((token,))
                try:
                    self.check_unit(table[key], f"{where}.{key}")
                    cap = parse_amount(table[key], f"{where}.{key}", self.decimals)
                except PolicyError as err:
                    raise self.src.error(err.message.removeprefix("policy refused: "), f"{where}.{key}", err.hint) from None
                finally:
                    self.unit = None
                limits.append(AllowanceLimit(token, per_spender, cap, kind, tuple(uses), where))
        return limits

    def count_limit(self, value: object, where: str, counter: "_Counter") -> CountLimit:
        table = self.table(value, where, {"call", "args", "lte"}, {"call", "lte"})
        match = self.call_match(table["call"], table.get("args"), where, Effect.DENY, counter, wildcards=True)
        cap = self.typed(table["lte"], int, f"{where}.lte")
        if cap < 0:
            raise self.src.error("a count is 0 or more", f"{where}.lte")
        return CountLimit(match, cap, _shown_call(table["call"]), where)

    def sequence(self, value: object, where: str, counter: "_Counter") -> SequenceRule:
        table = self.table(value, where, {"when", "require", "then"}, {"when"})
        if "require" not in table and "then" not in table:
            raise self.src.error("a sequence needs require, then, or both", where)
        when_table = self.table(table["when"], f"{where}.when", {"call", "args"}, {"call"})
        when = self.call_match(when_table["call"], when_table.get("args"), f"{where}.when", Effect.DENY, counter, wildcards=True)
        require = None
        if "require" in table:
            if when.function is None:
                raise self.src.error("require needs a function signature in when.call.function", f"{where}.require")
            self.unit = self.token_unit_of(when.targets)
            require = self.argument_checks(table["require"], when.function, f"{where}.require", Effect.ALLOW, counter, 0)
            self.unit = None
        then = None
        if "then" in table:
            then_table = self.table(table["then"], f"{where}.then", {"call", "args"}, {"call"})
            then = self.call_match(then_table["call"], then_table.get("args"), f"{where}.then", Effect.DENY, counter,
                                   wildcards=True)
        return SequenceRule(when, require, then, _shown_call(when_table["call"]),
                            _shown_call(table["then"]["call"]) if then is not None else "", where)

    # ---- waivers and tests ---------------------------------------------------------------------

    def waivers(self, value: object) -> tuple[Waiver, ...]:
        items = self.typed(value, list, "allow_dangerous", "write [[allow_dangerous]] tables")
        waivers = []
        for i, item in enumerate(items):
            where = f"allow_dangerous[{i}]"
            table = self.table(item, where, {"finding", "call", "args", "reason"}, {"finding", "call", "reason"})
            code = self.typed(table["finding"], str, f"{where}.finding")
            if code in NEVER_WAIVABLE:
                raise self.src.error(f"{code} can never be waived: it means the payload is not what it claims",
                                     f"{where}.finding")
            if code not in WAIVABLE:
                raise self.src.error(f"unknown finding code {code!r}", f"{where}.finding",
                                     f"waivable codes: {', '.join(sorted(WAIVABLE))}")
            reason = self.typed(table["reason"], str, f"{where}.reason").strip()
            if len(reason) < 10:
                raise self.src.error("the reason is shown to signers; write a real one (10 characters or more)",
                                     f"{where}.reason")
            call = self.typed(table["call"], dict, f"{where}.call")
            if "to" not in call:
                raise self.src.error("an allow_dangerous entry must name its exact target", f"{where}.call")
            match = self.call_match(call, table.get("args"), where, Effect.ALLOW, _Counter(self.src, where), wildcards=False)
            if call.get("operation") is None:  # the finding code already says which operation it is about
                match = CallMatch(match.targets, match.function, match.selector, None, match.value, match.args)
            waivers.append(Waiver(code, reason, match, where))
        return tuple(waivers)

    def tests(self, value: object) -> tuple[PolicyTestCase, ...]:
        items = self.typed(value, list, "tests", "write [[tests]] tables")
        cases = []
        for i, item in enumerate(items):
            where = f"tests[{i}]"
            table = self.table(item, where, {"name", "payload", "expect", "rules", "calls", "verdict", "chain_id",
                                             "safe", "safe_version"}, {"payload", "expect"})
            rules = None
            if "rules" in table:
                rules = tuple(self.typed(r, str, f"{where}.rules[{j}]") for j, r in enumerate(self.typed(table["rules"], list, f"{where}.rules")))
            calls = None
            if "calls" in table:
                calls = {str(k): self.choice(v, OUTCOMES, f"{where}.calls.{k}") for k, v in self.typed(table["calls"], dict, f"{where}.calls").items()}
            cases.append(PolicyTestCase(
                name=self.typed(table.get("name", f"test {i}"), str, f"{where}.name"),
                payload=self.typed(table["payload"], str, f"{where}.payload"),
                expect=self.choice(table["expect"], OUTCOMES, f"{where}.expect"),
                rules=rules, calls=calls,
                verdict=self.choice(table["verdict"], VERDICTS, f"{where}.verdict") if "verdict" in table else None,
                chain_id=self.typed(table["chain_id"], int, f"{where}.chain_id") if "chain_id" in table else None,
                safe=self.address(table["safe"], f"{where}.safe") if "safe" in table else None,
                safe_version=self.typed(table["safe_version"], str, f"{where}.safe_version") if "safe_version" in table else None,
                where=where))
        return tuple(cases)


def _shown_call(call: object) -> str:
    """A call table as a reviewer reads it: `transfer(...) on @USDC`."""
    if not isinstance(call, dict):
        return str(call)
    to = call.get("to", "any target")
    to = ", ".join(to) if isinstance(to, list) else to
    return f"{call.get('function', 'any function')} on {to}"


class _Counter:
    """Counts a rule's conditions so a 10,000-condition rule is refused, not evaluated."""

    def __init__(self, source: _Source, where: str):
        self.count = 0
        self.src = source
        self.where = where

    def add(self, amount: int) -> None:
        self.count += amount
        if self.count > MAX_CONDITIONS_PER_RULE:
            raise self.src.error(f"more than {MAX_CONDITIONS_PER_RULE} conditions in one rule", self.where,
                                 "split it into several rules, or use `in` lists")


def parse_toml(data: bytes, name: str) -> dict:
    source = _Source(name)
    if len(data) > MAX_POLICY_BYTES:
        raise source.error(f"the file is {len(data):,} bytes; policies larger than {MAX_POLICY_BYTES:,} bytes are refused", "",
                           "a policy is meant to be read by people; split it per Safe")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise source.error(f"not UTF-8 text (bad byte at offset {err.start})", "") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise source.error(f"malformed TOML: {err}", "", "check quotes, brackets and commas on that line") from None
    except RecursionError:
        raise source.error("TOML nested too deeply", "") from None


def compile_policy(data: bytes, name: str) -> Policy:
    """Bytes of a policy file -> compiled Policy, or PolicyError naming file, key path and hint."""
    document = parse_toml(data, name)
    try:
        return _Compiler(_Source(name)).compile(document)
    except RecursionError:
        raise _Source(name).error("policy nested too deeply", "") from None
