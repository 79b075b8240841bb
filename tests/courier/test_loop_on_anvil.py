"""The signer's whole loop on a real chain, with no browser in it (issue 13):

anvil (npm @foundry-rs/anvil) with Safe 1.4.1 from the bundled canonical bytecode, 2 of 3 owners,
a Safe Transaction Service stand-in speaking the public API's shape; the courier shows the
pending transaction as an animated eth-sign-request GIF, the offline Coldsight (its own process,
offline guard on) verifies and signs it from the GIF, the courier reads the eth-signature QR back
and posts it, the second owner does the same, the courier executes on anvil and the recipient's
balance really changes. The Bybit-shaped delegatecall ends with no signature and nothing executed.

Every network step runs in a child process: this test process may already carry Coldsight's
irremovable offline guard from other tests. Expected values are independent: safeTxHash from
safe-eth-py, confirmations recovered by the stand-in with eth-account, balances read from anvil.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account

from tests.signing.peers import peer_safe_tx_hash

ROOT = Path(__file__).resolve().parents[2]
ANVIL = ROOT / "tests" / "node" / "node_modules" / ".bin" / "anvil"
pytestmark = [
    pytest.mark.node,
    pytest.mark.slow,
    pytest.mark.skipif(not ANVIL.exists(), reason="node test peers not installed (bash tests/node/setup.sh)"),
]
CHAIN_ID = 31337
KEYS = [bytes([n]) * 32 for n in (0x11, 0x22, 0x33)]
OWNERS = [Account.from_key(k).address for k in KEYS]
RECIPIENT = "0x000000000000000000000000000000000000bEEF"
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # the Bybit attacker's contract (named in README)
ONE_ETH = 10**18
ZERO = "0x" + "00" * 20


def _python(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def _json_child(*args: str) -> dict:
    done = _python("-m", "tests.courier.anvil_safe", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _started(command: list[str], marker: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        if marker in line:
            return process, line
    process.kill()
    raise AssertionError(f"{command[0]} did not start")


@pytest.fixture(scope="module")
def anvil():
    process, line = _started([str(ANVIL), "--port", "0", "--chain-id", str(CHAIN_ID)], "Listening on")
    yield "http://" + line.split("Listening on", 1)[1].strip()
    process.terminate()
    process.wait(10)


def _service_tx(safe: str, nonce: int, to: str, value: int, data: bytes, operation: int) -> dict:
    """A pending transaction exactly as the public service lists it; its hash from safe-eth-py."""
    tx = {"safe": safe, "to": to, "value": str(value), "data": "0x" + data.hex() if data else None,
          "operation": operation, "gasToken": ZERO, "safeTxGas": "0", "baseGas": "0", "gasPrice": "0",
          "refundReceiver": ZERO, "nonce": nonce, "executionDate": None, "submissionDate": "2026-01-01T00:00:00Z",
          "modified": "2026-01-01T00:00:00Z", "blockNumber": None, "transactionHash": None, "proposer": OWNERS[0],
          "executor": None, "isExecuted": False, "isSuccessful": None, "ethGasPrice": None, "gasUsed": None,
          "fee": None, "origin": "{}", "dataDecoded": None, "confirmationsRequired": 2, "confirmations": [],
          "trusted": True, "signatures": None}
    hashable = {**tx, "chainId": CHAIN_ID, "safeVersion": "1.4.1"}
    path = Path(f"/tmp/coldsight-hash-{nonce}-{operation}.json")
    path.write_text(json.dumps(hashable))
    tx["safeTxHash"] = "0x" + peer_safe_tx_hash(path).hex()
    path.unlink()
    return tx


@pytest.fixture(scope="module")
def world(anvil, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loop")
    deployed = _json_child("deploy", anvil, ",".join(OWNERS), "2", str(10 * ONE_ETH))
    safe = deployed["safe"]
    transfer = _service_tx(safe, 0, RECIPIENT, ONE_ETH, b"", 0)
    attack_data = bytes.fromhex("a9059cbb") + bytes.fromhex(ATTACKER[2:]).rjust(32, b"\0") + bytes(32)
    attack = _service_tx(safe, 1, ATTACKER, 0, attack_data, 1)  # queued after the transfer
    info = {"address": safe, "nonce": 0, "threshold": 2, "owners": OWNERS, "masterCopy": deployed["singleton"],
            "modules": [], "fallbackHandler": ZERO, "guard": ZERO, "version": "1.4.1"}
    state = tmp / "service.json"
    state.write_text(json.dumps({"safeInfo": info, "transactions": [transfer, attack]}))
    service, _ = _started([sys.executable, "-m", "tests.courier.service_standin", str(state)], "listening")
    port = _.split()[1]
    keystores = []
    for index, key in enumerate(KEYS):
        path = tmp / f"owner{index}.json"
        path.write_text(json.dumps(Account.encrypt(key, f"pw{index}", kdf="pbkdf2", iterations=1024)))
        (tmp / f"owner{index}.pw").write_text(f"pw{index}\n")
        keystores.append((path, tmp / f"owner{index}.pw"))
    yield {"rpc": anvil, "service": f"http://127.0.0.1:{port}", "safe": safe, "deployed": deployed, "tmp": tmp,
           "transfer": transfer, "attack": attack, "keystores": keystores}
    service.terminate()
    service.wait(10)


def courier(world, *args: str) -> subprocess.CompletedProcess:
    return _python("-m", "courier", args[0], "--service", world["service"], "--rpc", world["rpc"], *args[1:])


def coldsight(world, *args: str) -> subprocess.CompletedProcess:
    env = {"COLDSIGHT_STATE_DIR": str(world["tmp"] / "state"), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    return _python("-m", "app.cli", *args, env=env)


def _sign(world, request: Path, owner: int, out: Path, *extra: str) -> subprocess.CompletedProcess:
    keystore, password = world["keystores"][owner]
    return coldsight(world, "sign", str(request), "--keystore", str(keystore), "--password-file", str(password),
                     "--out", str(out), *extra)


def test_the_whole_loop_moves_the_money(world):
    tx_hash = world["transfer"]["safeTxHash"]
    before = _json_child("state", world["rpc"], RECIPIENT)
    listed = courier(world, "pending", "--safe", world["safe"])
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert tx_hash in listed.stdout and "threshold 2, nonce 0" in listed.stdout

    started = time.monotonic()
    request = world["tmp"] / "request.gif"
    shown = courier(world, "show", "--safe-tx-hash", tx_hash, "--out", str(request), "--fragment", "120")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    signature_png = world["tmp"] / "owner0.png"
    # the signer's address book names the payee (an unnamed one is a warning to acknowledge: issue 18)
    book = world["tmp"] / "addressbook.csv"
    book.write_text(f"address,name,chainId\n{RECIPIENT},recipient,{CHAIN_ID}\n")
    assert coldsight(world, "addressbook", "import", str(book)).returncode == 0
    signed = _sign(world, request, 0, signature_png)
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert "OK:" in signed.stdout and "threshold 2 of 3 owners" in signed.stdout  # chain context in the request
    submitted = courier(world, "submit", "--safe-tx-hash", tx_hash, "--signature", str(signature_png))
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    round_trip = time.monotonic() - started
    print(f"\nQR round trip (courier GIF -> verify+sign -> signature PNG -> courier posted): {round_trip:.1f} s")

    early = courier(world, "exec", "--safe-tx-hash", tx_hash)
    assert early.returncode == 2 and "1 valid owner confirmation" in early.stderr

    # The second owner through a camera pipeline stand-in: frames warped, blurred, unevenly lit,
    # noisy, JPEG-compressed, a fifth of them lost (tests/qr/camera_noise.py), in both directions.
    started = time.monotonic()
    frames = world["tmp"] / "request-frames"
    assert courier(world, "show", "--safe-tx-hash", tx_hash, "--out", str(frames), "--fragment", "120").returncode == 0
    seen = _through_camera(sorted(frames.glob("*.png")), world["tmp"] / "request-camera", seed=13)
    signature_png = world["tmp"] / "owner2.png"
    signed = _sign(world, seen, 2, signature_png)
    assert signed.returncode == 0, signed.stdout + signed.stderr
    seen_signature = _through_camera([signature_png], world["tmp"] / "signature-camera", seed=14, drop=0.0)
    submitted = courier(world, "submit", "--safe-tx-hash", tx_hash, "--signature", str(seen_signature))
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    print(f"QR round trip through the camera stand-in (frames, 20% lost): {time.monotonic() - started:.1f} s")
    executed = courier(world, "exec", "--safe-tx-hash", tx_hash, "--send-from", world["deployed"]["executor"])
    assert executed.returncode == 0, executed.stdout + executed.stderr
    after = _json_child("state", world["rpc"], RECIPIENT)
    assert int(after["balance"]) - int(before["balance"]) == ONE_ETH
    assert int(_json_child("state", world["rpc"], world["safe"])["balance"]) == 9 * ONE_ETH


def _through_camera(pngs: list[Path], folder: Path, seed: int, drop: float = 0.2) -> Path:
    """What a webcam would see of these QR frames, as JPEG files in `folder`."""
    import cv2

    from tests.qr.camera_noise import lossy_noisy_frames

    folder.mkdir()
    codes = [cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) for path in pngs]
    for index, frame in enumerate(lossy_noisy_frames(codes, seed, drop)):
        cv2.imwrite(str(folder / f"frame-{index:04d}.jpg"), frame)
    return folder


def test_a_signature_from_a_non_owner_is_refused(world):
    tx_hash = world["attack"]["safeTxHash"]  # any pending one: the refusal comes before anything is posted
    stranger = Account.from_key(b"\x44" * 32)
    signature = Account.unsafe_sign_hash(bytes.fromhex(tx_hash[2:]), stranger.key).signature
    from decoders.ur.eip4527 import EthSignature
    from decoders.ur.ur import encode_single

    path = world["tmp"] / "stranger.txt"
    path.write_text(encode_single(EthSignature(bytes(signature), None, "x").to_ur()))
    refused = courier(world, "submit", "--safe-tx-hash", tx_hash, "--signature", str(path))
    assert refused.returncode == 2 and "not an owner on chain" in refused.stderr


def test_bybit_shaped_attack_gets_no_signature_and_nothing_executes(world):
    tx_hash = world["attack"]["safeTxHash"]
    before = _json_child("state", world["rpc"], world["safe"])
    request = world["tmp"] / "attack.txt"
    shown = courier(world, "show", "--safe-tx-hash", tx_hash, "--out", str(request))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    for owner in range(3):
        out = world["tmp"] / f"attack-signature-{owner}.png"
        signed = _sign(world, request, owner, out, "--ack-all-warnings")
        assert signed.returncode == 2, signed.stdout + signed.stderr
        assert "BLOCK" in signed.stdout and "NOT SIGNED" in signed.stderr and not out.exists()
    executed = courier(world, "exec", "--safe-tx-hash", tx_hash, "--send-from", world["deployed"]["executor"])
    assert executed.returncode == 2, executed.stdout + executed.stderr
    after = _json_child("state", world["rpc"], world["safe"])
    assert after["slot0"] == before["slot0"] and after["balance"] == before["balance"]
