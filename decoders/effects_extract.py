"""Effects of a decoded call tree, at every depth (the model: decoders/effects.py).

Read from the decoded calls only, through the function knowledge (decoders/effects_knowledge.py)
and the shapes every call has: native coin attached, an empty call, a contract creation, a Safe
calling its own settings functions. A delegatecall's function is not read (the callee's code runs
as the caller, whatever its name: DELEGATECALL_UNTRUSTED judges it); a trusted batch library's
entries are read as calls of the account that delegatecalled it, like every other child.

Where the EVM ran, the call tree these effects come from is the one the real bytecode makes (the EVM
check, decoders/execution_check.py, raises EXECUTION_MISMATCH otherwise), so the effects inherit that
proof for the Safe's own calls; what a called contract does inside is read from its decoded
arguments, not executed.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field

from . import deployments
from .calls import CallNode, is_create_call
from .effects import (
    NATIVE,
    Allowance,
    AssetMovement,
    DELEGATED_CONTROL,
    AuthorityChange,
    Counterparty,
    Effects,
    RefundEffect,
    SettingsChange,
)
from .effects_knowledge import FunctionKnowledge, Knowledge, knowledge
from .hexutil import to_checksum
from .names import Names
from .addressbook import mark_differences
from .inner_safes import nested_refunds
from .refund import Refund
from .safetx import Context
from eth_abi import decode as abi_decode

ZERO = "0x" + "00" * 20
# The "native coin" placeholder aggregators use for a token address (1inch, 0x, ParaSwap, …).
NATIVE_PLACEHOLDER = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
MAX_UINT48 = (1 << 48) - 1
DEFAULT_ADMIN_ROLE = bytes(32)

# Safe self-management (safe-smart-account base/{OwnerManager,ModuleManager,GuardManager,FallbackManager}.sol,
# SafeMigration): function -> (setting, action, index of the argument holding the new value or None).
SAFE_SETTINGS = {
    "addOwnerWithThreshold": ("owner", "add", 0), "removeOwner": ("owner", "remove", 1),
    "swapOwner": ("owner", "swap", 2), "changeThreshold": ("threshold", "set", 0),
    "enableModule": ("module", "add", 0), "disableModule": ("module", "remove", 1),
    "setGuard": ("guard", "set", 0), "setModuleGuard": ("module guard", "set", 0),
    "setFallbackHandler": ("fallback handler", "set", 0), "changeMasterCopy": ("implementation", "set", 0),
    "migrateSingleton": ("implementation", "set", None), "migrateWithFallbackHandler": ("implementation", "set", None),
    "migrateL2Singleton": ("implementation", "set", None), "migrateL2WithFallbackHandler": ("implementation", "set", None),
    "migrateToL2": ("implementation", "set", 0), "migrateFromV111": ("implementation", "set", 0),
    "setSafeMethod": ("handler route", "set", 1), "setDomainVerifier": ("signature verifier", "set", 1),
}
# Settings whose new value is an address that gains control (a counterparty).
SETTINGS_WITH_HOLDER = {"owner", "module", "guard", "module guard", "fallback handler", "implementation",
                        "signature verifier"}


# Safe deployments that make calls as themselves for any caller (safe-smart-account libraries/
# MultiSendCallOnly.sol has no delegatecall-only guard; libraries/CreateCall.sol creates contracts
# with its own balance for anyone): what they receive, anyone can take. MultiSend itself refuses a
# direct CALL (`require(address(this) != multisendSingleton)`), so it is not here.
OPEN_DEPLOYMENTS = {
    "MultiSendCallOnly": "Safe's MultiSendCallOnly makes any call for any caller: whatever it holds, anyone can take",
    "CreateCall": "Safe's CreateCall spends its own balance for any caller: whatever it holds, anyone can take",
}


@functools.cache
def _open_deployments() -> dict[str, str]:
    return {c.address.lower(): OPEN_DEPLOYMENTS[c.name] for c in deployments.known_contracts() if c.name in OPEN_DEPLOYMENTS}


def open_to_anyone(address: str, chain_id: int | None, known: Knowledge) -> str | None:
    """Words when `address` is a contract anyone can make calls as (bundled knowledge or a Safe library)."""
    return known.open_to_anyone(chain_id, address) or _open_deployments().get(address.lower())


# A delegatecall to anything but these canonical, bundled libraries hands the caller's full control to
# the callee (decoders/findings.py TRUSTED_DELEGATE_KINDS, plus MultiSend, which only runs its entries).
DELEGATE_LIBRARY_KINDS = {"MULTISEND_CALL_ONLY", "SIGN_MESSAGE_LIB", "SAFE_MIGRATION", "MULTISEND"}


class _Unresolved(Exception):
    """A reference the decoded call does not carry (a malformed knowledge entry or an empty array)."""


@dataclass
class _Collector:
    context: Context
    names: Names
    known: Knowledge
    now: int
    own: dict[str, str]  # lowercase address -> how it is "self" ("this Safe", "Safe 0x… (run by this transaction)")
    pass_through: dict[str, str]  # lowercase address -> words: contracts making calls as themselves
    assets: list[AssetMovement] = field(default_factory=list)
    allowance_steps: list[tuple[str, dict]] = field(default_factory=list)
    authority: list[AuthorityChange] = field(default_factory=list)
    settings: list[SettingsChange] = field(default_factory=list)
    value_not_needed: list[str] = field(default_factory=list)
    reentered: set[str] = field(default_factory=set)  # paths of the entries of a re-entering multicall
    opaque_orders: list[str] = field(default_factory=list)


def own_accounts(nodes: list[CallNode], context: Context) -> dict[str, str]:
    """This Safe, and the accounts this transaction operates as their owner or module (nested Safes,
    smart accounts): proceeds returned to them stay with the signers."""
    own = {context.safe.lower(): "this Safe"}
    for node in nodes:
        if node.account_call and node.runs_as is not None and node.network is None:
            own.setdefault(node.runs_as.lower(), f"account {node.runs_as} (operated by this transaction)")
    return own


def _made_by(nodes: list[CallNode], context: Context) -> dict[str, str]:
    """path -> lowercase address of the account making that call (this Safe for the top level)."""
    return {node.path: (node.runs_as or context.safe).lower() for node in nodes}


def pass_through_makers(nodes: list[CallNode], own: dict[str, str]) -> dict[str, str]:
    """Contracts that make calls as themselves for this transaction (a CALLed Multicall3 or batch library):
    what they receive stays in a contract anyone can call, so as a recipient they are never "known"."""
    makers: dict[str, str] = {}
    for node in nodes:
        maker = node.runs_as
        if maker is None or node.depth == 0:
            continue
        if maker.lower() not in own and not node.account_call and node.network is None:
            makers.setdefault(maker.lower(), f"{node.maker_role or 'the batch contract'}, which anyone can call")
    return makers


def extract_effects(root: CallNode, context: Context, names: Names, refund: Refund | None = None,
                    now: int | None = None) -> Effects:
    nodes = list(root.walk())
    own = own_accounts(nodes, context)
    collector = _Collector(context, names, knowledge(), int(time.time()) if now is None else now, own,
                           pass_through_makers(nodes, own))
    collector.reentered = {child.path for node in nodes if node.wrapper is not None and node.wrapper.kind == "multicall"
                           for child in node.children}
    for node in nodes:
        _node_effects(node, collector)
    allowances = _fold_allowances(collector.allowance_steps)
    refunds: tuple[RefundEffect, ...] = ()
    if refund is not None:
        token = NATIVE if int(refund.token, 16) == 0 else refund.token
        refunds = (RefundEffect(token, refund.receiver, refund.max_amount),)
    for path, payer, nested in nested_refunds(root, context):  # every Safe at every depth pays its own refund
        token = NATIVE if int(nested.token, 16) == 0 else nested.token
        refunds += (RefundEffect(token, nested.receiver, nested.max_amount, path, payer),)
    effects = Effects(assets=tuple(collector.assets), allowances=tuple(allowances),
                      authority=tuple(collector.authority), settings=tuple(collector.settings), refunds=refunds,
                      unexplained_value=tuple(collector.value_not_needed))
    return Effects(assets=effects.assets, allowances=effects.allowances, authority=effects.authority,
                   settings=effects.settings, refunds=effects.refunds,
                   counterparties=tuple(counterparties_of(effects, names, collector.own, collector.known,
                                                          collector.pass_through, _made_by(nodes, context))),
                   unexplained_value=effects.unexplained_value, opaque_orders=tuple(collector.opaque_orders))


def with_proof(effects: Effects, execution_status: str | None) -> Effects:
    """The seam to the EVM check (decoders/execution_check.py): it compares the calls the real bytecode
    makes with the call tree these effects were read from, so its status is the effects' proof."""
    proof = {"confirmed": "executed", "mismatch": "contradicted"}.get(execution_status or "", "decoded")
    return dataclasses.replace(effects, proof=proof)


