"""The one entry point every front end calls: payload in, `Report` out.

    report = verify_payload(parse_bytes(data, source), VerifyOptions(chain_id=1))
"""

import time
from dataclasses import dataclass
from pathlib import Path

from .abi import AbiRegistry, bundled_registry
from .addressbook import AddressBook
from .calls import build_call_tree
from .claims import decoded_mismatch_findings
from .eip712 import compute_hashes
from .errors import PayloadError
from .execution_check import check_execution
from .effects_extract import extract_effects, with_proof
from .findings import Finding, effect_findings, tree_findings
from .formats import parse_bytes
from .hexutil import parse_address
from .inner_safes import inner_safe_findings
from .intent import describe_tree
from .formats.tx_builder import compare_with_tree
from .names import Names, lookalike_findings
from .nested import child_link_findings
from .refund import read_refund, refund_findings
from .report import Report
from .safetx import Context, Payload, SafeVersion, resolve_context
from .signatures import check_signatures
from .units import format_native
from .text_findings import deceptive_text_findings
from .vocabulary import FindingCode, Severity


@dataclass(frozen=True)
class VerifyOptions:
    chain_id: int | None = None
    safe: str | None = None
    safe_version: str | None = None
    abi_dir: Path | None = None
    # The EVM check runs by default; only benchmarks of the static path and the self-test of the static
    # pieces turn it off. No front end offers a way to skip it.
    execute: bool = True
    # Names the signer's team gave addresses (their address book merged with the policy's [addresses]):
    # used for the intents and the lookalike check, never for any hash or decision.
    address_book: AddressBook | None = None
    # Optional stages that add findings, each run before the Report exists (a Report never changes):
    # the Transaction Builder file this transaction was made from (formats.tx_builder.load_batch_file),
    # and the child Safe's transaction a parent's approveHash approves (its own Report, verified first).
    batch_file: dict | None = None
    child: Report | None = None


def _registry(abi_dir: Path | None) -> AbiRegistry:
    if abi_dir is None:
        return bundled_registry()
    registry = bundled_registry().copy()
    registry.load_abi_dir(abi_dir)
    return registry


def resolve(payload: Payload, options: VerifyOptions) -> Context:
    safe = parse_address(options.safe, "--safe") if options.safe else None
    version = SafeVersion.parse(options.safe_version, "--safe-version") if options.safe_version else None
    context = resolve_context(payload, options.chain_id, safe, version)
    if payload.tx.operation == 2 and not context.version.allows_create_operation:
        raise PayloadError(
            f"operation 2 (create) only exists before Safe 1.1.0; this is Safe {context.version.label}", "operation"
        )
    return context


def _context_findings(payload: Payload, context: Context, safe_tx_hash: bytes) -> list[Finding]:
    found = []
    if payload.claimed_safe_tx_hash is not None and payload.claimed_safe_tx_hash != safe_tx_hash:
        found.append(Finding(FindingCode.CLAIMED_HASH_MISMATCH, Severity.CRITICAL, None,
            f"The payload claims safeTxHash 0x{payload.claimed_safe_tx_hash.hex()} but its fields hash to 0x{safe_tx_hash.hex()}: "
            "it describes a different transaction"))
    if payload.typed_domain_contract is not None and payload.typed_domain_contract != context.safe:
        found.append(Finding(FindingCode.DOMAIN_MISMATCH, Severity.CRITICAL, None,
            f"The typed data is for Safe {payload.typed_domain_contract}, but this review is for Safe {context.safe}"))
    if payload.typed_domain_chain_id is not None and payload.typed_domain_chain_id != context.chain_id:
        found.append(Finding(FindingCode.DOMAIN_MISMATCH, Severity.CRITICAL, None,
            f"The typed data is for chain {payload.typed_domain_chain_id}, but this review is for chain {context.chain_id}"))
    return found


def verify_payload(payload: Payload, options: VerifyOptions | None = None) -> Report:
    options = options or VerifyOptions()
    context = resolve(payload, options)
    hashes = compute_hashes(payload.tx, context)
    root = build_call_tree(payload.tx, context, _registry(options.abi_dir))
    signatures = check_signatures(payload.signatures, hashes.safe_tx)
    findings = _context_findings(payload, context, hashes.safe_tx)
    refund = read_refund(payload.tx, context)
    findings += refund_findings(payload.tx, context, refund)
    names = Names(context.chain_id, context.safe, options.address_book or AddressBook())
    findings += tree_findings(root, context, names)
    findings += inner_safe_findings(root, context)
    findings += decoded_mismatch_findings(payload.data_decoded, root)
    now = int(time.time())
    effects = extract_effects(root, context, names, refund, now)
    findings += effect_findings(effects, root, context, now)
    if payload.executor_value:
        findings.append(Finding(FindingCode.VALUE_NOT_NEEDED, Severity.CRITICAL, None,
                                f"The executor's transaction attaches {format_native(payload.executor_value)} to "
                                "execTransaction, which needs none: the coin goes to the Safe, paid by the executor"))
    findings += lookalike_findings(root, names)
    findings += deceptive_text_findings(root, payload.notes)
    for check in signatures:
        if check.valid is False:
            findings.append(Finding(FindingCode.SIGNATURE_MISMATCH, Severity.CRITICAL, None, f"Attached signature ({check.where}): {check.detail}"))
    execution = check_execution(payload.tx, context, root, findings) if options.execute else None
    if execution is not None:
        findings += execution.findings
        effects = with_proof(effects, execution.status)
    if options.batch_file is not None:
        findings += compare_with_tree(options.batch_file, root, context)
    if options.child is not None:
        findings = child_link_findings(findings, root, options.child)
    return Report(payload=payload, context=context, hashes=hashes, root=root, findings=findings, signatures=signatures,
                  refund=refund, execution=execution, intents=describe_tree(root, names, effects),
                  effects=effects)


def verify_bytes(data: bytes, source: str, options: VerifyOptions | None = None) -> Report:
    return verify_payload(parse_bytes(data, source), options)
