"""The call tree: the top-level call plus every MultiSend batch unwrapped, each call decoded.

Paths: the SafeTx itself is `0`; the entries of a batch it makes are `0.0`, `0.1`, …; a batch
inside entry 2 gives `0.2.0`, `0.2.1`, …
"""

from dataclasses import dataclass, field

from . import deployments
from .abi import AbiRegistry, DecodedArg, Function, decode_arguments
from .errors import DecodeError
from .multisend import parse_batch
from .safetx import ZERO_ADDRESS, Context, SafeTx

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
    batch_encoding: str | None = None  # "packed" / "padded" when this call is a MultiSend batch
    to_zero_means_safe: bool = False  # Safe 1.5.0 batches: `to == 0x0` stands for the Safe itself

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
    root = CallNode(path="0", to=tx.to, value=tx.value, operation=tx.operation, data=tx.data, depth=0)
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


def _batch_version(node: CallNode, context: Context) -> tuple[bool, bool]:
    """(prefer the old padded encoding, `to == 0x0` means the Safe)."""
    target = node.target
    if target is not None and target.version:
        old = target.version in ("0.1.0", "1.0.0")
        return old, target.version.startswith("1.5")
    newer = context.version.at_least("1.5.0")
    return context.version.at_least("1.1.0") is False, newer is not False  # unknown: assume it may


def _unwrap_batch(node: CallNode, context: Context, registry: AbiRegistry, budget: _Budget) -> None:
    if node.depth + 1 > MAX_DEPTH:
        node.decode_error = f"batches nested deeper than {MAX_DEPTH} levels are refused"
        return
    blob = node.args[0].value
    prefer_padded, zero_is_safe = _batch_version(node, context)
    try:
        entries, encoding = parse_batch(blob, prefer_padded=prefer_padded)
    except DecodeError as err:
        node.decode_error = f"MultiSend batch does not parse: {err.message}"
        return
    if budget.nodes + len(entries) > MAX_NODES:
        node.decode_error = f"the transaction holds more than {MAX_NODES} calls; refusing to review it"
        return
    node.batch_encoding = encoding
    for index, entry in enumerate(entries):
        to = entry.to
        aliased = zero_is_safe and to == ZERO_ADDRESS
        child = CallNode(
            path=f"{node.path}.{index}",
            to=context.safe if aliased else to,
            value=entry.value,
            operation=entry.operation,
            data=entry.data,
            depth=node.depth + 1,
            to_zero_means_safe=aliased,
        )
        node.children.append(child)
        _fill(child, context, registry, budget)
