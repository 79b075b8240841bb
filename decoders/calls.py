"""The call tree: the top-level call plus every MultiSend batch unwrapped, each call decoded.

Paths: the SafeTx itself is `0`; the entries of a batch it makes are `0.0`, `0.1`, …; a batch
inside entry 2 gives `0.2.0`, `0.2.1`, …

A batch is unwrapped only when its target is a known MultiSend / MultiSendCallOnly deployment on
this chain, and then exactly as that deployment reads it (decoders/multisend.py): the children
are the calls the library really makes, up to a revert. `runs_as` says who makes each call: the
Safe, or the library itself when the Safe CALLs it instead of delegatecalling it.

Other wrappers (multicall, Multicall3, a nested Safe's execTransaction, module calls, smart
accounts, L2 deposits: decoders/wrappers.py) are unwrapped from their decoded arguments. Their
children are `claimed`: what the arguments say, made by code that is not run offline, so the EVM
check treats the wrapper as a leaf. A delegatecall to the canonical CreateCall library shows the
contract creation it makes as a child (operation 2); that child is the library's real behaviour.
"""

from dataclasses import dataclass, field, replace
from typing import NamedTuple, TypeVar

from . import deployments
from .abi import AbiRegistry, DecodedArg, Function, decode_arguments
from .errors import DecodeError
from .deployments import ContractKind
from .hexutil import keccak, to_checksum
from .multisend import ZERO_ADDRESS, BatchLibrary, BatchReading, library_for, read_batch
from .safe_libraries import migration_self_call, migration_targets
from .safetx import Context, SafeTx
from .wrappers import Unwrapped, is_wrapper, unwrap

MULTISEND_SELECTOR = bytes.fromhex("8d80ff0a")  # multiSend(bytes)
MAX_DEPTH = 8
MAX_NODES = 10_000
CREATE_CALL_FUNCTIONS = {"performCreate", "performCreate2"}
_T = TypeVar("_T")


class Decoded(NamedTuple):
    """A call's decoded function and arguments, grouped: a call has both or neither."""

    function: Function
    args: list[DecodedArg]


