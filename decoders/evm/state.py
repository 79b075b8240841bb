"""The Safe state a legitimate self-management call needs, synthesized from the calls themselves.

The Safe's real owners and modules are not known offline. `removeOwner`, `swapOwner` and
`disableModule` name the previous entry of the Safe's linked list, and revert (GS205 / GS103)
unless that entry really precedes the one removed; `removeOwner` and `changeThreshold` revert
when the owners are too few for the new threshold. So that the EVM check still covers such a
call (and every batch entry after it), the synthesized Safe is given exactly what the calls
assume: the named owners or modules, in the named order, and enough owners for each threshold.
Every assumption is returned in plain words for the signer. Nothing here can make a call
succeed that would fail against every possible real state; calls the model cannot satisfy are
left alone, and then the run reverts and the check says the call was not covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..hexutil import keccak, to_checksum
from .model import SafeState

SENTINEL = to_checksum((1).to_bytes(20, "big"))
_ZERO = to_checksum(bytes(20))
_MAX_FIXES = 64  # each fix inserts one address; a transaction needing more is left alone


@dataclass(frozen=True)
class _Op:
    path: str
    name: str
    values: tuple


def _self_management(root, context) -> list[_Op]:
    """The Safe's own calls to itself that manage owners, threshold or modules, in execution order."""
    ops = []
    for node in root.walk():
        if (node.claimed or node.to != context.safe or node.operation != 0 or node.function is None
                or node.args is None or (node.path != "0" and node.runs_as != context.safe)):
            continue
        if node.function.name in _RULES:
            ops.append(_Op(node.path, node.function.name, tuple(arg.value for arg in node.args)))
    return ops


def _address(value: object) -> str:
    if isinstance(value, str):
        return to_checksum(bytes.fromhex(value.removeprefix("0x")))
    if isinstance(value, bytes) and len(value) == 20:
        return to_checksum(value)
    return str(value)


class _Model:
    """OwnerManager / ModuleManager's linked lists, as ordered Python lists (head first)."""

    def __init__(self, owners: list[str], modules: list[str], executor: str):
        self.owners = owners + [executor]
        self.modules = list(modules)
        self.threshold = 1

    @staticmethod
    def follows(items: list[str], prev: str, item: str) -> bool:
        if prev == SENTINEL:
            return bool(items) and items[0] == item
        return prev in items and items.index(prev) + 1 < len(items) and items[items.index(prev) + 1] == item


def _apply(model: _Model, op: _Op) -> str | None:
    """Apply `op`; None when it succeeds, else which precondition failed ("owners", "modules", "count")."""
    v = op.values
    if op.name == "addOwnerWithThreshold":
        owner, threshold = _address(v[0]), int(v[1])
        if owner in model.owners or owner in (_ZERO, SENTINEL):
            return "invalid"
        model.owners.insert(0, owner)
        if not 1 <= threshold <= len(model.owners):
            return "invalid"
        model.threshold = threshold
    elif op.name == "removeOwner":
        prev, owner, threshold = _address(v[0]), _address(v[1]), int(v[2])
        if not _Model.follows(model.owners, prev, owner):
            return "owners"
        if len(model.owners) - 1 < threshold or threshold < 1:
            return "count"
        model.owners.remove(owner)
        model.threshold = threshold
    elif op.name == "swapOwner":
        prev, old, new = _address(v[0]), _address(v[1]), _address(v[2])
        if new in model.owners or new in (_ZERO, SENTINEL):
            return "invalid"
        if not _Model.follows(model.owners, prev, old):
            return "owners"
        model.owners[model.owners.index(old)] = new
    elif op.name == "changeThreshold":
        threshold = int(v[0])
        if threshold < 1:
            return "invalid"
        if threshold > len(model.owners):
            return "count"
        model.threshold = threshold
    elif op.name == "enableModule":
        module = _address(v[0])
        if module in model.modules or module in (_ZERO, SENTINEL):
            return "invalid"
        model.modules.insert(0, module)
    elif op.name == "disableModule":
        prev, module = _address(v[0]), _address(v[1])
        if not _Model.follows(model.modules, prev, module):
            return "modules"
        model.modules.remove(module)
    return None


