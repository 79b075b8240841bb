"""QR detection in one frame: zxing-cpp first, OpenCV's Aruco-based detector as fallback.

zxing-cpp returns the exact bytes of the symbol and reads dense codes at 2-3 px per module;
OpenCV is only asked when zxing finds nothing, and can be switched off where speed matters
more than the last few marginal frames. Corner points are returned so a GUI can outline
the code it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class DetectedCode:
    """One QR code read from a frame.

    `text` is the content decoded as UTF-8 (what the UR / JSON parsers take); `raw` the exact
    bytes of the symbol (None when the detector gives text only); `corners` are
    top-left, top-right, bottom-right, bottom-left in frame pixel coordinates.
    """

    text: str
    raw: bytes | None
    corners: tuple[Point, Point, Point, Point]
    detector: Literal["zxing", "opencv"]


def _text_of(raw: bytes, fallback: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return fallback


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A contiguous 8-bit grayscale view of a BGR, BGRA or gray frame."""
    if frame.ndim == 2:
        gray = frame
    elif frame.ndim == 3 and frame.shape[2] == 1:
        gray = frame[:, :, 0]
    elif frame.ndim == 3 and frame.shape[2] in (3, 4):
        if frame.dtype != np.uint8:
            raise ValueError(f"frames must be 8-bit, got {frame.dtype}")
        try:
            import cv2
        except ImportError:  # colour frames come from OpenCV's capture; this is for a build without it
            b, g, r = (frame[:, :, i].astype(np.uint32) for i in range(3))  # the same weights, within 1
            gray = ((b * 1868 + g * 9617 + r * 4899 + 8192) >> 14).astype(np.uint8)
        else:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    else:
        raise ValueError(f"not an image frame: array of shape {frame.shape}")
    if gray.dtype != np.uint8:
        raise ValueError(f"frames must be 8-bit, got {gray.dtype}")
    return np.ascontiguousarray(gray)


class QRDetector:
    """Finds and decodes QR codes in frames. Not thread-safe: one per worker thread.

    fallback_every: when zxing finds nothing, OpenCV is asked on every n-th such frame
    (1: every one, the default for files, where each frame may be the only copy of a part;
    0: never). OpenCV costs ~40 ms a 720p frame, so live cameras use a larger n to keep the
    frame rate: the next frame, 40 ms later, usually reads with zxing anyway.
    """

    def __init__(self, fallback_every: int = 1):
        import zxingcpp

        if fallback_every < 0:
            raise ValueError("fallback_every must be 0 (never) or more")
        self._zxing = zxingcpp
        self._formats = zxingcpp.BarcodeFormat.QRCode
        self.fallback_every = fallback_every
        self._empty_frames = 0
        self._opencv: Any = None  # a cv2.QRCodeDetectorAruco, created on first use: it loads a model

    def detect(self, frame: np.ndarray) -> list[DetectedCode]:
        gray = to_gray(frame)
        codes = self.detect_zxing(gray)
        if codes or not self.fallback_every:
            return codes
        self._empty_frames += 1
        if self._empty_frames % self.fallback_every == 0:
            codes = self.detect_opencv(gray)
        return codes

    def detect_zxing(self, gray: np.ndarray) -> list[DetectedCode]:
        found = self._zxing.read_barcodes(gray, formats=self._formats,  # type: ignore[arg-type]  # one format is accepted
                                          try_rotate=True, try_invert=False)
        codes = []
        for barcode in found:
            if not barcode.valid:
                continue
            raw = bytes(barcode.bytes)
            p = barcode.position
            corners = tuple((float(c.x), float(c.y)) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            codes.append(DetectedCode(_text_of(raw, barcode.text), raw, corners, "zxing"))  # type: ignore[arg-type]
        return codes

    def detect_opencv(self, gray: np.ndarray) -> list[DetectedCode]:
        try:
            import cv2
        except ImportError:  # a build without OpenCV has no second detector: zxing-cpp alone
            self.fallback_every = 0
            return []

        if self._opencv is None:
            self._opencv = cv2.QRCodeDetectorAruco()
        try:
            ok, texts, points, _ = self._opencv.detectAndDecodeMulti(gray)
        except cv2.error:
            return []
        if not ok or points is None:
            return []
        codes = []
        for text, quad in zip(texts, points):
            if not text:
                continue  # located but not decoded
            corners = tuple((float(x), float(y)) for x, y in quad[:4])
            # OpenCV gives text only (decoded as Latin-1/UTF-8 by its own rules), no raw bytes
            codes.append(DetectedCode(text, None, corners, "opencv"))  # type: ignore[arg-type]
        return codes


def decode_frame(frame: np.ndarray) -> list[DetectedCode]:
    """One-shot convenience; loops should keep one QRDetector instead."""
    return QRDetector().detect(frame)
