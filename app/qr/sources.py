"""Frame sources: where QR frames (or already-read QR texts) come from.

Every source has `name` (used in messages as the "where"), `live` (a camera never ends on its
own), `items()` yielding 8-bit frames (numpy BGR or gray arrays) or `str` texts, and `close()`.
Cameras are the only code here that needs hardware; everything else reads files, so the
scan logic can be tested without one.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence
import importlib.util
import io
import time

import numpy as np

from .errors import SourceError
from .v4l2 import V4L2Camera

Item = np.ndarray | str

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".webm", ".mov", ".m4v", ".gif"})
MAX_IMAGE_FILES = 10_000  # a directory of more images than this is not an animated QR export
MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_FRAME_PIXELS = 8192 * 8192  # refuse decompression bombs before decoding pixels


class FrameSource(Protocol):
    name: str
    live: bool

    def items(self) -> Iterator[Item]: ...

    def close(self) -> None: ...


# --- images ------------------------------------------------------------------------------


def quiet_cv2(where: str = "video"):
    """OpenCV, with its own log lines (warnings on broken files) silenced: errors reach the
    person as our messages, not as library chatter on stderr. Only cameras and video files other
    than GIF still need it (packaging/README.md, "Shrinking the bundle"); a build without it says
    so instead of failing with an import error."""
    try:
        import cv2
    except ImportError:
        raise SourceError("this build reads video files (other than GIF), and cameras outside Linux, through "
                          "OpenCV, which is not installed", where,
                          "scan images or an animated GIF instead, or install opencv-python-headless") from None

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    return cv2


def decode_image_bytes(data: bytes, where: str) -> np.ndarray:
    """An image file's bytes as a gray frame (Pillow); GIF/animated formats give their first frame here."""
    if not data:
        raise SourceError("the image file is empty", where)
    if len(data) > MAX_IMAGE_BYTES:
        raise SourceError(f"image larger than {MAX_IMAGE_BYTES} bytes", where)
    header = _image_size(data)
    if header is not None and header[0] * header[1] > MAX_FRAME_PIXELS:
        raise SourceError(f"image of {header[0]}x{header[1]} pixels is too large", where)
    return _decode_with_pillow(data, where)