_RULES = ("addOwnerWithThreshold", "removeOwner", "swapOwner", "changeThreshold", "enableModule", "disableModule")


def _run(owners: list[str], modules: list[str], ops: list[_Op], executor: str) -> tuple[int, str] | None:
    model = _Model(owners, modules, executor)
    for index, op in enumerate(ops):
        failed = _apply(model, op)
        if failed is not None:
            return index, failed
    return None


def _padding(count: int) -> Iterator[str]:
    for i in range(count):
        yield to_checksum(keccak(b"coldsight.evm.owner" + i.to_bytes(2, "big"))[12:])


def _insert_pair(items: list[str], prev: str, item: str, mentioned: set[str]) -> bool:
    """Make `prev` precede `item` in the initial list, if neither is placed yet by something else."""
    if item in items or item in mentioned:
        return False
    if prev == SENTINEL:
        items.insert(0, item)
        return True
    if prev in items:
        items.insert(items.index(prev) + 1, item)
        return True
    if prev in mentioned or prev in (_ZERO,):
        return False
    items[0:0] = [prev, item]
    return True


_GUARD_SETTERS = ("setGuard", "setModuleGuard")


def state_for(root, context, executor: bytes) -> tuple[SafeState, list[str]]:
    """Initial owners and modules under which the Safe's own management calls in `root` can run, and
    what was assumed, in words. Empty state and no words when the transaction manages nothing."""
    try:
        state, assumed = _synthesize(_self_management(root, context), to_checksum(executor))
        guards = tuple(dict.fromkeys(_address(node.args[0].value) for node in root.walk()
                                     if not node.claimed and node.to == context.safe and node.operation == 0
                                     and node.function is not None and node.function.name in _GUARD_SETTERS
                                     and node.args and _address(node.args[0].value) != _ZERO))
    except (ValueError, TypeError, IndexError):  # arguments the model cannot read: run with nothing assumed
        return SafeState(), []
    return replace(state, code_stubs=guards), assumed


def _synthesize(ops: list[_Op], executor_text: str) -> tuple[SafeState, list[str]]:
    if not ops:
        return SafeState(), []
    owners: list[str] = []
    modules: list[str] = []
    assumed: list[str] = []
    padding = _padding(_MAX_FIXES)
    for _ in range(_MAX_FIXES):
        failure = _run(owners, modules, ops, executor_text)
        if failure is None:
            break
        index, kind = failure
        op = ops[index]
        earlier = {_address(value) for previous in ops[:index] for value in previous.values if isinstance(value, (str, bytes))}
        if kind == "owners":
            prev, owner = _address(op.values[0]), _address(op.values[1])
            if not _insert_pair(owners, prev, owner, earlier):
                break
            where = "first in the list of owners" if prev == SENTINEL else f"listed right after {prev}"
            assumed.append(f"{owner} is assumed to be an owner of the Safe, {where}, as {op.name} at {op.path} "
                           "requires (the real owners are not known offline)")
        elif kind == "modules":
            prev, module = _address(op.values[0]), _address(op.values[1])
            if not _insert_pair(modules, prev, module, earlier):
                break
            where = "first in the list of modules" if prev == SENTINEL else f"listed right after {prev}"
            assumed.append(f"{module} is assumed to be an enabled module of the Safe, {where}, as {op.name} at "
                           f"{op.path} requires (the real modules are not known offline)")
        elif kind == "count":
            owners.append(next(padding))
        else:
            break
    padded = sum(1 for owner in owners if owner in set(_padding(_MAX_FIXES)))
    if padded:
        assumed.append(f"The Safe is assumed to have at least {len(owners) + 1} owners, so that the threshold the "
                       "transaction sets is possible (the real number of owners is not known offline)")
    return SafeState(owners=tuple(owners), modules=tuple(modules)), assumed
