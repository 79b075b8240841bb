"""Coldsight's SafeTx hashes against safe-eth-py's, for every Safe version it accepts.

safe-eth-py builds its own EIP-712 typed data per version (dataGas before 1.0.0, chainId from
1.3.0) and hashes it with its own encoder, so it is independent of decoders/eip712.py.
"""

import pytest
from hypothesis import given, settings
from safe_eth.eth.eip712 import eip712_encode
from safe_eth.safe.safe_tx import SafeTx as PeerSafeTx

from decoders.eip712 import compute_hashes
from decoders.safetx import Context, SafeTx, SafeVersion
from tests.strategies import ALL_VERSION_LABELS, addresses, chain_ids, safe_txs


class OfflineClient:
    """Stands in for safe-eth-py's EthereumClient: any use of it would mean a network call."""

    def __getattr__(self, name: str):
        raise AssertionError(f"safe-eth-py tried to use the network (EthereumClient.{name})")


def peer_hashes(tx: SafeTx, safe: str, chain_id: int, version: str) -> dict[str, str]:
    peer = PeerSafeTx(
        OfflineClient(),  # type: ignore[arg-type]
        safe,
        tx.to,
        tx.value,
        tx.data,
        tx.operation,
        tx.safe_tx_gas,
        tx.base_gas,
        tx.gas_price,
        tx.gas_token,
        tx.refund_receiver,
        safe_nonce=tx.nonce,
        safe_version=version,
        chain_id=chain_id,
    )
    _, domain, message = eip712_encode(peer.eip712_structured_data)
    return {"domain": "0x" + bytes(domain).hex(), "message": "0x" + bytes(message).hex(),
            "safeTx": "0x" + bytes(peer.safe_tx_hash).hex()}


@pytest.mark.parametrize("version", ALL_VERSION_LABELS)
@settings(max_examples=40, derandomize=True, deadline=None)
@given(tx=safe_txs(), safe=addresses, chain_id=chain_ids)
def test_hashes_match_safe_eth_py(version: str, tx: SafeTx, safe: str, chain_id: int) -> None:
    ours = compute_hashes(tx, Context(chain_id=chain_id, safe=safe, version=SafeVersion.parse(version))).as_json()
    assert ours == peer_hashes(tx, safe, chain_id, version)


def test_peer_notices_a_changed_field() -> None:
    # Guards the comparison itself: if the peer ignored a field, every test above would pass vacuously.
    safe = "0x692a70D2e424a56D2C6C27aA97D1a86395877b3A"
    zero = "0x0000000000000000000000000000000000000000"
    base = SafeTx(safe, 1, b"\x01", 0, 2, 3, 4, zero, zero, 5)
    seen = set()
    for changed in (base, SafeTx(safe, 1, b"\x01", 1, 2, 3, 4, zero, zero, 5),
                    SafeTx(safe, 1, b"\x01", 0, 2, 9, 4, zero, zero, 5), SafeTx(safe, 1, b"\x02", 0, 2, 3, 4, zero, zero, 5)):
        seen.add(peer_hashes(changed, safe, 1, "1.4.1")["safeTx"])
    assert len(seen) == 4
    assert peer_hashes(base, safe, 1, "1.3.0") != peer_hashes(base, safe, 5, "1.3.0")
    assert peer_hashes(base, safe, 1, "1.2.0")["domain"] == peer_hashes(base, safe, 5, "1.2.0")["domain"]
    assert peer_hashes(base, safe, 1, "0.1.0")["message"] != peer_hashes(base, safe, 1, "1.0.0")["message"]
