"""Proven effects against the static effects model (decoders/effects.py): what execution shows and
the static reading did not is EFFECT_MISMATCH (critical).

Compared, for this Safe (the parties execution touches beyond it -- pools, routers' internal hops
-- are not in the static model by design, so they are not compared):

* an asset the Safe's balance loses on the proven state, with no static movement of that asset
  out of the Safe, no static allowance of it by the Safe, and not pulled (transferFrom) by a
  contract the transaction's calls name (a router spending a standing allowance: the static model
  shows the swap's proceeds, not its input); native coin paying a refund the static model shows is
  expected;
* an allowance or operator approval the Safe is left having granted (its last Approval /
  ApprovalForAll event, above zero), with no static allowance for that token and spender;
* a Safe setting that changes (owners, threshold, modules, guard, fallback handler, singleton)
  with no static settings change of that kind;
* an ownership, role, upgrade or admin event, or an EIP-1967 slot write, on a contract the static
  model names no authority change for.
"""

from __future__ import annotations

from ..findings import Finding
from ..vocabulary import FindingCode, Severity
from .run import StateRun

_SETTING_KIND = {"owners": ("owner",), "threshold": ("threshold",), "modules": ("module",), "guard": ("guard",),
                 "fallbackHandler": ("fallback handler", "handler route"), "singleton": ("implementation",)}
_AUTHORITY_EVENTS = ("ownership", "role-granted", "role-revoked", "upgrade", "beacon-upgrade", "admin-change")


def _low(value: object) -> str:
    return str(value).lower()


def effect_mismatches(report, run: StateRun) -> list[Finding]:
    static = getattr(report, "effects", None)
    if static is None or not run.success:
        return []
    safe = _low(report.context.safe)
    found: list[Finding] = []

    def mismatch(text: str) -> None:
        found.append(Finding(FindingCode.EFFECT_MISMATCH, Severity.CRITICAL, None,
                             f"Executed on the proven state, {text}; the transaction as read does not show this"))

    leaving = {_low(m.asset) for m in static.assets if _low(m.sender) == safe}
    leaving |= {_low(a.token) for a in static.allowances if _low(a.owner) == safe}
    root = getattr(report, "root", None)
    called = {_low(node.to) for node in root.walk()} if root is not None else set()
    for change in run.balances:
        if _low(change.holder) != safe or change.change >= 0 or _low(change.asset) in leaving:
            continue
        if any(_low(spender) in called for spender in run.pulled_by.get(change.asset, ())):
            continue
        if change.asset == "native" and static.refunds:
            continue
        mismatch(f"the Safe loses {change.amount_text(-change.change)}"
                 + ("" if change.asset == "native" else f" of token {change.asset}"))

    granted = {(_low(a.token), _low(a.spender)) for a in static.allowances}
    granted |= {(_low(a.via), _low(a.spender)) for a in static.allowances if getattr(a, "via", None)}
    last: dict[tuple[str, str], str] = {}
    for event in run.events:
        if event.kind == "approval" and _low(event.fields["owner"]) == safe:
            last[(_low(event.contract), _low(event.fields["spender"]))] = event.fields["amount"]
        elif event.kind == "approval-for-all" and _low(event.fields["owner"]) == safe:
            last[(_low(event.contract), _low(event.fields["operator"]))] = "1" if event.fields["approved"] == "true" else "0"
    for (token, spender), amount in last.items():
        if amount != "0" and (token, spender) not in granted:
            mismatch(f"the Safe is left with an allowance for {spender} on token {token}")

    static_settings = {s.setting for s in static.settings if _low(s.safe) == safe}
    for setting, before, after in run.settings_changes():
        if not static_settings.intersection(_SETTING_KIND.get(setting, (setting,))):
            mismatch(f"the Safe's {setting} changes from {before} to {after}")

    controlled = {_low(a.contract) for a in static.authority} | ({safe} if static.settings else set())
    touched = {(_low(e.contract), e.kind) for e in run.events if e.kind in _AUTHORITY_EVENTS}
    touched |= {(_low(s.contract), s.name) for s in run.slots if s.name.startswith("EIP-1967")}
    for contract, kind in sorted(touched):
        if contract not in controlled:
            mismatch(f"control of {contract} changes ({kind})")
    return found
