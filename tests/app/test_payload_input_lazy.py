"""A JSON payload file is read without loading the QR/video frame sources (numpy costs ~0.1 s of
every `coldsight verify`), and a picture misnamed `.json` is still recognised by its bytes."""

import subprocess
import sys
from pathlib import Path

from app import payload_input
from app.qr import sources

REPO = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"  # PNG spec (RFC 2083), section 3.1


def test_text_suffixes_are_no_picture_or_video_suffix():
    assert not payload_input._TEXT_SUFFIXES & (sources.IMAGE_SUFFIXES | sources.VIDEO_SUFFIXES)


def test_a_json_file_does_not_import_the_frame_sources():
    script = (
        "import sys\n"
        "from app.payload_input import load_payload\n"
        "load_payload('tests/corpus/benign-usdc-transfer.json')\n"
        "print(sorted(m for m in ('app.qr.sources', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_picture_named_json_is_still_a_picture(tmp_path):
    picture = tmp_path / "payload.json"
    picture.write_bytes(PNG_SIGNATURE + bytes(24))
    source = payload_input.open_frame_source(str(picture))
    assert isinstance(source, sources.ImageFilesSource)
    assert [Path(p) for p in source.paths] == [picture]


def test_a_text_file_is_no_frame_source(tmp_path):
    text = tmp_path / "payload.txt"
    text.write_text("ur:crypto-psbt/0-1/lpadad")
    assert payload_input.open_frame_source(str(text)) is None


def test_a_gif_named_txt_is_a_video(tmp_path):
    gif = tmp_path / "frames.txt"
    gif.write_bytes(b"GIF89a" + bytes(10))
    assert payload_input._media_kind(gif.read_bytes()[:16]) == "video"
