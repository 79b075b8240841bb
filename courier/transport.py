"""Both directions of the air gap, on the courier's side: the eth-sign-request out as QR
frames / GIF / text, the eth-signature back from a file, frames, a GIF, a video or a camera.

The request is built exactly as `coldsight qr encode` builds it (app.qr.encode): the same
typed data, so the same deterministic request id, which the returning signature must carry.
"""

from __future__ import annotations

import json
from pathlib import Path

from decoders.errors import ColdsightError
from decoders.formats.ur_format import assemble_ur, looks_like_ur
from decoders.report import Report
from decoders.ur import EthSignature
from decoders.ur.ur import UR

from .errors import CourierError
from app.payload_input import open_frame_source, read_bytes
from app.qr.encode import content_uuid, safe_tx_typed_data, sign_request_ur, ur_texts
from app.qr.render import render_animation, write_gif, write_png_frames
from app.qr.scan import run_scan


def sign_request(report: Report, origin: str) -> UR:
    return sign_request_ur(report, origin=origin[:200])


def request_id(report: Report) -> bytes:
    """The id `sign_request` gives this transaction's request (derived from its typed data)."""
    return content_uuid(json.dumps(safe_tx_typed_data(report), separators=(",", ":")).encode())


def write_request(ur: UR, out: Path, fragment: int = 200, fps: float = 5.0, scale: int = 6) -> tuple[str, int]:
    """Write the request as FILE.txt (UR texts), FILE.gif, or a directory of PNG frames."""
    texts = ur_texts(ur, fragment)
    try:
        if out.suffix.lower() == ".txt":
            out.write_text("\n".join(texts) + "\n", encoding="ascii")
            return str(out), len(texts)
        frames = render_animation(texts, scale=scale)
        if out.suffix.lower() == ".gif":
            write_gif(frames, out, fps)
            return str(out), len(texts)
        paths = write_png_frames(frames, out)
        return f"{len(paths)} PNG frames in {out}", len(texts)
    except OSError as err:
        raise CourierError(f"cannot write: {err.strerror or err}", str(out)) from None


def read_signature(spec: str) -> EthSignature:
    """The eth-signature in a text file (ur: text), an image, frames, a GIF/video or camera:N."""
    source = open_frame_source(spec)
    if source is not None:
        text = run_scan(source).text
    else:
        data, _ = read_bytes(spec)
        text = data.decode("utf-8", "replace")
    return signature_from_text(text, spec)


def signature_from_text(text: str, where: str) -> EthSignature:
    if not looks_like_ur(text.strip()):
        raise CourierError("not a ur:eth-signature text", where)
    try:
        ur = assemble_ur(text, where)
    except ColdsightError as err:
        raise CourierError(err.message, err.where or where) from None
    if ur.type != EthSignature.UR_TYPE:
        raise CourierError(f"this is a ur:{ur.type}, not an eth-signature", where)
    return EthSignature.from_cbor(ur.cbor)
