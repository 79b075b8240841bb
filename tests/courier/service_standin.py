"""A local Safe Transaction Service stand-in for the courier tests (run as a child process).

It answers the public API's shape (safe-transaction-service /api/v1, paginated lists with
count/next/previous/results) for the transactions in a JSON file and accepts confirmations the
way the real service does: the signature must recover (eth-account) to an owner over the
transaction's safeTxHash, else HTTP 400.

    python -m tests.courier.service_standin STATE.json     prints "listening PORT", then serves
STATE.json: {"safeInfo": {...}, "transactions": [{... "safeTxHash": ...}]}
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from eth_account import Account

STATE: dict = {}


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


if __name__ == "__main__":
    STATE.update(json.loads(open(sys.argv[1]).read()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()
