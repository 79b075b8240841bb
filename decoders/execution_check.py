"""The EVM oracle at verification time: the real bytecode's calls must equal the call tree shown.

`decoders.evm` runs the Safe's own `execTransaction` (real singleton, proxy and library bytecode)
with the Safe's storage synthesized, and records every call that leaves the Safe or its libraries
instead of executing it. This module compares that record with the static call tree, node by node,
and turns every difference into a critical `EXECUTION_MISMATCH`. Writes to the Safe's own storage
(implementation, modules, guard, fallback handler, owners, threshold) are reported in plain words,
and a write that no static finding explains is critical too: the execution is the ground truth.

What it cannot prove: code of external contracts is not known offline, so their calls are leaves;
what they would do (and whether they revert) is not simulated. The Safe's real owners, modules and
guard are not known either; the check runs against synthesized state and says so.

Coverage, not just agreement: every call the tree shows the Safe making (its own calls, through
every batch level; not the calls a wrapper's arguments claim another contract would make) must be
matched by a call the bytecode made, and the run must reach its end. Whatever leaves part of the
tree unproven (no bytecode for the version, a work limit, a revert before or in the middle of the
calls, a library whose code is not bundled, a self-call that reverts against the synthesized
state) is EXECUTION_UNCHECKED: critical, never waivable by a policy, and the status is
"partial" or "unavailable", never "confirmed". The only uncovered part allowed is an inert one:
the run reverts where the static reading of the batch bytes already says the library reverts
(a revert that depends on the bytes alone, so it happens on chain whatever the Safe's state),
and then nothing of the transaction takes effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import deployments
from .calls import CallNode, is_create_call, shows_library_self_call
from .deployments import ContractKind
from .errors import ColdsightError
from .findings import Finding
from .hexutil import short_address, to_checksum
from .safetx import KNOWN_VERSIONS, ZERO_ADDRESS, Context, SafeTx, family_of
from .vocabulary import FindingCode, Severity

# Operation numbers of decoders.evm.ExecutedCall that have a SafeTx / batch equivalent.
_EVM_TO_SAFE_OPERATION = {0: 0, 1: 1, 2: 2}
_OPERATION_WORDS = {0: "CALL", 1: "DELEGATECALL", 2: "CREATE", 3: "CREATE2", 4: "CALLCODE"}

# Storage writes to the Safe itself, by the name decoders.evm gives them (prefix before "["), with
# the static finding codes that explain such a write (the first is raised when none does) and the
# plain words for it.
_CRITICAL_WRITES = {
    "singleton": ((FindingCode.MASTERCOPY_CHANGE,), "replaces the Safe's implementation (storage slot 0)"),
    "modules": ((FindingCode.MODULE_CHANGE,), "changes the Safe's enabled modules"),
    "guard": ((FindingCode.GUARD_CHANGE,), "changes the Safe's transaction guard"),
    "moduleGuard": ((FindingCode.GUARD_CHANGE,), "changes the Safe's module guard"),
    "fallbackHandler": ((FindingCode.FALLBACK_HANDLER_CHANGE,), "changes the Safe's fallback handler"),
    "owners": ((FindingCode.OWNER_CHANGE,), "changes the Safe's owners"),
    "ownerCount": ((FindingCode.OWNER_CHANGE,), "changes the Safe's number of owners"),
    "threshold": ((FindingCode.THRESHOLD_CHANGE, FindingCode.OWNER_CHANGE), "changes the Safe's signing threshold"),
}
# Writes an ordinary transaction may make, and the functions that explain them.
_EXPECTED_WRITES = {
    "nonce": None,  # every execution increments it
    "signedMessages": ("signMessage",),
    "approvedHashes": ("approveHash",),
}
class Status:
    """`execution.status` values. Only a run that covered every call shown is "confirmed"."""

    CONFIRMED = "confirmed"      # every call shown was matched by the bytecode, and the run reached its end
    MISMATCH = "mismatch"        # the bytecode does something the tree does not show
    PARTIAL = "partial"          # the run covered only part of the tree (see `uncovered`)
    UNAVAILABLE = "unavailable"  # nothing could be executed


@dataclass(frozen=True)
class Gap:
    """A part of the call tree the run did not prove, and why (plain words)."""

    path: str | None  # the first call not covered; None when it concerns the whole transaction
    reason: str


@dataclass
class ExecutionCheck:
    """What the EVM check found, for the report (`execution` in the JSON)."""

    status: str  # a Status value
    engine: str | None = None
    versions: list[str] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)  # the executed call tree of the first version run
    storage_writes: list[dict] = field(default_factory=list)
    outcome: str | None = None  # "success", "inner call fails", "reverts (GS013)", ...
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    shown: int = 0  # calls the tree shows the Safe making (the ones the check must cover)
    covered: int = 0  # of those, matched by the first version run
    uncovered: list[Gap] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)  # state synthesized so legitimate calls can run

    @property
    def summary(self) -> str:
        """One line for the signer, under the verdict: what executing the Safe's code proved."""
        where = f" (Safe {', '.join(self.versions)})" if self.versions else ""
        if self.status == Status.CONFIRMED:
            calls = "the call matches" if self.shown == 1 else f"all {self.shown} calls match"
            outcome = f"; it {self.outcome}" if self.outcome and self.outcome != "success" else ""
            return f"Checked by executing the Safe's code{where}: {calls}{outcome}{self._unrun_caveat()}"
        if self.status == Status.MISMATCH:
            return (f"Executing the Safe's code{where} gives calls or changes that differ from the ones listed: "
                    "do not sign")
        first = self.uncovered[0].reason if self.uncovered else "see the notes"
        if self.status == Status.UNAVAILABLE:
            return f"NOT checked by executing the Safe's code: {first}"
        return (f"Only partly checked by executing the Safe's code{where}: {self.covered} of {self.shown} calls "
                f"proven; {first}")

    def _unrun_caveat(self) -> str:
        """A delegatecall whose code is not known offline is matched as a call but its code never ran: say so
        on the same line, so "matches" is never read as "what that code does was proven"."""
        unrun = []
        pending = list(self.calls)
        while pending:
            call = pending.pop(0)
            if call.get("operation") == "DELEGATECALL" and not call.get("executed") and call.get("to") not in unrun:
                unrun.append(call.get("to"))
            pending.extend(call.get("calls") or [])
        if not unrun:
            return ""
        return ("; what " + ", ".join(str(to) for to in unrun) + " would do while running as this Safe was NOT run "
                "(its code is not known offline)")

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "engine": self.engine,
            "versions": list(self.versions),
            "outcome": self.outcome,
            "calls": self.calls,
            "storageWrites": self.storage_writes,
            "notes": list(self.notes),
            "summary": self.summary,
            "coverage": {"shown": self.shown, "covered": self.covered},
            "uncovered": [{"path": gap.path, "reason": gap.reason} for gap in self.uncovered],
            "assumed": list(self.assumed),
        }


