"""The offline side of proven state: a snapshot checked for this transaction, the run, findings.

    report, check = check_state(report, data, "state.bin", now=time.time())   # a new Report

Refused (SnapshotRefused, exit 3) when anything does not prove out or does not belong to this
transaction: another chain, another Safe, another safeTxHash. A run that reads something not
proven gives STATE_INCOMPLETE (warn) and no effects; a transaction that will fail gives
STATE_TX_FAILS (warn), said first.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import datetime

from ..findings import Finding, sort_findings
from ..hexutil import to_checksum
from ..report import Report
from ..vocabulary import FindingCode, Severity
from .crosscheck import effect_mismatches
from .proof import MALFORMED_NODE, ProvenState, SnapshotRefused, verify_snapshot
from .run import SafeNotFound, StateRun, run_on_proven_state
from .snapshot import read_snapshot
from .world import StateIncomplete, WorkLimit

TRUST_NOTE = ("the block hash is the courier's word unless you compare it with an independent source "
              "(a block explorer, another node)")


def bundled_codes() -> tuple[bytes, ...]:
    from ..evm.bytecode import bundled, libraries

    return tuple({c.code for c in bundled() if c.kind in ("singleton", "singleton_l2", "proxy")}
                 | {lib.code for lib in libraries() if lib.form == "runtime"})


@dataclass
class StateCheck:
    proven: ProvenState
    age_seconds: int
    run: StateRun | None
    incomplete: str | None          # what the snapshot did not prove (the run stopped there)

    @property
    def block(self):
        return self.proven.block

    def as_json(self) -> dict:
        snapshot = self.proven.snapshot
        return {"snapshotBlock": self.block.as_json(), "ageSeconds": self.age_seconds, "trust": TRUST_NOTE,
                "executor": to_checksum(snapshot.executor), "accountsProven": len(snapshot.reads),
                "slotsProven": sum(len(slots) for _, slots in snapshot.reads), "trieNodes": len(snapshot.nodes),
                "codes": len(snapshot.codes), "complete": self.incomplete is None, "incomplete": self.incomplete,
                "run": self.run.as_json() if self.run is not None else None}


def check_state(report: Report, data: bytes, where: str, now: float) -> tuple[Report, StateCheck]:
    """`report` with the snapshot's findings and `state` (Reports are immutable: a new one), and the check."""
    snapshot = read_snapshot(data, where)
    proven = verify_snapshot(snapshot, bundled_codes(), where=where)
    chain = report.context.chain_id
    if chain is not None and snapshot.chain_id != chain:
        raise SnapshotRefused(f"the snapshot is of chain {snapshot.chain_id}, the transaction is for chain {chain}",
                              f"{where}.chainId")
    if to_checksum(snapshot.safe) != to_checksum(bytes.fromhex(report.context.safe[2:])):
        raise SnapshotRefused(f"the snapshot is for Safe {to_checksum(snapshot.safe)}, the transaction's Safe is "
                              f"{report.context.safe}", f"{where}.safe")
    if snapshot.safe_tx_hash != report.hashes.safe_tx:
        raise SnapshotRefused(f"the snapshot was made for safeTxHash 0x{snapshot.safe_tx_hash.hex()}, this "
                              f"transaction's is 0x{report.hashes.safe_tx.hex()}", f"{where}.safeTxHash")
    run = incomplete = None
    try:
        run = run_on_proven_state(proven.witness, report.payload.tx, snapshot.safe, snapshot.safe_tx_hash,
                                  snapshot.executor)
    except StateIncomplete as missing:
        incomplete = missing.describe()
    except WorkLimit:
        incomplete = "the run did not finish within its work limit"
    except SafeNotFound as err:
        raise SnapshotRefused(str(err), f"{where}.safe") from None
    except MALFORMED_NODE:  # a proven node holds garbage off the declared paths, and the run went there
        raise SnapshotRefused("a trie node the run reached is not a valid trie node", f"{where}.nodes") from None
    check = StateCheck(proven=proven, age_seconds=int(now) - proven.block.timestamp, run=run, incomplete=incomplete)
    mismatches = effect_mismatches(report, run) if run is not None else []
    findings = sort_findings(report.findings + state_findings(check) + mismatches)
    return dataclasses.replace(report, findings=findings, state=check), check


def state_findings(check: StateCheck) -> list[Finding]:
    if check.incomplete is not None:
        return [Finding(FindingCode.STATE_INCOMPLETE, Severity.WARN, None,
                        f"The transaction could not be run on the proven state: {check.incomplete}. Nothing about "
                        "its effects is shown from the snapshot; ask the courier for a new one")]
    run = check.run
    assert run is not None
    if not run.success:
        return [Finding(FindingCode.STATE_TX_FAILS, Severity.WARN, None,
                        f"This transaction FAILS when executed on the proven state of block {check.block.number}: "
                        f"{run.reason}")]
    return []


def _amount(change, value: int) -> str:
    return change.amount_text(value)


def state_lines(check: StateCheck) -> list[str]:
    """The proven state in words, what changes first."""
    block = check.block
    lines = ["WHAT CHANGES (executed on proven chain state; every contract ran its real code)"]
    run = check.run
    if run is None:
        lines.append(f"  NOT KNOWN: {check.incomplete}. STATE_INCOMPLETE: no effect is shown from this snapshot.")
    else:
        if run.success:
            lines.append("  The Safe transaction SUCCEEDS on this state.")
        else:
            lines.append(f"  The Safe transaction FAILS: {run.reason}")
        if run.guard is not None:
            lines.append(f"  The Safe's guard {run.guard}.")
        for change in run.balances:
            sign = "+" if change.change > 0 else ""
            token = "" if change.asset == "native" else f"  [token {change.asset}]"
            who = f"{change.holder} (this Safe)" if change.holder == to_checksum(check.proven.snapshot.safe) else change.holder
            lines.append(f"  {who}: {sign}{_amount(change, change.change)}   "
                         f"({_amount(change, change.before)} -> {_amount(change, change.after)}){token}")
        for event in run.events:
            fields = ", ".join(f"{k} {v}" for k, v in event.fields.items())
            lines.append(f"  {event.kind} on {event.contract}: {fields}")
        for setting, before, after in run.settings_changes():
            lines.append(f"  Safe {setting}: {before} -> {after}")
        for slot in run.slots:
            lines.append(f"  {slot.name} of {slot.contract}: {slot.before} -> {slot.after}")
        if run.success and not (run.balances or run.events or run.settings_changes() or run.slots):
            lines.append("  No balance, allowance, role or Safe setting changes.")
        lines.append(f"  {run.writes} storage slot(s) change in all; gas used {run.gas_used}.")
        for note in run.notes:
            lines.append(f"  note: {note}")
    lines += [
        f"  Block: chain {block.chain_id}, number {block.number} ({block.block_tag}), hash 0x{block.hash.hex()}",
        f"         time {_utc(block.timestamp)} ({_age(check.age_seconds)} by this machine's clock); "
        f"{block.endpoints_agreed} of {block.endpoints_asked} endpoint(s) agreed",
        f"  Note: {TRUST_NOTE}.",
        "",
    ]
    return lines


def _utc(timestamp: int) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _age(seconds: int) -> str:
    if seconds < 0:
        return f"{-seconds} s in the FUTURE: check this machine's clock"
    if seconds < 120:
        return f"{seconds} s old"
    if seconds < 7200:
        return f"{seconds // 60} min old"
    return f"{seconds // 3600} h old"
