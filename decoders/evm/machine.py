"""py-evm, adapted so code running as the Safe cannot reach anything but bundled code.

Every message the Safe's context sends (CALL, CALLCODE, DELEGATECALL, STATICCALL, CREATE,
CREATE2) passes through `OracleComputation.apply_child_computation`, where the `Recorder`
decides: run it (the Safe itself, a bundled library by DELEGATECALL, a precompile, the proxy
forwarding to its singleton) or record it and run it with empty code, which succeeds with empty
return data and still moves the value. SSTORE and SHA3 are watched to name storage writes;
JUMP/JUMPI and precompile calls are charged to one work bound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import cast

from eth_typing import Address, BlockNumber, Hash32

from ..hexutil import to_checksum
from .model import CALL, CALLCODE, CREATE, CREATE2, DELEGATECALL, ExecutedCall
from .pyevm_import import real_curve_arithmetic, stand_ins

with stand_ins():
    from eth.constants import BLANK_ROOT_HASH, CREATE_CONTRACT_ADDRESS
    from eth.db.atomic import AtomicDB
    from eth.abc import ComputationAPI, MessageAPI
    from eth.vm.execution_context import ExecutionContext
    from eth.vm.forks.cancun.computation import CANCUN_PRECOMPILES, CancunComputation
    from eth.vm.forks.cancun.opcodes import CANCUN_OPCODES
    from eth.vm.forks.cancun.state import CancunState
    from eth.vm.forks.cancun.transaction_context import CancunTransactionContext
    from eth.vm.message import Message
    from eth.vm.stack import to_int

OP_CREATE, OP_CALL, OP_CALLCODE, OP_DELEGATECALL, OP_CREATE2, OP_STATICCALL = 0xF0, 0xF1, 0xF2, 0xF4, 0xF5, 0xFA
OP_SHA3, OP_SSTORE, OP_JUMP, OP_JUMPI = 0x20, 0x55, 0x56, 0x57
_OPERATION = {OP_CALL: CALL, OP_CALLCODE: CALLCODE, OP_DELEGATECALL: DELEGATECALL, OP_CREATE: CREATE, OP_CREATE2: CREATE2}
ZERO = "0x0000000000000000000000000000000000000000"
SUPPORTS_INTERFACE = bytes.fromhex("01ffc9a7")  # supportsInterface(bytes4), ERC-165
RETURN_TRUE = bytes.fromhex("600160005260206000f3")  # mstore(0, 1) return(0, 32): abi-encoded true


# Work, in units of about a microsecond of this engine on the reference machine (benchmarks/worst_case.py
# measures it), so one bound covers both the Safe's own code and the precompiles it calls. A jump is the
# unit of looping: the tightest loop costs about 4 us per jump. Precompiles are charged their real gas,
# computed from the input before they run, times what a gas unit costs here: the pure-Python curve,
# pairing and blake2 code is thousands of times slower per gas than the chain's native code.
JUMP_WORK = 4
PRECOMPILE_WORK_PER_GAS = {6: 5, 7: 9, 8: 15, 9: 17}  # ecAdd, ecMul, ecPairing, blake2f (measured, rounded up)
# Point evaluation (0x0a) verifies a KZG proof in C, but first loads the trusted setup, which alone takes
# 2.5-5 s here (measured: benchmarks/worst_case.py): more than the whole bound. So a call to it is charged
# more than the bound and stops the run before anything is loaded; the check then does not cover the
# transaction (block). No Safe or library code calls it; a transaction calling it directly is blocked.
POINT_EVALUATION_WORK = 3_000_001
WORK_LIMIT = 3_000_000  # about 3 s: 750,000 jumps (150x a 5,000-entry batch), or 176,000 blake2f rounds


class WorkLimitExceeded(Exception):
    """The run needed more work than allowed (a loop, or precompiles, that would not end in reasonable time)."""


class PrecompileFailed(Exception):
    """A precompile could not be computed here (e.g. its data file is missing from the build)."""


def precompile_gas(address: int, data: bytes) -> int:
    """The gas a precompile with expensive work charges for `data`, from its specification (EIP-196,
    EIP-197 and EIP-1108 for 0x06-0x08, EIP-152 for 0x09, EIP-4844 for 0x0a); 0 for the others."""
    if address == 6:
        return 150
    if address == 7:
        return 6_000
    if address == 8:
        return 45_000 + 34_000 * (len(data) // 192)
    if address == 9:
        return int.from_bytes(data[:4], "big") if len(data) == 213 else 0
    if address == 10:
        return 50_000
    return 0


def _metered(address: int, original):
    def run(computation):
        meter = computation.transaction_context.meter
        if meter is not None:
            gas = min(precompile_gas(address, bytes(computation.msg.data)), computation.msg.gas)
            work = gas * PRECOMPILE_WORK_PER_GAS.get(address, 0)
            if address == 10:
                work += POINT_EVALUATION_WORK
            meter.charge(work)
        try:
            if address in (6, 7, 8):
                real_curve_arithmetic()
            return original(computation)
        except (OSError, ImportError) as exc:  # a build without a precompile's data: never a silent wrong answer
            raise PrecompileFailed(f"precompile 0x{address:02x} cannot be computed here ({exc})") from None
    return run


@dataclass
class Recorder:
    """Per-run bookkeeping, reached from the computation through its transaction context."""

    safe: bytes
    proxy_code: bytes
    singletons: frozenset[bytes]     # where the proxy may forward (executed transparently)
    libraries: frozenset[bytes]      # bundled libraries, executed on DELEGATECALL
    work_limit: int
    calls: list[ExecutedCall] = field(default_factory=list)
    written_slots: set[int] = field(default_factory=set)
    preimages: dict[int, tuple[int, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)  # what the run assumed about code it does not have, in words
    work: int = 0
    pending_op: int | None = None
    _current: list[ExecutedCall] | None = None

    def __post_init__(self) -> None:
        self._current = self.calls

    def charge(self, work: int) -> None:
        self.work += work
        if self.work > self.work_limit:
            raise WorkLimitExceeded(self.work_limit)

    def child(self, parent: ComputationAPI, msg: MessageAPI, run: Callable[[MessageAPI], ComputationAPI]) -> ComputationAPI:
        op, self.pending_op = self.pending_op, None
        if parent.msg.storage_address != self.safe or op is None:
            return run(msg)  # code not running as the Safe (never happens once set up): plain EVM
        code_target = msg.code_address if op in (OP_DELEGATECALL, OP_CALLCODE) else msg.storage_address
        precompile = op not in (OP_CREATE, OP_CREATE2) and code_target in parent.precompiles
        if precompile and op == OP_STATICCALL:
            return run(msg)  # e.g. ecrecover while checking signatures: the Safe's own bookkeeping
        if op == OP_STATICCALL and code_target == self.safe:
            return run(msg)  # a view of the Safe's own state (SignMessageLib reads domainSeparator() so)
        if op == OP_STATICCALL and bytes(msg.data[:4]) == SUPPORTS_INTERFACE and len(msg.data) == 36:
            # setGuard / setModuleGuard (Safe >= 1.4.0) require the guard to declare its interface (ERC-165).
            # Its code is not known offline; answering yes lets the run go on (a guard that says no makes the
            # call revert on chain, which changes nothing), and the signer is told.
            self.assumed.append(f"{to_checksum(msg.storage_address)} is assumed to declare interface "
                                f"0x{bytes(msg.data[4:8]).hex()} (ERC-165), as the Safe checks before making it a guard")
            msg.code = RETURN_TRUE
            return run(msg)
        if op == OP_STATICCALL:
            self.notes.append(f"STATICCALL to {to_checksum(msg.storage_address)} (selector "
                              f"0x{bytes(msg.data[:4]).hex()}) was not executed; it returned empty data")
            msg.code = b""
            return run(msg)
        if op == OP_DELEGATECALL and parent.msg.code == self.proxy_code and code_target in self.singletons:
            return run(msg)  # the proxy forwarding to its singleton: the Safe's own code
        creating = op in (OP_CREATE, OP_CREATE2)
        node = ExecutedCall(
            operation=_OPERATION[op],
            sender=to_checksum(self.safe),
            to=ZERO if creating else to_checksum(code_target),
            value=0 if op == OP_DELEGATECALL else msg.value,  # DELEGATECALL moves no value
            data=bytes(msg.code if creating else msg.data),
            executed=False, reverted=False, purpose="inner")
        assert self._current is not None
        self._current.append(node)
        if not creating and (code_target == self.safe or (op == OP_DELEGATECALL and code_target in self.libraries)):
            node.executed = True
            outer, self._current = self._current, node.children
            try:
                result = run(msg)
            finally:
                self._current = outer
        else:
            if not precompile:  # a CALL to a precompile (made by the transaction) runs it, and is recorded
                msg.code = b""
            result = run(msg)
        node.reverted = result.is_error
        return result


class _OracleContext(CancunTransactionContext):
    recorder: Recorder | None = None

    @property
    def meter(self) -> Recorder | None:
        """What charges this run's work (jumps, precompiles): one bound for every machine built on this one."""
        return self.recorder


