"""The Safe's state as the chain says it, read over JSON-RPC with web3 (imported lazily).

Every read is pinned to one block so the numbers belong together. Storage slots, from the Safe
contracts (safe-smart-account v1.4.1): slot 0 is the singleton (SafeStorage / the proxy's
`singleton`), the guard at keccak256("guard_manager.guard.address") (GuardManager.sol
GUARD_STORAGE_SLOT), the fallback handler at keccak256("fallback_manager.handler.address")
(FallbackManager.sol FALLBACK_HANDLER_STORAGE_SLOT); modules are listed from SENTINEL (0x1).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from decoders.deployments import identify
from decoders.hexutil import keccak, to_checksum

from .errors import CourierError

GUARD_SLOT = keccak(b"guard_manager.guard.address")
FALLBACK_HANDLER_SLOT = keccak(b"fallback_manager.handler.address")
SENTINEL = "0x0000000000000000000000000000000000000001"
ZERO = "0x" + "00" * 20
MAX_MODULES = 100


def selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


@dataclass(frozen=True)
class SafeState:
    chain_id: int
    block: int
    safe: str
    version: str
    singleton: str
    singleton_name: str | None  # "Safe 1.4.1 (canonical)" when the bundled deployments know it
    owners: tuple[str, ...]
    threshold: int
    nonce: int
    modules: tuple[str, ...]
    guard: str
    fallback_handler: str

    def lines(self) -> list[str]:
        return [
            f"read from chain {self.chain_id} at block {self.block}:",
            f"  Safe {self.safe}, VERSION() {self.version}",
            f"  singleton {self.singleton} ({self.singleton_name or 'NOT a known Safe deployment'})",
            f"  owners ({len(self.owners)}): {', '.join(self.owners)}",
            f"  threshold {self.threshold}, nonce {self.nonce}",
            f"  modules: {', '.join(self.modules) or 'none'}",
            f"  guard: {self.guard if self.guard != ZERO else 'none'}",
            f"  fallback handler: {self.fallback_handler if self.fallback_handler != ZERO else 'none'}",
        ]

    def summary(self) -> str:
        """One line for the sign request's origin, so the offline side sees what the chain said."""
        return (f"coldsight-courier; chain {self.chain_id} block {self.block}: Safe {self.version}, "
                f"threshold {self.threshold} of {len(self.owners)} owners, nonce {self.nonce}, "
                f"{len(self.modules)} module(s), guard {'set' if self.guard != ZERO else 'none'}")


# Coldsight is installed from a checkout (it is not on PyPI): both commands run in its root folder.
INSTALL_HINT = ("in the Coldsight checkout: pip install -e '.[online]' (hash-pinned: pip install --require-hashes "
                "-r requirements/online.lock && pip install --no-deps --no-build-isolation -e .)")


def connect(rpc_url: str):
    try:
        from web3 import Web3
    except ImportError:
        raise CourierError("web3 is not installed", "courier", INSTALL_HINT) from None
    return Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))


class Chain:
    """A JSON-RPC node, through web3."""

    def __init__(self, rpc_url: str):
        self.rpc_url = rpc_url
        self.w3 = connect(rpc_url)

    def _guarded(self, what: str, thunk):
        try:
            return thunk()
        except CourierError:
            raise
        except Exception as err:  # web3 raises many types (connection, RPC error, bad answer)
            raise CourierError(f"{what} failed: {err}", self.rpc_url) from None

    def call(self, to: str, data: bytes, block: int | str = "latest") -> bytes:
        return bytes(self._guarded(f"eth_call to {to}", lambda: self.w3.eth.call({"to": to, "data": "0x" + data.hex()}, block)))

    def storage_word(self, address: str, slot: bytes | int, block: int | str = "latest") -> bytes:
        position = int.from_bytes(slot, "big") if isinstance(slot, bytes) else slot
        return bytes(self._guarded(f"eth_getStorageAt {address}", lambda: self.w3.eth.get_storage_at(address, position, block)))

    def chain_id(self) -> int:
        return int(self._guarded("eth_chainId", lambda: self.w3.eth.chain_id))

    def block_number(self) -> int:
        return int(self._guarded("eth_blockNumber", lambda: self.w3.eth.block_number))

    def balance(self, address: str, block: int | str = "latest") -> int:
        return int(self._guarded("eth_getBalance", lambda: self.w3.eth.get_balance(self.checksum(address), block)))

    def checksum(self, address: str) -> str:
        try:
            return self.w3.to_checksum_address(address)
        except (ValueError, TypeError):
            raise CourierError("not an address (0x and 40 hexadecimal digits)", str(address)[:80]) from None

    def read_safe(self, safe: str) -> SafeState:
        safe = self.checksum(safe)
        block = self.block_number()
        chain_id = self.chain_id()
        code = self._guarded("eth_getCode", lambda: self.w3.eth.get_code(safe, block))
        if not code:
            raise CourierError("no contract at this address on this chain", f"Safe {safe}")

        def call(signature: str, types: list[str], args: tuple = (), arg_types: list[str] | None = None):
            data = selector(signature) + (abi_encode(arg_types or [], list(args)) if args else b"")
            answer = self.call(safe, data, block)
            try:
                return abi_decode(types, answer)
            except Exception as err:
                raise CourierError(f"{signature} answered {len(answer)} byte(s) that do not decode: {err}",
                                   f"Safe {safe}") from None

        (version,) = call("VERSION()", ["string"])
        singleton = _address_word(self.storage_word(safe, 0, block))
        known = identify(chain_id, singleton)
        (owners,) = call("getOwners()", ["address[]"])
        (threshold,) = call("getThreshold()", ["uint256"])
        (nonce,) = call("nonce()", ["uint256"])
        modules, _next = call("getModulesPaginated(address,uint256)", ["address[]", "address"],
                              (SENTINEL, MAX_MODULES), ["address", "uint256"])
        return SafeState(
            chain_id=chain_id, block=block, safe=safe, version=version, singleton=singleton,
            singleton_name=known.label if known is not None else None,
            owners=tuple(self.checksum(o) for o in owners), threshold=int(threshold), nonce=int(nonce),
            modules=tuple(self.checksum(m) for m in modules),
            guard=_address_word(self.storage_word(safe, GUARD_SLOT, block)),
            fallback_handler=_address_word(self.storage_word(safe, FALLBACK_HANDLER_SLOT, block)),
        )


def _address_word(word: bytes) -> str:
    return to_checksum(word.rjust(32, b"\0")[12:])
