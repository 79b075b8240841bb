"""`coldsight sign PAYLOAD --keystore FILE --out OUT`: review, then sign with an owner key offline.

The review is the same as `verify` (policy included); the signature is made only for `ok`, or
for `warn` when every acknowledgement is given (`--ack KEY`, repeatable, or
`--ack-all-warnings` after reading them), never for `block`. It goes out as an EIP-4527
`eth-signature` UR answering the request id of the `eth-sign-request` it was asked by: a PNG
QR (or a folder of frames, a GIF, or a .txt of UR text) for the online machine to scan.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import exitcodes


def register(subparsers) -> None:
    from .cmd_verify import add_payload_arguments

    parser = subparsers.add_parser("sign", help="review, then sign the safeTxHash with an owner keystore (eth-signature QR)")
    add_payload_arguments(parser)
    parser.add_argument("--keystore", required=True, type=Path, help="the owner's V3 keystore (JSON)")
    parser.add_argument("--password-file", type=Path, help="file whose first line is the keystore password (else asked)")
    parser.add_argument("--out", required=True, type=Path,
                        help="FILE.png (one QR), FILE.gif, FILE.txt (UR text) or a directory of PNG frames")
    parser.add_argument("--ack", action="append", default=[], metavar="KEY",
                        help="acknowledge one warning by its key (as `sign` lists them); repeatable")
    parser.add_argument("--ack-all-warnings", action="store_true",
                        help="acknowledge every warning of a WARN verdict (they are printed first; read them)")
    parser.add_argument("--scale", type=int, default=8, help="pixels per QR module (default 8)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from .boundary import OutputError
    from .cmd_verify import options_from_args
    from .presentation import present
    from .service import review_payload
    from .signing import SigningRefused, address_of, check_allowed, load_key, read_password, read_request, sign_reviewed
    from .text_report import render as render_text
    from decoders.ur.ur import encode_single

    options = options_from_args(args)
    request = read_request(options.payload or "-")
    review = review_payload(options, request.payload)
    print(render_text(review))
    shown = present(review)
    acknowledged = list(args.ack)
    if args.ack_all_warnings:
        acknowledged += [item.key for item in shown.acknowledgements]
    for item in shown.acknowledgements:
        mark = "x" if item.key in acknowledged else " "
        print(f"[{mark}] {item.key}: {item.text}")
    try:
        check_allowed(review, acknowledged)  # before the password: a refused review never unlocks a key
    except SigningRefused as refusal:
        print(f"coldsight: NOT SIGNED: {refusal.describe()}", file=sys.stderr)
        return exitcodes.BY_VERDICT.get(refusal.verdict or "", exitcodes.INVALID)
    key = load_key(args.keystore, read_password(args.password_file))
    signature = sign_reviewed(review, key, acknowledged, request.request)
    text = encode_single(signature.to_ur())  # upper case: QR alphanumeric mode, a smaller code
    try:
        _write(text, args.out, args.scale)
    except OSError as err:
        raise OutputError.from_os_error(args.out, err) from None
    print(f"signed safeTxHash 0x{review.report.hashes.safe_tx.hex()} as {address_of(key)}")
    print(f"signature 0x{signature.signature.hex()}")
    print(text)
    print(f"wrote {args.out} (ur:eth-signature, request id {_uuid(signature.request_id)})")
    return exitcodes.OK


def _uuid(raw: bytes | None) -> str:
    if raw is None:
        return "none"
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _write(text: str, out: Path, scale: int) -> None:
    from .qr.render import render_qr, write_gif, write_png, write_png_frames

    suffix = out.suffix.lower()
    if suffix == ".txt":
        out.write_text(text + "\n", encoding="ascii")
        return
    frame = render_qr(text, scale=scale)
    if suffix == ".png":
        write_png(frame, out)
    elif suffix == ".gif":
        write_gif([frame], out, 1.0)
    else:
        write_png_frames([frame], out)
