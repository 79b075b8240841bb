"""Turning a PAYLOAD argument into a parsed `Payload`.

PAYLOAD may be:
- a JSON or `ur:` text file, or `-` for standard input (text, or an image piped in);
- an image file (PNG, JPEG, ...) holding a QR code;
- a video file (mp4, avi, mkv, webm, mov, animated GIF) of an animated QR;
- a directory of image files (frames of an animated QR, read in name order);
- `camera:N`, the live camera number N (also `--camera N`).
Every command that takes a PAYLOAD accepts all of them. QR inputs go through the scan loop
in `app.qr.scan`; what it assembles is parsed like a file's text.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from decoders.bounds import LimitExceeded
from decoders.errors import PayloadError
from decoders.formats import decode_text, parse_text
from decoders.safetx import Payload
from .sanitize import rewrite_line

if TYPE_CHECKING:
    from .qr.scan import FrameUpdate
    from .qr.sources import FrameSource

MAX_PAYLOAD_BYTES = 32 * 1024 * 1024
CAMERA_PREFIX = "camera:"

# Magic numbers of files that are pictures rather than text, so a misnamed file still works.
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*")
_ANIMATION_MAGIC = (b"GIF87a", b"GIF89a")
# Suffixes of text payloads, none of them a picture or video suffix of app.qr.sources (a test checks).
_TEXT_SUFFIXES = frozenset({"", ".json", ".txt", ".ur"})


def read_bytes(spec: str) -> tuple[bytes, str]:
    if spec == "-":
        data = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
        source = "stdin"
    else:
        path = Path(spec)
        if not path.exists():
            raise PayloadError("no such file", spec)
        if path.is_dir():
            raise PayloadError("is a directory, not a payload file", spec)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_PAYLOAD_BYTES + 1)
        except OSError as err:
            raise PayloadError(f"cannot read: {err.strerror}", spec) from None
        source = spec
    if len(data) > MAX_PAYLOAD_BYTES:
        raise LimitExceeded("MAX_PAYLOAD_BYTES", MAX_PAYLOAD_BYTES, "larger than allowed; not a Safe transaction", source)
    return data, source


def is_camera_spec(spec: str) -> bool:
    return spec.lower().startswith(CAMERA_PREFIX)


def camera_index(spec: str) -> int:
    number = spec[len(CAMERA_PREFIX):]
    if not number.isdigit():
        raise PayloadError(f"'{spec}' is not camera:<number> (e.g. camera:0)", "PAYLOAD")
    return int(number)


def _looks_like_video(head: bytes) -> bool:
    return (
        head[:4] == b"RIFF" and head[8:12] == b"AVI "
        or head[4:8] == b"ftyp"  # MP4 / MOV
        or head[:4] == b"\x1a\x45\xdf\xa3"  # Matroska / WebM
    )


def open_frame_source(spec: str) -> "FrameSource | None":
    """The frame source PAYLOAD names, or None when it is a text/JSON file (or stdin)."""
    if spec == "-":
        return None
    path = Path(spec)
    if not is_camera_spec(spec) and path.is_file() and path.suffix.lower() in _TEXT_SUFFIXES:
        # The common case: a JSON or UR text file. The frame sources (numpy, ~0.1 s to import) are
        # loaded only when its first bytes say it is a picture or a video after all.
        head = _head(path)
        if head is None or _media_kind(head) is None:
            return None
    from .qr import sources

    if is_camera_spec(spec):
        return sources.CameraSource(camera_index(spec))
    if path.is_dir():
        return sources.ImageFilesSource.from_directory(path)
    if not path.is_file():
        return None  # read_bytes reports it
    suffix = path.suffix.lower()
    if suffix in sources.VIDEO_SUFFIXES:
        return sources.VideoFileSource(path)
    if suffix in sources.IMAGE_SUFFIXES:
        return sources.ImageFilesSource([path], name=spec)
    head = _head(path)
    kind = _media_kind(head) if head is not None else None
    if kind == "video":
        return sources.VideoFileSource(path)
    if kind == "image":
        return sources.ImageFilesSource([path], name=spec)
    return None


def _head(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return handle.read(16)
    except OSError:
        return None


def _media_kind(head: bytes) -> str | None:
    """"video" or "image" when the first bytes are those of one (whatever the file is called), else None."""
    if head.startswith(_ANIMATION_MAGIC) or _looks_like_video(head):
        return "video"
    if head.startswith(_IMAGE_MAGIC) or head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    return None


def scan_text(source: "FrameSource", on_update: Callable[["FrameUpdate"], None] | None = None) -> tuple[str, str]:
    """The text an (animated) QR carries, and where it was scanned from."""
    from .qr.scan import run_scan  # the scanner and its UR codec load when a scan starts

    if on_update is None and source.live and sys.stderr.isatty():
        on_update = _print_progress
    try:
        result = run_scan(source, on_update=on_update)
    finally:
        if on_update is _print_progress:
            sys.stderr.write("\n")
    return result.text, f"{result.source} (QR)"


def scan_payload(source: "FrameSource", on_update: Callable[["FrameUpdate"], None] | None = None) -> Payload:
    return parse_text(*scan_text(source, on_update))


def _print_progress(update: "FrameUpdate") -> None:
    for event in update.events:
        if event.kind == "restarted":
            sys.stderr.write(f"\n{event.message}\n")

    rewrite_line(sys.stderr, f"scanning: {update.progress.describe()}   ")


def read_text(spec: str, on_update: Callable[["FrameUpdate"], None] | None = None) -> tuple[str, str]:
    """The text PAYLOAD holds (a file's, standard input's, or what its QR codes scan to), and its source."""
    source = open_frame_source(spec)
    if source is not None:
        return scan_text(source, on_update)
    data, name = read_bytes(spec)
    if spec == "-" and (data.startswith(_IMAGE_MAGIC) or data.startswith(_ANIMATION_MAGIC)):
        from .qr.sources import ImageBytesSource

        return scan_text(ImageBytesSource(data, name="stdin"), on_update)
    return decode_text(data, name), name


def load_payload(spec: str, on_update: Callable[["FrameUpdate"], None] | None = None) -> Payload:
    return parse_text(*read_text(spec, on_update))
