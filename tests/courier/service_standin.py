"""A local Safe Transaction Service stand-in for the courier tests (run as a child process).

It answers the public API's shape (safe-transaction-service /api/v1, paginated lists with
count/next/previous/results) for the transactions in a JSON file and accepts confirmations the
way the real service does: the signature must recover (eth-account) to an owner over the
transaction's safeTxHash, else HTTP 400. It takes proposals (POST /api/v1/safes/{address}/
multisig-transactions/) as the real service does: the contractTransactionHash must be the
safeTxHash of the posted fields (recomputed here with eth-account's EIP-712 encoder, independent
of Coldsight's), the signature must recover to `sender`, an owner; else HTTP 422 / 400. The
proposer's signature is the first confirmation.

With "rpc" in the state, it plays the real service's indexer in the one way the loop needs: the
Safe's nonce is read from the chain, and a transaction whose nonce is below it counts as executed.

    python -m tests.courier.service_standin STATE.json     prints "listening PORT", then serves
STATE.json: {"safeInfo": {...}, "transactions": [{... "safeTxHash": ...}], "chainId": 31337, "rpc": URL}
"""

import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data

STATE: dict = {}
ZERO = "0x" + "00" * 20
SAFE_TX_TYPES = {
    "EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
    "SafeTx": [{"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}, {"name": "data", "type": "bytes"},
               {"name": "operation", "type": "uint8"}, {"name": "safeTxGas", "type": "uint256"},
               {"name": "baseGas", "type": "uint256"}, {"name": "gasPrice", "type": "uint256"},
               {"name": "gasToken", "type": "address"}, {"name": "refundReceiver", "type": "address"},
               {"name": "nonce", "type": "uint256"}],
}
PROPOSAL_FIELDS = ("to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver", "nonce")


def safe_tx_hash(safe: str, fields: dict) -> str:
    """The EIP-712 hash of a SafeTx (Safe >= 1.3.0 domain), by eth-account."""
    message = {name: fields.get(name) for name in PROPOSAL_FIELDS}
    for name in ("value", "operation", "safeTxGas", "baseGas", "gasPrice", "nonce"):
        message[name] = int(message[name] or 0)
    message["data"] = bytes.fromhex((message["data"] or "0x")[2:])
    message["gasToken"] = message["gasToken"] or ZERO
    message["refundReceiver"] = message["refundReceiver"] or ZERO
    typed = {"types": SAFE_TX_TYPES, "primaryType": "SafeTx", "message": message,
             "domain": {"chainId": STATE.get("chainId", 31337), "verifyingContract": safe}}
    return "0x" + _hash_eip191_message(encode_typed_data(full_message=typed)).hex()


def chain_nonce() -> int | None:
    """The Safe's nonce() on chain, when the state names an RPC URL."""
    if not STATE.get("rpc"):
        return None
    call = {"jsonrpc": "2.0", "id": 1, "method": "eth_call",
            "params": [{"to": STATE["safeInfo"]["address"], "data": "0xaffed0e0"}, "latest"]}  # nonce()
    request = urllib.request.Request(STATE["rpc"], json.dumps(call).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(json.loads(answer.read())["result"], 16)


def index_chain() -> None:
    nonce = chain_nonce()
    if nonce is None:
        return
    STATE["safeInfo"]["nonce"] = nonce
    for tx in STATE["transactions"]:
        if int(tx["nonce"]) < nonce:
            tx["isExecuted"] = True


def _page(items: list) -> dict:
    return {"count": len(items), "next": None, "previous": None, "results": items}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: object = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _tx(self, safe_tx_hash: str) -> dict | None:
        return next((tx for tx in STATE["transactions"] if tx["safeTxHash"].lower() == safe_tx_hash.lower()), None)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        index_chain()
        info = STATE["safeInfo"]
        if parts[:3] == ["api", "v1", "safes"] and len(parts) == 4 and parts[3].lower() == info["address"].lower():
            return self._answer(200, info)
        if parts[:3] == ["api", "v1", "safes"] and parts[4:] == ["multisig-transactions"]:
            pending = [tx for tx in STATE["transactions"] if tx["safe"].lower() == parts[3].lower()
                       and ("executed=false" not in url.query or not tx["isExecuted"])]
            return self._answer(200, _page(pending))
        if parts[:3] == ["api", "v1", "multisig-transactions"] and len(parts) >= 4:
            tx = self._tx(parts[3])
            if tx is None:
                return self._answer(404, {"detail": "Not found."})
            if parts[4:] == ["confirmations"]:
                return self._answer(200, _page(tx["confirmations"]))
            if len(parts) == 4:
                return self._answer(200, tx)
        self._answer(404, {"detail": "Not found."})

    def do_POST(self) -> None:
        parts = [p for p in urlparse(self.path).path.split("/") if p]
        if parts[:3] == ["api", "v1", "safes"] and parts[4:] == ["multisig-transactions"]:
            return self._propose(parts[3], json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0")))))
        tx = self._tx(parts[3]) if parts[:3] == ["api", "v1", "multisig-transactions"] and len(parts) == 5 else None
        if tx is None or parts[4] != "confirmations":
            return self._answer(404, {"detail": "Not found."})
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        signature = bytes.fromhex(body["signature"][2:])
        owner = Account._recover_hash(bytes.fromhex(tx["safeTxHash"][2:]), signature=signature)
        if owner.lower() not in {o.lower() for o in STATE["safeInfo"]["owners"]}:
            return self._answer(400, {"signature": [f"Signer={owner} is not an owner"]})
        tx["confirmations"].append({"owner": owner, "submissionDate": "2026-01-01T00:00:00Z", "transactionHash": None,
                                    "signature": body["signature"], "signatureType": "EOA"})
        self._answer(201)


    def _propose(self, safe: str, body: dict) -> None:
        info = STATE["safeInfo"]
        if safe.lower() != info["address"].lower():
            return self._answer(404, {"detail": "Not found."})
        missing = [name for name in (*PROPOSAL_FIELDS, "contractTransactionHash", "sender", "signature") if name not in body]
        if missing:
            return self._answer(400, {name: ["This field is required."] for name in missing})
        expected = safe_tx_hash(info["address"], body)
        if expected.lower() != str(body["contractTransactionHash"]).lower():
            return self._answer(422, {"nonFieldErrors": [f"Contract-transaction-hash={expected} does not match "
                                                         f"provided contract-tx-hash={body['contractTransactionHash']}"]})
        signer = Account._recover_hash(bytes.fromhex(expected[2:]), signature=bytes.fromhex(body["signature"][2:]))
        if signer.lower() != str(body["sender"]).lower() or signer.lower() not in {o.lower() for o in info["owners"]}:
            return self._answer(422, {"nonFieldErrors": [f"Signer={signer} is not an owner or is not the sender"]})
        if self._tx(expected) is not None:
            return self._answer(422, {"nonFieldErrors": [f"Tx with safe-tx-hash={expected} already exists"]})
        tx = {name: body[name] for name in PROPOSAL_FIELDS}
        tx.update({"safe": info["address"], "safeTxHash": expected, "value": str(int(body["value"])),
                   "data": body["data"] if body["data"] not in (None, "0x") else None, "proposer": signer,
                   "executionDate": None, "submissionDate": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
                   "blockNumber": None, "transactionHash": None, "executor": None, "isExecuted": False,
                   "isSuccessful": None, "ethGasPrice": None, "gasUsed": None, "fee": None,
                   "origin": body.get("origin") or "{}", "dataDecoded": None,
                   "confirmationsRequired": info["threshold"], "trusted": True, "signatures": None,
                   "confirmations": [{"owner": signer, "submissionDate": "2026-01-01T00:00:00Z", "transactionHash": None,
                                      "signature": body["signature"], "signatureType": "EOA"}]})
        for name in ("safeTxGas", "baseGas", "gasPrice"):
            tx[name] = str(int(tx[name]))
        STATE["transactions"].append(tx)
        self._answer(201)


if __name__ == "__main__":
    STATE.update(json.loads(open(sys.argv[1]).read()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()
