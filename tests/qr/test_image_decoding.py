"""Image files are read with Pillow alone (OpenCV only captures cameras and non-GIF videos), and
give the frames OpenCV's imdecode(IMREAD_GRAYSCALE) gave, within a grey level: OpenCV, installed
as a test peer, is the independent reference here."""

import io
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from app.qr.detect import to_gray
from app.qr.sources import decode_image_bytes

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(22)


def _photo(height: int = 48, width: int = 64) -> np.ndarray:
    """A smooth colour image (JPEG-friendly) with some hard edges."""
    y, x = np.mgrid[0:height, 0:width]
    bgr = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], axis=2)
    bgr[height // 3: height // 2, width // 4: width // 2] = (10, 200, 30)
    return bgr.astype(np.uint8)


def _reference(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tiff", ".ppm", ".webp"])
def test_lossless_colour_images_match_opencv(suffix: str) -> None:
    frame = RNG.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if suffix == ".webp" else []  # 101: lossless WebP
    ok, data = cv2.imencode(suffix, frame, params)
    assert ok
    ours, theirs = decode_image_bytes(data.tobytes(), suffix), _reference(data.tobytes())
    assert ours.shape == theirs.shape and ours.dtype == np.uint8
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1


def test_gray_pgm_and_png_are_exact() -> None:
    frame = RNG.integers(0, 256, (33, 47), dtype=np.uint8)
    for suffix in (".pgm", ".png"):
        ok, data = cv2.imencode(suffix, frame)
        assert np.array_equal(decode_image_bytes(data.tobytes(), suffix), frame)


def test_sixteen_bit_png_is_scaled_not_clipped() -> None:
    frame = RNG.integers(0, 65536, (20, 30), dtype=np.uint16)
    ok, data = cv2.imencode(".png", frame)
    assert np.array_equal(decode_image_bytes(data.tobytes(), "16-bit"), _reference(data.tobytes()))


def test_alpha_is_dropped_like_opencv() -> None:
    frame = RNG.integers(0, 256, (24, 24, 4), dtype=np.uint8)
    ok, data = cv2.imencode(".png", frame)
    diff = decode_image_bytes(data.tobytes(), "rgba").astype(int) - _reference(data.tobytes()).astype(int)
    assert np.abs(diff).max() <= 1


def test_jpeg_matches_opencv_within_rounding() -> None:
    ok, data = cv2.imencode(".jpg", _photo(), [cv2.IMWRITE_JPEG_QUALITY, 90])
    diff = decode_image_bytes(data.tobytes(), "jpeg").astype(int) - _reference(data.tobytes()).astype(int)
    assert np.abs(diff).max() <= 2 and np.abs(diff).mean() < 0.6


def test_exif_orientation_is_applied_like_opencv() -> None:
    """A phone photo stored sideways with an orientation tag: both read it upright."""
    image = Image.fromarray(_photo(30, 70)[:, :, ::-1])
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    ours, theirs = decode_image_bytes(buffer.getvalue(), "exif"), _reference(buffer.getvalue())
    assert ours.shape == theirs.shape == (70, 30)
    assert np.abs(ours.astype(int) - theirs.astype(int)).mean() < 1


def test_colour_frames_are_weighted_like_opencv_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = RNG.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    expected = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError
    assert np.abs(to_gray(frame).astype(int) - expected.astype(int)).max() <= 1
    with pytest.raises(ValueError, match="8-bit"):
        to_gray(frame.astype(np.float32))


NO_CV2 = (
    "import sys\n"
    "sys.modules['cv2'] = None\n"  # as in a build without OpenCV
    "from app.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _without_opencv(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", NO_CV2, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})


@pytest.mark.slow
def test_a_build_without_opencv_scans_images_and_gifs_and_says_what_it_cannot(tmp_path: Path) -> None:
    bybit = ROOT / "examples" / "bybit-attack.json"
    gif = tmp_path / "request.gif"
    assert _without_opencv("qr", "encode", str(bybit), "--out", str(gif)).returncode == 0
    frames = tmp_path / "frames"
    frames.mkdir()
    with Image.open(gif) as animation:
        for index in range(animation.n_frames):
            animation.seek(index)
            animation.convert("RGB").save(frames / f"{index:03d}.png")
    for source in (gif, frames):
        done = _without_opencv("verify", str(source))
        assert done.returncode == 2, done.stderr  # the Bybit attack, read and blocked
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    done = _without_opencv("verify", str(video))
    assert done.returncode == 3, done.stderr
    assert "through OpenCV, which is not installed" in done.stderr and "Traceback" not in done.stderr
    if sys.platform.startswith("linux") and not Path("/dev/video9").exists():
        done = _without_opencv("verify", "camera:9")  # V4L2 directly (tests/qr/test_v4l2.py): no such device
        assert done.returncode == 3 and "there is no camera 9" in done.stderr, done.stderr
