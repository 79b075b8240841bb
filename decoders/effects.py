"""The effects model: who ends up with the assets, the allowance and the control.

A function name is only a way to find out what a call does. What a signer (and the findings, the
intents and the policy engine) must judge is the *effect*: which assets leave whom for whom, which
allowance results and for whom, who gains control of what, what changes in the Safe's own settings,
and every address that ends up on the receiving side of any of it (a *counterparty*).

Effects are computed for every call at every depth of the decoded call tree (batches, wrappers,
nested Safe transactions, module calls: decoders/effects_extract.py), from function knowledge kept
as data (decoders/data/knowledge/*.json: which argument of which function is a recipient, a spender,
an amount, a deadline, a new authority), plus the shapes every call has (native value attached, a
delegatecall). Where the EVM ran, they are checked against the calls it recorded (the EVM check
already proves the call tree the effects are read from equals the calls the real bytecode makes).

The kinds, each a frozen dataclass with the call `path` it comes from:

- `AssetMovement`   native coin or a token moves `sender` -> `recipient`; `role` says why:
                    "payment" (the call's point: a transfer), "proceeds" (what a swap, withdrawal,
                    unwrap or claim pays out), "position" (a deposit credited to someone: lending
                    onBehalfOf, staking), "bridge" (delivered on another chain), "value" (native
                    coin attached to a call), "refund" (excess returned). `amount` is raw units,
                    None when the call does not fix it (e.g. "all", or a minimum: see `bound`).
- `Allowance`       `owner` lets `spender` move `token`; `amount` is the allowance that RESULTS
                    (increaseAllowance calls of one batch are summed), `expiry` a Unix time or None
                    for none, `route` how it is granted ("approve", "increaseAllowance", "permit",
                    "permit2", "operator", ...), `unlimited` by the one rule below.
- `AuthorityChange` `contract`'s `role` ("owner", "admin", "implementation", "pending owner",
                    "facet", "role 0x…", "module", "guard", "handler", "verifier", ...) passes to
                    `holder` (None: given up / cleared); `action` "set", "grant", "revoke", "renounce".
- `SettingsChange`  this (or a nested) Safe's own configuration: owners, threshold, modules, guard,
                    fallback handler, implementation.
- `RefundEffect`    the gas refund the Safe pays (decoders/refund.py), to its receiver.
- `Counterparty`    every address that receives assets, an allowance, a position or control, with
                    its name and a `judgement`: "self" (this Safe, or the account the call runs as),
                    "known" (the team's address book or the signed policy), "intermediary" (a
                    known protocol contract acting between this Safe and someone: the router
                    called, a bundled deployment or token), or "unknown". An unknown counterparty
                    is never `ok` (decoders/findings.py: `effect_findings`).

"Unlimited" (the one rule for calls and messages, decoders/messages.py uses it too): an amount is
unlimited when it is at least 2^96 raw units (`UNLIMITED_FROM`). 2^96 ≈ 7.9e28 is more than the
total supply, in raw units, of any token in the bundled list (for an 18-decimals token, 79 billion
whole tokens; for a 6-decimals one, 7.9e22), so no realistic balance reaches it, while every
"infinite" an attacker would reach for (2^255, 2^160-1 for Permit2's uint160, 2^128 and just
below it, 2^112, 2^100) does. Compound's and Uniswap's own bounded amounts (uint96 votes) stop
just below it. A uint160 Permit2 amount at its maximum is unlimited by the same rule.

JSON (`effects` in coldsight.report/1 and in the message review JSON): numbers as decimal strings,
addresses checksummed, `null` for absent values, one list per kind (see `Effects.as_json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

UNLIMITED_FROM = 1 << 96
NATIVE = "native"  # the `asset` of a native-coin movement
# The AuthorityChange role of a delegatecall to code that is not a canonical library: the callee runs its
# own code with the caller's full control.
DELEGATED_CONTROL = "full control (its code runs as this account: delegatecall)"


def is_unlimited(amount: int | None) -> bool:
    """The one "unlimited" rule (see the module docstring); None (not bounded by the call) is unlimited."""
    return amount is None or amount >= UNLIMITED_FROM


def _num(value: int | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class AssetMovement:
    path: str
    asset: str  # NATIVE or the token contract's address
    sender: str  # whose assets leave (this Safe, the account a call runs as, or a router)
    recipient: str
    amount: int | None  # raw units; None when the call does not fix it
    role: str  # "payment", "proceeds", "position", "bridge", "value", "refund"
    bound: str = "exact"  # "exact", "at least" (a minimum out), "at most" (a maximum in), "all", "unknown"
    token_id: int | None = None  # ERC-721 / ERC-1155 item
    network: str | None = None  # "L2" when delivered on another chain
    function: str | None = None  # the function it was read from (for the reader, not for decisions)

    kind = "asset"

    def as_json(self) -> dict:
        return {"path": self.path, "asset": self.asset, "from": self.sender, "to": self.recipient,
                "amount": _num(self.amount), "bound": self.bound, "role": self.role,
                "tokenId": _num(self.token_id), "network": self.network, "function": self.function}


@dataclass(frozen=True)
class Allowance:
    path: str  # the call that sets it last (a batch's sum names its last increase)
    token: str  # token contract (for Permit2 routes: the token, not Permit2)
    owner: str
    spender: str
    amount: int | None  # resulting allowance, raw units; None for an operator approval (all items)
    expiry: int | None  # Unix time; None: never expires
    route: str  # "approve", "increaseAllowance", "decreaseAllowance", "permit", "permit2", "operator", ...
    paths: tuple[str, ...] = ()  # every call that contributed (increases summed across a batch)
    via: str | None = None  # the contract that holds the allowance when it is not the token (Permit2)

    kind = "allowance"

    @property
    def unlimited(self) -> bool:
        return self.amount is None or is_unlimited(self.amount)

    @property
    def revoke(self) -> bool:
        return self.amount == 0

    def as_json(self) -> dict:
        return {"path": self.path, "paths": list(self.paths or (self.path,)), "token": self.token,
                "owner": self.owner, "spender": self.spender, "amount": _num(self.amount),
                "unlimited": self.unlimited, "expiry": _num(self.expiry), "route": self.route, "via": self.via}


@dataclass(frozen=True)
class AuthorityChange:
    path: str
    contract: str  # whose control changes
    role: str  # "owner", "admin", "implementation", "pending owner", "facet", "authority", "role 0x…", ...
    holder: str | None  # the new holder; None when the role is given up or cleared
    action: str = "set"  # "set", "grant", "revoke", "renounce"
    function: str | None = None

    kind = "authority"

    def as_json(self) -> dict:
        return {"path": self.path, "contract": self.contract, "role": self.role, "holder": self.holder,
                "action": self.action, "function": self.function}


@dataclass(frozen=True)
class SettingsChange:
    path: str
    safe: str  # the Safe whose settings change (this Safe, or a nested one)
    setting: str  # "owner", "threshold", "module", "guard", "module guard", "fallback handler", "implementation", "handler route"
    value: str | None  # new value in words or as an address; None when removed
    action: str = "set"  # "set", "add", "remove", "swap"
    function: str | None = None

    kind = "settings"

    def as_json(self) -> dict:
        return {"path": self.path, "safe": self.safe, "setting": self.setting, "value": self.value,
                "action": self.action, "function": self.function}


@dataclass(frozen=True)
class RefundEffect:
    token: str  # NATIVE or the token
    receiver: str | None  # None: whoever executes the transaction
    max_amount: int | None
    path: str = "refund"  # "refund": this Safe's own; else the call of a nested Safe's transaction (decoders/inner_safes.py)
    payer: str | None = None  # None: this Safe; else the nested Safe that pays it

    kind = "refund"

    def as_json(self) -> dict:
        return {"asset": self.token, "to": self.receiver, "maxAmount": _num(self.max_amount), "path": self.path,
                "payer": self.payer}


JUDGEMENTS = ("self", "known", "intermediary", "unknown")


@dataclass(frozen=True)
class Counterparty:
    address: str
    name: str | None  # the best name (address book, policy, bundled data); None when unknown
    judgement: str  # one of JUDGEMENTS
    receives: tuple[str, ...]  # what it gets, in words: "assets", "allowance", "position", "control", "refund"
    paths: tuple[str, ...]  # the calls that give it something
    # Other named addresses it looks like (same first 3 and last 4 hex characters, decoders/addressbook.py):
    # "name 0xFull…" each; `marked` is its address with the characters differing from the first in [brackets].
    looks_like: tuple[str, ...] = ()
    marked: str | None = None

    @property
    def acceptable(self) -> bool:
        return self.judgement != "unknown"

    def as_json(self) -> dict:
        return {"address": self.address, "name": self.name, "judgement": self.judgement,
                "receives": list(self.receives), "paths": list(self.paths), "looksLike": list(self.looks_like)}


@dataclass(frozen=True)
class Effects:
    """Everything a transaction (or a signed message) does, by kind. Empty lists when it does nothing."""

    assets: tuple[AssetMovement, ...] = ()
    allowances: tuple[Allowance, ...] = ()
    authority: tuple[AuthorityChange, ...] = ()
    settings: tuple[SettingsChange, ...] = ()
    refunds: tuple[RefundEffect, ...] = ()
    counterparties: tuple[Counterparty, ...] = ()
    unexplained_value: tuple[str, ...] = field(default=())  # paths where native coin goes to a function that takes none
    opaque_orders: tuple[str, ...] = ()  # paths that pre-sign an order whose receiver is not visible (CoW setPreSignature)
    # How far the calls these effects are read from are proven: "decoded" (no EVM check ran), "executed"
    # (the real bytecode made exactly the Safe-level calls shown; what a called contract does inside
    # is still read from its arguments), "contradicted" (the EVM check found calls the tree does not show).
    proof: str = "decoded"

    def as_json(self) -> dict:
        return {
            "assets": [e.as_json() for e in self.assets],
            "allowances": [e.as_json() for e in self.allowances],
            "authority": [e.as_json() for e in self.authority],
            "settings": [e.as_json() for e in self.settings],
            "refunds": [e.as_json() for e in self.refunds],
            "counterparties": [c.as_json() for c in self.counterparties],
            "valueNotNeeded": list(self.unexplained_value),
            "opaqueOrders": list(self.opaque_orders),
            "proof": self.proof,
        }

    # Indexes built once per Effects (cached_property writes the instance __dict__, which a frozen
    # dataclass allows): a 500-call batch asks for hundreds of counterparties and paths.
    @cached_property
    def _parties(self) -> dict[str, Counterparty]:
        return {c.address.lower(): c for c in self.counterparties}

    @cached_property
    def _by_path(self) -> dict[str, list]:
        index: dict[str, list] = {}
        items: tuple[AssetMovement | AuthorityChange, ...] = (*self.assets, *self.authority)
        for item in items:
            index.setdefault(item.path, []).append(item)
        for allowance in self.allowances:
            for path in allowance.paths or (allowance.path,):
                index.setdefault(path, []).append(allowance)
        return index

    def counterparty(self, address: str) -> Counterparty | None:
        return self._parties.get(address.lower())

    def at(self, path: str) -> list:
        """The asset movements, allowances and authority changes of one call (by its path)."""
        return self._by_path.get(path, [])
