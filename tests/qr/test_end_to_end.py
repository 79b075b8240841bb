"""Animated QR round trips: `coldsight qr encode` -> camera-like noise -> 20% of frames lost ->
`coldsight verify <frames>` gives the same hashes as verifying the JSON file directly."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from app.qr.sources import read_image_file

from .camera_noise import FRAME_H, FRAME_W, lossy_noisy_frames
from .payloads import BYBIT, write_multisend


def verified_hashes(run_cli, payload: str) -> dict:
    result = run_cli(["verify", payload, "--format", "json"])
    assert result.code in (0, 1, 2), result.stderr
    return result.json()["hashes"]


def encoded_codes(run_cli, payload: str, out: Path, *extra: str) -> list:
    result = run_cli(["qr", "encode", payload, "--out", str(out), "--scale", "3", *extra])
    assert result.code == 0, result.stderr
    return [read_image_file(path) for path in sorted(out.glob("*.png"))]


# The 12-call batch makes ~3x the frames of Bybit (4-7 s here): the fast subset keeps Bybit only.
@pytest.fixture(params=["bybit", pytest.param("multisend", marks=pytest.mark.slow)])
def payload(request, tmp_path) -> str:
    return str(BYBIT) if request.param == "bybit" else str(write_multisend(tmp_path, calls=12))


def test_noisy_lossy_frames_verify_to_the_json_hashes(run_cli, payload, tmp_path):
    expected = verified_hashes(run_cli, payload)
    codes = encoded_codes(run_cli, payload, tmp_path / "clean")
    assert len(codes) >= 8  # really multipart, so losses matter
    noisy = tmp_path / "noisy"
    noisy.mkdir()
    for index, frame in enumerate(lossy_noisy_frames(codes, seed=7)):
        cv2.imwrite(str(noisy / f"{index:04d}.png"), frame)
    result = run_cli(["verify", str(noisy), "--format", "json"])
    assert result.code in (0, 1, 2), result.stderr
    assert result.json()["format"] == "ur:eth-sign-request"
    assert result.json()["hashes"] == expected


@pytest.mark.slow  # encodes and decodes a whole video (3-6 s); the GIF round trip covers the path quickly
def test_video_file_round_trip(run_cli, tmp_path):
    payload = str(write_multisend(tmp_path, calls=8, nonce=9))
    expected = verified_hashes(run_cli, payload)
    codes = encoded_codes(run_cli, payload, tmp_path / "clean", "--fragment", "150")
    video = tmp_path / "scan.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (FRAME_W, FRAME_H))
    assert writer.isOpened()
    for frame in lossy_noisy_frames(codes, seed=11):
        writer.write(frame)
    writer.release()
    result = run_cli(["verify", str(video), "--format", "json"])
    assert result.code in (0, 1, 2), result.stderr
    assert result.json()["hashes"] == expected


def test_animated_gif_round_trip(run_cli, tmp_path):
    expected = verified_hashes(run_cli, str(BYBIT))
    gif = tmp_path / "bybit.gif"
    made = run_cli(["qr", "encode", str(BYBIT), "--out", str(gif), "--fragment", "120", "--scale", "3", "--fps", "8"])
    assert made.code == 0, made.stderr
    result = run_cli(["verify", str(gif), "--format", "json"])
    assert result.code == 2, result.stderr  # the Bybit delegatecall blocks
    assert result.json()["hashes"] == expected


def test_ur_bytes_container_round_trip(run_cli, tmp_path):
    expected = verified_hashes(run_cli, str(BYBIT))
    texts = tmp_path / "parts.txt"
    made = run_cli(["qr", "encode", str(BYBIT), "--as", "bytes", "--out", str(texts), "--fragment", "90"])
    assert made.code == 0, made.stderr
    lines = texts.read_text().split()
    assert all(line.startswith("UR:BYTES/") for line in lines)
    result = run_cli(["verify", str(texts), "--format", "json"])
    assert result.json()["format"] == "ur:bytes"
    assert result.json()["hashes"] == expected
    # the exact Safe version survives in ur:bytes (typed data only knows the hash family)
    assert result.json()["safeVersion"] == "1.1.1"