def _tagged(op: int, original):
    def run(computation) -> None:
        recorder = computation.transaction_context.recorder
        if recorder is not None:
            recorder.pending_op = op
        original(computation=computation)
    return run


def _sha3(original):
    def run(computation) -> None:
        values = computation._stack.values
        start, size = to_int(values[-1]), to_int(values[-2])
        original(computation=computation)
        recorder = computation.transaction_context.recorder
        if size == 64 and recorder is not None and computation.msg.storage_address == recorder.safe:
            word = computation.memory_read_bytes(start, 64)
            recorder.preimages[to_int(values[-1])] = (int.from_bytes(word[:32], "big"), int.from_bytes(word[32:], "big"))
    return run


def _sstore(original):
    def run(computation) -> None:
        recorder = computation.transaction_context.recorder
        if recorder is not None and computation.msg.storage_address == recorder.safe:
            recorder.written_slots.add(to_int(computation._stack.values[-1]))
        original(computation=computation)
    return run


def _counted(original):
    def run(computation) -> None:
        meter = computation.transaction_context.meter
        if meter is not None:
            meter.charge(JUMP_WORK)
        original(computation=computation)
    return run


def _opcodes() -> dict:
    table = dict(CANCUN_OPCODES)
    for op in (OP_CREATE, OP_CALL, OP_CALLCODE, OP_DELEGATECALL, OP_CREATE2, OP_STATICCALL):
        table[op] = _tagged(op, table[op])
    table[OP_SHA3] = _sha3(table[OP_SHA3])
    table[OP_SSTORE] = _sstore(table[OP_SSTORE])
    table[OP_JUMP] = _counted(table[OP_JUMP])
    table[OP_JUMPI] = _counted(table[OP_JUMPI])
    return table