# ---- one call -----------------------------------------------------------------------------------
def _caller(node: CallNode) -> str:
    return node.runs_as or ZERO


def _node_effects(node: CallNode, c: _Collector) -> None:
    if node.operation == 1:
        # The callee's code runs as the caller: no name says what it does, but who gets that control is
        # an effect (the counterparty of the first screen, a policy's authority rule). DELEGATECALL_UNTRUSTED
        # is its finding; the canonical libraries' own code is bundled and executed, so they hand none.
        kind = node.target.kind.name if node.target is not None else None
        if kind not in DELEGATE_LIBRARY_KINDS and not is_create_call(node):
            c.authority.append(AuthorityChange(node.path, _caller(node), DELEGATED_CONTROL, node.to, "grant",
                                               node.function.name if node.function is not None else None))
        return
    entry = c.known.functions.get(node.function.canonical) if node.function is not None and node.decode_error is None else None
    uses_value = False
    if entry is not None:
        args = {a.name: a.value for a in node.args or ()}
        for spec, spec_uses_value in zip(entry.effects, entry.uses_value):
            try:
                _apply(spec, node, entry, c, args)
            except _Unresolved:
                continue
            uses_value |= spec_uses_value
        _safe_setting(node, c)
    elif node.function is not None and node.decode_error is None:
        _safe_setting(node, c)
        if node.wrapper is not None and node.wrapper.kind == "command-stream":
            _command_stream(node, c)
    if node.value > 0 and node.wrapper is not None and entry is not None and entry.payable and node.children:
        left = _coin_left_in_wrapper(node, c)
        if left == 0:
            return  # a payable wrapper hands the coin on: its inner calls carry it (each judged there)
        # Nothing inside spends the rest: it stays in the wrapper contract, where the next caller takes it
        # (Uniswap's refundETH/sweep, Multicall3's calls).
        c.assets.append(AssetMovement(node.path, NATIVE, _caller(node), node.to, left, "value",
                                      network=node.network, function=node.function.name if node.function else None))
        c.value_not_needed.append(node.path)
        return
    if node.value > 0 and not uses_value:
        role = "payment" if not node.data and node.operation == 0 else "value"
        c.assets.append(AssetMovement(node.path, NATIVE, _caller(node), node.to, node.value, role,
                                      network=node.network, function=node.function.name if node.function else None))
        if entry is not None and not entry.payable:
            c.value_not_needed.append(node.path)


