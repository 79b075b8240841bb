"""The V4L2 camera (app/qr/v4l2.py, used when OpenCV is not installed) against a simulated driver.

No camera exists in CI (no /dev/video*, no vivid or v4l2loopback module), so the driver here
answers the same ioctl, mmap and select calls a kernel would. It reads and writes the request
structs at the byte offsets of <linux/videodev2.h> on 64-bit Linux, written out independently of
the module's struct formats, and the request numbers are checked against the header's published
values. Not covered, and to be checked by hand with a real webcam: real drivers' quirks.
"""

from __future__ import annotations

import io
import itertools
import json
import mmap
import random
import struct
import sys

import numpy as np
import pytest
from PIL import Image

from app.qr import sources, v4l2
from app.qr.encode import bytes_ur, ur_texts
from app.qr.errors import SourceError
from app.qr.render import render_animation, render_qr
from app.qr.scan import run_scan
from decoders.formats import parse_text
from decoders.verify import verify_payload

from .camera_noise import camera_frame
from .payloads import multisend_batch


def test_request_numbers_are_the_headers() -> None:
    # <linux/videodev2.h> on x86_64/arm64, as printed by the header's _IOR/_IOWR macros.
    assert v4l2.VIDIOC_QUERYCAP == 0x80685600
    assert v4l2.VIDIOC_S_FMT == 0xC0D05605
    assert v4l2.VIDIOC_REQBUFS == 0xC0145608
    assert v4l2.VIDIOC_QUERYBUF == 0xC0585609
    assert v4l2.VIDIOC_QBUF == 0xC058560F
    assert v4l2.VIDIOC_DQBUF == 0xC0585611
    assert v4l2.VIDIOC_STREAMON == 0x40045612
    assert v4l2.VIDIOC_STREAMOFF == 0x40045613
    assert v4l2.YUYV == 0x56595559


def _u32(buffer: bytearray, offset: int) -> int:
    return struct.unpack_from("<I", buffer, offset)[0]


def _set_u32(buffer: bytearray, offset: int, value: int) -> None:
    struct.pack_into("<I", buffer, offset, value)


class FakeDriver:
    """One camera: `formats` it offers (fourcc -> what it does with a request), `frames` to deliver."""

    def __init__(self, frames: list[bytes], offers=("YUYV",), size=(640, 480), pad=64, capabilities=None):
        self.frames = list(frames)
        self.offers = [v4l2.fourcc(code) for code in offers]
        self.width, self.height = size
        self.pad = pad
        self.capabilities = capabilities if capabilities is not None else 0x80000000 | 0x04000001
        self.format = None
        self.queued: list[int] = []
        self.maps: list[mmap.mmap] = []
        self.calls: list[int] = []
        self.streaming = False
        self.closed = False
        self.fail_open: OSError | None = None

    # the calls LinuxSystem makes
    def open(self, path: str) -> int:
        if self.fail_open:
            raise self.fail_open
        assert path.startswith("/dev/video")
        return 7

    def close(self, fd: int) -> None:
        self.closed = True

    def ioctl(self, fd: int, request: int, buf: bytearray) -> None:
        assert fd == 7
        self.calls.append(request)
        if request == 0x80685600:  # QUERYCAP: capabilities at 84, device_caps at 88
            assert len(buf) == 104
            _set_u32(buf, 84, self.capabilities | 0x80000000)
            _set_u32(buf, 88, self.capabilities & ~0x80000000)
        elif request == 0xC0D05605:  # S_FMT: type at 0, v4l2_pix_format at 8
            assert len(buf) == 208 and _u32(buf, 0) == 1
            asked = _u32(buf, 16)
            self.format = asked if asked in self.offers else self.offers[0]
            line = self.width * 2 + self.pad if self.format == v4l2.YUYV else 0
            for offset, value in ((8, self.width), (12, self.height), (16, self.format), (24, line)):
                _set_u32(buf, offset, value)
        elif request == 0xC0145608:  # REQBUFS: count at 0, type 4, memory 8
            assert len(buf) == 20 and _u32(buf, 4) == 1 and _u32(buf, 8) == 1
            _set_u32(buf, 0, 3)  # the driver grants 3 of the 4 asked for
            self.maps = []
        elif request == 0xC0585609:  # QUERYBUF: index 0, memory 60, m.offset 64, length 72
            assert len(buf) == 88 and _u32(buf, 60) == 1
            index = _u32(buf, 0)
            struct.pack_into("<Q", buf, 64, 4096 * 1000 * index)
            _set_u32(buf, 72, (self.width * 2 + self.pad) * self.height)
        elif request == 0xC058560F:  # QBUF
            assert len(buf) == 88 and _u32(buf, 4) == 1
            self.queued.append(_u32(buf, 0))
        elif request == 0xC0585611:  # DQBUF: fill the oldest queued buffer with the next frame
            assert len(buf) == 88
            index = self.queued.pop(0)
            frame = self.frames.pop(0)
            self.maps[index][:len(frame)] = frame
            _set_u32(buf, 0, index)
            _set_u32(buf, 8, len(frame) if self.format != v4l2.YUYV else 0)
        elif request in (0x40045612, 0x40045613):
            assert struct.unpack("<i", bytes(buf))[0] == 1
            self.streaming = request == 0x40045612
        else:
            raise AssertionError(f"unexpected ioctl {request:#x}")

    def mmap(self, fd: int, length: int, offset: int) -> mmap.mmap:
        assert offset == 4096 * 1000 * len(self.maps)
        mapped = mmap.mmap(-1, length)  # anonymous memory standing in for the driver's buffer
        self.maps.append(mapped)
        return mapped

    def wait_readable(self, fd: int, timeout: float) -> bool:
        return bool(self.frames) and bool(self.queued)

    # frames as the camera would hand them over
    def yuyv(self, gray: np.ndarray) -> bytes:
        line = np.full((self.height, self.width * 2 + self.pad), 128, np.uint8)
        line[:, 0:self.width * 2:2] = gray
        line[:, self.width * 2:] = 0xAB  # padding past the line: must be ignored
        return line.tobytes()


