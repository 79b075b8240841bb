"""End to end, as a signer runs it: verify, policy, QR scan from frames, render, bill of materials.

Parametrized over the source tree and the frozen build (see runners.py). Expected verdicts and
hashes come from outside Coldsight: the Bybit safeTxHash from safe-eth-py 7.27.0 (also embedded
in app/selftest.py), the verdicts from the incident (a delegatecall takeover must be blocked)
and the policy examples' own documented intent.
"""

import json
import struct
from pathlib import Path

import pytest

from .runners import ROOT, Runner

pytestmark = pytest.mark.frozen

BYBIT = ROOT / "examples" / "bybit-attack.json"
BYBIT_SAFE_TX_HASH = "0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8"  # safe-eth-py 7.27.0
POLICIES = ROOT / "policies" / "examples"


def _json(result) -> dict:
    assert result.stdout, result.stderr.decode(errors="replace")
    return json.loads(result.stdout)


def test_verify_blocks_the_bybit_attack(coldsight_runner: Runner) -> None:
    result = coldsight_runner.run("verify", str(BYBIT), "--format", "json")
    assert result.returncode == 2, result.stderr.decode(errors="replace")
    report = _json(result)
    assert {"schema", "verdict", "hashes", "tx", "calls", "findings"} <= set(report)
    assert report["verdict"] == "block"
    assert report["hashes"]["safeTx"] == BYBIT_SAFE_TX_HASH
    assert any("DELEGATECALL" in finding["code"] for finding in report["findings"])


def test_verify_text_output_names_the_verdict(coldsight_runner: Runner) -> None:
    result = coldsight_runner.run("verify", str(BYBIT))
    assert result.returncode == 2
    assert b"BLOCK" in result.stdout.upper()


def test_invalid_payload_is_exit_3_without_traceback(coldsight_runner: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"safe": "0x1234"}')
    result = coldsight_runner.run("verify", str(bad))
    assert result.returncode == 3
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize(("payload", "policy", "status", "verdict"), [
    ("treasury-approve-attacker.json", "treasury.toml", 2, "block"),
    # Allowed by every rule, but the examples are signed only with the public example keys: at most warn.
    ("treasury-eth-to-cold.json", "treasury.toml", 1, "warn"),
    ("admin-upgrade-rogue.json", "protocol-admin.toml", 2, "block"),
])
def test_signed_policy_verify(coldsight_runner: Runner, payload: str, policy: str, status: int, verdict: str) -> None:
    # The policies are signed (*.toml.sig) against the shipped trust file, which must be bundled.
    result = coldsight_runner.run("verify", str(POLICIES / "payloads" / payload), "--policy", str(POLICIES / policy),
                                  "--format", "json")
    assert result.returncode == status, result.stderr.decode(errors="replace")
    report = _json(result)
    assert report["verdict"] == verdict
    assert report["policy"]["signature"]


def test_policy_tests_pass(coldsight_runner: Runner) -> None:
    result = coldsight_runner.run("policy", "test", str(POLICIES / "treasury.toml"))
    assert result.returncode == 0, result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")


def test_qr_scan_from_frames(coldsight_runner: Runner, tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    encoded = coldsight_runner.run("qr", "encode", str(BYBIT), "--out", str(frames), "--fragment", "120")
    assert encoded.returncode in (0, 2), encoded.stderr.decode(errors="replace")
    assert len(list(frames.glob("*.png"))) >= 2  # really an animated (multipart) QR
    scanned = coldsight_runner.run("verify", str(frames), "--format", "json", timeout=300)
    assert scanned.returncode == 2, scanned.stderr.decode(errors="replace")
    assert _json(scanned)["hashes"]["safeTx"] == BYBIT_SAFE_TX_HASH


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


def test_render_review_screen(coldsight_runner: Runner, tmp_path: Path) -> None:
    out = tmp_path / "review.png"
    result = coldsight_runner.run("render", str(BYBIT), "--out", str(out), "--width", "900")
    assert result.returncode == 2, result.stderr.decode(errors="replace")
    width, height = _png_size(out)
    assert width == 900 and height > 200


def test_gui_window_opens(coldsight_runner: Runner) -> None:
    # COLDSIGHT_BENCH_SHOWN makes the app print when its window is shown, then quit.
    result = coldsight_runner.run("gui", str(BYBIT), env={"COLDSIGHT_BENCH_SHOWN": "1"})
    assert b"window-shown-at" in result.stdout, result.stderr.decode(errors="replace")


def test_version_lists_the_bill_of_materials(coldsight_runner: Runner) -> None:
    result = coldsight_runner.run("--version", "--verbose")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith("coldsight ")
    for name in ("eth-abi==", "PySide6-Essentials==", "zxing-cpp=="):
        assert any(line.strip().startswith(name) for line in lines), lines
    # OpenCV is in the bundle, or left out on purpose (COLDSIGHT_OPENCV=0) and said so.
    assert any(line.strip().startswith(("opencv-python-headless==", "opencv-python-headless: left out"))
               for line in lines), lines
    assert not any("not bundled" in line for line in lines)


def test_frozen_app_has_no_network_modules(frozen_runner: Runner) -> None:
    # Excluded at build time: none of these may be importable inside the frozen app.
    internal = Path(frozen_runner.command[0]).parent / "_internal"
    assert internal.is_dir()
    for unwanted in ("QtNetwork", "QtQml", "QtQuick", "QtWebEngineCore"):
        assert not list((internal / "PySide6").glob(f"{unwanted}*")), unwanted
    assert not list(internal.rglob("libQt6Network*"))
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
