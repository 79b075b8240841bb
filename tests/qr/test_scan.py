"""The scan loop and frame sources: ordering, losses, stray and foreign parts, restarts, bad input."""

from __future__ import annotations

import json
import random
import threading

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.qr.encode import bytes_ur, ur_texts
from app.qr.errors import ScanIncompleteError, SourceError
from app.qr.render import render_qr
from app.qr.scan import QRScanner, run_scan, scan_texts
from app.qr.sources import ImageFilesSource, TextLinesSource, camera_failure_message
from decoders.errors import ColdsightError
from decoders.formats import parse_text
from decoders.verify import verify_payload

from .camera_noise import camera_frame
from .payloads import BYBIT, multisend_batch


def json_bytes(document: dict) -> bytes:
    return json.dumps(document).encode()


def parts_of(document: dict, fragment: int = 80) -> list[str]:
    """ur:bytes parts of a JSON document (the container needs no verification step)."""
    return ur_texts(bytes_ur(json_bytes(document)), fragment, count=None)


def hashes_of_json(document: dict) -> dict:
    return verify_payload(parse_text(json.dumps(document), "direct")).hashes.as_json()


def hashes_of_scan(text: str) -> dict:
    return verify_payload(parse_text(text, "scan")).hashes.as_json()


BATCH_A = multisend_batch(calls=6, nonce=1)
BATCH_B = multisend_batch(calls=5, nonce=2)


def test_shuffled_repeated_parts_assemble():
    parts = parts_of(BATCH_A)
    shown = parts + parts  # a looping display
    random.Random(3).shuffle(shown)
    result = scan_texts(shown)
    assert result.kind == "ur" and result.ur_type == "bytes"
    assert hashes_of_scan(result.text) == hashes_of_json(BATCH_A)


def test_a_foreign_part_mid_scan_is_rejected_and_counted():
    own, foreign = parts_of(BATCH_A), parts_of(BATCH_B)
    scanner = QRScanner()
    events = []
    for index, text in enumerate(own):
        events.append(scanner.feed_text(text))
        if index == 3:
            events.append(stray := scanner.feed_text(foreign[5]))
            assert stray.kind == "rejected"
            assert "different" in stray.message
        if scanner.is_complete:
            break
    assert scanner.is_complete
    assert scanner.progress.rejected == 1 and scanner.progress.restarts == 0
    assert hashes_of_scan(scanner.result("t").text) == hashes_of_json(BATCH_A)


def test_a_different_transaction_mid_scan_restarts_with_a_message():
    first, second = parts_of(BATCH_A), parts_of(BATCH_B)
    scanner = QRScanner(restart_after=3)
    for text in first[:4]:
        scanner.feed_text(text)
    assert 0 < scanner.progress.percent < 100
    events = []
    for text in second:
        events.append(scanner.feed_text(text))
        if scanner.is_complete:
            break
    restarts = [e for e in events if e.kind == "restarted"]
    assert len(restarts) == 1
    assert "different transaction" in restarts[0].message
    assert scanner.progress.restarts == 1
    assert hashes_of_scan(scanner.result("t").text) == hashes_of_json(BATCH_B)


def test_progress_reports_parts_estimate_and_percent():
    parts = parts_of(BATCH_A)
    scanner = QRScanner()
    assert scanner.progress.fragments_total == 0
    scanner.feed_text(parts[0])
    scanner.feed_text(parts[0])  # a repeat adds nothing
    progress = scanner.progress
    assert progress.parts_seen == 1
    assert progress.estimated_remaining == progress.fragments_total - 1
    assert progress.percent == pytest.approx(100 / progress.fragments_total)
    assert "%" in progress.describe()


def test_single_qr_with_service_json_is_accepted_directly():
    document = json.loads(BYBIT.read_text())
    scanner = QRScanner()
    update = scanner.feed_frame(camera_frame(render_qr(json.dumps(document), scale=2), random.Random(1)))
    assert update.complete and update.codes
    assert len(update.codes[0].corners) == 4
    result = scanner.result("frame")
    assert result.kind == "json"
    assert hashes_of_scan(result.text) == hashes_of_json(document)


