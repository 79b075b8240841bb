"""A Linux camera through V4L2 directly (ioctl and mmap from the standard library), so a build
without OpenCV still has a camera (packaging/README.md, "Shrinking the bundle").

YUYV is asked for first: its luma plane *is* the gray frame the QR reader takes, a numpy slice
with no decoding. A camera that only offers MJPEG is read through Pillow's JPEG decoder. Struct
layouts and request numbers are those of <linux/videodev2.h> on 64-bit Linux; `system` lets the
tests put a simulated driver behind the same calls (no camera exists in CI).
Used only when OpenCV is not installed; it has not yet been run against a real webcam.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any, Iterator
import os

import numpy as np

from .errors import SourceError


def _ioc(direction: int, number: int, size: int) -> int:
    """_IOC from <asm-generic/ioctl.h>: direction (1 write, 2 read, 3 both), type 'V', number, size."""
    return (direction << 30) | (size << 16) | (ord("V") << 8) | number


CAPABILITY = struct.Struct("16s32s32sIII3I")  # struct v4l2_capability: 104 bytes
PIX_FORMAT = struct.Struct("12I")  # struct v4l2_pix_format: 48 bytes, at offset 8 of v4l2_format
FORMAT_SIZE = 208  # struct v4l2_format: u32 type, 4 bytes padding, a 200-byte union
REQUEST_BUFFERS = struct.Struct("IIIIB3x")  # struct v4l2_requestbuffers: 20 bytes
# struct v4l2_buffer on 64-bit: index, type, bytesused, flags, field, (pad), timeval (2 x i64),
# timecode (16 bytes), sequence, memory, m (u64 union: offset for mmap), length, reserved2,
# request_fd, (pad): 88 bytes.
BUFFER = struct.Struct("5I4xqq16sIIQIIi4x")

VIDIOC_QUERYCAP = _ioc(2, 0, CAPABILITY.size)
VIDIOC_S_FMT = _ioc(3, 5, FORMAT_SIZE)
VIDIOC_REQBUFS = _ioc(3, 8, REQUEST_BUFFERS.size)
VIDIOC_QUERYBUF = _ioc(3, 9, BUFFER.size)
VIDIOC_QBUF = _ioc(3, 15, BUFFER.size)
VIDIOC_DQBUF = _ioc(3, 17, BUFFER.size)
VIDIOC_STREAMON = _ioc(1, 18, 4)
VIDIOC_STREAMOFF = _ioc(1, 19, 4)

BUF_TYPE_VIDEO_CAPTURE = 1
MEMORY_MMAP = 1
FIELD_NONE = 1
CAP_VIDEO_CAPTURE = 0x00000001
CAP_STREAMING = 0x04000000
CAP_DEVICE_CAPS = 0x80000000


def fourcc(code: str) -> int:
    return int.from_bytes(code.encode("ascii"), "little")


YUYV, MJPEG = fourcc("YUYV"), fourcc("MJPG")
BUFFER_COUNT = 4


class LinuxSystem:
    """The real calls; a test replaces them with a simulated driver."""

    def open(self, path: str) -> int:
        return os.open(path, os.O_RDWR | os.O_NONBLOCK)

    def close(self, fd: int) -> None:
        os.close(fd)

    def ioctl(self, fd: int, request: int, buffer: bytearray) -> None:
        import fcntl

        fcntl.ioctl(fd, request, buffer, True)

    def mmap(self, fd: int, length: int, offset: int) -> Any:
        import mmap

        return mmap.mmap(fd, length, mmap.MAP_SHARED, mmap.PROT_READ, offset=offset)

    def wait_readable(self, fd: int, timeout: float) -> bool:
        import select

        return bool(select.select([fd], [], [], timeout)[0])


@dataclass
class Negotiated:
    width: int
    height: int
    pixel_format: int
    bytes_per_line: int


def _buffer(index: int = 0) -> bytearray:
    return bytearray(BUFFER.pack(index, BUF_TYPE_VIDEO_CAPTURE, 0, 0, 0, 0, 0, bytes(16), 0, MEMORY_MMAP, 0, 0, 0, 0))


class V4L2Camera:
    """Frames (8-bit gray numpy arrays) from /dev/videoN, as fast as the camera delivers them."""

    def __init__(self, index: int, width: int = 1280, height: int = 720, system: Any = None,
                 frame_timeout: float = 5.0):
        self.system: Any = system or LinuxSystem()
        self.name = f"camera {index}"
        self.frame_timeout = frame_timeout
        self._maps: list[Any] = []
        self._streaming = False
        try:
            self.fd: int | None = self.system.open(f"/dev/video{index}")
        except OSError as err:
            raise SourceError(f"camera {index} could not be opened: {err.strerror}", self.name,
                              "check it is plugged in and not in use by another application") from None
        try:
            self._check_capabilities()
            self.format = self._negotiate(width, height)
            self._start()
        except OSError as err:
            self.close()
            raise SourceError(f"camera {index} refused to start: {err.strerror}", self.name,
                              "close other apps using it and try again") from None
        except SourceError:
            self.close()
            raise

    def _ioctl(self, request: int, buffer: bytearray) -> bytearray:
        self.system.ioctl(self.fd, request, buffer)
        return buffer

    def _check_capabilities(self) -> None:
        fields = CAPABILITY.unpack(self._ioctl(VIDIOC_QUERYCAP, bytearray(CAPABILITY.size)))
        capabilities, device_caps = fields[4], fields[5]
        caps = device_caps if capabilities & CAP_DEVICE_CAPS else capabilities
        if not caps & CAP_VIDEO_CAPTURE or not caps & CAP_STREAMING:
            raise SourceError("this video device cannot stream captured frames (not a camera?)", self.name)

    def _negotiate(self, width: int, height: int) -> Negotiated:
        for wanted in (YUYV, MJPEG):
            request = bytearray(FORMAT_SIZE)
            struct.pack_into("I", request, 0, BUF_TYPE_VIDEO_CAPTURE)
            PIX_FORMAT.pack_into(request, 8, width, height, wanted, FIELD_NONE, 0, 0, 0, 0, 0, 0, 0, 0)
            self._ioctl(VIDIOC_S_FMT, request)  # the driver writes back what it will really do
            got_width, got_height, got_format, _, bytes_per_line = PIX_FORMAT.unpack_from(request, 8)[:5]
            if got_format == wanted and got_width > 0 and got_height > 0:
                return Negotiated(got_width, got_height, got_format, bytes_per_line or got_width * 2)
        raise SourceError("the camera offers neither YUYV nor MJPEG frames", self.name)

    def _start(self) -> None:
        request = bytearray(REQUEST_BUFFERS.pack(BUFFER_COUNT, BUF_TYPE_VIDEO_CAPTURE, MEMORY_MMAP, 0, 0))
        count = REQUEST_BUFFERS.unpack(self._ioctl(VIDIOC_REQBUFS, request))[0]
        if count < 1:
            raise SourceError("the camera gave no capture buffers", self.name)
        for index in range(count):
            fields = BUFFER.unpack(self._ioctl(VIDIOC_QUERYBUF, _buffer(index)))
            offset, length = fields[10], fields[11]
            self._maps.append(self.system.mmap(self.fd, length, offset))
            self._ioctl(VIDIOC_QBUF, _buffer(index))
        self._ioctl(VIDIOC_STREAMON, bytearray(struct.pack("i", BUF_TYPE_VIDEO_CAPTURE)))
        self._streaming = True

    def _frame(self, data: memoryview | bytes) -> np.ndarray:
        fmt = self.format
        if fmt.pixel_format == YUYV:
            rows = np.frombuffer(data, np.uint8, count=fmt.bytes_per_line * fmt.height)
            return rows.reshape(fmt.height, fmt.bytes_per_line)[:, 0:fmt.width * 2:2].copy()  # Y0 U Y1 V
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(bytes(data))) as image:
                image.draft("L", image.size)
                return np.asarray(image.convert("L"))
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise SourceError("the camera sent a frame that is not a readable JPEG", self.name) from None

    def items(self) -> Iterator[np.ndarray]:
        while self.fd is not None:
            if not self.system.wait_readable(self.fd, self.frame_timeout):
                raise SourceError("the camera gives no frames (in use by another application?)", self.name,
                                  "close other apps using it and try again")
            fields = BUFFER.unpack(self._ioctl(VIDIOC_DQBUF, _buffer()))
            index, used = fields[0], fields[2]
            if index >= len(self._maps):
                raise SourceError(f"the camera returned buffer {index} of {len(self._maps)}", self.name)
            try:
                frame = self._frame(memoryview(self._maps[index])[:used] if used else memoryview(self._maps[index]))
            finally:
                self._ioctl(VIDIOC_QBUF, _buffer(index))
            yield frame

    def close(self) -> None:
        if self.fd is None:
            return
        try:
            if self._streaming:
                self._ioctl(VIDIOC_STREAMOFF, bytearray(struct.pack("i", BUF_TYPE_VIDEO_CAPTURE)))
        except OSError:
            pass
        for mapped in self._maps:
            try:
                mapped.close()
            except (OSError, BufferError):
                pass
        self._maps = []
        self.system.close(self.fd)
        self.fd = None