def released_versions() -> tuple[str, ...]:
    """Every Safe singleton version safe-deployments lists, as exact labels ("1.3.0", "1.3.0+L2", …)."""
    labels: set[str] = set()
    for kind, suffix in ((ContractKind.SINGLETON, ""), (ContractKind.SINGLETON_L2, "+L2")):
        labels.update(contract.version + suffix for contract in deployments.addresses_of(kind))
    return tuple(sorted(labels, key=lambda label: (_version_key(label.partition("+")[0]), label)))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def candidate_versions(context: Context, released: tuple[str, ...]) -> list[str]:
    """Exact version labels to execute: the known one, or every released version of the hash family.

    Versions without bundled bytecode stay in the list on purpose: the check then says which could
    not be executed instead of silently checking only the others."""
    version = context.version
    if version.exact is not None:
        return [version.label]
    return [label for label in released
            if label.partition("+")[0] in KNOWN_VERSIONS and family_of(label.partition("+")[0]) is version.family]


def own_calls(root: CallNode, context: Context) -> list[CallNode]:
    """The calls the tree shows the Safe making (at any batch depth): the ones the EVM check must cover.

    Calls decoded from a wrapper's arguments (`claimed`) and calls a CALLed library makes as itself
    are made by other code; they are outside what executing the Safe's code can prove."""
    return [node for node in root.walk() if not node.claimed and (node.path == "0" or node.runs_as == context.safe)]