class OracleComputation(CancunComputation):
    opcodes = _opcodes()
    _precompiles = {address: _metered(int.from_bytes(address, "big"), function)
                    for address, function in CANCUN_PRECOMPILES.items()}

    def apply_child_computation(self, child_msg):
        recorder = cast(_OracleContext, self.transaction_context).recorder
        if recorder is None:
            return super().apply_child_computation(child_msg)
        parent_apply = super().apply_child_computation
        return recorder.child(self, child_msg, parent_apply)


class OracleState(CancunState):
    computation_class = OracleComputation
    transaction_context_class = _OracleContext
    # address -> function giving its runtime code, installed the first time the EVM looks at that
    # account in any way (its code, code hash, existence), so a lazily deployed library is never seen empty
    lazy_codes: Mapping[bytes, Callable[[], bytes | None]] = MappingProxyType({})

    def _materialize(self, address: Address) -> None:
        loader = self.lazy_codes.get(bytes(address))
        if loader is not None:
            self.lazy_codes = {k: v for k, v in self.lazy_codes.items() if k != bytes(address)}
            code = loader()
            if code is not None:
                self.set_code(address, code)

    def get_code(self, address: Address) -> bytes:
        self._materialize(address)
        return super().get_code(address)

    def get_code_hash(self, address: Address) -> Hash32:
        self._materialize(address)
        return super().get_code_hash(address)

    def account_exists(self, address: Address) -> bool:
        self._materialize(address)
        return super().account_exists(address)

    def account_is_empty(self, address: Address) -> bool:
        self._materialize(address)
        return super().account_is_empty(address)


