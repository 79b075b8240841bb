"""Compiled conditions on decoded arguments, and their evaluation.

A condition is compiled once, at load time, against the ABI type of the argument it
constrains (from the rule's own function signature), so a condition that cannot apply to its
argument is a load error, not a silent non-match at signing time.

Evaluation returns the list of failures (empty = the condition holds). Every combinator is
monotone, which is what makes "adding a deny rule never turns a deny into an allow" true.
When something cannot be evaluated (nested calldata that does not decode), the answer is the
fail-closed one: it holds for a deny rule and fails for an allow or warn rule.
"""

from dataclasses import dataclass

from decoders.abi import Function, Param, decode_arguments
from decoders.errors import DecodeError
from decoders.hexutil import short_address

from .refs import AddressRef, Env


@dataclass(frozen=True)
class Failure:
    argument: str
    expected: str
    actual: str


class Condition:
    def check(self, value: object, env: Env, path: str, unknown_holds: bool) -> list[Failure]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def show_actual(value: object, env: Env | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        text = "0x" + bytes(value).hex()
        return text if len(text) <= 80 else f"{text[:66]}… ({len(value)} bytes)"
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        label = env.label_of(value) if env is not None and hasattr(env, "label_of") else None
        return f"{value} (@{label})" if label else value
    if isinstance(value, (list, tuple)):
        return f"[{len(value)} item(s)]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show_actual(v, env)}" for k, v in value.items()) + "}"
    return str(value)


# ---- comparisons -------------------------------------------------------------------------------

ORDER_OPS = {"lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}
OP_WORDS = {"eq": "=", "in": "one of", "not_in": "none of", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


@dataclass(frozen=True)
class Compare(Condition):
    """eq / in / not_in / lt / lte / gt / gte against values already converted to the argument's type.
    For addresses, `expected` holds AddressRefs resolved per chain at evaluation."""

    op: str
    expected: tuple  # one item for eq and the order operators
    shown: tuple[str, ...]  # the expected values as the policy wrote them
    is_address: bool = False

    def _holds(self, value: object, env: Env) -> bool:
        if self.is_address:
            allowed = env.resolve_all(self.expected)
            hit = isinstance(value, str) and value.lower() in allowed
            return not hit if self.op == "not_in" else hit
        if self.op in ORDER_OPS:
            return isinstance(value, int) and not isinstance(value, bool) and ORDER_OPS[self.op](value, self.expected[0])
        hit = any(type(value) is type(item) and value == item for item in self.expected)
        return not hit if self.op == "not_in" else hit

    def check(self, value, env, path, unknown_holds):
        if self._holds(value, env):
            return []
        return [Failure(path, self.describe(), show_actual(value, env))]

    def describe(self) -> str:
        if self.op in ("in", "not_in"):
            return f"{OP_WORDS[self.op]} [{', '.join(self.shown)}]"
        return f"{OP_WORDS[self.op]} {self.shown[0]}"


@dataclass(frozen=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def check(self, value, env, path, unknown_holds):
        failures: list[Failure] = []
        for part in self.parts:
            failures.extend(part.check(value, env, path, unknown_holds))
        return failures

    def describe(self) -> str:
        return " and ".join(p.describe() for p in self.parts)


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def check(self, value, env, path, unknown_holds):
        for part in self.parts:
            if not part.check(value, env, path, unknown_holds):
                return []
        return [Failure(path, self.describe(), show_actual(value, env))]

    def describe(self) -> str:
        return "any of (" + "; ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class Length(Condition):
    inner: Condition

    def check(self, value, env, path, unknown_holds):
        return self.inner.check(len(value), env, f"length({path})", unknown_holds)

    def describe(self) -> str:
        return f"length {self.inner.describe()}"


@dataclass(frozen=True)
class Every(Condition):
    inner: Condition

    def check(self, value, env, path, unknown_holds):
        failures: list[Failure] = []
        for index, item in enumerate(value):
            failures.extend(self.inner.check(item, env, f"{path}[{index}]", unknown_holds))
            if len(failures) >= 5:  # enough to explain; a 10,000-item array needs no 10,000 lines
                break
        return failures

    def describe(self) -> str:
        return f"every item: {self.inner.describe()}"


@dataclass(frozen=True)
class Some(Condition):
    inner: Condition

    def check(self, value, env, path, unknown_holds):
        for index, item in enumerate(value):
            if not self.inner.check(item, env, f"{path}[{index}]", unknown_holds):
                return []
        return [Failure(path, f"some item: {self.inner.describe()}", f"none of {len(value)} item(s)")]

    def describe(self) -> str:
        return f"some item: {self.inner.describe()}"


@dataclass(frozen=True)
class Fields(Condition):
    """Tuple fields, addressed by position (so the names the bundled ABI uses do not matter)."""

    fields: tuple[tuple[int, str, Condition], ...]

    def check(self, value, env, path, unknown_holds):
        items = list(value.values()) if isinstance(value, dict) else list(value)
        failures: list[Failure] = []
        for index, name, condition in self.fields:
            failures.extend(condition.check(items[index], env, f"{path}.{name}", unknown_holds))
        return failures

    def describe(self) -> str:
        return "{" + ", ".join(f"{name}: {c.describe()}" for _, name, c in self.fields) + "}"


@dataclass(frozen=True)
class ArgumentChecks:
    """Conditions on a call's arguments by position; also the body of a `calldata` condition."""

    checks: tuple[tuple[int, str, Condition], ...]

    def check_values(self, values: list, env: Env, prefix: str, unknown_holds: bool) -> list[Failure]:
        failures: list[Failure] = []
        for index, name, condition in self.checks:
            failures.extend(condition.check(values[index], env, prefix + name, unknown_holds))
        return failures


@dataclass(frozen=True)
class Calldata(Condition):
    """A `bytes` argument that is itself a call (upgradeToAndCall's data, multicall entries)."""

    function: Function
    args: ArgumentChecks

    def check(self, value, env, path, unknown_holds):
        try:
            decoded = decode_arguments(self.function, bytes(value))
        except DecodeError as err:
            if unknown_holds:
                return []
            return [Failure(path, f"calldata {self.function.display}", f"does not decode: {err.message}")]
        return self.args.check_values([a.value for a in decoded], env, f"{path}:{self.function.name}.", unknown_holds)

    def describe(self) -> str:
        return f"calldata {self.function.display}"


def param_kind(param: Param) -> str:
    t = param.type
    if t.endswith("]"):
        return "array"
    if t.startswith("("):
        return "tuple"
    if t == "address":
        return "address"
    if t == "bool":
        return "bool"
    if t.startswith("uint"):
        return "uint"
    if t.startswith("int"):
        return "int"
    if t == "bytes":
        return "bytes"
    if t.startswith("bytes"):
        return "bytesN"
    if t == "string":
        return "string"
    return "other"


def element_param(param: Param) -> Param:
    return Param(param.name, param.type[: param.type.rindex("[")], param.components)


__all__ = ["Failure", "Condition", "Compare", "AllOf", "AnyOf", "Length", "Every", "Some", "Fields", "ArgumentChecks",
           "Calldata", "param_kind", "element_param", "show_actual", "short_address", "AddressRef"]
