"""What a transaction does, as batch rules judge it: outflows, allowances, operators, authority changes.

Two sources, one shape (`Flow`): the core's effects model (`Report.effects`, decoders/effects.py: asset
movements, allowances, authority and Safe settings changes read from function knowledge at every
depth), and this module's own reading of the decoded call tree by the ERC-20 / ERC-721 / Ownable /
AccessControl / Safe signatures that move assets or hand over control. `combined()` prefers the model
for every call it describes and keeps the call-tree reading for the calls it does not (never less);
allowances are always read per call (the order of approvals and their uses matters to `left_lte`).

- outflow: `transfer`, `transferFrom` and native value to anyone but the Safe itself (a transfer INTO
  the Safe, such as a pull from the team's funding wallet, is not an outflow);
- allowance: `approve`, `increaseAllowance` (+), `decreaseAllowance` (-): what a spender may take later;
- operator: `setApprovalForAll(operator, true)`;
- authority: who controls a contract or the Safe (`transferOwnership`, `grantRole`, owners, modules,
  guards, the fallback handler, upgrades, the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

from decoders.abi import parse_signature
from decoders.calls import CallNode
from decoders.vocabulary import FindingCode

OUTFLOW, ALLOWANCE, OPERATOR, AUTHORITY = "outflow", "allowance", "operator", "authority"
RECEIVES = "receives"  # assets someone else pays out to a counterparty (a swap's proceeds): not this Safe's outflow


def _sig(text: str):
    return parse_signature(text)


# selector -> (function, kind, counterparty position or None, amount position or None, sign)
_READERS = {}
for _text, _kind, _party, _amount, _sign in (
    ("transfer(address to,uint256 amount)", OUTFLOW, 0, 1, 1),
    ("transferFrom(address from,address to,uint256 amount)", OUTFLOW, 1, 2, 1),
    ("approve(address spender,uint256 amount)", ALLOWANCE, 0, 1, 0),  # sets the allowance
    ("increaseAllowance(address spender,uint256 addedValue)", ALLOWANCE, 0, 1, 1),
    ("decreaseAllowance(address spender,uint256 subtractedValue)", ALLOWANCE, 0, 1, -1),
    ("setApprovalForAll(address operator,bool approved)", OPERATOR, 0, 1, 0),
    ("transferOwnership(address newOwner)", AUTHORITY, 0, None, 0),
    ("grantRole(bytes32 role,address account)", AUTHORITY, 1, None, 0),
    ("revokeRole(bytes32 role,address account)", AUTHORITY, None, None, 0),
    ("renounceOwnership()", AUTHORITY, None, None, 0),
    ("addOwnerWithThreshold(address owner,uint256 _threshold)", AUTHORITY, 0, None, 0),
    ("swapOwner(address prevOwner,address oldOwner,address newOwner)", AUTHORITY, 2, None, 0),
    ("removeOwner(address prevOwner,address owner,uint256 _threshold)", AUTHORITY, None, None, 0),
    ("changeThreshold(uint256 _threshold)", AUTHORITY, None, None, 0),
    ("enableModule(address module)", AUTHORITY, 0, None, 0),
    ("disableModule(address prevModule,address module)", AUTHORITY, None, None, 0),
    ("setGuard(address guard)", AUTHORITY, 0, None, 0),
    ("setModuleGuard(address moduleGuard)", AUTHORITY, 0, None, 0),
    ("setFallbackHandler(address handler)", AUTHORITY, 0, None, 0),
    ("changeMasterCopy(address _masterCopy)", AUTHORITY, 0, None, 0),
    ("upgradeTo(address newImplementation)", AUTHORITY, 0, None, 0),
    ("upgradeToAndCall(address newImplementation,bytes data)", AUTHORITY, 0, None, 0),
):
    _function = _sig(_text)
    _READERS[_function.selector] = (_function, _kind, _party, _amount, _sign)

# The core's findings that mean "who controls something changes" (decoders/findings.py, at every depth).
AUTHORITY_FINDINGS = frozenset({
    FindingCode.MASTERCOPY_CHANGE, FindingCode.PROXY_UPGRADE, FindingCode.MODULE_CHANGE, FindingCode.GUARD_CHANGE,
    FindingCode.FALLBACK_HANDLER_CHANGE, FindingCode.OWNER_CHANGE, FindingCode.THRESHOLD_CHANGE,
    FindingCode.OWNERSHIP_TRANSFER, FindingCode.ROLE_CHANGE,
})


@dataclass(frozen=True)
class Flow:
    kind: str  # outflow | receives | allowance | operator | authority
    token: str | None  # lowercase contract the call goes to (the token); None: the native coin
    counterparty: str | None  # lowercase recipient / spender / operator / new holder; None when there is none
    amount: int | None  # base units; None when the arguments do not decode
    sign: int  # allowance: 0 sets, 1 adds, -1 subtracts; operator: 1 approved, 0 revoked
    path: str
    function: str  # the function's name, for explanations


def flows(root: CallNode, safe: str, values) -> list[Flow]:
    """Every flow of the call tree in execution order. `values(node, function)` decodes arguments
    (policies.evaluate._Args.values), returning None when they do not decode."""
    safe = safe.lower()
    found: list[Flow] = []
    for node in root.walk():
        if node.value and node.to.lower() != safe:
            found.append(Flow(OUTFLOW, None, node.to.lower(), node.value, 1, node.path, "value"))
        reader = _READERS.get(node.data[:4]) if len(node.data) >= 4 else None
        if reader is None:
            continue
        function, kind, party_at, amount_at, sign = reader
        decoded = values(node, function)
        if decoded is None:
            found.append(Flow(kind, node.to.lower(), None, None, sign, node.path, function.name))
            continue
        party = str(decoded[party_at]).lower() if party_at is not None else None
        if kind == OUTFLOW and party == safe:
            continue  # into the Safe: not an outflow
        amount = decoded[amount_at] if amount_at is not None else None
        if kind == OPERATOR:
            sign, amount = (1 if decoded[1] else 0), 0
        found.append(Flow(kind, node.to.lower(), party, amount if amount_at is not None or kind == OPERATOR else 0,
                          sign, node.path, function.name))
    return found


def _path_key(path: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))


def _address_or_none(value: object) -> str | None:
    return value.lower() if isinstance(value, str) and value.startswith("0x") and len(value) == 42 else None


def from_effects(effects, safe: str) -> list[Flow]:
    """Flows of the core's effects model (decoders.effects.Effects). An amount the call does not fix
    exactly (a minimum out, "all", unknown) is None: a sum over it breaks, fail closed."""
    safe = safe.lower()
    found: list[Flow] = []
    for move in getattr(effects, "assets", ()):
        recipient = move.recipient.lower()
        if recipient == safe:
            continue  # into the Safe
        amount = move.amount if getattr(move, "bound", "exact") in ("exact", "at most") else None
        token = None if move.asset == "native" else move.asset.lower()
        kind = OUTFLOW if move.sender.lower() == safe else RECEIVES
        found.append(Flow(kind, token, recipient, amount, 1, move.path, move.function or move.role))
    for allowance in getattr(effects, "allowances", ()):
        if allowance.route == "operator":
            found.append(Flow(OPERATOR, allowance.token.lower(), allowance.spender.lower(), 0, 1, allowance.path, "operator"))
    for change in getattr(effects, "authority", ()):
        found.append(Flow(AUTHORITY, change.contract.lower(), _address_or_none(change.holder), 0, 0, change.path,
                          change.function or change.role))
    for setting in getattr(effects, "settings", ()):
        found.append(Flow(AUTHORITY, setting.safe.lower(), _address_or_none(setting.value), 0, 0, setting.path,
                          setting.function or setting.setting))
    return found


def combined(call_flows: list[Flow], effects, safe: str) -> list[Flow]:
    """The model's flows, plus the call-tree reading for the calls (and kinds) the model does not describe,
    plus every allowance read per call; in execution order."""
    if effects is None:
        return call_flows
    model = [f for f in from_effects(effects, safe)]
    covered = {(f.path, OUTFLOW if f.kind == RECEIVES else f.kind) for f in model}
    kept = [f for f in call_flows if f.kind == ALLOWANCE or (f.path, f.kind) not in covered]
    return sorted(kept + model, key=lambda f: _path_key(f.path))
