"""Frames of an MJPEG AVI file without OpenCV: a small RIFF reader hands each video chunk's JPEG
to Pillow (packaging/README.md, "Shrinking the bundle"). Other codecs in an AVI, and other
containers, need OpenCV.

RIFF: chunks of id (4 bytes), little-endian size (4), data padded to an even length; a 'LIST' or
'RIFF' chunk starts with a 4-byte type and holds chunks. Video frames are the `##dc` chunks
(stream number, then "dc", compressed) inside `LIST 'movi'`, in each 'AVI ' or 'AVIX' (OpenDML)
RIFF of the file.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from .errors import SourceError

MAX_CHUNK_BYTES = 64 * 1024 * 1024  # one frame; a bigger chunk is not a frame of an animated QR
MAX_DEPTH = 4


def _chunks(handle: BinaryIO, start: int, end: int, where: str) -> Iterator[tuple[bytes, int, int]]:
    """(id, data offset, data size) of the chunks between start and end."""
    at = start
    while at + 8 <= end:
        handle.seek(at)
        header = handle.read(8)
        if len(header) < 8:
            return
        chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
        if at + 8 + size > end:
            raise SourceError("the AVI file is truncated or damaged", where)
        yield chunk_id, at + 8, size
        at += 8 + size + (size & 1)


def _is_riff_avi(handle: BinaryIO) -> bool:
    handle.seek(0)
    header = handle.read(12)
    return len(header) == 12 and header[:4] == b"RIFF" and header[8:12] == b"AVI "


def mjpeg_frames(path: Path) -> Iterator[np.ndarray]:
    """Gray frames of an MJPEG AVI; SourceError for anything else."""
    from PIL import Image, UnidentifiedImageError

    from .sources import MAX_FRAME_PIXELS, gray_of_pillow

    where = str(path)
    try:
        handle = open(path, "rb")
    except OSError as err:
        raise SourceError(f"cannot read: {err.strerror}", where) from None
    with handle:
        if not _is_riff_avi(handle):
            raise SourceError("not an AVI file (RIFF 'AVI ')", where)
        size = handle.seek(0, 2)

        def video_chunks(start: int, end: int, depth: int) -> Iterator[tuple[int, int]]:
            for chunk_id, offset, length in _chunks(handle, start, end, where):
                if chunk_id in (b"RIFF", b"LIST") and depth < MAX_DEPTH and length >= 4:
                    handle.seek(offset)
                    kind = handle.read(4)
                    if chunk_id == b"RIFF" and kind not in (b"AVI ", b"AVIX"):
                        continue
                    if chunk_id == b"RIFF" or kind == b"movi" or (kind == b"rec " and depth > 1):
                        yield from video_chunks(offset + 4, offset + length, depth + 1)
                elif chunk_id[2:4] == b"dc" and chunk_id[:2].isdigit():
                    yield offset, length

        found = False
        for offset, length in video_chunks(0, size, 0):
            if length == 0:
                continue  # a dropped frame
            if length > MAX_CHUNK_BYTES:
                raise SourceError(f"a video frame of {length} bytes is too large", where)
            handle.seek(offset)
            data = handle.read(length)
            try:
                with Image.open(io.BytesIO(data)) as image:
                    if image.format != "JPEG":
                        raise UnidentifiedImageError
                    if image.width * image.height > MAX_FRAME_PIXELS:
                        raise SourceError("video frames are too large", where)
                    image.draft("L", image.size)
                    frame = gray_of_pillow(image)
            except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
                raise SourceError("this AVI is not MJPEG; other codecs need OpenCV (or convert it to GIF)",
                                  where) from None
            found = True
            yield frame
        if not found:
            raise SourceError("the AVI file holds no video frames", where)