def test_text_lines_source_tolerates_noise_lines(tmp_path):
    parts = parts_of(BATCH_A)
    lines = ["", "https://example.org/not-a-payload", *parts[::-1], parts_of(BATCH_B)[2], *parts]
    path = tmp_path / "parts.txt"
    path.write_text("\n".join(lines))
    updates = []
    result = run_scan(TextLinesSource.from_file(path), on_update=updates.append)
    assert hashes_of_scan(result.text) == hashes_of_json(BATCH_A)
    assert updates[-1].complete and updates[-1].progress.rejected >= 1


def test_image_directory_source(tmp_path):
    parts = parts_of(BATCH_A, fragment=120)
    for index, text in enumerate(parts):
        cv2.imwrite(str(tmp_path / f"f{index:03d}.jpg"), render_qr(text, scale=3))
    (tmp_path / "notes.txt").write_text("ignored: not an image")
    result = run_scan(ImageFilesSource.from_directory(tmp_path))
    assert hashes_of_scan(result.text) == hashes_of_json(BATCH_A)


def test_stop_event_ends_a_scan_with_a_clear_error():
    stop = threading.Event()
    stop.set()
    source = TextLinesSource(parts_of(BATCH_A))
    with pytest.raises(ScanIncompleteError, match="stopped"):
        run_scan(source, stop=stop)


def test_incomplete_source_names_what_is_missing():
    parts = parts_of(BATCH_A)
    with pytest.raises(ScanIncompleteError, match=r"more part\(s\) needed") as caught:
        run_scan(TextLinesSource(parts[:3], name="few.txt"))
    assert caught.value.where == "few.txt"


UR_LIKE = st.text(alphabet="ur:/-0123456789abcdefghijklmnopqrstuvwxyz{}[]", max_size=200).map(lambda t: "ur:" + t)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=300), UR_LIKE), max_size=8))
def test_scanner_never_raises_on_arbitrary_text(texts):
    scanner = QRScanner()
    for text in texts:
        event = scanner.feed_text(text)
        assert event.kind in ("accepted", "duplicate", "rejected", "restarted", "complete")
    try:
        scanner.result("fuzz")
    except ColdsightError:
        pass


# --- CLI -------------------------------------------------------------------------------------


def test_garbage_qr_text_exits_3_with_a_clear_error(run_cli, tmp_path):
    image = tmp_path / "garbage.png"
    cv2.imwrite(str(image), render_qr("WIFI:S:cafe;T:WPA;P:hunter2;;", scale=4))
    result = run_cli(["verify", str(image)])
    assert result.code == 3
    assert "none a UR or JSON payload" in result.stderr and "WIFI:S:cafe" in result.stderr
    assert "Traceback" not in result.stderr


def test_garbage_ur_text_in_a_qr_exits_3(run_cli, tmp_path):
    image = tmp_path / "bad-ur.png"
    cv2.imwrite(str(image), render_qr("UR:BYTES/NOTBYTEWORDSATALL", scale=4))
    result = run_cli(["verify", str(image)])
    assert result.code == 3
    assert "rejected" in result.stderr and "bytewords" in result.stderr.lower()


def test_image_without_a_qr_exits_3(run_cli, tmp_path):
    image = tmp_path / "blank.png"
    cv2.imwrite(str(image), np.full((200, 300), 255, np.uint8))
    result = run_cli(["verify", str(image)])
    assert result.code == 3 and "no QR code found" in result.stderr


def test_empty_directory_exits_3(run_cli, tmp_path):
    result = run_cli(["verify", str(tmp_path)])
    assert result.code == 3 and "no image files" in result.stderr


def test_stdin_ur_lines(run_cli):
    expected = hashes_of_json(BATCH_A)
    result = run_cli(["verify", "-", "--format", "json"], stdin="\n".join(parts_of(BATCH_A)).encode())
    assert result.code in (0, 1), result.stderr
    assert result.json()["hashes"] == expected


