"""QR scanning speed on this machine: frame decode time at 1280x720 and scan-loop frame rate.

    .venv/bin/python benchmarks/qr_scan.py [--frames 150]

Frames are camera-like (perspective, blur, uneven light, sensor noise, JPEG; see
tests/qr/camera_noise.py) views of a 200-byte-fragment animated `ur:eth-sign-request`.
Targets from issue 4: decode median < 15 ms per frame, scan loop >= 25 frames/s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from app.qr.detect import QRDetector  # noqa: E402
from app.qr.encode import sign_request_ur, ur_texts  # noqa: E402
from app.qr.render import render_animation  # noqa: E402
from app.qr.scan import QRScanner  # noqa: E402
from app.qr.sources import VideoFileSource  # noqa: E402
from decoders.verify import verify_bytes  # noqa: E402
from tests.qr.camera_noise import FRAME_H, FRAME_W, camera_frame  # noqa: E402
from tests.qr.payloads import multisend_batch  # noqa: E402


def camera_frames(count: int, calls: int = 12, seed: int = 1) -> list:
    report = verify_bytes(json.dumps(multisend_batch(calls)).encode(), "bench")
    texts = ur_texts(sign_request_ur(report), 200, count)
    rng = random.Random(seed)
    return [camera_frame(code, rng) for code in render_animation(texts, scale=3)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def decode_times(frames: list, fallback_every: int) -> list[float]:
    detector = QRDetector(fallback_every=fallback_every)
    times = []
    for frame in frames:
        started = time.perf_counter()
        detector.detect(frame)
        times.append((time.perf_counter() - started) * 1000)
    return times


def scan_loop_fps(video: Path, frames: int) -> tuple[float, int]:
    """Frames per second through VideoFileSource + QRScanner, over the whole file (the scanner is
    reset whenever it completes, so every frame is decoded and assembled)."""
    scanner = QRScanner()
    source = VideoFileSource(video)
    seen = completions = 0
    started = time.perf_counter()
    for item in source.items():
        seen += 1
        if scanner.feed(item).complete:
            completions += 1
            scanner.reset()
    elapsed = time.perf_counter() - started
    source.close()
    assert seen == frames, (seen, frames)
    return seen / elapsed, completions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    frames = camera_frames(args.frames)
    blank = [frame * 0 + 128 for frame in frames[:20]]
    zx = decode_times(frames, fallback_every=0)
    print(f"frame decode, 1280x720 camera-like, zxing-cpp: median {statistics.median(zx):.1f} ms, "
          f"p90 {percentile(zx, 0.9):.1f} ms, max {max(zx):.1f} ms over {len(zx)} frames (target < 15 ms)")
    empty = decode_times(blank, fallback_every=1)
    print(f"frame with no QR (zxing + OpenCV Aruco fallback): median {statistics.median(empty):.1f} ms")
    empty0 = decode_times(blank, fallback_every=0)
    print(f"frame with no QR (zxing only): median {statistics.median(empty0):.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench.avi"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, (FRAME_W, FRAME_H))
        for frame in frames:
            writer.write(frame)
        writer.release()
        fps, completions = scan_loop_fps(video, len(frames))
    print(f"scan loop (MJPG video decode + detect + UR assembly): {fps:.1f} frames/s, "
          f"{completions} complete scans in {len(frames)} frames (target >= 25 frames/s)")


if __name__ == "__main__":
    main()
