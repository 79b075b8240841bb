"""The scan loop: QR texts (from frames or lines) -> one complete payload text.

`QRScanner` is pure bookkeeping over `decoders.ur.URDecoder` plus a QR detector for frames;
it never touches a camera or a file, so the CLI, tests and the GUI's worker thread all use
the same class. `run_scan(source, ...)` drives it over a `FrameSource` (see sources.py).

What a scan accepts:
- `ur:` parts of one UR (any order, repeats, losses; stray parts are rejected and counted;
  a different transaction shown for `restart_after` parts in a row restarts the scan);
- a single QR holding Safe Transaction Service JSON or EIP-712 typed-data JSON.
The result is text for `decoders.formats.parse_text`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Literal

from decoders.errors import PayloadError
from decoders.ur import URDecoder, encode_single

from .errors import ScanIncompleteError

if TYPE_CHECKING:  # numpy / detector only matter when frames are scanned
    import numpy as np

    from .detect import DetectedCode, QRDetector
    from .sources import FrameSource

EventKind = Literal["accepted", "duplicate", "rejected", "restarted", "complete"]
LIVE_FALLBACK_EVERY = 5  # live cameras: OpenCV fallback on every 5th frame zxing reads nothing in
_SHOWN_TEXT = 40  # characters of an unreadable QR's text quoted back in messages


@dataclass(frozen=True)
class ScanEvent:
    """What one QR text did to the scan; `message` is meant for a person."""

    kind: EventKind
    message: str


@dataclass(frozen=True)
class ScanProgress:
    parts_seen: int  # distinct useful parts of the current UR
    fragments_total: int  # fragments of the current UR (0: nothing yet; 1: single part)
    estimated_remaining: int  # parts still needed at the least
    percent: float  # 0..100
    rejected: int  # QR texts not used: malformed, foreign or not a payload
    restarts: int  # times a different transaction replaced a partial scan
    frames: int  # frames looked at
    codes: int  # QR codes read in those frames
    ur_type: str | None

    def describe(self) -> str:
        if self.fragments_total == 0:
            return f"waiting for a QR code ({self.frames} frames, {self.rejected} rejected)"
        return (
            f"{self.percent:.0f}% of {self.ur_type}: {self.parts_seen} parts of {self.fragments_total}, "
            f"~{self.estimated_remaining} more needed, {self.rejected} rejected"
        )


@dataclass(frozen=True)
class ScanResult:
    """A complete scan: `text` goes to `decoders.formats.parse_text(text, source)`."""

    text: str
    kind: Literal["ur", "json"]
    ur_type: str | None
    source: str


@dataclass(frozen=True)
class FrameUpdate:
    """After each frame: what was read (with corners for outlining), what it did, progress."""

    index: int
    codes: list["DetectedCode"]
    events: list[ScanEvent]
    progress: ScanProgress
    complete: bool
    frame: "np.ndarray | None" = None  # the frame itself (not a copy), for a preview; None for texts


@dataclass
class _Tally:
    frames: int = 0
    codes: int = 0
    rejected_other: int = 0  # non-UR, non-JSON texts (the UR decoder counts its own)
    last_other: str | None = None


class QRScanner:
    """Feeds QR texts into a URDecoder; keeps counts; knows when the payload is complete.

    Not thread-safe; use one per scan, from one thread (e.g. a GUI worker). `feed_frame` needs a
    detector (created on first use); `feed_text` needs nothing.
    """

    def __init__(self, restart_after: int = 3, detector: "QRDetector | None" = None):
        self._decoder = URDecoder(restart_after=restart_after)
        self._detector = detector
        self._tally = _Tally()
        self._json_text: str | None = None
        self.last_message = "waiting for a QR code"

    # --- feeding -------------------------------------------------------------------------
    def feed_text(self, text: str) -> ScanEvent:
        if self.is_complete:
            return self._event("duplicate", "already complete")
        self._tally.codes += 1
        stripped = text.strip()
        if stripped[:3].lower() == "ur:":
            return self._feed_ur(stripped)
        if stripped[:1] in ("{", "["):
            return self._feed_json(stripped)
        self._tally.rejected_other += 1
        self._tally.last_other = stripped
        shown = stripped[:_SHOWN_TEXT] + ("…" if len(stripped) > _SHOWN_TEXT else "")
        return self._event("rejected", f"QR code is not a UR or a JSON payload: {shown!r}")

    def feed_frame(self, frame: "np.ndarray") -> FrameUpdate:
        """Detect the QR codes in one frame and feed their texts."""
        if self._detector is None:
            from .detect import QRDetector

            self._detector = QRDetector()
        self._tally.frames += 1
        codes = self._detector.detect(frame)
        events = [self.feed_text(code.text) for code in codes]
        return FrameUpdate(self._tally.frames, codes, events, self.progress, self.is_complete, frame)

    def feed(self, item: "np.ndarray | str") -> FrameUpdate:
        """One item of a frame source: a frame, or a text that was already read."""
        if not isinstance(item, str):
            return self.feed_frame(item)
        self._tally.frames += 1
        event = self.feed_text(item)
        return FrameUpdate(self._tally.frames, [], [event], self.progress, self.is_complete)

    def _feed_ur(self, text: str) -> ScanEvent:
        result = self._decoder.receive(text)
        if result.status == "restarted":
            return self._event("restarted", result.message)
        if result.status == "rejected":
            return self._event("rejected", result.message)
        if result.complete:
            return self._event("complete", f"{self._decoder.ur_type} complete")
        return self._event(result.status, result.message)

    def _feed_json(self, text: str) -> ScanEvent:
        if self._decoder.progress.fragments_total:
            self._tally.rejected_other += 1
            return self._event("rejected", "a JSON QR code appeared while a UR was being scanned; ignored")
        self._json_text = text
        return self._event("complete", "JSON payload read from a single QR code")

    def _event(self, kind: EventKind, message: str) -> ScanEvent:
        self.last_message = message
        return ScanEvent(kind, message)

    def reset(self) -> None:
        """Start over (e.g. the person pressed "scan again"); counts are kept."""
        self._decoder.reset()
        self._json_text = None

    # --- state ---------------------------------------------------------------------------
    @property
    def is_complete(self) -> bool:
        return self._json_text is not None or self._decoder.is_complete

    @property
    def progress(self) -> ScanProgress:
        p = self._decoder.progress
        counters = self._decoder.counters
        if self._json_text is not None:
            p = type(p)(1, 1, 0, 100.0)
        return ScanProgress(
            parts_seen=p.parts_seen,
            fragments_total=p.fragments_total,
            estimated_remaining=p.estimated_remaining,
            percent=p.percent,
            rejected=self._decoder.rejected_count + self._tally.rejected_other,
            restarts=counters.restarts,
            frames=self._tally.frames,
            codes=self._tally.codes,
            ur_type="json" if self._json_text is not None else self._decoder.ur_type,
        )

    def result(self, source: str) -> ScanResult:
        if self._json_text is not None:
            return ScanResult(self._json_text, "json", None, source)
        if self._decoder.is_complete:
            ur = self._decoder.result
            return ScanResult(encode_single(ur), "ur", ur.type, source)
        raise self.incomplete_error(source)

    def incomplete_error(self, source: str) -> PayloadError:
        p = self.progress
        if p.fragments_total:
            return ScanIncompleteError(
                f"the scan ended incomplete: {p.percent:.0f}% of the {p.ur_type} ({p.parts_seen} of "
                f"{p.fragments_total} fragments' worth), at least {p.estimated_remaining} more part(s) needed",
                source,
                "show more of the animated QR (let it loop once more) and scan again",
            )
        if self._tally.last_other is not None:
            shown = self._tally.last_other[:_SHOWN_TEXT]
            return ScanIncompleteError(
                f"no Safe transaction found: {self._tally.codes} QR code(s) read, none a UR or JSON payload "
                f"(last one: {shown!r})",
                source,
            )
        if self._tally.codes:
            return ScanIncompleteError(
                f"no Safe transaction assembled: {self._tally.codes} QR code(s) read, all rejected "
                f"(last reason: {self.last_message})",
                source,
            )
        return ScanIncompleteError(f"no QR code found in {self._tally.frames} frame(s)", source)


def run_scan(
    source: "FrameSource",
    scanner: QRScanner | None = None,
    on_update: Callable[[FrameUpdate], None] | None = None,
    stop: threading.Event | None = None,
    timeout: float | None = None,
) -> ScanResult:
    """Scan `source` until complete; raises ScanIncompleteError when it ends or stops first.

    A GUI runs this in a worker thread, passes `on_update` (called after every frame; keep it
    cheap, e.g. emit a Qt signal) and sets `stop` to cancel. Text sources (UR lines, stdin) yield
    strings, which skip detection.
    """
    if scanner is None:
        detector = None
        if source.live:
            from .detect import QRDetector

            detector = QRDetector(fallback_every=LIVE_FALLBACK_EVERY)
        scanner = QRScanner(detector=detector)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        for item in source.items():
            update = scanner.feed(item)
            if on_update is not None:
                on_update(update)
            if update.complete:
                return scanner.result(source.name)
            if stop is not None and stop.is_set():
                raise ScanIncompleteError("the scan was stopped before it completed", source.name)
            if deadline is not None and time.monotonic() > deadline:
                raise ScanIncompleteError(f"no complete payload within {timeout:g} s", source.name)
    finally:
        source.close()
    raise scanner.incomplete_error(source.name)


def scan_texts(texts: Iterable[str], source: str = "QR texts") -> ScanResult:
    """Tolerant assembly of already-read QR texts (no frames)."""
    scanner = QRScanner()
    for text in texts:
        scanner.feed_text(text)
        if scanner.is_complete:
            return scanner.result(source)
    raise scanner.incomplete_error(source)
