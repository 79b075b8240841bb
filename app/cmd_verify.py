"""`coldsight verify PAYLOAD`: hashes, call tree, findings and one verdict."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import exitcodes

if TYPE_CHECKING:
    from .service import ReviewOptions


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


def options_from_args(args) -> "ReviewOptions":
    """The options `add_payload_arguments` parsed, as the review service's typed options: the
    one place that reads them off an argparse Namespace (`--camera N` is PAYLOAD `camera:N`)."""
    from .payload_input import CAMERA_PREFIX
    from .service import ReviewOptions

    return ReviewOptions(
        payload=f"{CAMERA_PREFIX}{args.camera}" if args.camera is not None else args.payload,
        chain_id=args.chain_id,
        safe=args.safe,
        safe_version=args.safe_version,
        abi_dir=args.abi_dir,
        policy=args.policy,
        unsigned_policy=args.unsigned_policy,
        trust=args.trust,
    )


def run(args) -> int:
    from .service import review_payload

    review = review_payload(options_from_args(args))  # errors: the boundary in cli.main
    if args.format == "json":
        print(json.dumps(review.report.as_json(), indent=2))
    else:
        from .text_report import render

        sys.stdout.write(render(review))
    return exitcodes.BY_VERDICT[review.verdict]
