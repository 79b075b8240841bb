"""MJPEG AVI without OpenCV (app/qr/avi.py): the frames OpenCV's own reader gives, from files
OpenCV's VideoWriter wrote (OpenCV is the independent reference here, as a test peer)."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.qr.avi import mjpeg_frames
from app.qr.encode import bytes_ur, ur_texts
from app.qr.errors import SourceError
from app.qr.render import render_animation

from .payloads import multisend_batch


def _write(path: Path, frames: list[np.ndarray], fourcc: str = "MJPG") -> None:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR) if frame.ndim == 2 else frame)
    writer.release()


def _opencv_frames(path: Path) -> list[np.ndarray]:
    capture, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))


def _animation(count: int = 6) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    return [rng.integers(0, 256, (48, 64), dtype=np.uint8).repeat(4, 0).repeat(4, 1) for _ in range(count)]


def test_frames_match_opencvs_reader(tmp_path: Path) -> None:
    video = tmp_path / "clip.avi"
    _write(video, _animation())
    ours, theirs = list(mjpeg_frames(video)), _opencv_frames(video)
    assert len(ours) == len(theirs) == 6
    for mine, reference in zip(ours, theirs):
        assert mine.shape == reference.shape
        assert np.abs(mine.astype(int) - reference.astype(int)).mean() < 1.5


@pytest.mark.parametrize("damage", ["not riff", "truncated", "no frames", "not mjpeg"])
def test_damaged_or_foreign_files_are_clear_errors(tmp_path: Path, damage: str) -> None:
    video = tmp_path / "clip.avi"
    _write(video, _animation(2))
    data = video.read_bytes()
    if damage == "not riff":
        data = b"\x00\x00\x00\x18ftypmp42" + data[12:]
        expected = "not an AVI file"
    elif damage == "truncated":
        data = data[: len(data) // 2]
        expected = "truncated or damaged"
    elif damage == "no frames":
        movi = b"LIST" + struct.pack("<I", 4) + b"movi"
        data = b"RIFF" + struct.pack("<I", 4 + len(movi)) + b"AVI " + movi
        expected = "no video frames"
    else:
        chunk = b"00dc" + struct.pack("<I", 6) + b"\x00\x00\x00\x01gH"  # an H.264 NAL, not a JPEG
        movi = b"LIST" + struct.pack("<I", 4 + len(chunk)) + b"movi" + chunk
        data = b"RIFF" + struct.pack("<I", 4 + len(movi)) + b"AVI " + movi
        expected = "not MJPEG"
    video.write_bytes(data)
    with pytest.raises(SourceError, match=expected):
        list(mjpeg_frames(video))


@pytest.mark.slow
def test_a_video_scan_without_opencv_completes(run_cli, tmp_path: Path, monkeypatch) -> None:
    document = multisend_batch(calls=3, nonce=4)
    texts = ur_texts(bytes_ur(json.dumps(document).encode()), 120)
    video = tmp_path / "scan.avi"
    _write(video, list(render_animation(texts, scale=3)) * 2)
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(document))
    expected = run_cli(["verify", str(payload), "--format", "json"]).json()["hashes"]
    monkeypatch.setitem(sys.modules, "cv2", None)  # as in a build without OpenCV
    result = run_cli(["verify", str(video), "--format", "json"])
    assert result.code in (0, 1, 2), result.stderr
    assert result.json()["hashes"] == expected
