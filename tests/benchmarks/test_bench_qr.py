"""QR scanning benchmarks: one 1280x720 camera-like frame decoded, and the scan loop over a
video file (decode + detect + UR assembly). Timing is reported by pytest-benchmark
(`pytest tests/benchmarks --benchmark-enable`), never asserted; `benchmarks/qr_scan.py`
prints the same numbers as medians and frames per second."""

import sys
from pathlib import Path

import cv2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.qr_scan import camera_frames  # noqa: E402

from app.qr.detect import QRDetector  # noqa: E402
from app.qr.scan import QRScanner, run_scan  # noqa: E402
from app.qr.sources import VideoFileSource  # noqa: E402
from tests.qr.camera_noise import FRAME_H, FRAME_W  # noqa: E402


@pytest.fixture(scope="module")
def frames() -> list:
    return camera_frames(30)


def test_bench_decode_720p_frame(benchmark, frames):
    detector = QRDetector()
    frame = frames[3]
    codes = benchmark(detector.detect, frame)
    assert len(codes) == 1 and codes[0].text.startswith("UR:ETH-SIGN-REQUEST/")


def test_bench_scan_loop_video(benchmark, frames, tmp_path):
    video = tmp_path / "loop.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, (FRAME_W, FRAME_H))
    for frame in frames:
        writer.write(frame)
    writer.release()

    def scan():
        scanner = QRScanner()
        result = run_scan(VideoFileSource(video), scanner)
        return result, scanner.progress.frames

    result, frames_used = benchmark(scan)
    assert result.ur_type == "eth-sign-request"
    benchmark.extra_info["frames_per_scan"] = frames_used
