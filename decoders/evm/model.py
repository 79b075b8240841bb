"""The EVM oracle's result types: what the real Safe bytecode did with a SafeTx."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ColdsightError
from ..safetx import ZERO_ADDRESS


class EvmUnavailable(ColdsightError):
    """The oracle cannot run this transaction (no exact version, no bundled bytecode, a work limit hit)."""

    code = "EVM_UNAVAILABLE"


# ExecutedCall.operation values (Safe's Enum.Operation for 0/1; 2-4 name the other EVM opcodes).
CALL, DELEGATECALL, CREATE, CREATE2, CALLCODE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class SafeState:
    """The Safe's state to synthesize; the synthetic executor owner is always added."""

    owners: tuple[str, ...] = ()
    threshold: int = 1
    modules: tuple[str, ...] = ()
    guard: str = ZERO_ADDRESS
    fallback_handler: str | None = None  # None: the version's canonical handler address (codeless leaf)
    # Addresses the transaction makes the Safe's guard: Solidity checks they hold code before asking them
    # for ERC-165 support, so a one-byte stub stands in (what they answer: machine.Recorder, said in words).
    code_stubs: tuple[str, ...] = ()


@dataclass
class ExecutedCall:
    operation: int
    sender: str
    to: str
    value: int
    data: bytes
    executed: bool
    reverted: bool
    purpose: str  # "transaction", "refund", "fallback-handler", "guard", "inner"
    children: list[ExecutedCall] = field(default_factory=list)


@dataclass(frozen=True)
class StorageWrite:
    slot: int
    before: int
    after: int
    name: str | None


@dataclass
class Execution:
    calls: list[ExecutedCall]
    storage_writes: list[StorageWrite]
    success: bool
    reverted: bool
    revert_reason: str | None
    engine: str
    version: str
    gas_used: int
    notes: list[str]
    fallback_handler: str | None = None  # the handler the synthesized Safe forwards unknown calls to (checksummed)
    gas: int = 0  # the gas the run was given
    assumed: list[str] = field(default_factory=list)  # what the run assumed about code it does not have