# Universal Router commands whose input names a recipient (Uniswap/universal-router
# contracts/libraries/Commands.sol and base/Dispatcher.sol v1.6; inputs are abi-encoded):
# command -> (input types, recipient index, token reference, amount index or None, role).
# Token references: ("path", "last"/"first") a v3 packed path, ("list", -1) a v2 address[] path,
# ("arg", i) an address argument, "native" the coin, None not named. Recipient 0x…01 is the caller
# (MSG_SENDER), 0x…02 the router itself (ADDRESS_THIS: held for a later command).
_UR_COMMANDS: dict[int, tuple[list[str], int, object, int | None, str]] = {
    0x00: (["address", "uint256", "uint256", "bytes", "bool"], 0, ("path", "last"), 2, "proceeds"),  # V3_SWAP_EXACT_IN
    0x01: (["address", "uint256", "uint256", "bytes", "bool"], 0, ("path", "first"), 1, "proceeds"),  # V3_SWAP_EXACT_OUT
    0x04: (["address", "address", "uint256"], 1, ("arg", 0), 2, "proceeds"),  # SWEEP
    0x05: (["address", "address", "uint256"], 1, ("arg", 0), 2, "payment"),  # TRANSFER
    0x06: (["address", "address", "uint256"], 1, ("arg", 0), None, "payment"),  # PAY_PORTION
    0x08: (["address", "uint256", "uint256", "address[]", "bool"], 0, ("list", -1), 2, "proceeds"),  # V2_SWAP_EXACT_IN
    0x09: (["address", "uint256", "uint256", "address[]", "bool"], 0, ("list", -1), 1, "proceeds"),  # V2_SWAP_EXACT_OUT
    0x0b: (["address", "uint256"], 0, None, 1, "proceeds"),  # WRAP_ETH
    0x0c: (["address", "uint256"], 0, "native", 1, "proceeds"),  # UNWRAP_WETH
}


