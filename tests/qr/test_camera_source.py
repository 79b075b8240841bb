"""CameraSource without a camera: OpenCV's VideoCapture replaced by a stand-in that replays
frames, so the live path (device checks, first-frame wait, rate-limited fallback) is exercised."""

from __future__ import annotations

import json
import random

import cv2
import pytest

from app.qr import sources
from app.qr.encode import bytes_ur, ur_texts
from app.qr.errors import SourceError
from app.qr.render import render_animation
from app.qr.scan import run_scan
from decoders.formats import parse_text
from decoders.verify import verify_payload

from .camera_noise import camera_frame
from .payloads import multisend_batch


class ReplayCapture:
    """Stands in for cv2.VideoCapture(index): `frames` then, optionally, read failures."""

    frames: list = []
    opens = True

    def __init__(self, index: int):
        self.index = index
        self._frames = list(type(self).frames)
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802  (OpenCV's name)
        return type(self).opens

    def set(self, prop: int, value: float) -> bool:
        return True

    def read(self):
        if self._frames:
            return True, self._frames.pop(0)
        return False, None

    def release(self) -> None:
        self.released = True


@pytest.fixture
def fake_camera(monkeypatch):
    monkeypatch.setattr(sources, "_linux_device_state", lambda index: (True, True))
    monkeypatch.setattr(cv2, "VideoCapture", ReplayCapture)
    ReplayCapture.frames, ReplayCapture.opens = [], True
    return ReplayCapture


def test_live_camera_scan_completes(fake_camera):
    document = multisend_batch(calls=4, nonce=8)
    texts = ur_texts(bytes_ur(json.dumps(document).encode()), 100)
    rng = random.Random(6)
    fake_camera.frames = [camera_frame(code, rng) for code in render_animation(texts, scale=3)]
    source = sources.CameraSource(0)
    assert source.live and source.name == "camera 0"
    result = run_scan(source)
    expected = verify_payload(parse_text(json.dumps(document), "json")).hashes
    assert verify_payload(parse_text(result.text, "camera")).hashes == expected


def test_camera_that_opens_but_gives_no_frames(fake_camera):
    source = sources.CameraSource(1, first_frame_timeout=0.1)
    with pytest.raises(SourceError, match="gives no frames") as caught:
        next(source.items())
    assert caught.value.where == "camera 1"


def test_camera_that_will_not_open(fake_camera):
    fake_camera.opens = False
    with pytest.raises(SourceError, match="could not be opened"):
        sources.CameraSource(2)


def test_camera_without_permission(monkeypatch):
    monkeypatch.setattr(sources, "_linux_device_state", lambda index: (True, False))
    monkeypatch.setattr(sources.sys, "platform", "linux")
    with pytest.raises(SourceError, match="permission denied") as caught:
        sources.CameraSource(3)
    assert "video" in caught.value.hint