def test_stdin_png_image(run_cli):
    document = json.loads(BYBIT.read_text())
    ok, png = cv2.imencode(".png", render_qr(json.dumps(document), scale=2))
    assert ok
    result = run_cli(["verify", "-", "--format", "json"], stdin=png.tobytes())
    assert result.code == 2, result.stderr
    assert result.json()["hashes"] == hashes_of_json(document)


def test_missing_camera_exits_3_with_a_hint(run_cli):
    result = run_cli(["verify", "--camera", "57"])
    assert result.code == 3
    assert "camera 57" in result.stderr and "Traceback" not in result.stderr


def test_payload_and_camera_together_is_a_usage_error(run_cli):
    result = run_cli(["verify", str(BYBIT), "--camera", "0"])
    assert result.code == 64


@pytest.mark.parametrize(
    ("platform", "exists", "accessible", "expected"),
    [
        ("linux", False, None, "there is no camera 2"),
        ("linux", True, False, "permission denied for camera 2 (/dev/video2)"),
        ("linux", True, True, "in use by another application"),
        ("darwin", None, None, "could not be opened"),
        ("win32", None, None, "could not be opened"),
    ],
)
def test_camera_failure_messages(platform, exists, accessible, expected):
    message, hint = camera_failure_message(2, platform, exists, accessible)
    assert expected in message and hint
    if platform == "darwin":
        assert "Privacy" in hint


def test_unreadable_image_file_is_a_source_error(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(SourceError, match="not a readable image"):
        next(ImageFilesSource([bad]).items())


def test_qr_hash_png_holds_the_verified_hash(run_cli, tmp_path):
    from app.qr.detect import decode_frame
    from app.qr.sources import read_image_file

    payload = tmp_path / "batch.json"
    payload.write_text(json.dumps(BATCH_A))
    out = tmp_path / "hash.png"
    result = run_cli(["qr", "hash", str(payload), "--out", str(out)])
    assert result.code in (0, 1), result.stderr
    codes = decode_frame(read_image_file(out))
    assert [c.text for c in codes] == [hashes_of_json(BATCH_A)["safeTx"]]


def test_qr_hash_refuses_a_blocked_transaction(run_cli, tmp_path):
    out = tmp_path / "hash.png"
    result = run_cli(["qr", "hash", str(BYBIT), "--out", str(out)])
    assert result.code == 2 and not out.exists()
    assert "block" in result.stderr


def test_opencv_fallback_reads_text_and_corners():
    from app.qr.detect import QRDetector, to_gray

    frame = camera_frame(render_qr("UR:BYTES/HDCXLKAHSSKN", scale=8), random.Random(4))
    codes = QRDetector().detect_opencv(to_gray(frame))
    assert [c.text for c in codes] == ["UR:BYTES/HDCXLKAHSSKN"]
    assert codes[0].detector == "opencv" and codes[0].raw is None
    xs = [x for x, _ in codes[0].corners]
    assert max(xs) - min(xs) > 100  # an outline of the code, not a point


def test_zxing_gives_the_exact_bytes_of_a_binary_qr():
    import segno

    from app.qr.detect import QRDetector

    text = "{\"note\": \"caf\u00e9 \u2713\"}"
    qr = segno.make_qr(text.encode("utf-8"), error="m")
    modules = np.pad(np.array([list(r) for r in qr.matrix], dtype=bool), 4)
    image = np.kron(np.where(modules, 0, 255).astype(np.uint8), np.ones((4, 4), np.uint8))
    codes = QRDetector(fallback_every=0).detect(image)
    assert [c.raw for c in codes] == [text.encode("utf-8")]
    assert codes[0].text == text


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
                 st.binary(max_size=300).map(lambda b: b"\xff\xd8\xff" + b)))
def test_image_decoding_raises_only_source_errors(data):
    from app.qr.sources import decode_image_bytes

    try:
        frame = decode_image_bytes(data, "fuzz")
    except SourceError:
        return
    assert frame.dtype == np.uint8 and frame.ndim == 2


def test_broken_video_file_exits_3_with_a_clear_error(run_cli, tmp_path):
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    result = run_cli(["verify", str(video)])
    assert result.code == 3
    assert "broken.mp4" in result.stderr and "Traceback" not in result.stderr
