"""Camera-like degradation of rendered QR frames, for end-to-end scan tests.

Each frame: placed on a 1280x720 background, warped by a random perspective (a phone held at an
angle), blurred (focus), lit unevenly (a lamp on one side, lower contrast), sensor noise, then
JPEG-compressed (what a webcam or video file does). Seeded, so failures reproduce.
"""

from __future__ import annotations

import random

import cv2
import numpy as np

FRAME_W, FRAME_H = 1280, 720


def camera_frame(code: np.ndarray, rng: random.Random, jpeg_quality: int = 55) -> np.ndarray:
    """`code`: a gray QR image with its quiet zone. Returns an 8-bit BGR 1280x720 frame."""
    side = rng.uniform(300, 620)  # 4 to 8 px per module for a version-13 code
    h, w = code.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    x0 = rng.uniform(60, FRAME_W - side - 60)
    y0 = rng.uniform(20, FRAME_H - side - 20)
    jitter = side * 0.07
    dst = np.float32(
        [[x0 + rng.uniform(-jitter, jitter), y0 + rng.uniform(-jitter, jitter)],
         [x0 + side + rng.uniform(-jitter, jitter), y0 + rng.uniform(-jitter, jitter)],
         [x0 + side + rng.uniform(-jitter, jitter), y0 + side + rng.uniform(-jitter, jitter)],
         [x0 + rng.uniform(-jitter, jitter), y0 + side + rng.uniform(-jitter, jitter)]]
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    background = rng.randint(90, 170)
    frame = cv2.warpPerspective(code, matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR, borderValue=background)
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.6, 1.5))
    # uneven light: a horizontal gradient with reduced contrast and an offset
    gradient = np.linspace(rng.uniform(0.55, 0.8), rng.uniform(0.9, 1.1), FRAME_W, dtype=np.float32)
    if rng.random() < 0.5:
        gradient = gradient[::-1]
    lit = frame.astype(np.float32)
    lit *= gradient[None, :] * rng.uniform(0.75, 0.95)
    lit += rng.uniform(10, 40)
    noise = np.empty_like(lit)
    cv2.setRNGSeed(rng.randrange(1 << 31))
    cv2.randn(noise, 0.0, 6.0)  # sensor noise
    lit += noise
    gray = np.clip(lit, 0, 255, out=lit).astype(np.uint8)
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def lossy_noisy_frames(codes: list[np.ndarray], seed: int, drop: float = 0.2) -> list[np.ndarray]:
    """Drop `drop` of the frames at random (exactly round(drop*n)), degrade the rest."""
    rng = random.Random(seed)
    dropped = set(rng.sample(range(len(codes)), round(drop * len(codes))))
    return [camera_frame(code, rng) for index, code in enumerate(codes) if index not in dropped]