# Calls to the Safe itself in one transaction that the check executes. Each runs the Safe's own code
# in pure-Python py-evm (3-9 ms each on the reference machine: 5,000 took 15-23 s); 256 of the
# heaviest (addOwnerWithThreshold) stay within seconds. Above it nothing is executed and the verdict
# is block: an unexecuted check is not a passed one (docs/bounds.md).
MAX_SELF_CALLS_EXECUTED = 256


def _too_many_self_calls(root: CallNode, context: Context) -> ExecutionCheck | None:
    count = sum(1 for node in root.walk() if node.to == context.safe and not node.claimed and node.path != "0")
    if count <= MAX_SELF_CALLS_EXECUTED:
        return None
    reason = (f"the transaction makes {count} calls to the Safe itself, more than the {MAX_SELF_CALLS_EXECUTED} the "
              "offline EVM check executes within its time bound (limit MAX_SELF_CALLS_EXECUTED)")
    refused = _unavailable(reason, len(own_calls(root, context)))
    refused.findings[0] = Finding(FindingCode.EXECUTION_UNCHECKED, Severity.CRITICAL, None,
                                  f"The transaction was not executed against the real Safe bytecode: {reason}. Nothing "
                                  "about what it does was proven; split it into smaller transactions")
    return refused


def check_execution(tx: SafeTx, context: Context, root: CallNode, static_findings: list[Finding]) -> ExecutionCheck:
    """Run the real bytecode for every candidate version and compare with `root`."""
    refused = _too_many_self_calls(root, context)
    if refused is not None:
        return refused
    own = own_calls(root, context)
    try:
        from . import evm  # imported here: the engine is the heaviest import of the core
    except ImportError as err:  # pragma: no cover - a broken build; the self-test catches it first
        return _unavailable(f"the EVM engine cannot be loaded ({err})", len(own))
    versions = candidate_versions(context, released_versions())
    if not versions:
        return _unavailable(f"no released Safe version matches {context.version.label}", len(own))
    state, assumed = evm.state_for(root, context)
    check = ExecutionCheck(status=Status.CONFIRMED, shown=len(own), assumed=assumed)
    seen_findings: set[tuple[str, str | None, str]] = set()
    several = len(versions) > 1
    not_run: list[str] = []
    for label in versions:
        try:
            execution = evm.execute_safe_tx(tx, context, state, version=label)
        except ColdsightError as err:  # EvmUnavailable included: no bytecode, a work limit, …
            reason = f"Safe {label} was not executed ({err.message})"
            check.notes.append(reason)
            check.uncovered.append(Gap("0", reason))
            not_run.append(reason)
            continue
        check.engine = execution.engine
        check.versions.append(label)
        run = _Run()
        found = _compare(execution, root, context, static_findings, label, several, run)
        if len(check.versions) == 1:  # the JSON shows the first version's execution
            check.calls = [_call_json(call) for call in execution.calls]
            check.storage_writes = [_write_json(write) for write in execution.storage_writes]
            check.outcome = _outcome(execution)
            check.notes.extend(execution.notes)
            check.notes.extend(_limits(execution))
            check.covered = len(run.matched & {node.path for node in own})
        check.assumed.extend(line for line in getattr(execution, "assumed", ()) if line not in check.assumed)
        check.uncovered.extend(gap for gap in run.gaps if gap not in check.uncovered)
        for finding in found:
            key = (finding.code, finding.path, finding.message)
            if key not in seen_findings:
                seen_findings.add(key)
                check.findings.append(finding)
    if not check.versions:
        return _unavailable("; ".join(gap.reason for gap in check.uncovered), len(own), check.notes)
    if any(f.code == FindingCode.EXECUTION_MISMATCH for f in check.findings):
        check.status = Status.MISMATCH
    elif check.uncovered:
        check.status = Status.PARTIAL
    if not_run:
        settle = "; give the exact version (--safe-version) to settle it" if context.version.exact is None else ""
        check.findings.append(_unchecked_finding(None, "; ".join(not_run) + settle))
    return check


def _unchecked_finding(path: str | None, reason: str) -> Finding:
    return Finding(FindingCode.EXECUTION_UNCHECKED, Severity.CRITICAL, path,
                   f"The EVM check did not cover every call shown: {reason}. What was not executed is Coldsight's "
                   "own reading only, and a check that does not finish cannot vouch for it")


