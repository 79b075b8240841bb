"""execute_safe_tx: run the real execTransaction of a synthesized Safe on the bundled bytecode.

The Safe is the version's proxy at `context.safe`, forwarding to the version's singleton at its
canonical address. Its storage is synthesized (owners, threshold, nonce, modules, guard, fallback
handler) with one extra, synthetic owner that executes the transaction and authorizes it with a
pre-approved signature (v == 1 and msg.sender == owner: GnosisSafe.checkSignatures since 1.0.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError, EncodingError

from ..deployments import ContractKind, addresses_of
from ..hexutil import keccak, parse_hex, to_checksum
from ..safetx import ZERO_ADDRESS, Context, SafeTx
from . import layout
from .bytecode import BundledContract, available_versions, bundled, find, libraries

if TYPE_CHECKING:
    from .machine import World
from .model import (
    CALL,
    EvmUnavailable,
    ExecutedCall,
    Execution,
    SafeState,
    StorageWrite,
)
from .state import state_for as synthesize


def _engine_name() -> str:
    try:
        return f"py-evm {_package_version('py-evm')}"
    except PackageNotFoundError:  # a frozen build without py-evm's metadata
        return "py-evm"


ENGINE = _engine_name()
# Derived, not chosen: keccak256("coldsight.evm.executor")[12:], so it collides with nothing real.
EXECUTOR = keccak(b"coldsight.evm.executor")[12:]
SAFE_BALANCE = 2**200       # enough for any value transfer
# The most gas an executor can give execTransaction: a transaction's gas limit cannot exceed its chain's
# block gas limit (36,000,000 on Ethereum in 2025; since EIP-7825 Ethereum also caps one transaction at
# 2**24), and the intrinsic cost is paid first. With
# safeTxGas 0 the Safe's own call gets all the gas left; otherwise exactly safeTxGas, after the Safe checks
# that enough is left (GS010). A chain whose executor gives less only makes the run stop sooner (a revert or
# a failed call: nothing more happens); a transaction that needs more than this is not covered (block).
BLOCK_GAS_LIMIT = 36_000_000
EXEC_TRANSACTION = keccak(b"execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)")[:4]
GET_TRANSACTION_HASH = keccak(b"getTransactionHash(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,uint256)")[:4]
ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
GUARD_SELECTORS = {keccak(s)[:4] for s in (
    b"checkTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes,address)",
    b"checkAfterExecution(bytes32,bool)")}
GUARD_STUB = b"\x00"  # STOP: a guard needs code for Solidity's extcodesize check; its calls are never run


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _raw(address: str, where: str) -> bytes:
    raw = parse_hex(address, where)
    if len(raw) != 20:
        raise EvmUnavailable(f"an address is 20 bytes, this one is {len(raw)}", where)
    return raw


def _word(address: bytes) -> int:
    return int.from_bytes(address, "big")


def _resolve_version(context: Context, version: str | None) -> tuple[str, str, bool]:
    label = version if version is not None else (context.version.label if context.version.exact else None)
    if label is None:
        raise EvmUnavailable(f"only the hash family {context.version.family.value} is known, not the exact Safe "
                             "version", "safeVersion", "pass each exact candidate version")
    if label not in available_versions():
        raise EvmUnavailable(f"no bundled bytecode for Safe {label}", "safeVersion",
                             f"bundled: {', '.join(available_versions())}")
    base, _, suffix = label.partition("+")
    return label, base, suffix == "L2"


@cache
def _singleton_codes(chain_id: int | None) -> tuple[tuple[bytes, bytes], ...]:
    """(address, runtime code) of every bundled singleton deployed on `chain_id`: a proxy may be
    switched to another version during the run (SafeMigration), and then runs that code."""
    return tuple((bytes.fromhex(address[2:]), contract.code) for contract in bundled()
                 if contract.kind in ("singleton", "singleton_l2") for address in contract.addresses(chain_id))


@cache
def _library_codes(chain_id: int | None) -> tuple[tuple[bytes, bytes], ...]:
    """(address, runtime code) of every bundled runtime-form library deployed on `chain_id`."""
    return tuple((bytes.fromhex(address[2:]), library.code) for library in libraries() if library.form == "runtime"
                 for address in library.addresses(chain_id))


@cache
def _lazy_library_codes(chain_id: int | None) -> tuple[tuple[bytes, BundledContract], ...]:
    """Creation-form libraries (immutables: their runtime code depends on the address): deployed in the EVM
    only when a run first reaches their address, since each deployment costs tens of milliseconds."""
    return tuple((bytes.fromhex(address[2:]), library) for library in libraries() if library.form == "creation"
                 for address in library.addresses(chain_id))


def runtime_code_at(address: bytes, chain_id: int | None) -> bytes | None:
    """The runtime code of the creation-form library deployed at `address`, deploying it on first use."""
    for raw, library in _lazy_library_codes(chain_id):
        if raw == address:
            return _deployed(library, raw)
    return None


@cache
def _deployed(contract: BundledContract, address: bytes) -> bytes:
    from .machine import deploy

    # Constructors may require code at the addresses they are given (SafeMigration does): a stub suffices.
    present = tuple((contract.args[i + 12: i + 32], b"\x00") for i in range(0, len(contract.args), 32))
    return deploy(contract.code + contract.args, address, present)


def _default_handler(version: str, chain_id: int | None) -> str:
    if _key(version) < (1, 1, 0):
        return ZERO_ADDRESS  # no FallbackManager before 1.1.0
    handlers = [c for c in addresses_of(ContractKind.FALLBACK_HANDLER, chain_id)
                if c.version == version and c.name in ("CompatibilityFallbackHandler", "DefaultCallbackHandler")
                and c.deployment_type in ("canonical", "eip155")]
    handlers.sort(key=lambda c: c.deployment_type != "canonical")
    return handlers[0].address if handlers else ZERO_ADDRESS


def _linked_list(items: list[bytes], base: int) -> dict[int, int]:
    """Storage of a Safe linked list (owners or modules) holding `items`, from SENTINEL back to SENTINEL."""
    slots = {}
    previous = layout.SENTINEL
    for item in items:
        slots[layout.mapping_slot(previous, base)] = _word(item)
        previous = _word(item)
    slots[layout.mapping_slot(previous, base)] = layout.SENTINEL
    return slots


def run_gas(calldata: bytes) -> int:
    """Gas left for execTransaction in a transaction that uses a whole block: the block gas limit less the
    intrinsic cost (21,000 and 4 or 16 gas per zero or non-zero calldata byte)."""
    intrinsic = 21_000 + 16 * len(calldata) - 12 * calldata.count(0)  # bytes.count: C speed on 2 MB batches
    return max(0, BLOCK_GAS_LIMIT - intrinsic)


def _encodable(tx: SafeTx) -> bool:
    try:
        exec_calldata(tx, b"")
    except (EncodingError, TypeError, ValueError):
        return False
    return True


def exec_calldata(tx: SafeTx, signatures: bytes) -> bytes:
    # operation is uint8 in the ABI; encoded as a full word either way, so an out-of-range value
    # reaches the contract unchanged (and the contract decides).
    return EXEC_TRANSACTION + abi_encode(
        ["address", "uint256", "bytes", "uint256", "uint256", "uint256", "uint256", "address", "address", "bytes"],
        [tx.to, tx.value, tx.data, tx.operation, tx.safe_tx_gas, tx.base_gas, tx.gas_price, tx.gas_token,
         tx.refund_receiver, signatures])


def _encoded(tx: SafeTx, signatures: bytes) -> bytes:
    try:
        return exec_calldata(tx, signatures)
    except (EncodingError, TypeError, ValueError) as exc:
        raise EvmUnavailable(f"the transaction's fields cannot be ABI-encoded for execTransaction: {exc}", "tx") from None


def _distinct(addresses: list[bytes], where: str) -> list[bytes]:
    """A Safe linked list holds each address once and never 0x0, SENTINEL (0x1) or the executor."""
    for i, address in enumerate(addresses):
        if _word(address) in (0, layout.SENTINEL) or address == EXECUTOR or address in addresses[:i]:
            raise EvmUnavailable(f"0x{address.hex()} cannot be in a Safe's list (zero, sentinel, duplicate "
                                 "or the synthetic executor)", f"{where}[{i}]")
    return addresses


def _approval(owner: bytes) -> bytes:
    return owner.rjust(32, b"\0") + b"\0" * 32 + b"\x01"  # r = owner, s = 0, v = 1


def _revert_reason(output: bytes) -> str | None:
    if output[:4] == ERROR_STRING:
        try:
            return str(abi_decode(["string"], output[4:])[0])
        except DecodingError:
            return "0x" + output.hex()  # malformed Error(string): shown raw
    return "0x" + output.hex() if output else None


def _assign_purposes(calls: list[ExecutedCall], guard: str, handler: str, top: bool) -> None:
    """Name why each call was made. At the top, the first call that is not the guard's is the
    transaction's own; later ones refund."""
    seen_transaction = False
    for call in calls:
        if call.operation == CALL and call.to == guard and call.data[:4] in GUARD_SELECTORS:
            call.purpose = "guard"
        elif top:
            call.purpose = "refund" if seen_transaction else "transaction"
            seen_transaction = True
        elif call.operation == CALL and call.to == handler:
            call.purpose = "fallback-handler"
        else:
            call.purpose = "inner"
        _assign_purposes(call.children, guard, handler, top=False)


