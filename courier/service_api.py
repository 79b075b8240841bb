"""A small client for the Safe Transaction Service's public API (the shape of
safe-transaction-service `/api/v1/...`, as safe-global documents it):

    GET  /api/v1/safes/{address}/                                    the service's view of the Safe
    GET  /api/v1/safes/{address}/multisig-transactions/?executed=false  pending transactions (paginated)
    GET  /api/v1/multisig-transactions/{safeTxHash}/                 one transaction
    GET  /api/v1/multisig-transactions/{safeTxHash}/confirmations/   its confirmations (paginated)
    POST /api/v1/multisig-transactions/{safeTxHash}/confirmations/   {"signature": "0x..."}
    POST /api/v1/safes/{address}/multisig-transactions/              a proposal: the SafeTx fields,
         contractTransactionHash (the safeTxHash), sender (an owner) and its signature of that hash

stdlib urllib only: the courier needs no HTTP library beyond it. Answers are bounded in size,
and everything the service says is a claim the courier cross-checks against the chain.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from .errors import CourierError

MAX_ANSWER_BYTES = 8 * 1024 * 1024
MAX_PAGES = 50
TIMEOUT_SECONDS = 30


class TransactionService:
    def __init__(self, base_url: str):
        if not base_url.startswith(("http://", "https://")):
            raise CourierError("the service URL must start with http:// or https://", base_url)
        self.base_url = base_url.rstrip("/")

    # -- reads ----------------------------------------------------------------------------------
    def safe_info(self, safe: str) -> dict:
        return self._object(self._get(f"/api/v1/safes/{safe}/"), "safe info")

    def pending(self, safe: str) -> list[dict]:
        """Unexecuted multisig transactions, lowest nonce first (the service lists newest first)."""
        items = self._paged(f"/api/v1/safes/{safe}/multisig-transactions/?executed=false")
        return sorted(items, key=lambda tx: int(tx.get("nonce", 0)))

    def transaction(self, safe_tx_hash: str) -> dict:
        return self._object(self._get(f"/api/v1/multisig-transactions/{safe_tx_hash}/"), "transaction")

    def confirmations(self, safe_tx_hash: str) -> list[dict]:
        return self._paged(f"/api/v1/multisig-transactions/{safe_tx_hash}/confirmations/")

    # -- write ----------------------------------------------------------------------------------
    def post_confirmation(self, safe_tx_hash: str, signature: bytes) -> None:
        body = json.dumps({"signature": "0x" + signature.hex()}).encode()
        self._request(f"/api/v1/multisig-transactions/{safe_tx_hash}/confirmations/", body)

    def propose(self, safe: str, proposal: dict) -> None:
        self._request(f"/api/v1/safes/{safe}/multisig-transactions/", json.dumps(proposal).encode())

    # -- plumbing -------------------------------------------------------------------------------
    def _paged(self, path: str) -> list[dict]:
        url: str | None = path
        items: list[dict] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            page = self._object(self._get(url), "page")
            results = page.get("results")
            if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
                raise CourierError("'results' is not a list of objects", self.base_url + path)
            items.extend(results)
            following = page.get("next")
            url = following if isinstance(following, str) and following else None
        raise CourierError(f"more than {MAX_PAGES} pages", self.base_url + path)

    def _get(self, path_or_url: str) -> object:
        return self._request(path_or_url, None)

    def _request(self, path_or_url: str, body: bytes | None) -> object:
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else self.base_url + path_or_url
        if not url.startswith(self.base_url):  # a `next` link must not lead the courier elsewhere
            raise CourierError("the service pointed to another host", url)
        request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                raw = answer.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as err:
            detail = err.read(2000).decode("utf-8", "replace")
            raise CourierError(f"HTTP {err.code} {err.reason}: {detail}", url) from None
        except (urllib.error.URLError, OSError) as err:
            raise CourierError(f"cannot reach the service: {err}", url) from None
        if len(raw) > MAX_ANSWER_BYTES:
            raise CourierError(f"answer larger than {MAX_ANSWER_BYTES} bytes", url)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError as err:
            raise CourierError(f"answer is not JSON: {err}", url) from None

    def _object(self, value: object, what: str) -> dict:
        if not isinstance(value, dict):
            raise CourierError(f"the service's {what} is not a JSON object", self.base_url)
        return value
