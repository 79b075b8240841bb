"""UR benchmarks: decoding speed of a 10 KB animated QR, and frames needed under 20% loss.

Run with `pytest tests/benchmarks --benchmark-enable`; the normal suite disables timing and
runs each body once. Timing is reported, never asserted; frame efficiency is a count.
"""

import random
import sys
from pathlib import Path

from decoders.ur.ur import UR, URDecoder, UREncoder

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.fountain_efficiency import run  # noqa: E402

PAYLOAD = random.Random(5).randbytes(10 * 1024)
UR_10K = UR("bytes", b"\x59" + len(PAYLOAD).to_bytes(2, "big") + PAYLOAD)


def _lossy_frames(seed: int) -> list[str]:
    rng = random.Random(seed)
    encoder = UREncoder(UR_10K, 200, first_seq_num=rng.randrange(1000))
    return [text for text in (encoder.next_part() for _ in range(200)) if rng.random() >= 0.2]


def test_bench_decode_10k_with_loss(benchmark):
    frames = _lossy_frames(11)

    def decode() -> UR:
        decoder = URDecoder()
        for text in frames:
            decoder.receive(text)
            if decoder.is_complete:
                break
        return decoder.result

    assert benchmark(decode) == UR_10K


def test_bench_encode_10k_parts(benchmark):
    def encode() -> list[str]:
        encoder = UREncoder(UR_10K, 200)
        return [encoder.next_part() for _ in range(2 * encoder.min_parts)]

    parts = benchmark(encode)
    assert len(parts) == 104


def test_fountain_efficiency_under_loss():
    result = run(trials=60, loss=0.2, size=10 * 1024, fragment=200)
    assert result["seq_len"] == 52
    assert result["median_ratio"] < 1.5
    assert result["max_ratio"] < 1.5
