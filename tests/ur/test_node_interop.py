"""Interop with Keystone's @keystonehq/bc-ur-registry-eth and @ngraveio/bc-ur (tests/node/ur_peer.mjs)."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from decoders.ur.eip4527 import EthDataType, EthSignRequest, KeyPath
from decoders.ur.ur import URDecoder, UREncoder

from .helpers import make_message_ur
from .safe_typed_data import safe_typed_data_bytes

NODE_DIR = Path(__file__).parents[1] / "node"
pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not (NODE_DIR / "node_modules").is_dir(), reason="node test peers not installed"),
]
UUID = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"


def peer(request: dict) -> dict:
    node = shutil.which("node")
    assert node, "node is required when tests/node/node_modules is installed"
    done = subprocess.run(
        [node, str(NODE_DIR / "ur_peer.mjs")], input=json.dumps(request), capture_output=True, text=True,
        timeout=60, check=True,
    )
    return json.loads(done.stdout)


def test_keystone_multipart_typed_data_request_decodes():
    sign_data = safe_typed_data_bytes(chain_id=137)
    made = peer({
        "op": "make_sign_request", "signDataHex": sign_data.hex(), "dataType": 2, "hdPath": "m/44'/60'/0'/0/0",
        "xfp": "f23f9fd2", "uuid": UUID, "chainId": 137, "address": "0x" + "ab" * 20, "origin": "Safe{Wallet}",
        "maxFragmentLength": 100, "count": 60,
    })
    parts = made["parts"]
    random.Random(1).shuffle(parts)
    decoder = URDecoder()
    for text in parts[:45]:  # shuffled, a quarter dropped
        decoder.receive(text)
        if decoder.is_complete:
            break
    assert decoder.is_complete
    assert decoder.result.type == "eth-sign-request"
    assert decoder.result.cbor.hex() == made["cborHex"]
    request = EthSignRequest.from_cbor(decoder.result.cbor)
    assert request.sign_data == sign_data
    assert request.data_type is EthDataType.TYPED_DATA
    assert request.chain_id == 137
    assert request.derivation_path.path == "m/44'/60'/0'/0/0"
    assert request.derivation_path.fingerprint_hex == "f23f9fd2"
    assert request.request_uuid == UUID
    assert request.address == bytes.fromhex("ab" * 20)
    assert request.origin == "Safe{Wallet}"
    assert request.to_cbor().hex() == made["cborHex"]  # our encoder writes the same bytes


def test_coldsight_request_decoded_by_keystone():
    request = EthSignRequest(
        sign_data=safe_typed_data_bytes(chain_id=1), data_type=EthDataType.TYPED_DATA,
        derivation_path=KeyPath.parse("m/44'/60'/0'/0/3", 0x0A0B0C0D), request_id=bytes(range(16)),
        chain_id=1, address=bytes.fromhex("cd" * 20), origin="Coldsight",
    )
    encoder = UREncoder(request.to_ur(), 150)
    parts = [encoder.next_part() for _ in range(encoder.min_parts + 60)]
    # drop two of the plain fragments so the JS decoder must use our mixed parts
    answer = peer({"op": "decode", "parts": parts[2:]})
    assert answer["complete"]
    assert answer["cborHex"] == request.to_cbor().hex()
    fields = answer["signRequest"]
    assert fields["signDataHex"] == request.sign_data.hex()
    assert fields["dataType"] == 2 and fields["chainId"] == 1
    assert fields["path"] == "44'/60'/0'/0/3" and fields["xfpHex"] == "0a0b0c0d"
    assert fields["requestIdHex"] == bytes(range(16)).hex()
    assert fields["addressHex"] == "cd" * 20 and fields["origin"] == "Coldsight"


def test_coldsight_single_part_decoded_by_ngrave():
    ur = make_message_ur(60, seed="single")
    text = UREncoder(ur, 1000).next_part()
    answer = peer({"op": "decode", "parts": [text]})
    assert answer["complete"] and answer["type"] == "bytes" and answer["cborHex"] == ur.cbor.hex()


def test_coldsight_mixed_parts_only_decoded_by_ngrave():
    ur = make_message_ur(2500, seed="mixed-js")
    encoder = UREncoder(ur, 120, first_seq_num=40)  # every part after seqLen: all mixed
    parts = [encoder.next_part() for _ in range(3 * encoder.min_parts)]
    answer = peer({"op": "decode", "parts": parts})
    assert answer["complete"] and answer["cborHex"] == ur.cbor.hex()


def test_ngrave_parts_match_ours_and_decode():
    ur = make_message_ur(1200, seed="ngrave")
    made = peer({"op": "make_bytes_ur", "cborHex": ur.cbor.hex(), "type": "bytes", "maxFragmentLength": 90,
                 "firstSeqNum": 0, "count": 40})
    ours = UREncoder(ur, 90, uppercase=False)
    assert [ours.next_part() for _ in range(40)] == made["parts"]
    decoder = URDecoder()
    for text in made["parts"][5:]:
        decoder.receive(text)
    assert decoder.result == ur
