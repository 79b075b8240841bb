"""The call tree: the top-level call plus every MultiSend batch unwrapped, each call decoded.

Paths: the SafeTx itself is `0`; the entries of a batch it makes are `0.0`, `0.1`, …; a batch
inside entry 2 gives `0.2.0`, `0.2.1`, …

A batch is unwrapped only when its target is a known MultiSend / MultiSendCallOnly deployment on
this chain, and then exactly as that deployment reads it (decoders/multisend.py): the children
are the calls the library really makes, up to a revert. `runs_as` says who makes each call: the
Safe, or the library itself when the Safe CALLs it instead of delegatecalling it.
"""

from dataclasses import dataclass, field

from . import deployments
from .abi import AbiRegistry, DecodedArg, Function, decode_arguments
from .errors import DecodeError
from .multisend import BatchLibrary, BatchReading, library_for, read_batch
from .safetx import Context, SafeTx

MULTISEND_SELECTOR = bytes.fromhex("8d80ff0a")  # multiSend(bytes)
MAX_DEPTH = 8
MAX_NODES = 10_000


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
        yield self
        for child in self.children:
            yield from child.walk()

    def arg(self, name: str) -> object:
        for item in self.args or ():
            if item.name == name:
                return item.value
        raise KeyError(name)

    def arg_at(self, index: int) -> object:
        return self.args[index].value


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
    node.target = deployments.identify(context.chain_id, node.to)
    if not node.data:
        return
    if len(node.data) < 4:
        node.decode_error = f"call data is {len(node.data)} byte(s), shorter than a 4-byte function selector"
        return
    _decode(node, registry)
    if node.function is not None and node.selector == MULTISEND_SELECTOR:
        _unwrap_batch(node, context, registry, budget)


def _decode(node: CallNode, registry: AbiRegistry) -> None:
    errors = []
    for function in registry.candidates(node.selector, node.to):
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


def _unwrap_batch(node: CallNode, context: Context, registry: AbiRegistry, budget: _Budget) -> None:
    library = batch_library_of(node)
    if library is None or node.operation not in (0, 1):
        return  # multiSend on a contract whose code is unknown here: not read as the Safe's batch
    if node.depth + 1 > MAX_DEPTH:
        node.decode_error = f"batches nested deeper than {MAX_DEPTH} levels are refused"
        return
    blob = node.args[0].value
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
        )
        node.children.append(child)
        _fill(child, context, registry, budget)
