"""MultiSend / MultiSendCallOnly batches, read exactly as the deployed libraries read them.

The model follows the Solidity sources of safe-smart-account (contracts/libraries/MultiSend.sol
and MultiSendCallOnly.sol at v1.1.1, v1.3.0, v1.4.1, v1.5.0; every bundled deployment):

    length := mload(transactions); i := 0x20
    while i < length:                       # i counts from 0x20, the blob starts at +0x20:
        entry at blob offset p = i - 0x20   #   an entry is only read when p + 32 < len(blob)
        operation  = byte p                 # uint8
        to         = bytes p+1 .. p+21
        value      = bytes p+21 .. p+53
        dataLength = bytes p+53 .. p+85
        data       = dataLength bytes from p+85
        i += 0x55 + dataLength

Every read is an `mload` of memory, and a header or data that runs past the end of the blob reads
whatever memory holds there; the contract still makes the call. For 1.3.0 and later that memory
is zero. MultiSend 1.1.1 is different: its guard `require(guard != GUARD_VALUE)` evaluates
`keccak256("multisend.guard.bytes32")` at run time, which writes that string to memory at the free
memory pointer, i.e. right after the blob rounded up to 32 bytes (found by the differential
property test against the real 1.1.1 bytecode, tests/differential/test_batch_property_evm.py).
Consequences the reader models:

- 1..32 trailing bytes are never read (p + 32 >= len): ignored, silently.
- 33+ trailing bytes are read as one more entry, zero-filled past the end.
- an operation other than 0 / 1 matches no `switch` case: success stays 0, the batch reverts.
- MultiSendCallOnly reverts on operation 1.
- plain MultiSend reverts when it runs in its own context (a direct CALL): 1.1.1 checks a
  storage guard set in its constructor, >= 1.3.0 checks `address(this) != multisendSingleton`.
- 1.5.0 replaces `to == 0` by `address(this)`: the Safe under delegatecall, the library itself
  when called directly.
- a huge dataLength makes the call expand memory beyond what any transaction can pay for:
  out of gas, the batch reverts (model: data ending past MEMORY_LIMIT bytes). Below that, whether a
  read far past the end is paid for depends on the gas the executor gives, which no reading of the
  bytes can know: the call is shown as made, and the batch is BATCH_AMBIGUOUS (block) whatever the gas.

The first MultiSend (Safe 0.1.0 / 1.0.0) used ABI-padded entries; no bundled deployment is that
contract, so that encoding is never used: a batch is read the way its deployment reads it, or
not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DecodeError
from .hexutil import short_address, to_checksum

MAX_ENTRIES = 5000
HEADER = 85  # operation 1 + to 20 + value 32 + dataLength 32
# Memory expansion to 16 MiB costs 3*w + w*w/512 gas with w = 2**19 words: about 538 million gas,
# above the transaction gas limit of every chain Safe is deployed on (Ethereum caps a transaction
# at 2**24 gas since EIP-7825). A read ending beyond this offset is modeled as out of gas.
MEMORY_LIMIT = 1 << 24
ZERO_ADDRESS = "0x" + "00" * 20
# MultiSend 1.1.1 (safe-smart-account v1.1.1 contracts/libraries/MultiSend.sol): GUARD_VALUE's preimage,
# hashed at run time by the guard, so it lies in memory at the free memory pointer during the loop.
GUARD_PREIMAGE_111 = b"multisend.guard.bytes32"


@dataclass(frozen=True)
class BatchLibrary:
    """How one deployed batch library reads its `transactions` bytes."""

    label: str
    address: str
    call_only: bool  # MultiSendCallOnly: operation 1 reverts
    delegatecall_only: bool  # plain MultiSend: reverts when it runs in its own context
    zero_to_is_self: bool  # 1.5.0: `to == 0` is replaced by address(this)
    memory_after: bytes = b""  # what memory holds right after the blob (rounded up to 32 bytes); zeros beyond


@dataclass(frozen=True)
class BatchEntry:
    """One call the library makes, exactly as it makes it."""

    index: int
    offset: int  # byte offset of the entry inside the blob
    operation: int
    encoded_to: str  # the 20 bytes as written (zero-filled past the end)
    to: str  # where the call goes (1.5.0: 0x0 replaced by the executing address)
    value: int  # the value word (a delegatecall sends none)
    data: bytes  # exactly the bytes passed, zero-filled past the end of the blob
    zero_filled: int  # how many bytes of this entry (header and data) lie past the end of the blob


@dataclass(frozen=True)
class BatchReading:
    entries: tuple[BatchEntry, ...]  # the calls the library makes, in order, up to a revert
    reverts_at: int | None  # index of the entry at which the whole batch reverts, if it does
    revert_reason: str | None
    clean: bool  # a strict packed parse consumes the bytes exactly, every operation valid, no revert from bytes
    problems: tuple[str, ...]  # why it is not clean, in plain words


def library_for(contract) -> BatchLibrary | None:
    """The reading rules of a known deployment (a deployments.KnownContract), None if it is no batch library."""
    kind = contract.kind.name
    if kind not in ("MULTISEND", "MULTISEND_CALL_ONLY"):
        return None
    major_minor = tuple(int(part) for part in contract.version.split(".")[:2])
    return BatchLibrary(
        label=contract.label,
        address=contract.address,
        call_only=kind == "MULTISEND_CALL_ONLY",
        delegatecall_only=kind == "MULTISEND",
        zero_to_is_self=major_minor >= (1, 5),
        memory_after=GUARD_PREIMAGE_111 if kind == "MULTISEND" and major_minor == (1, 1) else b"",
    )


def _memory_image(blob: bytes, library: BatchLibrary) -> bytes:
    """The blob as the library's memory holds it, with what lies after it (zeros beyond this)."""
    if not library.memory_after:
        return blob
    return blob + bytes(-len(blob) % 32) + library.memory_after


