"""`coldsight qr encode|hash`: QR codes for the air gap, in both directions.

encode: the payload as an animated UR (frames as PNGs in a directory, an animated GIF, or the
        UR texts one per line in a .txt file), to carry a transaction to a signer's laptop;
hash:   the verified safeTxHash as one QR (PNG), to carry the result back to the online machine.
Both verify the payload first: nothing is rendered from a payload Coldsight cannot read.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import exitcodes
from decoders.vocabulary import Verdict


def register(subparsers) -> None:
    from .cmd_verify import add_payload_arguments

    parser = subparsers.add_parser("qr", help="render a payload or its verified hash as QR codes")
    commands = parser.add_subparsers(dest="qr_command", parser_class=type(parser))
    parser.set_defaults(handler=lambda args: _missing_subcommand(parser))

    encode = commands.add_parser("encode", help="render the payload as an animated UR QR code")
    add_payload_arguments(encode)
    encode.add_argument("--out", required=True, type=Path, help="a directory (PNG frames), FILE.gif, or FILE.txt (UR texts)")
    encode.add_argument("--fragment", type=_bounded_int(10, 2000), default=200, help="bytes per QR part (default 200)")
    encode.add_argument("--fps", type=_bounded_float(0.5, 50), default=5.0, help="GIF frames per second (default 5)")
    encode.add_argument("--frames", type=_bounded_int(1, 10_000), help="parts to render (default: twice the minimum)")
    encode.add_argument(
        "--as", dest="container", choices=("sign-request", "bytes"), default="sign-request",
        help="eth-sign-request with SafeTx typed data (default), or ur:bytes of the payload file as it is",
    )
    encode.add_argument("--scale", type=_bounded_int(1, 40), default=6, help="pixels per QR module (default 6)")
    encode.set_defaults(handler=run_encode)

    hash_ = commands.add_parser("hash", help="verify, then render the safeTxHash as a QR code (PNG)")
    add_payload_arguments(hash_)
    hash_.add_argument("--out", required=True, type=Path, help="PNG file to write")
    hash_.add_argument("--scale", type=_bounded_int(1, 40), default=8, help="pixels per QR module (default 8)")
    hash_.add_argument(
        "--allow-block", action="store_true", help="render the hash even when the verdict is block (not advised)"
    )
    hash_.set_defaults(handler=run_hash)


def _missing_subcommand(parser) -> int:
    parser.print_help(sys.stderr)
    return exitcodes.USAGE


def _bounded_int(low: int, high: int):
    import argparse

    def parse(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return int(text)

    return parse


def _bounded_float(low: float, high: float):
    import argparse

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, got {text!r}")
        return value

    return parse


def _review(args):
    from .cmd_verify import options_from_args
    from .service import review_payload

    return review_payload(options_from_args(args))  # errors: the boundary in cli.main


def run_encode(args) -> int:
    from .boundary import OutputError, UsageError
    from .qr.encode import bytes_ur, sign_request_ur, ur_texts

    review = _review(args)
    if args.container == "bytes":
        if args.payload is None or not Path(args.payload).is_file():
            raise UsageError("--as bytes needs PAYLOAD to be a JSON file")
        data = Path(args.payload).read_bytes()
        if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
            raise UsageError("--as bytes needs a JSON payload file (this one is not JSON)")
        ur = bytes_ur(data)
    else:
        ur = sign_request_ur(review.report)
    texts = ur_texts(ur, args.fragment, args.frames)
    try:
        written = _write_texts(texts, args.out, args.fps, args.scale)
    except OSError as err:
        raise OutputError.from_os_error(args.out, err) from None
    print(f"wrote {written} ({len(texts)} QR part(s) of ur:{ur.type}, {len(ur.cbor)} bytes)")
    print(f"verdict for this transaction: {review.verdict}; safeTxHash 0x{review.report.hashes.safe_tx.hex()}")
    return exitcodes.OK


def _write_texts(texts: list[str], out: Path, fps: float, scale: int) -> str:
    from .qr.render import render_animation, write_gif, write_png_frames

    suffix = out.suffix.lower()
    if suffix == ".txt":
        out.write_text("\n".join(texts) + "\n", encoding="ascii")
        return str(out)
    frames = render_animation(texts, scale=scale)
    if suffix == ".gif":
        write_gif(frames, out, fps)
        return str(out)
    if out.exists() and not out.is_dir():
        raise OSError(f"{out} exists and is not a directory (use .gif or .txt for a file)")
    paths = write_png_frames(frames, out)
    return f"{len(paths)} PNG frames to {out}"


def run_hash(args) -> int:
    from decoders.eip712 import hardware_wallet_groups

    from .boundary import OutputError
    from .qr.render import render_qr, write_png

    review = _review(args)
    safe_tx_hash = review.report.hashes.safe_tx
    summary = f"safeTxHash {hardware_wallet_groups(safe_tx_hash)}\nverdict: {review.verdict}"
    if review.verdict == Verdict.BLOCK and not args.allow_block:
        print(summary)
        print("coldsight: verdict is block; no hash QR written (do not sign this transaction)", file=sys.stderr)
        return exitcodes.BLOCK
    try:
        write_png(render_qr("0x" + safe_tx_hash.hex(), scale=args.scale), args.out)
    except OSError as err:
        raise OutputError.from_os_error(args.out, err) from None
    print(summary)  # only once the QR exists: a failed write must not look like a result
    print(f"wrote {args.out}")
    return exitcodes.BY_VERDICT[review.verdict]
