"""`coldsight verify PAYLOAD`: hashes, call tree, findings and one verdict."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import exitcodes

if TYPE_CHECKING:
    from .service import ReviewRequest


def register(subparsers) -> None:
    parser = subparsers.add_parser("verify", help="verify a Safe transaction payload")
    add_payload_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    nested = parser.add_argument_group("nested Safe (a Safe that owns the Safe of PAYLOAD)")
    nested.add_argument("--nested-safe", metavar="ADDR",
                        help="also build the approveHash transaction this owner Safe must sign, and its hashes")
    nested.add_argument("--nested-nonce", type=_nonce, metavar="N", help="the owner Safe's nonce (with --nested-safe)")
    nested.add_argument("--nested-safe-version", metavar="V",
                        help="the owner Safe's version (default: the version of PAYLOAD's Safe)")
    add_kind_arguments(parser, nested)
    parser.set_defaults(handler=run)


def add_kind_arguments(parser, nested=None) -> None:
    """What kind of payload PAYLOAD is, and the inputs some kinds need (verify and render): without
    them the kind is read from the content."""
    parser.add_argument("--message", action="store_true",
                        help="PAYLOAD is a Safe message (EIP-1271), not a transaction: {safe, chainId, safeVersion, "
                             "message} or SafeMessage typed data (recognised without this flag too)")
    parser.add_argument("--executor-nonce", type=_nonce, metavar="N",
                        help="PAYLOAD is the executor's transaction (ur:eth-sign-request of data type 1 or 4) calling "
                             "execTransaction; N is the Safe nonce it executes (execTransaction carries none)")
    (nested or parser).add_argument("--child", metavar="PAYLOAD",
                                    help="the child Safe's transaction that PAYLOAD approves (approveHash): reviewed "
                                         "with it, the approved hash must be its safeTxHash")
    parser.add_argument("--tx-builder", type=Path, metavar="FILE",
                        help="the Transaction Builder batch file PAYLOAD was made from: checksum checked, every call "
                             "rebuilt and compared with the transaction")


def add_payload_arguments(parser, payload_required: bool = True) -> None:
    """Arguments shared by every command that reviews a payload (verify, render, gui, qr)."""
    source = parser.add_mutually_exclusive_group(required=payload_required)
    source.add_argument(
        "payload", metavar="PAYLOAD", nargs="?",
        help="JSON/ur: text file, image, video, directory of images, camera:N, or - for standard input",
    )
    source.add_argument("--camera", type=int, metavar="N", help="scan the animated QR with camera N (0 is the first)")
    parser.add_argument("--chain-id", type=_chain_id, help="chain id (1 for Ethereum); overrides the payload")
    parser.add_argument("--safe", help="Safe address; overrides the payload")
    parser.add_argument("--safe-version", help="Safe version, e.g. 1.4.1 or 1.3.0+L2; overrides the payload")
    parser.add_argument("--abi-dir", type=Path, help="folder of extra ABIs named <address>.json")
    parser.add_argument("--policy", type=Path, help="policy file (TOML) to check every call against")
    parser.add_argument("--unsigned-policy", action="store_true",
                        help="accept an unsigned draft policy; every result is marked UNSIGNED POLICY")
    parser.add_argument("--trust", type=Path, help="trust.toml pinning the policy signers (default: the shipped one)")
    parser.add_argument("--state", metavar="SNAPSHOT",
                        help="a proof-checked snapshot of the chain from `coldsight-courier snapshot` (file, or ur:bytes "
                             "text): the whole transaction is executed on it and what changes is shown first")


def _chain_id(text: str) -> int:
    import argparse

    if not text.isdigit() or int(text) <= 0 or int(text) >= 1 << 256:
        raise argparse.ArgumentTypeError(f"not a chain id: {text!r}")
    return int(text)


def _nonce(text: str) -> int:
    import argparse

    if not text.isdigit() or int(text) >= 1 << 256:
        raise argparse.ArgumentTypeError(f"not a nonce: {text!r}")
    return int(text)


def options_from_args(args) -> "ReviewRequest":
    """The options `add_payload_arguments` parsed (and verify's kind options, where the command has
    them), as the review service's request: the one place that reads them off an argparse Namespace
    (`--camera N` is PAYLOAD `camera:N`)."""
    from .payload_input import CAMERA_PREFIX
    from .service import PayloadKind, ReviewRequest

    executor_nonce = getattr(args, "executor_nonce", None)
    kind = PayloadKind.AUTO
    if getattr(args, "message", False):
        kind = PayloadKind.MESSAGE
    elif executor_nonce is not None:
        kind = PayloadKind.EXECUTOR
    return ReviewRequest(
        payload=f"{CAMERA_PREFIX}{args.camera}" if args.camera is not None else args.payload,
        chain_id=args.chain_id,
        safe=args.safe,
        safe_version=args.safe_version,
        abi_dir=args.abi_dir,
        policy=args.policy,
        unsigned_policy=args.unsigned_policy,
        trust=args.trust,
        kind=kind,
        executor_nonce=executor_nonce,
        child=getattr(args, "child", None),
        tx_builder=getattr(args, "tx_builder", None),
        snapshot=Path(args.state) if getattr(args, "state", None) else None,
    )


def run(args) -> int:
    from .service import MessageItem, PayloadKind, review

    if (args.nested_safe is None) != (args.nested_nonce is None):
        from decoders.errors import ContextError

        raise ContextError("--nested-safe and --nested-nonce go together", "--nested-safe")
    request = options_from_args(args)
    if request.kind in (PayloadKind.MESSAGE, PayloadKind.EXECUTOR) and args.payload is None:
        from decoders.errors import ContextError

        flag = "--message" if request.kind is PayloadKind.MESSAGE else "--executor-nonce"
        raise ContextError(f"{flag} reads text from a file or standard input (-)", flag)
    result = review(request)  # errors: the boundary in cli.main
    if isinstance(result, MessageItem):
        return _print_message(args, result)
    approval = _nested_approval(args, result.report) if args.nested_safe is not None else None
    if args.format == "json":
        document = result.as_json()
        if approval is not None:
            document["nestedApproval"] = approval.as_json()
        print(json.dumps(document, indent=2))
    else:
        from .text_report import render

        sys.stdout.write(render(result))  # with the child's level, as the GUI shows it
        if approval is not None:
            sys.stdout.write(_approval_text(approval))
    return exitcodes.BY_VERDICT[result.verdict]


def _nested_approval(args, report):
    from decoders.hexutil import parse_address
    from decoders.nested import nested_approval
    from decoders.safetx import SafeVersion

    parent = parse_address(args.nested_safe, "--nested-safe")
    version = SafeVersion.parse(args.nested_safe_version, "--nested-safe-version") if args.nested_safe_version else None
    return nested_approval(report.context, report.hashes.safe_tx, parent, args.nested_nonce, version)


def _approval_text(approval) -> str:
    from decoders.eip712 import hardware_wallet_groups

    hashes = approval.hashes
    return "\n".join([
        "",
        f"NESTED SAFE APPROVAL: owner Safe {approval.parent.safe} (Safe {approval.parent.version.label}) approves "
        "the transaction above by signing this transaction:",
        f"  to       {approval.tx.to}  (the Safe above)",
        "  value    0   operation CALL   safeTxGas 0   baseGas 0   gasPrice 0   gasToken 0x0   refundReceiver 0x0",
        f"  data     0x{approval.tx.data.hex()}  (approveHash of the safeTxHash above)",
        f"  nonce    {approval.tx.nonce}",
        f"  domain hash      0x{hashes.domain.hex()}",
        f"  message hash     0x{hashes.message.hex()}",
        f"  safeTxHash       0x{hashes.safe_tx.hex()}",
        f"                   {hardware_wallet_groups(hashes.safe_tx)}",
        "",
    ])


def _print_message(args, item) -> int:
    """A Safe message (given as one with --message, or recognised by its content); the text is the
    GUI's message screen in words (app.text_report.render_message: the same reasons)."""
    from .text_report import render_message

    if args.format == "json":
        print(json.dumps(item.as_json(), indent=2))
    else:
        sys.stdout.write(render_message(item))
    return exitcodes.BY_VERDICT[item.verdict]