def _walk(calls):
    for call in calls:
        yield call
        yield from _walk(call.children)


def _limits(execution) -> list[str]:
    """What this execution could not see, in words (never a guess about external code)."""
    notes = []
    for call in _walk(execution.calls):
        if call.operation == 1 and not call.executed:
            notes.append(f"The code at {call.to} is not known offline: what it does while running as this Safe "
                         "(including writes to the Safe's storage) cannot be seen by the EVM check")
    if any(not call.executed and call.operation == 0 for call in _walk(execution.calls)):
        notes.append("Calls to other contracts were recorded, not run: their code is not known offline")
    return notes


def _unavailable(reason: str, shown: int, notes: list[str] | None = None) -> ExecutionCheck:
    return ExecutionCheck(status=Status.UNAVAILABLE, notes=list(notes or [reason]), shown=shown,
                          uncovered=[Gap("0", reason)],
                          findings=[Finding(FindingCode.EXECUTION_UNCHECKED, Severity.CRITICAL, None,
                                            f"The transaction could not be executed against the real Safe bytecode "
                                            f"offline: {reason}. The call tree shown is Coldsight's own reading only, "
                                            "and nothing proves it is what the chain would run")])


def _outcome(execution) -> str:
    if execution.reverted:
        reason = f" ({execution.revert_reason})" if execution.revert_reason else ""
        return f"reverts{reason}: executing it fails and changes nothing"
    if not execution.success:
        return "the transaction's call fails; the nonce is still used and any refund is still paid"
    return "success"


@dataclass
class _Run:
    """One version's comparison: the static paths the run matched, and what it left unproven."""

    matched: set[str] = field(default_factory=set)
    accounted: set[str] = field(default_factory=set)  # not matched, but already reported (mismatch or gap)
    gaps: list[Gap] = field(default_factory=list)

    def gap(self, node: CallNode | None, reason: str, nodes: Sequence[CallNode] = ()) -> None:
        self.gaps.append(Gap(node.path if node is not None else None, reason))
        for each in nodes:
            self.accounted.update(n.path for n in each.walk())


def _compare(execution, root: CallNode, context: Context, static_findings: list[Finding], label: str,
             several: bool, run: _Run | None = None) -> list[Finding]:
    """Mismatches (EXECUTION_MISMATCH, critical), unexplained writes, and what the run left unproven
    (EXECUTION_UNCHECKED, critical): every call the tree shows the Safe making must be matched."""
    run = run if run is not None else _Run()
    found: list[Finding] = []
    where = f" (Safe {label})" if several else ""

    def mismatch(path: str | None, message: str) -> None:
        found.append(Finding(FindingCode.EXECUTION_MISMATCH, Severity.CRITICAL, path,
                             f"Executing the real Safe bytecode{where} {message}: the call tree shown is not what "
                             "the chain would run"))

    transaction_calls = [call for call in execution.calls if call.purpose == "transaction"]
    other_calls = [call for call in execution.calls if call.purpose not in ("transaction", "refund")]
    if not transaction_calls and execution.reverted:
        reason = f" ({execution.revert_reason})" if execution.revert_reason else ""
        run.gap(root, f"execTransaction reverts{reason} before it makes the transaction's call, so none of the calls "
                "shown was executed", [root])
    elif len(transaction_calls) != 1:
        mismatch("0", f"makes {len(transaction_calls)} top-level calls instead of one")
        run.accounted.update(n.path for n in root.walk())
    else:
        _compare_node(root, transaction_calls[0], context, execution, mismatch, run)
    for call in other_calls:
        mismatch(None, f"also makes a {_OPERATION_WORDS.get(call.operation, '?')} to {call.to} ({call.purpose})")
    if execution.reverted and not run.gaps and not _predicted_revert(root, context, run):
        reason = f" ({execution.revert_reason})" if execution.revert_reason else ""
        run.gap(None, f"the run reverts{reason} against the synthesized state, so what the transaction changes in "
                "the Safe with its real state was not seen")
    seen = run.matched | run.accounted
    missing = [node for node in own_calls(root, context) if node.path not in seen]
    if missing:
        run.gap(missing[0], f"{len(missing)} call(s) shown, from {missing[0].path} on, were not reached by the run")
    _storage_findings(execution, root, static_findings, found, where)
    for gap in run.gaps:
        found.append(_unchecked_finding(gap.path, gap.reason + where))
    return found


