"""QR codes as pixels (segno) and animations as PNG frames or a GIF (Pillow).

All frames of one animation share one QR version, so they are the same size and a camera
sees a steady square; segno picks alphanumeric mode for upper-case UR texts by itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import SourceError
import segno

QUIET_ZONE = 4  # modules of white border the QR standard asks for
DEFAULT_ERROR = "m"  # 15% recovery: survives screen glare and blur at little size cost


def qr_version_for(texts: Sequence[str], error: str = DEFAULT_ERROR) -> int:
    # make_qr never makes a Micro QR, so every version is a number (Micro QR versions are "M1".."M4")
    return max(int(segno.make_qr(text, error=error, boost_error=False).version) for text in texts)


def render_qr(text: str, scale: int = 4, version: int | None = None, error: str = DEFAULT_ERROR) -> np.ndarray:
    """The QR code of `text` as an 8-bit grayscale image (0 black, 255 white), with quiet zone."""
    qr = segno.make_qr(text, error=error, version=version, boost_error=False)
    modules = np.array([list(row) for row in qr.matrix], dtype=bool)
    modules = np.pad(modules, QUIET_ZONE, constant_values=False)
    image = np.where(modules, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((scale, scale), dtype=np.uint8)) if scale > 1 else image


def render_animation(texts: Sequence[str], scale: int = 4, error: str = DEFAULT_ERROR) -> list[np.ndarray]:
    version = qr_version_for(texts, error)
    return [render_qr(text, scale, version, error) for text in texts]


def write_png_frames(frames: Sequence[np.ndarray], directory: Path) -> list[Path]:
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(len(frames))))
    paths = []
    for number, frame in enumerate(frames, start=1):
        path = directory / f"frame-{number:0{width}d}.png"
        Image.fromarray(frame, mode="L").save(path, optimize=True)
        paths.append(path)
    return paths


def write_gif(frames: Sequence[np.ndarray], path: Path, fps: float) -> None:
    from PIL import Image

    if not frames:
        raise SourceError("nothing to write", str(path))
    images = [Image.fromarray(frame, mode="L").convert("1", dither=Image.Dither.NONE) for frame in frames]
    duration = max(20, round(1000 / fps))  # ms per frame; most viewers clamp faster GIFs
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration, loop=0, optimize=False, disposal=1)


def write_png(frame: np.ndarray, path: Path) -> None:
    from PIL import Image

    Image.fromarray(frame, mode="L").save(path, optimize=True)