def _image_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _decode_with_pillow(data: bytes, where: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_FRAME_PIXELS:
                raise SourceError(f"image of {image.width}x{image.height} pixels is too large", where)
            return gray_of_pillow(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise SourceError("not a readable image (PNG, JPEG, ...)", where) from None


def gray_of_pillow(image) -> np.ndarray:
    """8-bit gray as cv2.imdecode(..., IMREAD_GRAYSCALE) gave it, within a grey level: EXIF
    orientation applied, alpha dropped, colour weighted 0.299/0.587/0.114 (ITU-R 601, as OpenCV),
    16-bit samples scaled to 8 rather than clipped."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode.startswith("I"):  # I;16, I;16B, I (integer samples): keep the top 8 of 16 bits
        return (np.clip(np.asarray(image, dtype=np.int64), 0, 65535) >> 8).astype(np.uint8)
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")  # palette, alpha, CMYK, float: through RGB, like OpenCV
    return np.asarray(image.convert("L"))


def read_image_file(path: Path) -> np.ndarray:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(f"cannot read: {err.strerror}", str(path)) from None
    return decode_image_bytes(data, str(path))


@dataclass
class ImageFilesSource:
    """Still images, in the given order (one QR each, or a few)."""

    paths: Sequence[Path]
    name: str = "image files"
    live: bool = False

    @classmethod
    def from_directory(cls, directory: Path) -> "ImageFilesSource":
        try:
            entries = sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        except OSError as err:
            raise SourceError(f"cannot list the directory: {err.strerror}", str(directory)) from None
        if not entries:
            raise SourceError(
                f"no image files ({', '.join(sorted(IMAGE_SUFFIXES))}) in the directory", str(directory)
            )
        if len(entries) > MAX_IMAGE_FILES:
            raise SourceError(f"{len(entries)} images is more than {MAX_IMAGE_FILES}", str(directory))
        return cls(entries, name=str(directory))

    def items(self) -> Iterator[Item]:
        for path in self.paths:
            yield read_image_file(Path(path))

    def close(self) -> None:
        pass


@dataclass
class ImageBytesSource:
    """One image given as bytes (e.g. a PNG piped into stdin)."""

    data: bytes
    name: str = "stdin"
    live: bool = False

    def items(self) -> Iterator[Item]:
        yield decode_image_bytes(self.data, self.name)

    def close(self) -> None:
        pass


# --- text ---------------------------------------------------------------------------------


@dataclass
class TextLinesSource:
    """QR texts already read elsewhere: one per line (blank lines skipped)."""

    lines: Iterable[str]
    name: str = "text"
    live: bool = False

    @classmethod
    def from_file(cls, path: Path) -> "TextLinesSource":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise SourceError("not UTF-8 text", str(path)) from None
        except OSError as err:
            raise SourceError(f"cannot read: {err.strerror}", str(path)) from None
        return cls(text.splitlines(), name=str(path))

    def items(self) -> Iterator[Item]:
        for line in self.lines:
            line = line.strip()
            if line:
                yield line

    def close(self) -> None:
        pass


# --- video ------------------------------------------------------------------------------


class VideoFileSource:
    """Frames of a video file (OpenCV/FFmpeg) or an animated GIF (Pillow), decoded ahead in a
    background thread so decoding overlaps QR detection."""

    live = False

    def __init__(self, path: Path, prefetch: int = 8):
        self.path = Path(path)
        self.name = str(path)
        self.prefetch = prefetch
        if not self.path.is_file():
            raise SourceError("no such video file", self.name)
        self._stop = threading.Event()
        if self.path.suffix.lower() == ".gif":
            self._frames = self._gif_frames()
        elif self.path.suffix.lower() == ".avi" and not _opencv_installed():
            from .avi import mjpeg_frames

            self._frames = mjpeg_frames(self.path)  # MJPEG AVI without OpenCV (app/qr/avi.py)
        else:
            self._frames = self._video_frames(self._open_capture())

    def _open_capture(self):
        cv2 = quiet_cv2(self.name)

        capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            capture.release()
            raise SourceError("cannot open as a video (unsupported container or codec?)", self.name)
        return capture

    def _video_frames(self, capture) -> Iterator[np.ndarray]:
        try:
            while not self._stop.is_set():
                ok, frame = capture.read()
                if not ok:
                    return
                yield frame
        finally:
            capture.release()

    def _gif_frames(self) -> Iterator[np.ndarray]:
        from PIL import Image, ImageSequence, UnidentifiedImageError

        try:
            image = Image.open(self.path)
        except (UnidentifiedImageError, OSError):
            raise SourceError("not a readable GIF", self.name) from None
        if image.width * image.height > MAX_FRAME_PIXELS:
            raise SourceError("GIF frames are too large", self.name)

        def frames() -> Iterator[np.ndarray]:
            with image:
                for frame in ImageSequence.Iterator(image):
                    if self._stop.is_set():
                        return
                    yield np.asarray(frame.convert("L"))

        return frames()

    def items(self) -> Iterator[Item]:
        return prefetched(self._frames, self.prefetch, self._stop)

    def close(self) -> None:
        self._stop.set()


_DONE = object()


def prefetched(frames: Iterator[np.ndarray], depth: int, stop: threading.Event) -> Iterator[np.ndarray]:
    """Run `frames` in a daemon thread, `depth` items ahead; errors are re-raised here."""
    buffer: queue.Queue = queue.Queue(maxsize=max(1, depth))

    def produce() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        buffer.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as err:  # handed to the consumer, which raises it
            buffer.put(err)

    threading.Thread(target=produce, name="frame-prefetch", daemon=True).start()
    while True:
        item = buffer.get()
        if item is _DONE:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


# --- camera -------------------------------------------------------------------------------


def camera_failure_message(
    index: int, platform: str, device_exists: bool | None, device_accessible: bool | None
) -> tuple[str, str]:
    """(message, hint) for a camera that would not open. Pure, so every branch is tested.

    `device_exists` / `device_accessible` are None where the OS cannot tell us (not Linux).
    """
    if device_exists is False:
        return (f"there is no camera {index}", "check it is plugged in, or try --camera 0 / 1")
    if device_accessible is False:
        if platform.startswith("linux"):
            return (
                f"permission denied for camera {index} (/dev/video{index})",
                "add your user to the 'video' group, or run with access to the device",
            )
        return (f"permission denied for camera {index}", "allow camera access for this app")
    if platform == "darwin":
        return (
            f"camera {index} could not be opened",
            "allow camera access in System Settings > Privacy & Security > Camera, "
            "and close other apps using the camera",
        )
    if platform.startswith("win"):
        return (
            f"camera {index} could not be opened",
            "close other apps using the camera; check Settings > Privacy > Camera",
        )
    return (f"camera {index} could not be opened (it may be in use by another application)", "close other apps using it")


def _linux_device_state(index: int) -> tuple[bool | None, bool | None]:
    if not sys.platform.startswith("linux"):
        return None, None
    device = f"/dev/video{index}"
    exists = os.path.exists(device)
    return exists, (os.access(device, os.R_OK | os.W_OK) if exists else None)


def _opencv_installed() -> bool:
    try:
        return importlib.util.find_spec("cv2") is not None
    except ValueError:  # sys.modules["cv2"] is None: blocked, as in a build without it
        return False


class CameraSource:
    """A live camera through OpenCV, or, on Linux without OpenCV, through V4L2 directly
    (app/qr/v4l2.py). Frames come as fast as the camera delivers them."""

    live = True

    def __init__(self, index: int, width: int = 1280, height: int = 720, first_frame_timeout: float = 5.0):
        if index < 0:
            raise SourceError("camera numbers start at 0", f"camera {index}")
        self.index = index
        self.name = f"camera {index}"
        self._v4l2 = None
        self._capture = None
        use_v4l2 = sys.platform.startswith("linux") and not _opencv_installed()
        cv2: Any = None if use_v4l2 else quiet_cv2(self.name)
        exists, accessible = _linux_device_state(index)
        if exists is False or accessible is False:
            raise SourceError(*self._failure(exists, accessible))
        if use_v4l2:
            self._v4l2 = V4L2Camera(index, width, height, frame_timeout=first_frame_timeout)
            return
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            capture.release()
            raise SourceError(*self._failure(exists, accessible))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture = capture
        self._first_frame_timeout = first_frame_timeout

    def _failure(self, exists: bool | None, accessible: bool | None) -> tuple[str, str, str]:
        message, hint = camera_failure_message(self.index, sys.platform, exists, accessible)
        return message, self.name, hint

    def items(self) -> Iterator[Item]:
        if self._v4l2 is not None:
            yield from self._v4l2.items()
            return
        started = time.monotonic()
        got_any = False
        while self._capture is not None:
            ok, frame = self._capture.read()
            if not ok:
                if not got_any and time.monotonic() - started < self._first_frame_timeout:
                    time.sleep(0.05)
                    continue
                what = "gives no frames (in use by another application?)" if not got_any else "stopped giving frames"
                raise SourceError(f"the camera {what}", self.name, "close other apps using it and try again")
            got_any = True
            yield frame

    def close(self) -> None:
        if self._v4l2 is not None:
            self._v4l2.close()
            self._v4l2 = None
        if self._capture is not None:
            self._capture.release()
            self._capture = None