def _checksummed(value: str) -> str:
    return to_checksum(bytes.fromhex(value[2:]))  # eth-abi decodes an address to a hex string


def _command_stream(node: CallNode, c: _Collector) -> None:
    """Recipients of a Universal Router command stream (the wrapper leaves its inputs opaque: OPAQUE_CALL)."""
    args = [a.value for a in node.args or ()]
    if len(args) < 2 or not isinstance(args[0], bytes) or not isinstance(args[1], list):
        return
    for command, raw in zip(args[0], args[1]):
        spec = _UR_COMMANDS.get(command & 0x3F)
        if spec is None or not isinstance(raw, bytes):
            continue
        types, at, token_ref, amount_at, role = spec
        try:
            values = abi_decode(types, raw)
        except Exception:  # noqa: BLE001 - a malformed input is the router's revert, not an effect
            continue
        recipient = _checksummed(values[at])
        if int(recipient, 16) == 1:
            recipient = _caller(node)
        if int(recipient, 16) == 2 or recipient.lower() == node.to.lower():
            continue  # held by the router for a later command of the same stream
        token: str = "unknown"
        if token_ref == "native":
            token = NATIVE
        elif isinstance(token_ref, tuple) and token_ref[0] == "path" and len(values[3]) >= 20:
            token = to_checksum(values[3][-20:] if token_ref[1] == "last" else values[3][:20])
        elif isinstance(token_ref, tuple) and token_ref[0] == "list" and values[3]:
            token = _checksummed(values[3][-1])
        elif isinstance(token_ref, tuple) and token_ref[0] == "arg":
            token = _checksummed(values[token_ref[1]])
        amount = values[amount_at] if amount_at is not None else None
        c.assets.append(AssetMovement(node.path, token, node.to, recipient, amount, role,
                                      "at least" if role == "proceeds" and amount is not None else
                                      ("exact" if amount is not None else "unknown"),
                                      network=node.network, function=node.function.name if node.function else None))


def _coin_left_in_wrapper(node: CallNode, c: _Collector) -> int:
    """The native coin a payable wrapper keeps: a re-entering multicall's entries all see msg.value, so
    it is spent only when one of them takes native coin (`payable` in the knowledge); a Multicall3
    aggregate hands on exactly the values its entries carry. Other wrappers hand it on whole."""
    kind = node.wrapper.kind if node.wrapper is not None else None
    if kind == "multicall":
        return 0 if _spends_shared_value(node, c) else node.value
    if kind == "multicall3":
        return max(0, node.value - sum(child.value for child in node.children))
    return 0


def _spends_shared_value(node: CallNode, c: _Collector) -> bool:
    """Whether an entry of a re-entering multicall (at any depth of nested multicalls) can spend the
    msg.value they all share: a function that takes native coin, or anything not a plain call."""
    for child in node.children:
        entry = c.known.functions.get(child.function.canonical) \
            if child.function is not None and child.decode_error is None else None
        if child.operation != 0 or (entry is not None and entry.payable and child.wrapper is None):
            return True
        if child.wrapper is not None and (child.wrapper.kind != "multicall" or _spends_shared_value(child, c)):
            return True
    return False