def _predicted_revert(root: CallNode, context: Context, run: _Run) -> bool:
    """The run's revert is one the static reading of the batch bytes already shows (the library reverts
    on the bytes alone, e.g. operation 2 or a delegatecall given to MultiSendCallOnly): it happens on chain
    whatever the Safe's state and gas, and nothing of the transaction takes effect. A revert for lack of gas
    is not one: the chain's executor may supply more."""
    return any(node.batch is not None and node.batch.reverts_at is not None and node.path in run.matched
               and "out of gas" not in (node.batch.revert_reason or "") for node in own_calls(root, context))


def _same_call(node: CallNode, call) -> str | None:
    """None when the executed call is the node; else what differs, in words."""
    if node.operation == 2 and call.operation in (2, 3):
        # A contract creation (CREATE or CREATE2, e.g. by the CreateCall library): value and init code must match.
        if call.value != node.value:
            return f"creates a contract with value {call.value} where the tree shows {node.value}"
        if call.data != node.data:
            return "creates a contract from init code that differs from the code shown"
        return None
    operation = _EVM_TO_SAFE_OPERATION.get(call.operation)
    if operation != node.operation:
        return (f"uses {_OPERATION_WORDS.get(call.operation, call.operation)} where the tree shows "
                f"{_OPERATION_WORDS.get(node.operation, node.operation)}")
    if operation != 2 and call.to != node.to:
        return f"calls {call.to} where the tree shows {node.to}"
    # A DELEGATECALL carries no value of its own (a batch entry's encoded value is ignored by the library).
    if operation != 1 and call.value != node.value:
        return f"sends value {call.value} where the tree shows {node.value}"
    if call.data != node.data:
        return f"passes {len(call.data)} bytes of call data that differ from the {len(node.data)} bytes shown"
    return None


def _is_own_batch(node: CallNode, context: Context) -> bool:
    """A batch whose entries run as the Safe (the library runs in the Safe's context)."""
    return node.is_batch and node.operation == 1 and node.runs_as == context.safe


def _forwarded_to_handler(node: CallNode, calls: list, context: Context, execution) -> bool:
    """A call to the Safe with a selector it does not implement is forwarded by FallbackManager to the fallback
    handler, with the sender appended: compared by address and calldata, like any call."""
    handler = getattr(execution, "fallback_handler", None)
    if handler is None or node.to != context.safe or node.operation != 0 or node.children or len(calls) != 1:
        return False
    call = calls[0]
    return (call.operation == 0 and call.to == handler and call.value == 0 and not call.children
            and call.data == node.data + bytes.fromhex(context.safe[2:]))


