"""Coldsight's SafeTx hashes against the node peers in tests/node/hash_peer.mjs.

Peers: ethers v6 TypedDataEncoder (every version) and @safe-global/protocol-kit 8 (>= 1.0.0;
it has no dataGas layout, so for 0.1.0 it reports "unsupported" and is not compared).
One node process hashes the whole batch; spawning node per transaction would be far too slow.
"""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from decoders.eip712 import compute_hashes
from decoders.safetx import Context, SafeTx, SafeVersion
from tests.strategies import ALL_VERSION_LABELS, UINT256_MAX, ZERO_ADDRESS

pytestmark = pytest.mark.node

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
PEER_SCRIPT = NODE_DIR / "hash_peer.mjs"
TX_PER_VERSION = 25  # x 12 version labels = 300 transactions in one batch
SEED = 0x5AFE


def random_address(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return ZERO_ADDRESS
    return to_checksum_address("0x" + rng.randbytes(20).hex())


def random_uint(rng: random.Random) -> int:
    kind = rng.random()
    if kind < 0.1:
        return rng.choice([0, 1, UINT256_MAX])
    if kind < 0.6:
        return rng.randrange(10**24)
    return rng.randrange(UINT256_MAX + 1)


def random_calldata(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.15:
        return b""
    if kind < 0.85:
        return rng.randbytes(rng.choice([4, 36, 68, rng.randrange(1, 300)]))
    return rng.randbytes(rng.randrange(1_000, 20_000))


def random_case(rng: random.Random, version: str) -> tuple[SafeTx, str, int]:
    tx = SafeTx(
        to=random_address(rng), value=random_uint(rng), data=random_calldata(rng), operation=rng.choice([0, 1]),
        safe_tx_gas=random_uint(rng), base_gas=random_uint(rng), gas_price=random_uint(rng),
        gas_token=random_address(rng), refund_receiver=random_address(rng), nonce=random_uint(rng),
    )
    chain_id = rng.choice([1, 10, 100, 137, 8453, 42161, 11155111, rng.randrange(1, UINT256_MAX + 1)])
    return tx, to_checksum_address("0x" + rng.randbytes(20).hex()), chain_id


def request_line(index: int, version: str, tx: SafeTx, safe: str, chain_id: int) -> str:
    # Below 1.3.0 the domain has no chainId; send null so a peer that used it anyway would fail.
    # Decimal string: JSON numbers above 2**53 lose precision in JavaScript.
    has_chain = SafeVersion.parse(version).family.has_chain_id
    return json.dumps({"id": index, "version": version, "safe": safe, "chainId": str(chain_id) if has_chain else None,
                       "tx": tx.as_json_fields()})


@pytest.fixture(scope="module")
def peer_results() -> list[dict]:
    if not (NODE_DIR / "node_modules").is_dir():
        pytest.skip("tests/node/node_modules missing (run tests/node/setup.sh)")
    node = shutil.which("node")
    assert node, "node_modules is installed but no `node` on PATH"
    rng = random.Random(SEED)
    cases = []
    for version in ALL_VERSION_LABELS:
        for _ in range(TX_PER_VERSION):
            tx, safe, chain_id = random_case(rng, version)
            has_chain = SafeVersion.parse(version).family.has_chain_id
            context = Context(chain_id=chain_id if has_chain else None, safe=safe, version=SafeVersion.parse(version))
            cases.append((version, tx, safe, chain_id, compute_hashes(tx, context).as_json()))
    stdin = "\n".join(request_line(i, v, tx, safe, chain) for i, (v, tx, safe, chain, _) in enumerate(cases)) + "\n"
    run = subprocess.run([node, str(PEER_SCRIPT)], input=stdin, capture_output=True, text=True, timeout=120,
                         cwd=NODE_DIR, check=False)
    assert run.returncode == 0, run.stderr
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert [a["id"] for a in answers] == list(range(len(cases))), "peer lost or reordered lines"
    return [{"version": v, "tx": tx, "safe": safe, "chainId": chain, "ours": ours, "peer": answer}
            for (v, tx, safe, chain, ours), answer in zip(cases, answers, strict=True)]


def disagreements(results: list[dict], version: str, peer: str) -> list[str]:
    found = []
    for result in (r for r in results if r["version"] == version):
        answer = result["peer"]
        assert "error" not in answer, f"peer could not hash a {version} tx: {answer['error']}"
        if answer[peer] != result["ours"]:
            found.append(f"{version} safe={result['safe']} chainId={result['chainId']} tx={result['tx'].as_json_fields()}"
                         f"\n  coldsight={result['ours']}\n  {peer}={answer[peer]}")
    return found


@pytest.mark.parametrize("version", ALL_VERSION_LABELS)
def test_hashes_match_ethers(peer_results: list[dict], version: str) -> None:
    found = disagreements(peer_results, version, "ethers")
    assert not found, f"{len(found)} of {TX_PER_VERSION} disagree; first:\n" + found[0] if found else ""


@pytest.mark.parametrize("version", [v for v in ALL_VERSION_LABELS if not v.startswith("0.")])
def test_hashes_match_protocol_kit(peer_results: list[dict], version: str) -> None:
    found = disagreements(peer_results, version, "protocolKit")
    assert not found, f"{len(found)} of {TX_PER_VERSION} disagree; first:\n" + found[0] if found else ""


def test_protocol_kit_declines_safe_0_1_0(peer_results: list[dict]) -> None:
    # Documents the coverage gap: 0.1.0 (dataGas) is checked by ethers and safe-eth-py only.
    answers = [r["peer"]["protocolKit"] for r in peer_results if r["version"] == "0.1.0"]
    assert answers and all("unsupported" in a for a in answers)


def test_batch_exercises_large_calldata_and_delegatecall(peer_results: list[dict]) -> None:
    # Without these the comparison would not cover multiSend-sized payloads or operation 1.
    assert any(len(r["tx"].data) >= 1_000 for r in peer_results)
    assert any(r["tx"].data == b"" for r in peer_results)
    assert any(r["tx"].operation == 1 for r in peer_results)


def test_peer_reports_bad_lines_instead_of_crashing() -> None:
    if not (NODE_DIR / "node_modules").is_dir():
        pytest.skip("tests/node/node_modules missing (run tests/node/setup.sh)")
    run = subprocess.run([shutil.which("node") or "node", str(PEER_SCRIPT)], input='not json\n{"id": 7}\n',
                         capture_output=True, text=True, timeout=60, cwd=NODE_DIR, check=False)
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert run.returncode == 0
    assert [("error" in a) for a in answers] == [True, True]
    assert answers[1]["id"] == 7
