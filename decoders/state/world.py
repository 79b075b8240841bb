"""py-evm on a witness: state that can only be what the snapshot proves.

The database holds the witness's trie nodes and codes, each under its keccak256, and the state
root is the header's. py-evm looks every account and slot up from that root (it was built for
exactly this: stateless "beam" execution), so a value is found only if the witness proves it.
Anything else raises py-evm's Missing*TrieNode / MissingBytecode, turned here into
StateIncomplete naming the account, slot or code: the run stops, nothing is guessed.

The EVM is the oracle's Cancun machine (decoders/evm/machine.py: same py-evm import, same
refused pairing precompiles), without its Safe-only recorder: every contract runs for real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from eth_typing import Address, BlockNumber, Hash32

from ..evm.machine import JUMP_WORK, OracleComputation, OracleState, WorkLimitExceeded, _OracleContext
from ..evm.pyevm_import import stand_ins
from ..hexutil import to_checksum
from .proof import Witness

with stand_ins():
    from eth.db.account import AccountDB
    from eth.db.atomic import AtomicDB
    from eth.vm.execution_context import ExecutionContext
    from eth.vm.interrupt import MissingAccountTrieNode, MissingBytecode, MissingStorageTrieNode
    from eth.vm.message import Message
    from eth.vm.stack import to_int

OP_SSTORE = 0x55
MAX_JUMPS = 500_000     # bounds one run's work as the EVM check does (about 2 s); a Uniswap v2 swap takes a few thousand
# The EVM check's one work bound (decoders/evm/machine.py: jumps and precompiles charged in the same units),
# at MAX_JUMPS jumps: a blake2f or pairing call the snapshot's contracts make is bounded like a loop.
WORK_LIMIT = MAX_JUMPS * JUMP_WORK
BLOCK_TIME = 12         # the run is placed in the block after the snapshot's: number + 1, time + 12 s


class StateIncomplete(Exception):
    """The run read something the snapshot does not prove."""

    def __init__(self, kind: str, address: bytes, slot: int | None = None):
        self.kind, self.address, self.slot = kind, address, slot
        super().__init__(self.describe())

    def describe(self) -> str:
        name = to_checksum(self.address)
        if self.kind == "storage":
            return f"storage slot {hex(self.slot or 0)} of {name} is not proven by the snapshot"
        if self.kind == "code":
            return f"the code of {name} is not in the snapshot"
        return f"account {name} is not proven by the snapshot"


WorkLimit = WorkLimitExceeded  # the run needed more than WORK_LIMIT (jumps and precompiles)


@dataclass
class Reads:
    """Every account and slot looked up through the witness (what the snapshot must prove)."""

    accounts: dict[bytes, set[int]] = field(default_factory=dict)
    codes: set[bytes] = field(default_factory=set)   # addresses whose code was read


class _ProvenAccountDB(AccountDB):
    reads: Reads

    def _get_encoded_account(self, address: Address, from_journal: bool = True) -> bytes:
        self.reads.accounts.setdefault(bytes(address), set())
        try:
            return super()._get_encoded_account(address, from_journal)
        except MissingAccountTrieNode:
            raise StateIncomplete("account", bytes(address)) from None

    def get_storage(self, address: Address, slot: int, from_journal: bool = True) -> int:
        self.reads.accounts.setdefault(bytes(address), set()).add(slot)
        try:
            return super().get_storage(address, slot, from_journal)
        except MissingStorageTrieNode:
            raise StateIncomplete("storage", bytes(address), slot) from None

    def get_code(self, address: Address) -> bytes:
        self.reads.codes.add(bytes(address))
        try:
            return super().get_code(address)
        except MissingBytecode:
            raise StateIncomplete("code", bytes(address)) from None


@dataclass
class MessageRecord:
    """One message (call) of the run, in the order they began."""

    depth: int
    sender: bytes
    to: bytes             # the storage address (the account whose state the code runs on)
    code_address: bytes
    value: int
    data: bytes
    is_error: bool = False
    output: bytes = b""


@dataclass
class WorkBudget:
    """The work one review may spend on proven state, shared by every call it makes (the transaction and
    each balance, setting and token read): many small calls cannot add up to more than one bound."""

    work: int = 0

    def charge(self, work: int) -> None:
        self.work += work
        if self.work > WORK_LIMIT:
            raise WorkLimit(WORK_LIMIT)


@dataclass
class Tracker:
    messages: list[MessageRecord] = field(default_factory=list)
    writes: set[tuple[bytes, int]] = field(default_factory=set)
    budget: WorkBudget = field(default_factory=WorkBudget)  # set by ProvenWorld.call to the world's

    def charge(self, work: int) -> None:
        self.budget.charge(work)


class _ProvenContext(_OracleContext):
    tracker: Tracker | None = None

    @property
    def meter(self) -> Tracker | None:  # type: ignore[override]  # the proven run meters through its tracker
        return self.tracker


def _sstore(original):
    def run(computation) -> None:
        tracker = computation.transaction_context.tracker
        if tracker is not None:
            tracker.writes.add((bytes(computation.msg.storage_address), to_int(computation._stack.values[-1])))
        original(computation=computation)
    return run


def _opcodes() -> dict:
    table = dict(OracleComputation.opcodes)
    table[OP_SSTORE] = _sstore(table[OP_SSTORE])  # jumps and precompiles are metered by the table it extends
    return table


class _ProvenComputation(OracleComputation):
    opcodes = _opcodes()

    def apply_child_computation(self, child_msg):
        tracker = cast(_ProvenContext, self.transaction_context).tracker
        record = None
        if tracker is not None:
            record = MessageRecord(depth=child_msg.depth, sender=bytes(child_msg.sender),
                                   to=bytes(child_msg.storage_address), code_address=bytes(child_msg.code_address),
                                   value=child_msg.value, data=bytes(child_msg.data[:4096]))
            tracker.messages.append(record)
        child = super().apply_child_computation(child_msg)
        if record is not None:
            record.is_error, record.output = child.is_error, bytes(child.output)[:4096]
        return child


class _ProvenEvmState(OracleState):
    account_db_class = _ProvenAccountDB
    computation_class = _ProvenComputation
    transaction_context_class = _ProvenContext

    def set_system_contracts(self) -> None:
        """Nothing is installed: the beacon-roots contract is whatever the chain proves it to be."""


@dataclass(frozen=True)
class CallResult:
    is_error: bool
    output: bytes
    logs: tuple[tuple[bytes, tuple[int, ...], bytes], ...]
    gas_used: int


class ProvenWorld:
    """One EVM state on the witness; every read is recorded in the shared `reads`."""

    def __init__(self, witness: Witness, reads: Reads, db: AtomicDB | None = None, budget: WorkBudget | None = None):
        self.witness = witness
        self.budget = budget if budget is not None else WorkBudget()
        self.db = db if db is not None else database(witness)
        block = witness.block
        context = ExecutionContext(
            coinbase=cast(Address, block.coinbase), timestamp=block.timestamp + BLOCK_TIME,
            block_number=BlockNumber(block.number + 1), difficulty=0, mix_hash=Hash32(block.mix_hash),
            gas_limit=block.gas_limit, prev_hashes=(Hash32(block.hash),), chain_id=block.chain_id,
            base_fee_per_gas=block.base_fee, excess_blob_gas=0)
        self.state = _ProvenEvmState(self.db, context, Hash32(block.state_root))
        account_db = cast(_ProvenAccountDB, self.state._account_db)
        account_db.reads = reads

    def balance(self, address: bytes) -> int:
        return self.state.get_balance(cast(Address, address))

    def storage(self, address: bytes, slot: int) -> int:
        return self.state.get_storage(cast(Address, address), slot)

    def code(self, address: bytes) -> bytes:
        return self.state.get_code(cast(Address, address))

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        self.state.set_storage(cast(Address, address), slot, value)

    def call(self, sender: bytes, to: bytes, data: bytes, gas: int, *, static: bool = False,
             tracker: Tracker | None = None, gas_price: int = 0) -> CallResult:
        """One top-level message from `sender` (also tx.origin) to `to`, running `to`'s proven code.
        `gas_price` is what GASPRICE reads (no gas is charged to anyone)."""
        context = _ProvenContext(gas_price, cast(Address, sender))
        context.tracker = tracker if tracker is not None else Tracker()
        context.tracker.budget = self.budget
        # Warm from the start, as in a real transaction: tx.origin, the callee, the precompiles
        # (EIP-2929) and the coinbase (EIP-3651); an ether refund depends on the gas used.
        for warm in (sender, to, bytes(self.state.execution_context.coinbase),
                     *(i.to_bytes(20, "big") for i in range(1, 11))):
            self.state.mark_address_warm(cast(Address, warm))
        msg = Message(gas=gas, to=cast(Address, to), sender=cast(Address, sender), value=0, data=data,
                      code=self.code(to), code_address=cast(Address, to), is_static=static)
        computation = _ProvenComputation.apply_message(self.state, msg, context)
        logs = tuple((bytes(a), tuple(t), bytes(d)) for a, t, d in computation.get_log_entries()) \
            if not computation.is_error else ()
        return CallResult(computation.is_error, bytes(computation.output), logs, gas - computation.get_gas_remaining())


def database(witness: Witness) -> AtomicDB:
    db = AtomicDB()
    for key, node in witness.nodes.items():
        db[key] = node
    for key, code in witness.codes.items():
        db[key] = code
    return db