@dataclass
class Setup:
    """Everything a run needs, decided before any EVM is involved."""

    label: str
    safe: bytes
    proxy_code: bytes
    singleton: bytes
    codes: tuple[tuple[bytes, bytes], ...]   # (address, runtime code) of the singleton and libraries
    storage: dict[int, int]                  # the Safe's synthesized storage
    approvers: list[bytes]                   # owners whose v == 1 approvals sign; the executor first
    guard: bytes
    handler: bytes
    stub_guard: bool
    gas: int
    gas_price: int
    evm_chain_id: int
    chain_id: int | None
    notes: list[str]


def prepare(tx: SafeTx, context: Context, state: SafeState | None = None, *,
            version: str | None = None, tx_gas_price: int | None = None) -> Setup:
    """The Safe to synthesize for `tx`: code, storage, signers, gas."""
    state = state or SafeState()
    label, base_version, l2 = _resolve_version(context, version)
    singleton = find(base_version, "singleton_l2" if l2 else "singleton")
    proxy = find(base_version, "proxy")
    assert singleton is not None and proxy is not None  # available_versions() guarantees both
    chain_id = context.chain_id
    singleton_address = singleton.preferred_address(chain_id)
    if singleton_address is None:
        raise EvmUnavailable(f"Safe {label} has no portable deployment on chain {chain_id}", "chainId")
    singleton_raw = bytes.fromhex(singleton_address[2:])
    safe = _raw(context.safe, "safe")
    notes: list[str] = []

    owners = _distinct([_raw(o, f"state.owners[{i}]") for i, o in enumerate(state.owners)], "state.owners")
    threshold = max(1, state.threshold)
    # A threshold above one needs more approvals: given owners approve by pre-approved hash
    # (approvedHashes), then extra synthetic owners if there are not enough.
    extra = [keccak(b"coldsight.evm.approver" + bytes([i]))[12:] for i in range(max(0, threshold - 1 - len(owners)))]
    approvers = [EXECUTOR] + (owners + extra)[: threshold - 1]
    all_owners = owners + [EXECUTOR] + extra
    if extra:
        notes.append(f"{len(extra)} synthetic owner(s) added so the threshold of {threshold} can be met")
    modules = _distinct([_raw(m, f"state.modules[{i}]") for i, m in enumerate(state.modules)], "state.modules")
    guard = _raw(state.guard, "state.guard")
    handler_text = state.fallback_handler if state.fallback_handler is not None else _default_handler(base_version, chain_id)
    handler = _raw(handler_text, "state.fallback_handler")

    storage: dict[int, int] = {
        layout.SINGLETON: _word(singleton_raw),
        layout.OWNER_COUNT: len(all_owners),
        layout.THRESHOLD: threshold,
        layout.NONCE: tx.nonce,
    }
    storage.update(_linked_list(all_owners, layout.OWNERS))
    storage.update(_linked_list(modules, layout.MODULES))
    if _key(base_version) < (1, 3, 0):
        storage[layout.DOMAIN_SEPARATOR] = int.from_bytes(
            keccak(layout.LEGACY_DOMAIN_TYPEHASH + safe.rjust(32, b"\0")), "big")
    if _key(base_version) >= (1, 1, 0) and _word(handler):
        storage[layout.FALLBACK_HANDLER_SLOT] = _word(handler)
    stub_guard = False
    if _word(guard):
        if _key(base_version) < (1, 3, 0):
            notes.append(f"Safe {base_version} has no guards; the given guard was ignored")
        else:
            storage[layout.GUARD_SLOT] = _word(guard)
            stub_guard = True

    if chain_id is None and _key(base_version) >= (1, 3, 0):
        notes.append("the chain id is not known; the EVM ran with chain id 1 (only EIP-712 hashes computed "
                     "on chain depend on it)")
    gas = run_gas(exec_calldata(tx, b"\0" * 65 * len(approvers)) if _encodable(tx) else tx.data)
    if tx.safe_tx_gas * 64 // 63 + 10_000 > gas:
        notes.append(f"safeTxGas {tx.safe_tx_gas} is more gas than a block of {BLOCK_GAS_LIMIT:,} gas leaves for the "
                     "Safe: no executor can supply it, so the transaction cannot run")
    return Setup(label=label, safe=safe, proxy_code=proxy.code, singleton=singleton_raw,
                 codes=_singleton_codes(chain_id) + _library_codes(chain_id), storage=storage,
                 approvers=approvers, guard=guard, handler=handler, stub_guard=stub_guard, gas=gas,
                 gas_price=tx.gas_price if tx_gas_price is None else tx_gas_price,
                 evm_chain_id=chain_id if chain_id is not None else 1, chain_id=chain_id, notes=notes)


