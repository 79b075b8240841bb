"""How many scanned frames a multipart UR needs when frames are lost.

A 10 KB payload at 200-byte fragments (seqLen 52) is streamed as an animated QR; each frame is
lost with probability 20%. For each trial we count frames *received* until Coldsight's
URDecoder completes and compare with the minimum (seqLen). Run:

    python benchmarks/fountain_efficiency.py [--trials 200] [--loss 0.2] [--size 10240] [--fragment 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from decoders.ur.ur import UR, URDecoder, UREncoder  # noqa: E402


def frames_until_complete(payload: bytes, fragment: int, loss: float, rng: random.Random) -> tuple[int, int]:
    """(frames received, seqLen) for one trial."""
    head = b"\x59" + len(payload).to_bytes(2, "big") if len(payload) < 65536 else b"\x5a" + len(payload).to_bytes(4, "big")
    ur = UR("bytes", head + payload)
    encoder = UREncoder(ur, fragment, first_seq_num=rng.randrange(0, 1000))  # the scan starts mid-loop
    decoder = URDecoder()
    received = 0
    while not decoder.is_complete:
        text = encoder.next_part()
        if rng.random() < loss:
            continue
        received += 1
        decoder.receive(text)
    assert decoder.result == ur
    return received, encoder.min_parts


def run(trials: int, loss: float, size: int, fragment: int, seed: int = 2024) -> dict:
    rng = random.Random(seed)
    ratios = []
    seq_len = 0
    for _ in range(trials):
        payload = rng.randbytes(size)
        received, seq_len = frames_until_complete(payload, fragment, loss, rng)
        ratios.append(received / seq_len)
    ratios.sort()
    return {
        "trials": trials,
        "seq_len": seq_len,
        "median_ratio": statistics.median(ratios),
        "p90_ratio": ratios[int(0.9 * (len(ratios) - 1))],
        "max_ratio": ratios[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--loss", type=float, default=0.2)
    parser.add_argument("--size", type=int, default=10 * 1024)
    parser.add_argument("--fragment", type=int, default=200)
    args = parser.parse_args()
    result = run(args.trials, args.loss, args.size, args.fragment)
    print(
        f"{result['trials']} trials, {args.size} bytes at {args.fragment}-byte fragments "
        f"(seqLen {result['seq_len']}), {args.loss:.0%} frame loss: received/seqLen "
        f"median {result['median_ratio']:.3f}, p90 {result['p90_ratio']:.3f}, max {result['max_ratio']:.3f} "
        f"(goal < 1.5)"
    )


if __name__ == "__main__":
    main()
