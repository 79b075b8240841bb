"""`coldsight gui [PAYLOAD]`: the signer's desktop app (scan, review, decide).

Qt is imported only when this command runs, so other commands never load it.
"""

from pathlib import Path


def register(subparsers) -> None:
    from .cmd_verify import add_payload_arguments

    parser = subparsers.add_parser("gui", help="open the review app (scan a QR, open a file or paste text)")
    add_payload_arguments(parser, payload_required=False)  # without one it opens on the start screen
    parser.add_argument("--keystore", type=Path,
                        help="an owner's V3 keystore: after 'Reviewed', sign here and show the eth-signature QR")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from .cmd_verify import options_from_args
    from .gui.app import run_gui

    return run_gui(options_from_args(args), keystore=args.keystore)
