"""Every Safe transaction inside the tree, reviewed at its own depth like the top one.

A call tree can carry transactions of other Safes: a nested Safe's `execTransaction` (its owners'
signatures attached), or `execTransactionFromModule` on a Safe this account is a module of. Their
inner call is already a child node (decoders/wrappers.py), so its operation, target, settings
changes and handler routing are judged by the per-call rules at that depth. What only the
*transaction* has is judged here: an `execTransaction`'s own refund fields, which make the nested
Safe pay `(gasUsed + baseGas) * gasPrice` of `gasToken` to `refundReceiver` (or the executor) exactly
like the top-level Safe does (decoders/refund.py). A module execution has no refund.

`inner_safe_txs` is the list the effects model can take over: one entry per Safe transaction in the
tree, with the Safe that runs it and its SafeTx fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from .calls import CallNode
from .findings import Finding
from .refund import Refund, read_refund, refund_findings
from .safetx import Context, SafeTx
from .vocabulary import Severity

EXEC_TRANSACTION = "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"
MODULE_EXECUTIONS = frozenset({"execTransactionFromModule(address,uint256,bytes,uint8)",
                               "execTransactionFromModuleReturnData(address,uint256,bytes,uint8)"})


@dataclass(frozen=True)
class InnerSafeTx:
    path: str  # the call that carries it
    safe: str  # the Safe that runs it
    kind: str  # "execTransaction" or "module"
    tx: SafeTx  # a module execution has no refund fields: they are 0; the nonce is not part of the call (0)


def inner_safe_txs(root: CallNode) -> list[InnerSafeTx]:
    """Every nested `execTransaction` and module execution in the tree, in path order."""
    found = []
    for node in root.walk():
        if node.function is None or node.decode_error is not None or node.args is None:
            continue
        canonical = node.function.canonical
        values = [arg.value for arg in node.args]
        if canonical == EXEC_TRANSACTION:
            to, value, data, operation, safe_tx_gas, base_gas, gas_price, gas_token, refund_receiver = values[:9]
            tx = SafeTx(to, value, bytes(data), operation, safe_tx_gas, base_gas, gas_price, gas_token, refund_receiver, 0)
            found.append(InnerSafeTx(node.path, node.to, "execTransaction", tx))
        elif canonical in MODULE_EXECUTIONS:
            to, value, data, operation = values[:4]
            zero = "0x" + "00" * 20
            found.append(InnerSafeTx(node.path, node.to, "module", SafeTx(to, value, bytes(data), operation, 0, 0, 0,
                                                                           zero, zero, 0)))
    return found


def refund_findings_at(tx: SafeTx, safe: str, context: Context, path: str, top_safe: str) -> list[Finding]:
    """The refund rules for the Safe `safe` running `tx`, reported at `path`.

    The nested Safe's version is not in the call; the reviewed Safe's version stands in (it only decides
    whether 0.1.0's unbounded refund applies, and any refund to a fixed stranger is critical anyway)."""
    inner = Context(context.chain_id, safe, context.version)
    found = []
    for finding in refund_findings(tx, inner, read_refund(tx, inner)):
        severity = finding.severity
        message = finding.message.replace("The Safe pays", f"Safe {safe} pays", 1)
        if tx.refund_receiver.lower() == top_safe.lower() and severity == Severity.CRITICAL and tx.gas_price:
            severity = Severity.WARN  # paid to the reviewed Safe itself: it leaves the nested Safe, not the team
            message += " (the receiver is this Safe)"
        found.append(Finding(finding.code, severity, path, f"[transaction of Safe {safe} inside this one] {message}"))
    return found


def nested_refunds(root: CallNode, context: Context) -> list[tuple[str, str, Refund]]:
    """(path of the nested transaction's call, the nested Safe, its refund) for every nested
    `execTransaction` that pays one: the effects model's refund effects beyond this Safe's own."""
    found = []
    for inner in inner_safe_txs(root):
        if inner.kind != "execTransaction":
            continue
        refund = read_refund(inner.tx, Context(context.chain_id, inner.safe, context.version))
        if refund is not None:
            found.append((f"{inner.path}.0", inner.safe, refund))
    return found


def inner_safe_findings(root: CallNode, context: Context) -> list[Finding]:
    """GAS_REFUND of every nested `execTransaction`, at the path of the nested transaction's own call
    (`<path>.0`, the child the wrapper shows): never at the reviewed transaction's `0`, whose refund a
    policy's [refund] table may allow (that waiver must not cover a nested Safe's refund)."""
    found: list[Finding] = []
    for inner in inner_safe_txs(root):
        if inner.kind == "execTransaction":
            found += refund_findings_at(inner.tx, inner.safe, context, f"{inner.path}.0", context.safe)
    return found