def _fit(code: np.ndarray, width: int, height: int) -> np.ndarray:
    frame = np.full((height, width), 255, np.uint8)
    h, w = min(height, code.shape[0]), min(width, code.shape[1])
    frame[:h, :w] = code[:h, :w]
    return frame


def test_yuyv_frames_are_the_luma_plane_and_buffers_go_back() -> None:
    gray = np.random.default_rng(3).integers(0, 256, (480, 640), dtype=np.uint8)
    driver = FakeDriver([], offers=("YUYV",))
    driver.frames = [driver.yuyv(gray), driver.yuyv(255 - gray)]
    camera = v4l2.V4L2Camera(0, system=driver)
    assert (camera.format.width, camera.format.height, camera.format.bytes_per_line) == (640, 480, 640 * 2 + 64)
    assert driver.streaming and len(driver.maps) == 3
    frames = list(itertools.islice(camera.items(), 2))
    assert np.array_equal(frames[0], gray) and np.array_equal(frames[1], 255 - gray)
    assert sorted(driver.queued) == [0, 1, 2]  # every buffer handed back to the driver
    camera.close()
    assert not driver.streaming and driver.closed and all(m.closed for m in driver.maps)


def test_a_camera_with_only_mjpeg_is_read_through_pillow() -> None:
    code = _fit(render_qr("UR:BYTES/HDCXLKAHSSKN", scale=6), 640, 480)
    buffer = io.BytesIO()
    Image.fromarray(code).convert("RGB").save(buffer, "JPEG", quality=90)
    driver = FakeDriver([buffer.getvalue()], offers=("MJPG",))
    camera = v4l2.V4L2Camera(0, system=driver)
    assert camera.format.pixel_format == v4l2.MJPEG
    [frame] = list(itertools.islice(camera.items(), 1))
    assert frame.shape == (480, 640) and np.abs(frame.astype(int) - code.astype(int)).mean() < 2
    from app.qr.detect import QRDetector

    assert [c.text for c in QRDetector(fallback_every=0).detect(frame)] == ["UR:BYTES/HDCXLKAHSSKN"]


def test_a_device_that_cannot_stream_is_refused() -> None:
    driver = FakeDriver([], capabilities=0x00000001)  # capture, no streaming
    with pytest.raises(SourceError, match="cannot stream"):
        v4l2.V4L2Camera(0, system=driver)
    assert driver.closed


def test_a_camera_without_yuyv_or_mjpeg_is_refused() -> None:
    driver = FakeDriver([], offers=("H264",))
    with pytest.raises(SourceError, match="neither YUYV nor MJPEG"):
        v4l2.V4L2Camera(0, system=driver)


def test_a_busy_camera_and_a_silent_one_are_clear_errors() -> None:
    busy = FakeDriver([])
    busy.fail_open = OSError(16, "Device or resource busy")
    with pytest.raises(SourceError, match="could not be opened: Device or resource busy"):
        v4l2.V4L2Camera(0, system=busy)
    silent = v4l2.V4L2Camera(0, system=FakeDriver([]))
    with pytest.raises(SourceError, match="gives no frames"):
        next(silent.items())


def test_a_broken_jpeg_frame_is_a_clear_error() -> None:
    camera = v4l2.V4L2Camera(0, system=FakeDriver([b"\xff\xd8\xff\xe0" + bytes(50)], offers=("MJPG",)))
    with pytest.raises(SourceError, match="not a readable JPEG"):
        next(camera.items())


@pytest.mark.slow
def test_a_live_scan_without_opencv_completes_through_v4l2(monkeypatch) -> None:
    """The whole path a build without OpenCV takes: CameraSource picks V4L2, the scan completes."""
    document = multisend_batch(calls=4, nonce=8)
    texts = ur_texts(bytes_ur(json.dumps(document).encode()), 100)
    rng = random.Random(6)
    driver = FakeDriver([], offers=("YUYV",), size=(1280, 720), pad=0)
    from app.qr.detect import to_gray

    driver.frames = [driver.yuyv(to_gray(camera_frame(code, rng))) for code in render_animation(texts, scale=3)]
    monkeypatch.setitem(sys.modules, "cv2", None)
    monkeypatch.setattr(sources, "_linux_device_state", lambda index: (True, True))
    monkeypatch.setattr(v4l2, "LinuxSystem", lambda: driver)
    source = sources.CameraSource(0)
    assert source._v4l2 is not None
    result = run_scan(source)
    expected = verify_payload(parse_text(json.dumps(document), "json")).hashes
    assert verify_payload(parse_text(result.text, "camera")).hashes == expected
    source.close()
    assert driver.closed
