"""The courier's snapshot steps that need no network: the header rebuilt from eth_getBlockByNumber's
fields must hash to the block hash, endpoints must agree and serve the transaction's chain.

The block is the one in tests/state/data/erc20_transfer.bin (anvil, Prague fields); its JSON is
written here from the header's fields in the JSON-RPC spec's names, and stub endpoints answer it.
"""

from pathlib import Path

import pytest
import rlp

from courier.errors import CourierError
from courier.snapshot import agreed_header, header_rlp
from decoders.hexutil import keccak
from decoders.state import read_snapshot

SNAPSHOT = (Path(__file__).parent / "data" / "erc20_transfer.bin").read_bytes()

NAMES = ["parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom",
         "difficulty", "number", "gasLimit", "gasUsed", "timestamp", "extraData", "mixHash", "nonce", "baseFeePerGas",
         "withdrawalsRoot", "blobGasUsed", "excessBlobGas", "parentBeaconBlockRoot", "requestsHash"]
QUANTITIES = {"difficulty", "number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "blobGasUsed", "excessBlobGas"}
HEADER = read_snapshot(SNAPSHOT).header


def _block_json(header: bytes = HEADER) -> dict:
    fields = rlp.decode(header)
    block = {name: (hex(int.from_bytes(value, "big")) if name in QUANTITIES else "0x" + value.hex())
             for name, value in zip(NAMES, fields)}
    block["hash"] = "0x" + keccak(header).hex()
    return block


class Stub:
    def __init__(self, url: str, block: dict, chain_id: int = 31337):
        self.url, self.block, self.chain_id = url, block, chain_id

    def request(self, method: str, params: list) -> object:
        return hex(self.chain_id) if method == "eth_chainId" else self.block


def test_the_header_is_rebuilt_exactly_from_the_json_fields():
    assert len(rlp.decode(HEADER)) == 21  # every optional field up to requestsHash (Prague)
    assert header_rlp(_block_json(), "block") == HEADER


def test_a_field_that_does_not_hash_to_the_block_hash_is_refused():
    block = _block_json()
    block["timestamp"] = hex(int(block["timestamp"], 16) + 1)
    with pytest.raises(CourierError, match="do not hash to the block hash"):
        header_rlp(block, "block")


def test_endpoints_must_agree_and_serve_the_chain():
    agreement = agreed_header([Stub("a", _block_json()), Stub("b", _block_json())], "latest", 31337)
    assert (agreement.header, agreement.agreed, agreement.asked) == (HEADER, 2, 2)
    fields = rlp.decode(HEADER)
    fields[12] = b"another extraData"  # another block at the same height, hashing correctly
    other = rlp.encode(fields)
    with pytest.raises(CourierError, match="the endpoints disagree on block"):
        agreed_header([Stub("a", _block_json()), Stub("b", _block_json(other))], "latest", 31337)
    with pytest.raises(CourierError, match="serves chain 1, the transaction is for chain 31337"):
        agreed_header([Stub("a", _block_json()), Stub("b", _block_json(), chain_id=1)], "latest", 31337)
