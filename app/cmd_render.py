"""`coldsight render PAYLOAD --out FILE.png`: the review screen, rendered offscreen to a PNG.

For audit records, and so the security team sees exactly what signers see. An invalid payload
renders the "cannot be verified, do not sign" screen (and exits 3, as `verify` does).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import exitcodes
from decoders.vocabulary import Verdict

if TYPE_CHECKING:
    from .service import AnyReview, ReviewOptions
    from .session import Problem


def register(subparsers) -> None:
    from .cmd_verify import add_kind_arguments, add_payload_arguments

    parser = subparsers.add_parser("render", help="render the review screen of a payload to a PNG (offscreen)")
    add_payload_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, help="PNG file to write")
    parser.add_argument("--width", type=int, default=1100, help="width in pixels (default 1100)")
    add_kind_arguments(parser)
    parser.add_argument("--window", metavar="WxH",
                        help="render the first screen a window of this size shows (e.g. 1366x768): it scrolls above "
                             "the decision bar, as on a laptop; default: the whole review at --width")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio, e.g. 2 for high-DPI (default 1)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from .boundary import OutputError, UsageError
    from .cmd_verify import options_from_args

    if not 400 <= args.width <= 8000:
        raise UsageError("--width must be between 400 and 8000")
    if not 0.5 <= args.scale <= 4:
        raise UsageError("--scale must be between 0.5 and 4")
    if args.out.suffix.lower() != ".png":
        raise UsageError("--out must name a .png file")
    window = _window_size(args.window) if args.window is not None else None
    review, problem = review_or_problem(options_from_args(args))
    from .gui.render import ensure_offscreen

    ensure_offscreen()
    from .gui.render import render_png

    try:
        render_png(args.out, review=review, problem=problem, width=window[0] if window else args.width,
                   scale=args.scale, window_height=window[1] if window else None)
    except OSError as err:
        raise OutputError.from_os_error(args.out, err) from None
    verdict = review.verdict if review is not None else Verdict.BLOCK
    print(f"{args.out}: {verdict}")
    if review is None:
        assert problem is not None
        print(f"coldsight: invalid payload: {problem.message}", file=sys.stderr)
        return exitcodes.INVALID
    return exitcodes.BY_VERDICT[verdict]


def _window_size(text: str) -> tuple[int, int]:
    from .boundary import UsageError

    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and 400 <= int(width) <= 8000 and 300 <= int(height) <= 8000):
        raise UsageError("--window must be WIDTHxHEIGHT, e.g. 1366x768 (400-8000 by 300-8000)")
    return int(width), int(height)


def review_or_problem(options: ReviewOptions) -> tuple[AnyReview | None, Problem | None]:
    """(review, None), or (None, Problem) for input that cannot be reviewed, so the failure is
    rendered too. A bug is not caught here: the CLI's error boundary reports it."""
    from decoders.errors import ColdsightError

    from .service import review
    from .session import problem_from_error

    try:
        return review(options), None
    except ColdsightError as err:
        return None, problem_from_error(err, options.payload)
