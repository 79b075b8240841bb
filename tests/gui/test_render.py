"""`coldsight render` writes the review screen as a PNG; `coldsight gui` parses without a payload;
the start screen loads neither OpenCV, zxing nor the UR codec."""

import subprocess
import sys

from PIL import Image

from tests.conftest import REPO_ROOT, run_cli
from tests.gui.conftest import BYBIT, INVALID


def test_render_block(tmp_path):
    out = tmp_path / "bybit.png"
    result = run_cli(["render", str(BYBIT), "--out", str(out)])
    assert result.code == 2  # block, as `verify` exits
    with Image.open(out) as image:
        assert image.width == 1100 and image.height > 800
        red, green, blue = image.convert("RGB").getpixel((40, 40))  # inside the banner
        assert red > 120 and green < 60 and blue < 60  # a red band, not the page background


def test_render_invalid_payload_still_writes_a_picture(tmp_path):
    out = tmp_path / "invalid.png"
    result = run_cli(["render", str(INVALID), "--out", str(out)])
    assert result.code == 3 and "nonce" in result.stderr
    assert out.stat().st_size > 1000


def test_render_refuses_non_png(tmp_path):
    result = run_cli(["render", str(BYBIT), "--out", str(tmp_path / "x.jpg")])
    assert result.code != 0 and "png" in result.stderr.lower()


def test_gui_payload_is_optional():
    from app.cli import build_parser

    args = build_parser().parse_args(["gui"])
    assert args.payload is None and args.handler.__module__ == "app.cmd_gui"
    assert build_parser().parse_args(["gui", "x.json", "--chain-id", "1"]).payload == "x.json"


def test_start_screen_loads_no_scanner_modules():
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from app.gui.app import create_application, build_window\n"
        "from app.service import ReviewOptions\n"
        "app = create_application(); window = build_window(ReviewOptions(), cameras=[0]); window.show()\n"
        "app.processEvents()\n"
        "print(sorted(m for m in ('cv2', 'zxingcpp', 'decoders.ur', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