def _safe_setting(node: CallNode, c: _Collector) -> None:
    setting = SAFE_SETTINGS.get(node.function.name) if node.function is not None else None
    if setting is None or node.runs_as is None or node.to.lower() != node.runs_as.lower():
        return  # only a Safe calling itself changes its own settings (`authorized`)
    what, action, index = setting
    values = [a.value for a in node.args or ()]
    value = values[index] if index is not None and index < len(values) else None
    if isinstance(value, bytes) and what == "handler route":
        value = to_checksum(value[12:])
    c.settings.append(SettingsChange(node.path, node.to, what, None if value is None else str(value), action,
                                     node.require_decoded().function.name))


def _apply(spec: dict, node: CallNode, entry: FunctionKnowledge, c: _Collector, args: dict) -> None:
    """Record the effect(s) one spec describes."""
    items = _resolve(spec["each"], node, args, None) if "each" in spec else [None]
    if not isinstance(items, list):
        raise _Unresolved(spec["each"])
    for item in items:
        ref = lambda key, default=None, item=item: _resolve(spec.get(key, default), node, args, item)  # noqa: E731
        kind = spec["kind"]
        if kind == "asset":
            _asset(spec, ref, node, entry, c)
        elif kind == "allowance":
            _allowance(spec, ref, node, c)
        elif kind == "authority":
            _authority(spec, ref, node, c)
        elif kind == "opaque-order" and ref("enabled") is True:
            c.opaque_orders.append(node.path)


def _asset(spec: dict, ref, node: CallNode, entry: FunctionKnowledge, c: _Collector) -> None:
    token = ref("token")
    sender = _address(ref("from", "$caller"))
    recipient = _address(ref("to"))
    if recipient is None or sender is None:
        return
    for sentinel, meaning in entry.sentinels:
        if recipient is not None and recipient.lower() == sentinel:
            recipient = _address(_resolve(meaning, node, {}, None))
    if recipient is not None and recipient.lower() == ZERO and spec.get("zeroMeans"):
        recipient = _address(_resolve(spec["zeroMeans"], node, {}, None))
    if recipient is None:
        return
    if recipient.lower() == sender.lower() and (recipient.lower() != node.to.lower() or node.path in c.reentered):
        return  # held by the contract itself for a later step of the same multicall (a sweep, an unwrap): not an effect
    # Outside a multicall of that contract, what the called contract keeps stays there for whoever calls it
    # next (a router's public sweepToken/refundETH): a payout to the contract, judged like any recipient.
    amount = ref("amount")
    token_id = ref("tokenId")
    asset = NATIVE if token in (None, NATIVE) or str(token).lower() == NATIVE_PLACEHOLDER else str(token)
    if token is None and spec.get("token", "") is None:
        asset = "unknown"
    c.assets.append(AssetMovement(node.path, asset, sender, recipient, amount if isinstance(amount, int) else None,
                                  spec["role"], spec.get("bound", "exact") if isinstance(amount, int) else spec.get("bound", "unknown"),
                                  token_id if isinstance(token_id, int) else None,
                                  spec.get("network") or node.network, node.require_decoded().function.name))


def _allowance(spec: dict, ref, node: CallNode, c: _Collector) -> None:
    token, spender, owner = _address(ref("token")), _address(ref("spender")), _address(ref("owner", "$caller"))
    if token is None or spender is None or owner is None:
        return
    amount = ref("amount")
    expiry = ref("expiry")
    if isinstance(expiry, int) and expiry >= MAX_UINT48:
        expiry = None
    elif isinstance(expiry, int) and expiry == 0 and "permit2" in spec.get("route", ""):
        expiry = c.now  # Permit2: an expiration of 0 means the current block only
    via = _address(ref("via")) if spec.get("via") else None
    c.allowance_steps.append((node.path, {"token": token, "owner": owner, "spender": spender,
                                          "amount": amount if isinstance(amount, int) else None,
                                          "mode": spec.get("mode", "set"), "expiry": expiry if isinstance(expiry, int) else None,
                                          "route": spec.get("route", node.require_decoded().function.name), "via": via}))


