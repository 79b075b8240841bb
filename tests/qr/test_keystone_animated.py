"""The issue's "done when": a `ur:eth-sign-request` made by the Keystone library for a Safe
transaction, shown as an animated QR, rendered to noisy frames with losses, is scanned and
verified to the same hashes as the JSON file (and as ethers computes from the typed data)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import cv2
import pytest

from app.qr.render import render_animation

from .camera_noise import FRAME_H, FRAME_W, lossy_noisy_frames
from .payloads import BYBIT, write_multisend

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not (NODE_DIR / "node_modules").is_dir(), reason="node test peers not installed"),
]


def keystone_request(tx: dict, fragment: int, count: int) -> dict:
    node = shutil.which("node")
    assert node, "node is required when tests/node/node_modules is installed"
    done = subprocess.run(
        [node, str(NODE_DIR / "qr_keystone_request.mjs")],
        input=json.dumps({"tx": tx, "maxFragmentLength": fragment, "count": count}),
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("example", ["bybit", "multisend"])
def test_keystone_animated_request_scans_to_the_json_hashes(run_cli, tmp_path, example):
    payload = BYBIT if example == "bybit" else write_multisend(tmp_path, calls=10, nonce=3)
    tx = json.loads(payload.read_text())
    direct = run_cli(["verify", str(payload), "--format", "json"])
    assert direct.code in (0, 1, 2), direct.stderr
    expected = direct.json()["hashes"]

    made = keystone_request(tx, fragment=200, count=120)
    assert made["safeTxHash"] == expected["safeTx"]  # ethers agrees with the JSON verification
    assert made["parts"][0].startswith("UR:ETH-SIGN-REQUEST/1-")
    min_parts = int(made["parts"][0].split("/")[1].split("-")[1])
    assert min_parts >= 5  # truly multipart
    loop = made["parts"][: 2 * min_parts]  # one loop of the animation: each fragment's worth twice
    parts = loop + loop  # the camera watches the loop twice; a fifth of all frames is lost

    # the animation as a phone would show it, filmed: noise on every frame, a fifth lost
    video = tmp_path / "keystone.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (FRAME_W, FRAME_H))
    assert writer.isOpened()
    for frame in lossy_noisy_frames(render_animation(parts, scale=3), seed=2025):
        writer.write(frame)
    writer.release()

    scanned = run_cli(["verify", str(video), "--format", "json"])
    assert scanned.code == direct.code, scanned.stderr
    report = scanned.json()
    assert report["format"] == "ur:eth-sign-request"
    assert report["hashes"] == expected
    assert report["verdict"] == direct.json()["verdict"]
    assert any("Safe{Wallet}" in note and "f23f9fd2" in note for note in report["notes"])
