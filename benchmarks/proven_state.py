"""Proven state (issue 20): snapshot sizes, offline proof check + execution time, QR transfer time.

Starts anvil (tests/node/node_modules), sets up the scenario of tests/state/anvil_chain.py (Safe
2-of-3, an OpenZeppelin ERC-20, Uniswap v2), writes snapshots with `coldsight-courier snapshot`
for an ERC-20 transfer and a Uniswap v2 swap batch (approve + swapExactTokensForETH through
MultiSendCallOnly), then times, in this process, reading + proof checking + the whole run
(read_snapshot, verify_snapshot, run_on_proven_state) for each. The QR estimate streams a 16 KB
ur:bytes at the default frame settings (200-byte fragments, 5 frames/s) through Coldsight's own
fountain decoder, with 20% of the frames lost, as benchmarks/fountain_efficiency.py does.

    python benchmarks/proven_state.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_abi import encode  # noqa: E402

from decoders.evm.bytecode import libraries  # noqa: E402
from decoders.formats import parse_bytes  # noqa: E402
from decoders.hexutil import keccak  # noqa: E402
from decoders.state import read_snapshot, run_on_proven_state, verify_snapshot  # noqa: E402
from decoders.state.check import bundled_codes  # noqa: E402
from decoders.verify import verify_payload  # noqa: E402

ANVIL = ROOT / "tests" / "node" / "node_modules" / ".bin" / "anvil"
ZERO = "0x" + "00" * 20


def _selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def _payload(chain: dict, to: str, data: bytes, operation: int = 0) -> dict:
    return {"safe": chain["safe"], "to": to, "value": "0", "data": "0x" + data.hex(), "operation": operation,
            "safeTxGas": "0", "baseGas": "0", "gasPrice": "0", "gasToken": ZERO, "refundReceiver": ZERO, "nonce": 0,
            "chainId": 31337, "safeVersion": "1.4.1"}


def payloads(chain: dict) -> dict[str, dict]:
    transfer = _payload(chain, chain["token"], _selector("transfer(address,uint256)") + encode(
        ["address", "uint256"], ["0x000000000000000000000000000000000000bEEF", 250 * 10**18]))
    amount = 100 * 10**18
    calls = [(chain["token"], _selector("approve(address,uint256)") + encode(["address", "uint256"], [chain["router"], amount])),
             (chain["router"], _selector("swapExactTokensForETH(uint256,uint256,address[],address,uint256)") + encode(
                 ["uint256", "uint256", "address[]", "address", "uint256"],
                 [amount, 0, [chain["token"], chain["weth"]], chain["safe"], 2**40]))]
    packed = b"".join(bytes([0]) + bytes.fromhex(to[2:]) + bytes(32) + len(d).to_bytes(32, "big") + d for to, d in calls)
    library = next(c for c in libraries() if c.name == "MultiSendCallOnly" and c.version == "1.4.1")
    swap = _payload(chain, library.preferred_address(31337), _selector("multiSend(bytes)") + encode(["bytes"], [packed]), 1)
    return {"ERC-20 transfer": transfer, "Uniswap v2 swap (approve + swapExactTokensForETH)": swap}


def qr_seconds(size: int, fragment: int = 200, fps: float = 5.0, loss: float = 0.2, trials: int = 100) -> tuple[float, float]:
    from benchmarks.fountain_efficiency import frames_until_complete

    rng = random.Random(20)
    payload = bytes(rng.randrange(256) for _ in range(size))
    shown = []
    for _ in range(trials):
        received, _ = frames_until_complete(payload, fragment, loss, rng)
        shown.append(received / (1 - loss) / fps)  # frames on screen while `received` of them were caught
    shown.sort()
    return statistics.median(shown), shown[int(0.9 * len(shown))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    anvil = subprocess.Popen([str(ANVIL), "--port", "0", "--chain-id", "31337"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        while True:
            line = anvil.stdout.readline()
            if "Listening on" in line:
                rpc = "http://" + line.split("Listening on", 1)[1].strip()
                break
        chain = json.loads(subprocess.run([sys.executable, "-m", "tests.state.anvil_chain", "setup", rpc], cwd=ROOT,
                                          check=True, capture_output=True, text=True).stdout)
        with tempfile.TemporaryDirectory() as folder:
            for name, payload in payloads(chain).items():
                path, out = Path(folder) / "p.json", Path(folder) / "s.bin"
                path.write_text(json.dumps(payload))
                started = time.monotonic()
                done = subprocess.run([sys.executable, "-m", "courier", "snapshot", "--rpc", rpc, "--payload", str(path),
                                       "--block", "latest", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
                courier_seconds = time.monotonic() - started
                assert done.returncode == 0, done.stderr
                data = out.read_bytes()
                snapshot = read_snapshot(data)
                report = verify_payload(parse_bytes(path.read_bytes(), "p.json"))
                codes = bundled_codes()
                timings = []
                for _ in range(args.repeat + 1):
                    started = time.perf_counter()
                    proven = verify_snapshot(read_snapshot(data), codes)
                    run = run_on_proven_state(proven.witness, report.payload.tx, snapshot.safe, snapshot.safe_tx_hash,
                                              snapshot.executor)
                    timings.append(time.perf_counter() - started)
                assert run.success
                node_bytes = sum(len(n) for n in snapshot.nodes)
                code_bytes = sum(len(c) for c in snapshot.codes)
                print(f"{name}: {len(data)} bytes ({node_bytes} in {len(snapshot.nodes)} trie nodes, {code_bytes} in "
                      f"{len(snapshot.codes)} codes, {len(snapshot.reads)} accounts, "
                      f"{sum(len(s) for _, s in snapshot.reads)} slots); courier {courier_seconds:.1f} s (whole process); "
                      f"proof check + run: first {timings[0] * 1000:.0f} ms, "
                      f"median {statistics.median(timings[1:]) * 1000:.0f} ms")
    finally:
        anvil.terminate()
        anvil.wait(10)
    for loss in (0.0, 0.1, 0.2):
        median, p90 = qr_seconds(16 * 1024, loss=loss)
        print(f"16 KB snapshot as an animated QR (200-byte fragments, 5 frames/s, {loss:.0%} of frames lost): "
              f"median {median:.1f} s, p90 {p90:.1f} s")


if __name__ == "__main__":
    main()