def _authority(spec: dict, ref, node: CallNode, c: _Collector) -> None:
    contract = _address(ref("contract", "$target"))
    if contract is None:
        return
    role = spec.get("role")
    if "roleArg" in spec:
        value = ref("roleArg")
        role = "admin role" if value == DEFAULT_ADMIN_ROLE else f"role 0x{bytes(value).hex()}"
    holder = _address(ref("holder")) if spec.get("holder") is not None else None
    if spec.get("holder") is not None and holder is None:
        return
    if holder is not None and holder.lower() == ZERO and spec.get("kind") == "authority" and spec.get("each"):
        return  # a diamondCut Remove names no facet
    c.authority.append(AuthorityChange(node.path, contract, str(role), holder, spec.get("action", "set"),
                                       node.require_decoded().function.name))


def _fold_allowances(steps: list[tuple[str, dict]]) -> list[Allowance]:
    """One allowance per (owner, token, spender, via): a set replaces, increases add, decreases subtract.

    With no set before them, increases add up from an allowance unknown offline: the sum is a lower
    bound, which is what the unlimited rule needs (a batch cannot split an unlimited allowance to hide it)."""
    state: dict[tuple, dict] = {}
    order: list[tuple] = []
    for path, step in steps:
        key = (step["owner"].lower(), step["token"].lower(), step["spender"].lower(), (step["via"] or "").lower())
        current = state.get(key)
        if current is None:
            if step["mode"] == "decrease":
                continue  # lowers an allowance unknown here: nothing is handed out
            current = state[key] = {**step, "paths": [path], "path": path}
            order.append(key)
            if step["mode"] == "increase":
                current["route"] = step["route"]
            continue
        current["paths"].append(path)
        current["path"] = path
        if step["mode"] == "set":
            current.update(amount=step["amount"], expiry=step["expiry"], route=step["route"], mode="set")
        elif current["amount"] is None:
            pass  # unbounded stays unbounded
        elif step["mode"] == "increase":
            current["amount"] = None if step["amount"] is None else current["amount"] + step["amount"]
            current["route"] = step["route"] if step["route"] == current["route"] else f"{current['route']} + {step['route']}"
        else:
            current["amount"] = max(0, current["amount"] - (step["amount"] or 0))
    return [Allowance(s["path"], s["token"], s["owner"], s["spender"], s["amount"], s["expiry"], s["route"],
                      tuple(s["paths"]), s["via"]) for s in (state[k] for k in order)]


# ---- references ---------------------------------------------------------------------------------
def _address(value: object) -> str | None:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value
    return None


def _resolve(reference: object, node: CallNode, args: dict, item: object) -> object:
    if reference is None or not isinstance(reference, str):
        return reference
    if reference == "$target":
        return node.to
    if reference == "$caller":
        return _caller(node)
    if reference == "$value":
        return node.value
    if reference == "$native":
        return NATIVE
    if reference.startswith("="):
        return int(reference[1:])
    if reference == "all":
        return None
    if reference.startswith("all-if:"):
        flag = _resolve(reference[len("all-if:"):], node, args, item)
        return None if flag is True else 0
    first, steps, suffix = _parsed(reference)
    value = item if first == "item" else args
    for name, index in steps:
        if name:
            if not isinstance(value, dict) or name not in value:
                raise _Unresolved(reference)
            value = value[name]
        if index is not None:
            if not isinstance(value, list) or not value:
                raise _Unresolved(reference)
            value = value[index]
    if suffix in ("last20", "first20"):
        if not isinstance(value, bytes) or len(value) < 20:
            raise _Unresolved(reference)
        return to_checksum(value[-20:] if suffix == "last20" else value[:20])
    return value


@functools.cache
def _parsed(reference: str) -> tuple[str, tuple[tuple[str, int | None], ...], str]:
    """`a.b[-1]@last20` -> ("a", (("a", None), ("b", -1)), "last20"); `item.x` starts from the element."""
    base, _, suffix = reference.partition("@")
    parts = base.split(".")
    first = parts[0]
    if first == "item":
        parts = parts[1:]
    steps = []
    for part in parts:
        name, _, index = part.partition("[")
        steps.append((name, int(index.rstrip("]")) if index else None))
    return first, tuple(steps), suffix