def _address(raw: bytes) -> Address:
    return cast(Address, raw)


def execution_context(chain_id: int) -> ExecutionContext:
    # A fixed, plausible block: the Safe reads none of these except chainid (>= 1.3.0).
    return ExecutionContext(coinbase=_address(b"\0" * 20), timestamp=1_750_000_000, block_number=BlockNumber(22_000_000),
                            difficulty=0, mix_hash=Hash32(b"\0" * 32), gas_limit=2**62, prev_hashes=(),
                            chain_id=chain_id, base_fee_per_gas=0, excess_blob_gas=0)


@dataclass(frozen=True)
class RunResult:
    is_error: bool
    output: bytes
    gas_remaining: int


class World:
    """One run's EVM state: the shared base (bundled code) plus this run's accounts and storage."""

    def __init__(self, state: OracleState):
        self._state = state

    @classmethod
    def empty(cls) -> World:
        return cls(OracleState(AtomicDB(), execution_context(1), BLANK_ROOT_HASH))

    @classmethod
    def with_codes(cls, codes: tuple[tuple[bytes, bytes], ...], chain_id: int) -> World:
        db, root = _base(codes)
        return cls(OracleState(db, execution_context(chain_id), root))

    def set_code(self, address: bytes, code: bytes) -> None:
        self._state.set_code(_address(address), code)

    def set_lazy_codes(self, loaders: dict[bytes, Callable[[], bytes | None]]) -> None:
        """Code for these addresses is computed when the EVM first reads it (see OracleState.get_code)."""
        self._state.lazy_codes = dict(loaders)

    def get_code(self, address: bytes) -> bytes:
        return self._state.get_code(_address(address))

    def set_balance(self, address: bytes, balance: int) -> None:
        self._state.set_balance(_address(address), balance)

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        self._state.set_storage(_address(address), slot, value)

    def get_storage(self, address: bytes, slot: int) -> int:
        return self._state.get_storage(_address(address), slot)

    def run(self, sender: bytes, to: bytes, code: bytes, data: bytes, gas: int, gas_price: int,
            recorder: Recorder | None) -> RunResult:
        """Send one top-level message (tx.origin = sender) to `to` running `code`."""
        context = _OracleContext(gas_price, _address(sender))
        context.recorder = recorder
        msg = Message(gas=gas, to=_address(to), sender=_address(sender), value=0, data=data, code=code,
                      code_address=_address(to))
        computation = OracleComputation.apply_message(self._state, msg, context)
        return RunResult(computation.is_error, bytes(computation.output), computation.get_gas_remaining())

    def deploy(self, creation_code: bytes, address: bytes) -> bytes:
        """Run `creation_code` as a contract creation at `address`; its runtime code."""
        sender = _address(b"\x11" * 20)
        msg = Message(gas=30_000_000, to=CREATE_CONTRACT_ADDRESS, sender=sender, value=0, data=b"", code=creation_code,
                      create_address=_address(address))
        computation = OracleComputation.apply_create_message(self._state, msg, _OracleContext(0, sender))
        if computation.is_error:
            raise ValueError(f"creation code reverted at 0x{address.hex()}")
        return self.get_code(address)


def deploy(creation_code: bytes, address: bytes, present: tuple[tuple[bytes, bytes], ...] = ()) -> bytes:
    """Runtime code that `creation_code` (constructor arguments appended) returns when deployed at
    `address`, with the `present` (address, code) pairs already deployed (constructors may check them)."""
    world = World.empty()
    for other, code in present:
        world.set_code(other, code)
    return world.deploy(creation_code, address)


@cache
def _base(codes: tuple[tuple[bytes, bytes], ...]) -> tuple[AtomicDB, Hash32]:
    """A database holding `codes` ((address, runtime code) pairs), and its state root; reused by every run."""
    db = AtomicDB()
    state = OracleState(db, execution_context(1), BLANK_ROOT_HASH)
    for address, code in codes:
        state.set_code(_address(address), code)
    state.persist()
    return db, state.state_root