def _window(memory: bytes, start: int, size: int) -> bytes:
    """`size` bytes of memory from `start` (offsets relative to the blob), zeros beyond the image."""
    chunk = memory[start : start + size]
    return chunk + bytes(size - len(chunk))


def read_batch(blob: bytes, library: BatchLibrary, executing_as: str) -> BatchReading:
    """Read `blob` the way `library` does when it runs with address(this) == `executing_as`."""
    reading = _loop(blob, library, executing_as)
    if library.delegatecall_only and executing_as.lower() == library.address.lower():
        # The guard runs before the loop: nothing is called, whatever the bytes.
        return BatchReading((), 0, "plain MultiSend refuses to run in its own context (it must be delegatecalled)",
                            reading.clean, reading.problems)
    return reading


def _loop(blob: bytes, library: BatchLibrary, executing_as: str) -> BatchReading:
    size = len(blob)
    memory = _memory_image(blob, library)
    entries: list[BatchEntry] = []
    problems: list[str] = []
    reverts_at = revert_reason = None
    pos = 0
    while pos + 32 < size:  # the contract's `i < length` with i = pos + 0x20
        index = len(entries)
        if index >= MAX_ENTRIES:
            raise DecodeError(f"batch has more than {MAX_ENTRIES} entries", f"batch byte {pos}")
        header = memory[pos : pos + HEADER] if pos + HEADER <= len(memory) else _window(memory, pos, HEADER)
        operation = header[0]
        length = int.from_bytes(header[53:85], "big")
        end = pos + HEADER + length
        if operation in (0, 1) and end <= size and not (operation == 1 and library.call_only):
            # The common case, a whole entry inside the blob: no problem to describe, no zero filling.
            encoded_to = to_checksum(header[1:21])
            to = executing_as if library.zero_to_is_self and encoded_to == ZERO_ADDRESS else encoded_to
            entries.append(BatchEntry(index, pos, operation, encoded_to, to, int.from_bytes(header[21:53], "big"),
                                      blob[pos + HEADER : end], 0))
            pos = end
            continue
        where = f"entry {index} (byte {pos})"
        if pos + HEADER > size:
            problems.append(f"{where}: its 85-byte header is cut off after {size - pos} bytes; "
                            f"the contract reads the missing {pos + HEADER - size} bytes from memory past the end")
        if operation not in (0, 1):
            problems.append(f"{where}: operation {operation} does not exist; the contract reverts the whole batch here")
            reverts_at, revert_reason = index, f"entry {index} has operation {operation}"
            break
        if operation == 1 and library.call_only:
            problems.append(f"{where}: a delegatecall, which MultiSendCallOnly refuses; the whole batch reverts here")
            reverts_at, revert_reason = index, f"entry {index} is a delegatecall in MultiSendCallOnly"
            break
        if end > MEMORY_LIMIT:
            problems.append(f"{where}: declares {length} data bytes; reading them needs more memory than any "
                            "transaction can pay for, so the batch runs out of gas and reverts here")
            reverts_at, revert_reason = index, f"entry {index} declares {length} data bytes (out of gas)"
            break
        if end > size and pos + HEADER <= size:
            problems.append(f"{where}: declares {length} data bytes but only {size - pos - HEADER} remain; "
                            f"the contract sends {end - size} bytes of memory from past the end")
        encoded_to = to_checksum(header[1:21])
        to = executing_as if library.zero_to_is_self and encoded_to == ZERO_ADDRESS else encoded_to
        data = _window(memory, pos + HEADER, length)
        entries.append(BatchEntry(index, pos, operation, encoded_to, to, int.from_bytes(header[21:53], "big"), data,
                                  max(0, end - size)))
        pos = end
    if reverts_at is None and pos < size:
        problems.append(f"{size - pos} trailing byte(s) after the last entry (byte {pos}) are never read by the contract")
    return BatchReading(tuple(entries), reverts_at, revert_reason, not problems, tuple(problems))


def encode_packed(entries) -> bytes:
    """The packed encoding of (operation, to, value, data) entries: abi.encodePacked(uint8, address, uint256, uint256, bytes)."""
    out = bytearray()
    for operation, to, value, data in entries:
        raw_to = bytes.fromhex(to[2:])
        out += bytes([operation]) + raw_to + value.to_bytes(32, "big") + len(data).to_bytes(32, "big") + data
    return bytes(out)


def describe(reading: BatchReading, library: BatchLibrary) -> str:
    """One sentence on how the library reads these bytes, for findings."""
    parts = list(reading.problems)
    if reading.reverts_at is not None and reading.revert_reason and not any("revert" in p for p in parts):
        parts.append(reading.revert_reason)
    shown = "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    return f"{library.label} at {short_address(library.address)} reads these bytes differently from a clean batch: {shown}"