@dataclass
class CallNode:
    path: str
    to: str
    value: int
    operation: int
    data: bytes
    depth: int
    target: "deployments.KnownContract | None" = None
    function: Function | None = None
    args: list[DecodedArg] | None = None
    decode_error: str | None = None
    children: list["CallNode"] = field(default_factory=list)
    batch_encoding: str | None = None  # "packed" when this call is an unwrapped MultiSend batch
    runs_as: str | None = None  # the account that makes this call (msg.sender of it)
    batch_library: BatchLibrary | None = None  # set with batch_encoding
    batch: BatchReading | None = None  # how the library reads the bytes (set with batch_encoding)
    to_was_zero: bool = False  # 1.5.0 batch entry whose `to == 0x0` the library replaced by address(this)
    wrapper: Unwrapped | None = None  # set when this call's arguments carry further calls (decoders/wrappers.py)
    claimed: bool = False  # decoded from a wrapper's arguments; made by code the EVM check does not run
    maker_role: str | None = None  # who runs_as is, in words, when it is not this Safe
    account_call: bool = False  # an account's own transaction (nested Safe, module): top-level delegatecall rules
    network: str | None = None  # "L2" when the call runs on another chain (an L1 → L2 message)

    @property
    def to_zero_means_safe(self) -> bool:
        """Kept for readers of the old name: a 1.5.0 entry sent to 0x0 that lands on the Safe."""
        return self.to_was_zero and self.runs_as is not None and self.to == self.runs_as

    @property
    def selector(self) -> bytes | None:
        return self.data[:4] if len(self.data) >= 4 else None

    @property
    def is_batch(self) -> bool:
        return self.batch_encoding is not None

    def walk(self):
        """This node and every node below it, depth first, in path order (iterative: trees can be wide)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def arg(self, name: str) -> object:
        for item in self.args or ():
            if item.name == name:
                return item.value
        raise KeyError(name)

    def arg_at(self, index: int) -> object:
        return self.require_decoded().args[index].value

    @property
    def decoded(self) -> Decoded | None:
        """The function and its arguments together, or None when the call did not decode."""
        if self.function is None or self.args is None:
            return None
        return Decoded(self.function, self.args)

    def require_decoded(self) -> Decoded:
        """`decoded` for callers that only reach decoded calls (a wrapper, a batch, a known library call)."""
        decoded = self.decoded
        if decoded is None:
            raise TypeError(f"call {self.path} is not decoded")
        return decoded

    def typed_arg(self, name: str, kind: type[_T]) -> _T:
        """`arg(name)` checked to be of the type its ABI type decodes to (int, bytes, str, bool, …)."""
        value = self.arg(name)
        if not isinstance(value, kind):
            raise TypeError(f"argument {name} of call {self.path} is {type(value).__name__}, not {kind.__name__}")
        return value


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0


def build_call_tree(tx: SafeTx, context: Context, registry: AbiRegistry) -> CallNode:
    root = CallNode(path="0", to=tx.to, value=tx.value, operation=tx.operation, data=tx.data, depth=0,
                    runs_as=context.safe)
    _fill(root, context, registry, _Budget())
    return root


def _fill(node: CallNode, context: Context, registry: AbiRegistry, budget: _Budget) -> None:
    budget.nodes += 1
    # An L2 call's target is on another chain: this chain's deployments say nothing about it.
    node.target = None if node.network else deployments.identify(context.chain_id, node.to)
    if not node.data or node.operation == 2:
        return  # no call data, or creation code (not call data: there is no function to decode)
    if len(node.data) < 4:
        node.decode_error = f"call data is {len(node.data)} byte(s), shorter than a 4-byte function selector"
        return
    _decode(node, registry)
    if node.function is None or node.decode_error is not None:
        return
    if node.selector == MULTISEND_SELECTOR:
        _unwrap_batch(node, context, registry, budget)
    elif is_create_call(node):
        _show_creation(node)
    elif shows_library_self_call(node):
        _show_library_self_call(node, context, registry, budget)
    else:
        _unwrap_wrapper(node, context, registry, budget)


def _decode(node: CallNode, registry: AbiRegistry) -> None:
    errors = []
    selector = node.selector
    assert selector is not None  # _fill checked the data holds one
    for function in registry.candidates(selector, node.to):
        try:
            node.args = decode_arguments(function, node.data)
            node.function = function
            return
        except DecodeError as err:
            errors.append(err.message)
    if errors:
        node.decode_error = errors[0]


def batch_library_of(node: CallNode) -> BatchLibrary | None:
    """The batch library `node` calls, if it calls multiSend(bytes) on a known deployment."""
    if node.target is None or node.function is None or node.selector != MULTISEND_SELECTOR:
        return None
    return library_for(node.target)


def executing_address(node: CallNode) -> str:
    """address(this) inside the code `node` runs: the caller's context for a delegatecall, else the target."""
    return node.runs_as if node.operation == 1 and node.runs_as is not None else node.to


def is_create_call(node: CallNode) -> bool:
    """A decoded performCreate / performCreate2 on the canonical CreateCall library."""
    return (node.target is not None and node.target.kind is ContractKind.CREATE_CALL and node.function is not None
            and node.function.name in CREATE_CALL_FUNCTIONS)


def _show_creation(node: CallNode) -> None:
    """CreateCall makes one CREATE / CREATE2 from address(this) with the given value and code."""
    value, code = node.typed_arg("value", int), node.typed_arg("deploymentData", bytes)
    deployer = executing_address(node)
    if node.require_decoded().function.name == "performCreate2":
        # EIP-1014: keccak256(0xff ++ deployer ++ salt ++ keccak256(init_code))[12:]
        salt = node.typed_arg("salt", bytes)
        raw = keccak(b"\xff" + bytes.fromhex(deployer[2:]) + salt + keccak(code))[12:]
        address = to_checksum(raw)
    else:
        address = ZERO_ADDRESS  # CREATE: the address depends on the deployer's account nonce, unknown offline
    node.children.append(CallNode(path=f"{node.path}.0", to=address, value=value, operation=2, data=code,
                                  depth=node.depth + 1, runs_as=deployer))


