"""`coldsight render PAYLOAD --out FILE.png`: the review screen, rendered offscreen to a PNG.

For audit records, and so the security team sees exactly what signers see. An invalid payload
renders the "cannot be verified, do not sign" screen (and exits 3, as `verify` does).
"""

from pathlib import Path

from . import exitcodes


def register(subparsers) -> None:
    from .cmd_verify import add_payload_arguments

    parser = subparsers.add_parser("render", help="render the review screen of a payload to a PNG (offscreen)")
    add_payload_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, help="PNG file to write")
    parser.add_argument("--width", type=int, default=1100, help="width in pixels (default 1100)")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio, e.g. 2 for high-DPI (default 1)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    import sys

    from .cli import UsageError

    if not 400 <= args.width <= 8000:
        raise UsageError("--width must be between 400 and 8000")
    if not 0.5 <= args.scale <= 4:
        raise UsageError("--scale must be between 0.5 and 4")
    if args.out.suffix.lower() != ".png":
        raise UsageError("--out must name a .png file")
    report, problem = report_or_problem(args)
    from .gui.render import ensure_offscreen

    ensure_offscreen()
    from .gui.render import render_png

    try:
        render_png(args.out, report=report, problem=problem, width=args.width, scale=args.scale)
    except OSError as err:
        print(f"coldsight: cannot write {args.out}: {err}", file=sys.stderr)
        return exitcodes.INVALID
    verdict = report.verdict if report is not None else "block"
    print(f"{args.out}: {verdict}")
    if report is None:
        print(f"coldsight: invalid payload: {problem.message}", file=sys.stderr)
        return exitcodes.INVALID
    return exitcodes.BY_VERDICT[verdict]


def report_or_problem(args):
    """(report, None), or (None, Problem) for bad input, so the failure is rendered too."""
    from .cmd_verify import build_report
    from .session import problem_from_error

    try:
        return build_report(args), None
    except Exception as err:  # ColdsightError, or a bug: both render as "do not sign"
        return None, problem_from_error(err, getattr(args, "payload", None))