# ---- counterparties -----------------------------------------------------------------------------
def judge(address: str, names: Names, own: dict[str, str], known: Knowledge,
          pass_through: dict[str, str] | None = None) -> tuple[str, str | None]:
    """(judgement, name) of one address: self, known (address book / policy), intermediary (bundled
    protocol contract), unknown. A contract that makes this transaction's calls as itself is unknown as
    a counterparty, whatever its name: what it receives, anyone can take."""
    lower = address.lower()
    if lower in own:
        return "self", own[lower]
    if pass_through and lower in pass_through:
        return "unknown", f"{names.name_of(address) or address}: {pass_through[lower]}"
    open_words = open_to_anyone(address, names.chain_id, known)
    if open_words is not None:  # a name does not make it an intermediary for what it receives
        return "unknown", f"{names.name_of(address) or known.contract_name(names.chain_id, address) or address}: {open_words}"
    team = names.book.name_of(names.chain_id, address) or names.labels.get(lower)
    if team:
        return "known", team
    bundled = names.name_of(address) or known.contract_name(names.chain_id, address)
    if bundled:
        return "intermediary", bundled
    return "unknown", None


def counterparties_of(effects: Effects, names: Names, own: dict[str, str], known: Knowledge,
                      pass_through: dict[str, str] | None = None,
                      made_by: dict[str, str] | None = None) -> list[Counterparty]:
    """Every address on the receiving side, judged. An account this transaction operates (a nested Safe,
    a module's Safe) is "self" only for what its OWN calls return to it: that it is a Safe this Safe
    controls is not provable offline (any contract can offer execTransaction and ignore signatures), so
    what this Safe or anyone else sends it is judged like any other address (`made_by`: path -> maker)."""
    receives: dict[str, tuple[str, list[str], list[str]]] = {}

    def add(address: str | None, what: str, path: str) -> None:
        if address is None:
            return
        entry = receives.setdefault(address.lower(), (address, [], []))
        if what not in entry[1]:
            entry[1].append(what)
        if path not in entry[2]:
            entry[2].append(path)

    # Receipts that are not an operated account's own calls paying back to it (see the docstring): what it
    # gets from another call, or from another own account's assets (a transferFrom out of this Safe).
    foreign: set[str] = set()
    for move in effects.assets:
        lower = move.recipient.lower()
        if made_by is not None and (made_by.get(move.path) != lower
                                    or (move.sender.lower() in own and move.sender.lower() != lower)):
            foreign.add(lower)
    for move in effects.assets:
        add(move.recipient, {"position": "position", "bridge": "assets on L2", "refund": "refund"}.get(move.role, "assets"),
            move.path)
    for allowance in effects.allowances:
        add(allowance.spender, "allowance", allowance.path)
    for change in effects.authority:
        add(change.holder, "control" if change.action != "revoke" else "control (revoked)", change.path)
    for setting in effects.settings:
        if setting.setting in SETTINGS_WITH_HOLDER and setting.action != "remove":
            add(_address(setting.value), "control", setting.path)
    for refund in effects.refunds:
        add(refund.receiver, "refund", refund.path)
    parties = []
    safe = next(iter(own), None)  # own_accounts puts this Safe first
    for address, what, paths in receives.values():
        lower = address.lower()
        judged_own = own
        if made_by is not None and lower in own and lower != safe \
                and (lower in foreign or any(made_by.get(path) != lower for path in paths)):
            judged_own = {k: v for k, v in own.items() if k != lower}
        judgement, name = judge(address, names, judged_own, known, pass_through)
        if judged_own is not own and judgement == "unknown" and name is None:
            name = (f"{own[lower]}: whether this Safe controls it cannot be checked offline, and other calls "
                    "send to it")
        matches = names.lookalike_matches(address)
        parties.append(Counterparty(address, name, judgement, tuple(what), tuple(paths),
                                    tuple(f"{other_name} {other}" for other_name, other in matches),
                                    mark_differences(address, matches[0][1]) if matches else None))
    return parties
