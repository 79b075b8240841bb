"""`coldsight policy diff OLD NEW`: what NEW allows that OLD did not (and what it tightens).

A structural comparison by rule id, safe, label and default, read in the direction of risk:
a new allow rule, a changed allow rule, a removed deny rule, a relabelled address, a new
trusted delegatecall target or waiver all widen what signers may sign.
"""

import json
from dataclasses import dataclass

from .model import Policy


@dataclass(frozen=True)
class Change:
    loosens: bool
    where: str
    message: str

    def as_json(self) -> dict:
        return {"loosens": self.loosens, "where": self.where, "message": self.message}


def _show(value: object) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def diff(old: Policy, new: Policy) -> list[Change]:
    changes: list[Change] = []
    add = lambda loosens, where, message: changes.append(Change(loosens, where, message))  # noqa: E731
    old_safes = {(s.chain, s.address) for s in old.safes}
    for safe in new.safes:
        if (safe.chain, safe.address) not in old_safes:
            add(True, "safes", f"now also covers Safe {safe.address} on chain {safe.chain}")
    for key in ("unmatched", "unknown_abi"):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            add(after == "warn", f"defaults.{key}", f"{before} -> {after}")
    old_trusted = {r.display for r in old.trusted_delegates}
    for ref in new.trusted_delegates:
        if ref.display not in old_trusted:
            add(True, "delegatecall.trusted", f"now trusts delegatecalls to {ref.display}")
    for label, entry in new.book.items():
        before = old.book.get(label)
        if before is not None and (before.address, before.chain) != (entry.address, entry.chain):
            add(True, f"addresses.{label}", f"@{label} now means {entry.address} on chain {entry.chain} "
                                            f"(was {before.address} on chain {before.chain}); every rule using it changes")
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    for rule_id, rule in new_rules.items():
        before = old_rules.get(rule_id)
        body = {k: v for k, v in rule.source.items() if k not in ("id", "description")}
        if before is None:
            add(rule.effect != "deny", f"rules.{rule_id}", f"new {rule.effect} rule: {_show(body)}")
            continue
        old_body = {k: v for k, v in before.source.items() if k not in ("id", "description")}
        if body != old_body:
            loosens = rule.effect != "deny" or before.effect != rule.effect
            add(loosens, f"rules.{rule_id}", f"{before.effect} rule changed: {_show(old_body)} -> {_show(body)}")
    for rule_id, rule in old_rules.items():
        if rule_id not in new_rules:
            add(rule.effect == "deny", f"rules.{rule_id}", f"{rule.effect} rule removed: {_show(rule.source)}")
    old_waivers = {_show(w) for w in old.document.get("allow_dangerous", [])}
    for i, waiver in enumerate(new.document.get("allow_dangerous", [])):
        if _show(waiver) not in old_waivers:
            add(True, f"allow_dangerous[{i}]", f"new waiver of {waiver.get('finding')}: {_show(waiver.get('call'))}")
    new_waivers = {_show(w) for w in new.document.get("allow_dangerous", [])}
    for waiver in old.document.get("allow_dangerous", []):
        if _show(waiver) not in new_waivers:
            add(False, "allow_dangerous", f"waiver of {waiver.get('finding')} removed")
    if new.expires and (old.expires is None or new.expires > old.expires):
        add(False, "meta.expires", f"valid until {new.expires:%Y-%m-%d}")
    if new.serial <= old.serial:
        add(False, "meta.serial", f"WARNING: serial {new.serial} is not above {old.serial}: machines that saw the old one refuse it")
    return changes