def execute_safe_tx(tx: SafeTx, context: Context, state: SafeState | None = None, *,
                    version: str | None = None, tx_gas_price: int | None = None) -> Execution:
    """Run `tx` through the real execTransaction bytecode of the Safe's exact version, offline."""
    setup = prepare(tx, context, state, version=version, tx_gas_price=tx_gas_price)
    from .machine import WORK_LIMIT, PrecompileFailed, Recorder, WorkLimitExceeded, World  # py-evm: on first use

    safe, storage, notes = setup.safe, dict(setup.storage), list(setup.notes)
    world = World.with_codes(setup.codes, setup.evm_chain_id)
    chain_id = setup.chain_id
    world.set_lazy_codes({raw: partial(runtime_code_at, raw, chain_id)
                          for raw, _ in _lazy_library_codes(chain_id)})
    world.set_code(safe, setup.proxy_code)
    world.set_balance(safe, SAFE_BALANCE)
    world.set_balance(EXECUTOR, 10**30)
    if setup.stub_guard and not world.get_code(setup.guard):
        world.set_code(setup.guard, GUARD_STUB)
        notes.append("the guard's code is not known: a one-byte stub stands in so the Safe calls it; "
                     "its calls are recorded, not executed")
    for slot, value in storage.items():
        world.set_storage(safe, slot, value)
    for index, stub in enumerate((state or SafeState()).code_stubs):
        raw = _raw(stub, f"state.code_stubs[{index}]")
        if not world.get_code(raw):
            world.set_code(raw, GUARD_STUB)

    # Pre-approvals for every approver but the executor need the transaction's hash: ask the contract.
    preset: set[int] = set()
    if len(setup.approvers) > 1:
        tx_hash = _call_view(world, setup, GET_TRANSACTION_HASH + abi_encode(
            ["address", "uint256", "bytes", "uint256", "uint256", "uint256", "uint256", "address", "address", "uint256"],
            [tx.to, tx.value, tx.data, tx.operation, tx.safe_tx_gas, tx.base_gas, tx.gas_price, tx.gas_token,
             tx.refund_receiver, tx.nonce]))
        for approver in setup.approvers[1:]:
            slot = layout.mapping_slot(int.from_bytes(tx_hash, "big"),
                                       layout.mapping_slot(_word(approver), layout.APPROVED_HASHES))
            world.set_storage(safe, slot, 1)
            storage[slot] = 1
            preset.add(slot)
        notes.append(f"threshold {storage[layout.THRESHOLD]}: {len(setup.approvers) - 1} approval(s) given "
                     "as pre-approved hashes")
    signatures = b"".join(_approval(a) for a in sorted(setup.approvers))

    singletons = frozenset(address for address, _ in _singleton_codes(setup.chain_id))
    recorder = Recorder(safe=safe, proxy_code=setup.proxy_code, singletons=singletons,
                        libraries=(frozenset(address for address, _ in setup.codes) - singletons)
                        | frozenset(address for address, _ in _lazy_library_codes(setup.chain_id)),
                        work_limit=WORK_LIMIT)
    try:
        calldata = _encoded(tx, signatures)
        gas = run_gas(calldata)
        result = world.run(EXECUTOR, safe, setup.proxy_code, calldata, gas, setup.gas_price, recorder)
    except WorkLimitExceeded:
        raise EvmUnavailable(f"the run did not finish within its work bound ({WORK_LIMIT:,} units, about 3 s: "
                             "jumps and the precompiles' gas)", "evm",
                             "the transaction loops, or calls costly precompiles, far more than any real one") from None
    except PrecompileFailed as failed:
        raise EvmUnavailable(str(failed), "evm") from None

    reverted = result.is_error
    output = result.output
    success = not reverted and len(output) >= 32 and int.from_bytes(output[:32], "big") == 1
    writes = []
    for slot in sorted(recorder.written_slots) if not reverted else ():
        before, after = storage.get(slot, 0), world.get_storage(safe, slot)
        if before == after:
            continue
        if slot in preset:
            notes.append("a synthetic pre-approval was consumed (its storage write is not listed)")
            continue
        writes.append(StorageWrite(slot, before, after, layout.name_slot(slot, recorder.preimages)))
    # A CALL/DELEGATECALL the transaction makes to a precompile is recorded like any other call.
    _assign_purposes(recorder.calls, to_checksum(setup.guard), to_checksum(setup.handler), top=True)
    return Execution(
        calls=recorder.calls, storage_writes=writes, success=success, reverted=reverted,
        revert_reason=_revert_reason(output) if reverted else None,
        engine=ENGINE, version=setup.label, gas_used=gas - result.gas_remaining,
        notes=notes + recorder.notes, fallback_handler=to_checksum(setup.handler) if _word(setup.handler) else None,
        gas=gas, assumed=list(dict.fromkeys(recorder.assumed)))


def state_for(root, context: Context) -> tuple[SafeState, list[str]]:
    """The synthesized owners and modules the transaction's own management calls need (decoders/evm/state.py)."""
    return synthesize(root, context, EXECUTOR)


def _call_view(world: World, setup: Setup, data: bytes) -> bytes:
    result = world.run(EXECUTOR, setup.safe, setup.proxy_code, data, 10_000_000, setup.gas_price, None)
    if result.is_error or len(result.output) != 32:
        raise EvmUnavailable("the Safe's getTransactionHash failed in the EVM", "evm")
    return bytes(result.output)