def library_self_call(node: CallNode) -> bytes | None:
    """The documented self-call a canonical library delegatecalled by an account makes (SafeMigration's
    setFallbackHandler, decoders/safe_libraries.py), or None."""
    if node.operation != 1 or node.function is None or node.target is None:
        return None
    return migration_self_call(node.function.name, migration_targets(node.target, node.to))


def shows_library_self_call(node: CallNode) -> bool:
    return library_self_call(node) is not None


def _show_library_self_call(node: CallNode, context: Context, registry: AbiRegistry, budget: _Budget) -> None:
    """The call the library makes from the account to the account itself (its real behaviour, not claimed)."""
    account = executing_address(node)
    child = CallNode(path=f"{node.path}.0", to=account, value=0, operation=0, data=library_self_call(node) or b"",
                     depth=node.depth + 1, runs_as=account)
    node.children.append(child)
    _fill(child, context, registry, budget)


def _unwrap_wrapper(node: CallNode, context: Context, registry: AbiRegistry, budget: _Budget) -> None:
    function, args = node.require_decoded()
    if not is_wrapper(function.canonical):
        return
    unwrapped = unwrap(function.canonical, [a.value for a in args], node.to, node.runs_as,
                       executing_address(node))
    if unwrapped is None:
        return
    node.wrapper = unwrapped
    if node.depth + 1 > MAX_DEPTH:
        node.decode_error = f"calls nested deeper than {MAX_DEPTH} levels are refused"
        return
    if budget.nodes + len(unwrapped.calls) > MAX_NODES:
        node.decode_error = f"the transaction holds more than {MAX_NODES} calls; refusing to review it"
        return
    for index, inner in enumerate(unwrapped.calls):
        child = CallNode(path=f"{node.path}.{index}", to=inner.to, value=inner.value, operation=inner.operation,
                         data=inner.data, depth=node.depth + 1, runs_as=inner.maker, claimed=True,
                         maker_role=inner.maker_role, account_call=inner.account_call,
                         network=inner.network or node.network)
        node.children.append(child)
        _fill(child, context, registry, budget)


def _unwrap_batch(node: CallNode, context: Context, registry: AbiRegistry, budget: _Budget) -> None:
    library = batch_library_of(node)
    if library is None or node.operation not in (0, 1):
        return  # multiSend on a contract whose code is unknown here: not read as the Safe's batch
    if node.depth + 1 > MAX_DEPTH:
        node.decode_error = f"batches nested deeper than {MAX_DEPTH} levels are refused"
        return
    blob = node.arg_at(0)
    assert isinstance(blob, bytes)  # multiSend(bytes): batch_library_of matched the selector
    executing_as = executing_address(node)
    try:
        reading = read_batch(blob, library, executing_as)
    except DecodeError as err:
        node.decode_error = f"MultiSend batch cannot be reviewed: {err.message}"
        return
    if budget.nodes + len(reading.entries) > MAX_NODES:
        node.decode_error = f"the transaction holds more than {MAX_NODES} calls; refusing to review it"
        return
    node.batch_encoding = "packed"
    node.batch_library = library
    node.batch = reading
    for entry in reading.entries:
        child = CallNode(
            path=f"{node.path}.{entry.index}",
            to=entry.to,
            value=entry.value,
            operation=entry.operation,
            data=entry.data,
            depth=node.depth + 1,
            runs_as=executing_as,
            to_was_zero=entry.encoded_to != entry.to,
            claimed=node.claimed,
            network=node.network,
        )
        node.children.append(child)
        _fill(child, context, registry, budget)
        if child.batch is not None and child.batch.reverts_at is not None and child.operation == 1 \
                and child.runs_as == node.runs_as:
            # MultiSend reverts as soon as a call fails (`if eq(success, 0) { revert }`): an entry that is a
            # batch the bytes make revert stops this batch there too; later entries never run.
            node.batch = replace(reading, entries=reading.entries[: entry.index + 1], reverts_at=entry.index,
                                 revert_reason=f"entry {entry.index} is a batch that reverts "
                                               f"({child.batch.revert_reason}), so this batch reverts there too")
            break
