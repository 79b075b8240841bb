"""SafeTx hashes published by third parties, recomputed by Coldsight from the raw fields.

Every expected value below is copied from the named public source, never produced by Coldsight.
"""

from dataclasses import dataclass

import pytest

from decoders.eip712 import compute_hashes
from decoders.errors import UnsupportedVersionError
from decoders.safetx import Context, SafeTx, SafeVersion

ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class Vector:
    source: str
    version: str
    chain_id: int | None
    safe: str
    tx: SafeTx
    safe_tx_hash: str
    domain_hash: str | None = None
    message_hash: str | None = None


SAFE_ETH_PY = "safe-eth-py 7.27.0, safe_eth/safe/tests/test_safe_tx.py::test_hash_safe_multisig_tx"
SAFE_ETH_PY_13 = "safe-eth-py 7.27.0, safe_eth/safe/tests/test_safe_tx.py::test_hash_safe_multisig_tx_1_3"
# Executed on Gnosis Chain (block 32106343, tx 0x27ac6f19…30ca); the mock names neither chain nor
# version, the transaction service it comes from is Gnosis Chain's and the Safe there is 1.3.0.
SAFE_ETH_PY_SERVICE = "safe-eth-py 7.27.0, safe_eth/safe/tests/mocks/mock_transactions.py::transaction_mock"
SAFE_TX_HASHES_UTIL = "github.com/pcaversaccio/safe-tx-hashes-util README.md @0009814c (Arbitrum Safe, nonce 234)"

LEGACY_SAFE = "0x692a70D2e424a56D2C6C27aA97D1a86395877b3A"
LEGACY_TO = "0x5AC255889882aaB35A2aa939679E3F3d4Cea221E"
ADD_OWNER_CALL = bytes.fromhex(
    "0d582f130000000000000000000000000c75fa5a5f1c0997e3eea425cfa13184ed0ec9e5"
    "0000000000000000000000000000000000000000000000000000000000000003"
)
ARBITRUM_SAFE = "0x111CEEee040739fD91D29C34C33E6B3E112F2177"

VECTORS = [
    Vector(SAFE_ETH_PY, "0.1.0", None, LEGACY_SAFE,
           SafeTx(LEGACY_TO, 5000000, b"\x00", 0, 50000, 100, 10000, ZERO, ZERO, 67),
           "0xc9d69a2350aede7978fdee58e702647e4bbdc82168577aa4a43b66ad815c6d1a"),
    # operation 2 (Create) existed before 1.1.0.
    Vector(SAFE_ETH_PY, "0.1.0", None, LEGACY_SAFE,
           SafeTx(ZERO, 80000000, bytes.fromhex("562944"), 2, 54522, 773, 22000000, ZERO, ZERO, 257000),
           "0x8ca8db91d72b379193f6e229eb2dff0d0621b6ef452d90638ee3206e9b7349b3"),
    Vector(SAFE_ETH_PY, "1.0.0", None, LEGACY_SAFE,
           SafeTx(LEGACY_TO, 5000000, b"\x00", 0, 50000, 100, 10000, ZERO, ZERO, 67),
           "0x7c60341f3e1b4483575f38e84e97d6b332a2dd55b9290f39e6e26eef29a04fe7"),
    Vector(SAFE_ETH_PY, "1.0.0", None, LEGACY_SAFE,
           SafeTx(ZERO, 80000000, bytes.fromhex("562944"), 2, 54522, 773, 22000000, ZERO, ZERO, 257000),
           "0xf585279fd867c94738096f4eab964e9e202014d2f0d5155d751099ad85cbe504"),
    Vector(SAFE_ETH_PY_13, "1.3.0", 4, "0x2B0b9cBDA3D7b0F760187c52A8FFB18C48E5d96A",
           SafeTx("0x79613FD49472C3C7a32188e45ff00e7bdC8a897d", 2, bytes.fromhex("1212"), 0, 0, 0, 0,
                  "0xFA995c7a0d32A4e7497508a5C380369BE8dB49Db", "0x6b92f5E5360bfCa8F5d3FcE65D87382967847983", 17),
           "0x01d42a801ac44d3ebd43592be980dea0756d7f7b27d718d3016a42ea7ce85587"),
    Vector(SAFE_ETH_PY_SERVICE, "1.3.0", 100, "0xAedF684C1c41B51CbD228116e11484425d2FACB9",
           SafeTx("0xAedF684C1c41B51CbD228116e11484425d2FACB9", 0, bytes.fromhex(
               "e318b52b0000000000000000000000000000000000000000000000000000000000000001"
               "000000000000000000000000c6b82ba149cfa113f8f48d5e3b1f78e933e16dfd"
               "0000000000000000000000003066786706ff0b6e71044e55074dbae7d01573cb"), 0, 0, 0, 0, ZERO, ZERO, 5),
           "0x06c88df42a8ab64b2b2c5e2b5c8c4df384c267b39929a8416d1518db23f91783"),
    Vector(SAFE_TX_HASHES_UTIL, "1.3.0+L2", 42161, ARBITRUM_SAFE,
           SafeTx(ARBITRUM_SAFE, 0, ADD_OWNER_CALL, 0, 0, 0, 0, ZERO, ZERO, 234),
           "0x0cb7250b8becd7069223c54e2839feaed4cee156363fbfe5dd0a48e75c4e25b3",
           domain_hash="0x1cf7f9b1efe3bc47fe02fd27c649fea19e79d66040683a1c86c7490c80bf7291",
           message_hash="0xd9109ea63c50ecd3b80b6b27ed5c5a9fd3d546c2169dfb69bfa7ba24cd14c7a5"),
    # The README's interactive-mode example: same Safe, but delegatecall, gas token and refund receiver set.
    Vector(SAFE_TX_HASHES_UTIL + " interactive mode", "1.3.0+L2", 42161, ARBITRUM_SAFE,
           SafeTx(ARBITRUM_SAFE, 1000, ADD_OWNER_CALL, 1, 0, 0, 50,
                  "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045", 234),
           "0xc818fceb1cace51c1a4039c4c66fc73d95eccc298104c9c52debac604b9f4e04",
           domain_hash="0x1cf7f9b1efe3bc47fe02fd27c649fea19e79d66040683a1c86c7490c80bf7291",
           message_hash="0xc7e826933da60e6ac3e2246ed0563a26a920a65beaa9089d784ac96234141bb3"),
]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v.version}-nonce{v.tx.nonce}-op{v.tx.operation}")
def test_coldsight_reproduces_published_safe_tx_hash(vector: Vector) -> None:
    context = Context(chain_id=vector.chain_id, safe=vector.safe, version=SafeVersion.parse(vector.version))
    hashes = compute_hashes(vector.tx, context).as_json()
    assert hashes["safeTx"] == vector.safe_tx_hash, vector.source
    if vector.domain_hash is not None:
        assert hashes["domain"] == vector.domain_hash, vector.source
    if vector.message_hash is not None:
        assert hashes["message"] == vector.message_hash, vector.source


@pytest.mark.parametrize("label", ["0.0.1", "0.0.1+L2", " 0.0.1 "])
def test_safe_0_0_1_is_refused(label: str) -> None:
    # 0.0.1 predates EIP-712 SafeTx signing, so there is no hash Coldsight could verify.
    with pytest.raises(UnsupportedVersionError) as raised:
        SafeVersion.parse(label)
    assert "0.0.1" in str(raised.value)
    assert raised.value.where == "safeVersion"
