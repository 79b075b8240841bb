"""`coldsight gui [PAYLOAD]`: the signer's desktop app (scan, review, decide).

Qt is imported only when this command runs, so other commands never load it.
"""


def register(subparsers) -> None:
    from .cmd_verify import add_payload_arguments

    parser = subparsers.add_parser("gui", help="open the review app (scan a QR, open a file or paste text)")
    add_payload_arguments(parser)
    # In the app PAYLOAD is optional: without one it opens on the start screen. argparse has no
    # public way to relax a group another function declared required, hence the loop.
    for group in parser._mutually_exclusive_groups:  # noqa: SLF001
        group.required = False
    for action in parser._actions:  # noqa: SLF001
        if action.dest == "payload":
            action.nargs = "?"
            action.required = False
    parser.set_defaults(handler=run)


def run(args) -> int:
    from .gui.app import run_gui

    return run_gui(args)
