"""The whole Safe transaction, executed on proven state, and what it changes.

    run = run_on_proven_state(witness, tx, safe_tx_hash, executor)

1. Before: the Safe's settings (owners, threshold, nonce, modules, guard, fallback handler,
   singleton) read from the proven state by calling the Safe's own code.
2. Signatures: the first `threshold` owners (in address order, as checkSignatures wants them)
   approve the transaction's safeTxHash in an overlay: approvedHashes[owner][safeTxHash] = 1 is
   written into the Safe's storage for this run only, and each signs with a pre-approved
   signature (r = owner, s = 0, v = 1; GnosisSafe.checkSignatures since 1.0.0). This is the only
   thing the run makes up; it stands for the signatures the owners are about to give.
3. execTransaction is sent by `executor` (the snapshot names it; tx.origin too) with the block's
   gas limit, in the block after the snapshot's, at a transaction gas price equal to the SafeTx's
   gasPrice (an ether refund pays min(gasPrice, tx.gasprice): the run shows the largest). Every contract runs its proven code: the guard,
   the fallback handler, tokens, routers -- nothing is a stub.
4. After: the settings again; token balances of every party of a Transfer event, read with
   balanceOf before and after (so fee-on-transfer tokens show what really arrives); native balances
   of the Safe and of everyone who sent or received value; approvals, ownership and role events;
   every storage write to an EIP-1967 slot or to the Safe's own slots.

Every read goes through the witness (world.py): one the snapshot does not prove raises
StateIncomplete and there is no result, never a guess.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError

from ..evm import layout
from ..evm.execute import exec_calldata
from ..hexutil import keccak, to_checksum
from ..safetx import SafeTx
from .proof import Witness
from .world import ProvenWorld, Reads, StateIncomplete, Tracker, WorkBudget

VIEW_GAS = 5_000_000
MAX_TOKEN_PARTIES = 64       # balance reads per run: tokens x parties
MAX_MODULES = 50
ZERO = b"\0" * 20


def _topic(signature: str) -> int:
    return int.from_bytes(keccak(signature.encode()), "big")


TRANSFER = _topic("Transfer(address,address,uint256)")
APPROVAL = _topic("Approval(address,address,uint256)")
APPROVAL_FOR_ALL = _topic("ApprovalForAll(address,address,bool)")
OWNERSHIP_TRANSFERRED = _topic("OwnershipTransferred(address,address)")
ROLE_GRANTED = _topic("RoleGranted(bytes32,address,address)")
ROLE_REVOKED = _topic("RoleRevoked(bytes32,address,address)")
UPGRADED = _topic("Upgraded(address)")
ADMIN_CHANGED = _topic("AdminChanged(address,address)")
BEACON_UPGRADED = _topic("BeaconUpgraded(address)")
EXECUTION_SUCCESS = _topic("ExecutionSuccess(bytes32,uint256)")
EXECUTION_FAILURE = _topic("ExecutionFailure(bytes32,uint256)")
TRANSFER_FROM = keccak(b"transferFrom(address,address,uint256)")[:4]
CHECK_TRANSACTION = keccak(
    b"checkTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes,address)")[:4]
# EIP-1967: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1), ".admin", ".beacon"
EIP1967_SLOTS = {
    int.from_bytes(keccak(b"eip1967.proxy.implementation"), "big") - 1: "EIP-1967 implementation",
    int.from_bytes(keccak(b"eip1967.proxy.admin"), "big") - 1: "EIP-1967 admin",
    int.from_bytes(keccak(b"eip1967.proxy.beacon"), "big") - 1: "EIP-1967 beacon",
}
SAFE_SLOTS = {layout.SINGLETON: "singleton (implementation)", layout.GUARD_SLOT: "guard",
              layout.FALLBACK_HANDLER_SLOT: "fallback handler", layout.MODULE_GUARD_SLOT: "module guard",
              layout.THRESHOLD: "threshold", layout.OWNER_COUNT: "owner count"}
# Safe revert codes (safe-smart-account v1.4.1 docs/error_codes.md), in plain words
SAFE_ERRORS = {
    "GS010": "not enough gas to execute the Safe transaction",
    "GS011": "could not pay the gas costs with ether",
    "GS012": "could not pay the gas costs with the token",
    "GS013": "the Safe transaction's call failed (with safeTxGas and gasPrice both 0 the whole execution reverts)",
    "GS020": "signatures data too short",
    "GS025": "a signature is not valid for this transaction (wrong nonce or not signed)",
    "GS026": "a signer is not an owner, or the signatures are not in order",
}
_PANIC = bytes.fromhex("4e487b71")
_ERROR = bytes.fromhex("08c379a0")


def revert_reason(output: bytes) -> str | None:
    if output[:4] == _ERROR:
        try:
            text = str(abi_decode(["string"], output[4:])[0])
        except DecodingError:
            return "0x" + output.hex()
        return f"{text} ({SAFE_ERRORS[text]})" if text in SAFE_ERRORS else text
    if output[:4] == _PANIC and len(output) == 36:
        return f"Panic(0x{int.from_bytes(output[4:], 'big'):02x})"
    return "0x" + output.hex() if output else None


def _word_address(word: int) -> bytes:
    return (word & ((1 << 160) - 1)).to_bytes(20, "big")


@dataclass(frozen=True)
class SafeSettings:
    owners: tuple[str, ...]
    threshold: int
    nonce: int
    modules: tuple[str, ...] | None   # None: the Safe's code has no getModulesPaginated
    guard: str
    fallback_handler: str
    singleton: str

    def as_json(self) -> dict:
        return {"owners": list(self.owners), "threshold": self.threshold, "nonce": self.nonce,
                "modules": list(self.modules) if self.modules is not None else None, "guard": self.guard,
                "fallbackHandler": self.fallback_handler, "singleton": self.singleton}


@dataclass(frozen=True)
class BalanceChange:
    holder: str
    asset: str            # "native" or the token's address
    symbol: str | None
    decimals: int | None
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    def amount_text(self, value: int) -> str:
        if self.decimals is None:
            return f"{value} (raw units)"
        sign = "-" if value < 0 else ""
        whole, frac = divmod(abs(value), 10 ** self.decimals)
        digits = f"{whole}" + (f".{frac:0{self.decimals}d}".rstrip("0") if frac else "")
        return f"{sign}{digits} {self.symbol or '(no symbol)'}"

    def as_json(self) -> dict:
        return {"holder": self.holder, "asset": self.asset, "symbol": self.symbol, "decimals": self.decimals,
                "before": str(self.before), "after": str(self.after), "change": str(self.change)}


@dataclass(frozen=True)
class Event:
    kind: str             # approval, approval-for-all, nft-approval, ownership, role-granted, role-revoked, upgrade, ...
    contract: str
    fields: dict[str, str]

    def as_json(self) -> dict:
        return {"kind": self.kind, "contract": self.contract, **self.fields}


@dataclass(frozen=True)
class SlotChange:
    contract: str
    slot: str
    name: str
    before: str
    after: str

    def as_json(self) -> dict:
        return {"contract": self.contract, "slot": self.slot, "name": self.name, "before": self.before,
                "after": self.after}


@dataclass
class StateRun:
    """What the transaction does on the proven state."""

    success: bool                     # the Safe transaction executes and its call succeeds
    reverted: bool                    # execTransaction itself reverts (nothing happens, no nonce used)
    reason: str | None                # why it fails, in words, when it does
    guard: str | None                 # the guard's verdict, when the Safe has one
    before: SafeSettings
    after: SafeSettings
    balances: list[BalanceChange]
    transfers: list[dict]             # every Transfer event (ERC-20 amounts, ERC-721 ids)
    events: list[Event]
    slots: list[SlotChange]
    writes: int                       # storage slots changed, all contracts
    gas_used: int
    reads: Reads = field(default_factory=Reads)
    notes: list[str] = field(default_factory=list)
    # token -> the contracts that moved this Safe's tokens with transferFrom (using an allowance)
    pulled_by: dict[str, set[str]] = field(default_factory=dict)

    def settings_changes(self) -> list[tuple[str, object, object]]:
        before, after = self.before.as_json(), self.after.as_json()
        return [(key, before[key], after[key]) for key in before if key != "nonce" and before[key] != after[key]]

    def as_json(self) -> dict:
        return {"success": self.success, "reverted": self.reverted, "reason": self.reason, "guard": self.guard,
                "safeBefore": self.before.as_json(), "safeAfter": self.after.as_json(),
                "settingsChanged": [{"setting": k, "before": b, "after": a} for k, b, a in self.settings_changes()],
                "balanceChanges": [b.as_json() for b in self.balances], "transfers": self.transfers,
                "events": [e.as_json() for e in self.events], "slotChanges": [s.as_json() for s in self.slots],
                "storageWrites": self.writes, "gasUsed": self.gas_used, "notes": list(self.notes)}


def _selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def _view(world: ProvenWorld, caller: bytes, to: bytes, data: bytes) -> bytes | None:
    result = world.call(caller, to, data, VIEW_GAS, static=True)
    return None if result.is_error else result.output


def read_settings(world: ProvenWorld, safe: bytes, caller: bytes) -> SafeSettings:
    """The Safe's settings, as its own code reports them (owners, threshold, nonce, modules) and as
    its fixed storage slots hold them (guard, fallback handler, singleton)."""
    if not world.code(safe):
        raise SafeNotFound(f"there is no contract at {to_checksum(safe)} at block {world.witness.block.number}")
    owners_out = _view(world, caller, safe, _selector("getOwners()"))
    threshold_out = _view(world, caller, safe, _selector("getThreshold()"))
    nonce_out = _view(world, caller, safe, _selector("nonce()"))
    if owners_out is None or threshold_out is None or nonce_out is None:
        raise SafeNotFound(f"{to_checksum(safe)} does not answer getOwners/getThreshold/nonce at this block: "
                           "it is not a Safe there")
    try:
        owners = tuple(to_checksum(bytes.fromhex(o[2:])) for o in abi_decode(["address[]"], owners_out)[0])
        threshold = int(abi_decode(["uint256"], threshold_out)[0])
        nonce = int(abi_decode(["uint256"], nonce_out)[0])
    except DecodingError:
        raise SafeNotFound(f"{to_checksum(safe)} answers getOwners/getThreshold/nonce with something that is not "
                           "a Safe's answer") from None
    modules_out = _view(world, caller, safe, _selector("getModulesPaginated(address,uint256)")
                        + abi_encode(["address", "uint256"], ["0x" + "00" * 19 + "01", MAX_MODULES]))
    modules = None
    if modules_out is not None:
        try:
            modules = tuple(to_checksum(bytes.fromhex(m[2:])) for m in abi_decode(["address[]", "address"], modules_out)[0])
        except DecodingError:
            modules = None
    return SafeSettings(
        owners=owners, threshold=threshold, nonce=nonce, modules=modules,
        guard=to_checksum(_word_address(world.storage(safe, layout.GUARD_SLOT))),
        fallback_handler=to_checksum(_word_address(world.storage(safe, layout.FALLBACK_HANDLER_SLOT))),
        singleton=to_checksum(_word_address(world.storage(safe, layout.SINGLETON))))


class SafeNotFound(Exception):
    """The snapshot's Safe is not a Safe at the snapshot's block."""


def _token_info(world: ProvenWorld, caller: bytes, token: bytes) -> tuple[str | None, int | None]:
    symbol = decimals = None
    out = _view(world, caller, token, _selector("decimals()"))
    if out is not None and len(out) == 32 and int.from_bytes(out, "big") <= 36:
        decimals = int.from_bytes(out, "big")
    out = _view(world, caller, token, _selector("symbol()"))
    if out is not None:
        try:
            symbol = str(abi_decode(["string"], out)[0])[:32]
        except DecodingError:
            if len(out) == 32:  # bytes32 symbols (MKR, SAI)
                symbol = out.rstrip(b"\0").decode("ascii", "replace")[:32]
    if symbol is not None and not symbol.isprintable():
        symbol = symbol.encode("unicode_escape").decode("ascii")
    return symbol, decimals


def _balance_of(world: ProvenWorld, caller: bytes, token: bytes, holder: bytes) -> int | None:
    out = _view(world, caller, token, _selector("balanceOf(address)") + holder.rjust(32, b"\0"))
    return int.from_bytes(out[:32], "big") if out is not None and len(out) >= 32 else None


def _events(logs) -> tuple[list[dict], list[Event]]:
    transfers: list[dict] = []
    events: list[Event] = []
    for address, topics, data in logs:
        contract = to_checksum(address)
        if not topics:
            continue
        head, rest = topics[0], [_word_address(t) for t in topics[1:]]
        if head == TRANSFER and len(topics) == 3 and len(data) == 32:
            transfers.append({"token": contract, "from": to_checksum(rest[0]), "to": to_checksum(rest[1]),
                              "amount": str(int.from_bytes(data, "big"))})
        elif head == TRANSFER and len(topics) == 4:
            transfers.append({"token": contract, "from": to_checksum(rest[0]), "to": to_checksum(rest[1]),
                              "tokenId": str(topics[3])})
        elif head == APPROVAL and len(topics) == 3 and len(data) == 32:
            events.append(Event("approval", contract, {"owner": to_checksum(rest[0]), "spender": to_checksum(rest[1]),
                                                       "amount": str(int.from_bytes(data, "big"))}))
        elif head == APPROVAL and len(topics) == 4:
            events.append(Event("nft-approval", contract, {"owner": to_checksum(rest[0]),
                                                           "approved": to_checksum(rest[1]), "tokenId": str(topics[3])}))
        elif head == APPROVAL_FOR_ALL and len(topics) == 3 and len(data) == 32:
            events.append(Event("approval-for-all", contract, {"owner": to_checksum(rest[0]),
                                                               "operator": to_checksum(rest[1]),
                                                               "approved": str(bool(int.from_bytes(data, "big"))).lower()}))
        elif head == OWNERSHIP_TRANSFERRED and len(topics) == 3:
            events.append(Event("ownership", contract, {"from": to_checksum(rest[0]), "to": to_checksum(rest[1])}))
        elif head in (ROLE_GRANTED, ROLE_REVOKED) and len(topics) == 4:
            events.append(Event("role-granted" if head == ROLE_GRANTED else "role-revoked", contract,
                                {"role": "0x" + topics[1].to_bytes(32, "big").hex(), "account": to_checksum(rest[1]),
                                 "by": to_checksum(rest[2])}))
        elif head == UPGRADED and len(topics) == 2:
            events.append(Event("upgrade", contract, {"implementation": to_checksum(rest[0])}))
        elif head == BEACON_UPGRADED and len(topics) == 2:
            events.append(Event("beacon-upgrade", contract, {"beacon": to_checksum(rest[0])}))
        elif head == ADMIN_CHANGED and len(data) == 64:
            events.append(Event("admin-change", contract, {"from": to_checksum(data[12:32]),
                                                           "to": to_checksum(data[44:64])}))
    return transfers, events


def _approve(world: ProvenWorld, safe: bytes, owners: tuple[str, ...], threshold: int,
             safe_tx_hash: bytes) -> bytes:
    """The overlay: the first `threshold` owners pre-approve the hash; their v == 1 signatures."""
    signers = sorted(bytes.fromhex(o[2:]) for o in owners)[:max(threshold, 1)]
    for owner in signers:
        inner = layout.mapping_slot(int.from_bytes(owner, "big"), layout.APPROVED_HASHES)
        world.set_storage(safe, layout.mapping_slot(int.from_bytes(safe_tx_hash, "big"), inner), 1)
    return b"".join(owner.rjust(32, b"\0") + b"\0" * 32 + b"\x01" for owner in signers)


def run_on_proven_state(witness: Witness, tx: SafeTx, safe: bytes, safe_tx_hash: bytes, executor: bytes,
                        reads: Reads | None = None) -> StateRun:
    """Execute `tx` on `witness`; raises StateIncomplete, SafeNotFound or WorkLimit."""
    reads = reads if reads is not None else Reads()
    budget = WorkBudget()  # one work bound for everything this review runs on the snapshot
    before_world = ProvenWorld(witness, reads, budget=budget)
    before = read_settings(before_world, safe, executor)
    notes: list[str] = []
    if tx.nonce != before.nonce:
        notes.append(f"the Safe's nonce at this block is {before.nonce}, the transaction's is {tx.nonce}")

    world = ProvenWorld(witness, reads, before_world.db, budget)
    signatures = _approve(world, safe, before.owners, before.threshold, safe_tx_hash)
    tracker = Tracker()
    # tx.gasprice = the SafeTx's gasPrice: an ether refund is min(gasPrice, tx.gasprice), so the
    # Safe's largest refund is what the run shows (as the EVM check does).
    result = world.call(executor, safe, exec_calldata(tx, signatures), witness.block.gas_limit, tracker=tracker,
                        gas_price=tx.gas_price)
    # The settings are the Safe's storage read through its code: if the run wrote no slot of the Safe
    # but the nonce (every SSTORE is recorded), they are unchanged; else read them again.
    safe_writes = {slot for address, slot in tracker.writes if address == safe} - {layout.NONCE}
    if result.is_error:
        after = before
    elif safe_writes:
        after = read_settings(world, safe, executor)
    else:
        after = dataclasses.replace(before, nonce=world.storage(safe, layout.NONCE))

    transfers, events = _events(result.logs)
    outcome = [t for a, t, _ in result.logs if a == safe and t and t[0] in (EXECUTION_SUCCESS, EXECUTION_FAILURE)]
    guard_address = bytes.fromhex(before.guard[2:])
    from_safe = [m for m in tracker.messages if m.sender == safe]  # the proxy's own DELEGATECALL is the executor's
    top = min((m.depth for m in from_safe), default=0)
    own_calls = [m for m in from_safe if m.depth == top and m.to != guard_address]
    inner = next((m for m in own_calls if m.is_error), None)
    guard = None
    if before.guard != to_checksum(ZERO):
        checks = [m for m in from_safe if m.to == guard_address and m.data[:4] == CHECK_TRANSACTION]
        rejected = next((m for m in checks if m.is_error), None)
        guard = ("rejects the transaction" + (f": {revert_reason(rejected.output)}" if rejected.output else "")
                 if rejected is not None else "accepts the transaction" if checks else "was not asked")
    if result.is_error:
        reason = revert_reason(result.output) or "execTransaction reverted without a reason"
        if guard is not None and guard.startswith("rejects"):
            reason = f"the Safe's guard {guard}"
        elif "GS013" in reason and inner is not None and inner.output:
            reason = f"{reason}; the call's revert reason: {revert_reason(inner.output)}"
        if tx.nonce != before.nonce:
            reason += f"; the Safe's nonce is {before.nonce}, this transaction's is {tx.nonce}"
        success = False
    elif outcome and outcome[0][0] == EXECUTION_FAILURE:
        reason = "the Safe transaction's call failed (ExecutionFailure): the nonce is used and fees are paid, " \
            "nothing else happens" + (f"; revert reason: {revert_reason(inner.output)}" if inner and inner.output else "")
        success = False
    elif outcome:
        reason, success = None, True
    else:
        reason, success = "execTransaction returned without ExecutionSuccess or ExecutionFailure", False

    balances: list[BalanceChange] = []
    if not result.is_error:
        balances = _balance_changes(before_world, world, safe, executor, transfers, tracker, notes)
    slots = []
    changed = 0
    for address, slot in sorted(tracker.writes) if not result.is_error else ():
        old, new = before_world.storage(address, slot), world.storage(address, slot)
        if old == new:
            continue
        changed += 1
        name = EIP1967_SLOTS.get(slot) or (SAFE_SLOTS.get(slot) if address == safe else None)
        if name is not None:
            slots.append(SlotChange(to_checksum(address), hex(slot), name, hex(old), hex(new)))
    pulled_by: dict[str, set[str]] = {}
    for message in tracker.messages:
        if message.data[:4] == TRANSFER_FROM and len(message.data) >= 68 and message.data[16:36] == safe \
                and not message.is_error:
            pulled_by.setdefault(to_checksum(message.to), set()).add(to_checksum(message.sender))
    return StateRun(success=success, reverted=result.is_error, reason=reason, guard=guard, before=before,
                    after=after, balances=balances, transfers=transfers, events=events, slots=slots, writes=changed,
                    gas_used=result.gas_used, reads=reads, notes=notes, pulled_by=pulled_by)


def _balance_changes(before_world: ProvenWorld, world: ProvenWorld, safe: bytes, caller: bytes,
                     transfers: list[dict], tracker: Tracker, notes: list[str]) -> list[BalanceChange]:
    changes: list[BalanceChange] = []
    natives = [safe] + [a for m in tracker.messages if m.value for a in (m.sender, m.to)]
    for account in dict.fromkeys(natives):
        was, now = before_world.balance(account), world.balance(account)
        if was != now:
            changes.append(BalanceChange(to_checksum(account), "native", "ETH", 18, was, now))
    pairs: dict[tuple[str, str], None] = {}
    for t in transfers:
        if "amount" in t:
            for party in (t["from"], t["to"]):
                if party != to_checksum(ZERO):
                    pairs[(t["token"], party)] = None
    if len(pairs) > MAX_TOKEN_PARTIES:
        notes.append(f"{len(pairs)} token holders moved; balances are read for the first {MAX_TOKEN_PARTIES}")
    info: dict[str, tuple[str | None, int | None]] = {}
    for token, holder in list(pairs)[:MAX_TOKEN_PARTIES]:
        raw_token, raw_holder = bytes.fromhex(token[2:]), bytes.fromhex(holder[2:])
        if token not in info:
            info[token] = _token_info(before_world, caller, raw_token)
        old = _balance_of(before_world, caller, raw_token, raw_holder)
        new = _balance_of(world, caller, raw_token, raw_holder)
        if old is None or new is None:
            notes.append(f"balanceOf({holder}) on {token} did not answer; its change is not shown")
            continue
        if old != new:
            symbol, decimals = info[token]
            changes.append(BalanceChange(holder, token, symbol, decimals, old, new))
    return changes


__all__ = ["StateIncomplete", "StateRun", "run_on_proven_state", "SafeNotFound"]
