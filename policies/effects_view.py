"""What a transaction does, as batch rules judge it: outflows, allowances, operators, authority changes.

A small adapter over the decoded call tree (every depth, wrappers unwrapped), read by the ERC-20 /
ERC-721 / Ownable / AccessControl / Safe signatures that move assets or hand over control. It is the
policy engine's own view until the core's effects model (decoders, "Judge effects, not names") can
take its place; `flows()` is the one function to swap.

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
    kind: str  # outflow | allowance | operator | authority
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
