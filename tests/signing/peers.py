"""Independent answers for the signing and courier tests: safe-eth-py's safeTxHash of a payload file."""

import json
from pathlib import Path


class _OfflineClient:
    def __getattr__(self, name: str):
        raise AssertionError(f"safe-eth-py tried to use the network ({name})")


def peer_safe_tx_hash(path: Path) -> bytes:
    """safeTxHash of a service-JSON payload file, computed by safe-eth-py."""
    from safe_eth.safe.safe_tx import SafeTx

    doc = json.loads(path.read_text())
    tx = SafeTx(
        _OfflineClient(), doc["safe"], doc["to"], int(doc["value"]), bytes.fromhex((doc["data"] or "0x")[2:]),
        int(doc["operation"]), int(doc["safeTxGas"]), int(doc["baseGas"]), int(doc["gasPrice"]), doc["gasToken"],
        doc["refundReceiver"], safe_nonce=int(doc["nonce"]), safe_version=doc["safeVersion"], chain_id=int(doc["chainId"]),
    )
    return bytes(tx.safe_tx_hash)
