"""`coldsight` command line: a thin skin over `decoders` / `policies`.

Each sub-command lives in its own `app/cmd_*.py` module exposing `register(subparsers)`;
modules import heavy things (Qt, OpenCV) only inside their handlers, so `coldsight verify`
stays fast and never loads a GUI.
"""

import argparse
import importlib
import sys
from typing import NoReturn

from . import exitcodes, offline_guard, selftest
from .boundary import UsageError, run_guarded
from .sanitize import guarded_streams

COMMAND_MODULES = ("app.cmd_verify", "app.cmd_qr", "app.cmd_gui", "app.cmd_render",
                   "app.cmd_policy", "app.cmd_addressbook", "app.cmd_sign")
VERSION = "0.1.0"


__all__ = ["UsageError", "build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2, which means "block" here
        self.print_usage(sys.stderr)
        print(f"{self.prog}: usage error: {message}", file=sys.stderr)
        sys.exit(exitcodes.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="coldsight", description="Independent, offline verification of Safe transactions.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--verbose", action="store_true", help="with --version: list bundled packages")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    offline_guard.install()  # first: from here on this process cannot open a network socket
    # Everything printed (reports, errors naming files or payload keys, usage errors) leaves through
    # the one sanitizing layer: no payload control or bidi character reaches the terminal raw.
    with guarded_streams():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from .version_info import version_text

        print(version_text(verbose=args.verbose))
        return exitcodes.OK
    if "handler" not in args:
        parser.print_help(sys.stderr)
        return exitcodes.USAGE

    def checked_run() -> int:
        health = selftest.run()
        if not health.ok:  # a build that gets known answers wrong must not review anything
            print(selftest.refusal_message(health), file=sys.stderr)
            if args.command == "gui":
                selftest.show_refusal_window(selftest.refusal_message(health))
            return exitcodes.INVALID
        return args.handler(args)

    # The one error boundary: every command's errors leave through it (see app/boundary.py).
    json_errors = "format" in args and args.format == "json"
    return run_guarded(checked_run, json_errors, argv, _state_dir)


def _state_dir():
    from .service import state_dir

    return state_dir()


if __name__ == "__main__":
    sys.exit(main())
