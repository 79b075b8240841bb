"""`coldsight verify PAYLOAD`: hashes, call tree, findings and one verdict."""

import json
import sys
from pathlib import Path

from . import exitcodes


def register(subparsers) -> None:
    parser = subparsers.add_parser("verify", help="verify a Safe transaction payload")
    add_payload_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


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


def _chain_id(text: str) -> int:
    import argparse

    if not text.isdigit() or int(text) <= 0 or int(text) >= 1 << 256:
        raise argparse.ArgumentTypeError(f"not a chain id: {text!r}")
    return int(text)


def build_report(args):
    """Parse and verify the payload named by `args`; raises ColdsightError on bad input."""
    from .payload_input import load_payload, payload_spec

    return report_for_payload(load_payload(payload_spec(args)), args)


def report_for_payload(payload, args):
    """Verify an already parsed payload with the context and policy options in `args`: the one
    path every front end (CLI, GUI paste/scan, render) goes through."""
    from decoders.verify import VerifyOptions, verify_payload

    options = VerifyOptions(
        chain_id=getattr(args, "chain_id", None),
        safe=getattr(args, "safe", None),
        safe_version=getattr(args, "safe_version", None),
        abi_dir=getattr(args, "abi_dir", None),
    )
    report = verify_payload(payload, options)
    if getattr(args, "policy", None) is not None:
        from policies import SerialStore, evaluate

        from .cmd_policy import load_for_use

        report.policy = evaluate(load_for_use(args, store=SerialStore.default()), report)
    return report


def error_document(err) -> dict:
    return {
        "schema": "coldsight.error/1",
        "verdict": "block",
        "error": {"code": err.code, "message": err.message, "where": err.where, "hint": err.hint},
    }


def report_or_exit(args, emit_json: bool):
    """The report, or None after printing the error (exit 3 follows)."""
    from decoders.errors import ColdsightError, PayloadError

    try:
        return build_report(args)
    except ColdsightError as err:
        # Policy errors already say "policy refused: …"; only payload errors get this prefix.
        prefix = "invalid payload: " if isinstance(err, PayloadError) else ""
        print(f"coldsight: {prefix}{err.describe()}", file=sys.stderr)
        if emit_json:
            print(json.dumps(error_document(err), indent=2))
        return None
    except Exception as err:  # a bug must still fail closed, with no traceback for the signer
        print(f"coldsight: internal error while verifying ({type(err).__name__}: {err}); do not sign", file=sys.stderr)
        return None


def run(args) -> int:
    report = report_or_exit(args, emit_json=args.format == "json")
    if report is None:
        return exitcodes.INVALID
    if args.format == "json":
        print(json.dumps(report.as_json(), indent=2))
    else:
        from .text_report import render

        sys.stdout.write(render(report))
    return exitcodes.BY_VERDICT[report.verdict]