def _compare_node(node: CallNode, call, context: Context, execution, mismatch, run: _Run) -> None:
    difference = _same_call(node, call)
    if difference is not None:
        mismatch(node.path, f"at {node.path} {difference}")
        run.accounted.update(n.path for n in node.walk())
        return
    run.matched.add(node.path)
    if call.executed and call.reverted and node.to == context.safe and node.operation == 0:
        name = f" ({node.function.name})" if node.function is not None else ""
        run.gap(node, f"the Safe's own call at {node.path}{name} reverts against the synthesized state, so what it "
                "does with the Safe's real owners, modules and settings was not seen")
    own_children = [child for child in node.children if not child.claimed and child.runs_as == context.safe]
    if not call.executed:
        # A leaf: external code is not run offline. Calls the tree shows it making as the Safe (a library
        # whose code is not bundled) are then unproven.
        if own_children:
            run.gap(own_children[0], f"the {len(own_children)} call(s) shown under {node.path} would be made by code at "
                    f"{node.to}, whose bytecode is not bundled, so they were not executed", own_children)
        return
    executed = call.children
    if not (_is_own_batch(node, context) or is_create_call(node) or shows_library_self_call(node)):
        if _forwarded_to_handler(node, executed, context, execution):
            return
        if executed:
            mismatch(node.path, f"at {node.path} makes {len(executed)} further call(s) that the tree does not show "
                     f"(first: {_OPERATION_WORDS.get(executed[0].operation, '?')} to {executed[0].to})")
        return
    shown = node.children
    for child_node, child_call in zip(shown, executed):
        _compare_node(child_node, child_call, context, execution, mismatch, run)
    if len(executed) > len(shown):
        mismatch(node.path, f"at {node.path} runs {len(executed)} batch entries where the tree shows {len(shown)}")
    elif len(executed) < len(shown):
        rest = shown[len(executed):]
        if not call.reverted:
            mismatch(node.path, f"at {node.path} runs {len(executed)} batch entries where the tree shows {len(shown)}")
            run.accounted.update(n.path for each in rest for n in each.walk())
        elif executed and executed[-1].reverted:
            run.gap(rest[0], f"entry {shown[len(executed) - 1].path} fails when run (against the synthesized state, "
                    f"with the gas given), so the library reverts there and the {len(rest)} entries from {rest[0].path} "
                    "on were not executed", rest)
        else:
            run.gap(rest[0], f"the batch at {node.path} reverts after {len(executed)} entries (out of gas, or the "
                    f"library refuses the next one), so the {len(rest)} entries from {rest[0].path} on were not "
                    "executed", rest)


def _write_kind(name: str | None) -> str | None:
    return name.partition("[")[0] if name else None


def _storage_findings(execution, root: CallNode, static_findings: list[Finding], found: list[Finding],
                      where: str) -> None:
    if execution.reverted:
        return
    # Only calls the Safe's own code makes explain a write to its storage: a function decoded from a
    # wrapper's arguments (claimed), and a finding raised for one, concern some other contract, if any.
    own = [node for node in root.walk() if not node.claimed]
    own_paths = {node.path for node in own}
    static_codes = {f.code for f in static_findings if f.path is None or f.path in own_paths}
    functions = {node.function.name for node in own if node.function is not None}
    for write in execution.storage_writes:
        kind = _write_kind(write.name)
        if kind in _EXPECTED_WRITES:
            explaining = _EXPECTED_WRITES[kind]
            if explaining is None or functions & set(explaining):
                continue
        if kind in _CRITICAL_WRITES:
            codes, words = _CRITICAL_WRITES[kind]
            if static_codes & set(codes):
                continue  # the static decoder already reported this change
            found.append(Finding(codes[0], Severity.CRITICAL, None,
                                 f"Executing the real Safe bytecode{where} {words} ({write.name}: "
                                 f"{_slot_value(write.before)} → {_slot_value(write.after)}), which the decoded calls "
                                 "do not show"))
            found.append(Finding(FindingCode.EXECUTION_MISMATCH, Severity.CRITICAL, None,
                                 f"Executing the real Safe bytecode{where} writes {write.name} in the Safe's own "
                                 "storage, which no decoded call explains"))
            continue
        label = write.name or f"slot 0x{write.slot:x}"
        found.append(Finding(FindingCode.EXECUTION_MISMATCH, Severity.CRITICAL, None,
                             f"Executing the real Safe bytecode{where} writes {label} in the Safe's own storage "
                             f"({_slot_value(write.before)} → {_slot_value(write.after)}), which no decoded call explains"))


def _slot_value(value: int) -> str:
    if 0 < value < (1 << 160) and value.bit_length() > 100:
        return short_address(to_checksum(value.to_bytes(20, "big")))
    return str(value) if value < (1 << 64) else f"0x{value:x}"


def _call_json(call) -> dict:
    return {
        "operation": _OPERATION_WORDS.get(call.operation, str(call.operation)),
        "sender": call.sender,
        "to": call.to if call.operation not in (2, 3) else ZERO_ADDRESS,
        "value": str(call.value),
        "data": "0x" + call.data.hex(),
        "executed": call.executed,
        "reverted": call.reverted,
        "purpose": call.purpose,
        "calls": [_call_json(child) for child in call.children],
    }


def _write_json(write) -> dict:
    return {"slot": f"0x{write.slot:064x}", "name": write.name, "before": f"0x{write.before:x}",
            "after": f"0x{write.after:x}"}
