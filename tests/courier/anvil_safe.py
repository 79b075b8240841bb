"""Run in a child interpreter by the courier tests (the test process may carry Coldsight's
irremovable offline guard, so it opens no socket itself): put Safe 1.4.1 on an anvil chain,
read balances and storage. Prints one JSON answer.

    python -m tests.courier.anvil_safe deploy RPC OWNER,OWNER,OWNER THRESHOLD FUNDING_WEI
    python -m tests.courier.anvil_safe state RPC ADDRESS
    python -m tests.courier.anvil_safe extras RPC SAFE TOKEN_AMOUNT     the test token (Safe funded) and
                                                                        the Bybit-shaped slot overwriter

The singleton, the proxy and MultiSendCallOnly are the bundled canonical runtime bytecode
(decoders/data/bytecode/safe_bytecode.json, read through decoders.evm.bytecode), placed with
anvil_setCode at their canonical addresses (the proxy at a fixed test address, its slot 0 set to
the singleton as SafeProxy's constructor does); the Safe is then set up with a real `setup` call.
No proxy factory: the bundle has none (its creation code would not change what is tested here).
"""

import json
import sys

from eth_abi import encode
from web3 import Web3

from decoders.evm.bytecode import find
from decoders.hexutil import keccak

SAFE_ADDRESS = Web3.to_checksum_address("0x5afe00000000000000000000000000000000c01d")
SETUP = "setup(address[],uint256,address,bytes,address,address,uint256,address)"
ZERO = "0x" + "00" * 20
TOKEN_ADDRESS = Web3.to_checksum_address("0x7e57000000000000000000000000000000007e57")
OVERWRITER_ADDRESS = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # the Bybit attacker's contract (README)


def _rpc(w3: Web3, method: str, params: list) -> object:
    answer = w3.provider.make_request(method, params)
    if "error" in answer:
        raise SystemExit(f"{method}: {answer['error']}")
    return answer.get("result")


def deploy(rpc: str, owners: list[str], threshold: int, funding: int) -> dict:
    w3 = Web3(Web3.HTTPProvider(rpc))
    singleton, proxy = find("1.4.1", "singleton"), find("1.4.1", "proxy")
    library = next(c for c in __import__("decoders.evm.bytecode", fromlist=["libraries"]).libraries()
                   if c.name == "MultiSendCallOnly" and c.version == "1.4.1")
    singleton_address = singleton.preferred_address(31337)
    _rpc(w3, "anvil_setCode", [singleton_address, "0x" + singleton.code.hex()])
    _rpc(w3, "anvil_setCode", [library.preferred_address(31337), "0x" + library.code.hex()])
    _rpc(w3, "anvil_setCode", [SAFE_ADDRESS, "0x" + proxy.code.hex()])
    _rpc(w3, "anvil_setStorageAt", [SAFE_ADDRESS, "0x0", "0x" + bytes.fromhex(singleton_address[2:]).rjust(32, b"\0").hex()])
    data = keccak(SETUP.encode())[:4] + encode(
        ["address[]", "uint256", "address", "bytes", "address", "address", "uint256", "address"],
        [owners, threshold, ZERO, b"", ZERO, ZERO, 0, ZERO])
    sender = w3.eth.accounts[0]
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": sender, "to": SAFE_ADDRESS,
                                                                           "data": "0x" + data.hex()}))
    assert receipt["status"] == 1, "setup reverted"
    _rpc(w3, "anvil_setBalance", [SAFE_ADDRESS, hex(funding)])
    return {"safe": SAFE_ADDRESS, "singleton": singleton_address, "executor": sender}


def extras(rpc: str, safe: str, token_amount: int) -> dict:
    """The test token with `token_amount` of it held by `safe`, and the slot overwriter at the Bybit
    attacker contract's address (tests/courier/contracts.py)."""
    from tests.courier.contracts import SLOT_OVERWRITER, TEST_TOKEN, mint_slots

    w3 = Web3(Web3.HTTPProvider(rpc))
    _rpc(w3, "anvil_setCode", [TOKEN_ADDRESS, "0x" + TEST_TOKEN.hex()])
    for slot, value in mint_slots(safe, token_amount):
        _rpc(w3, "anvil_setStorageAt", [TOKEN_ADDRESS, hex(slot), "0x" + value.to_bytes(32, "big").hex()])
    _rpc(w3, "anvil_setCode", [OVERWRITER_ADDRESS, "0x" + SLOT_OVERWRITER.hex()])
    return {"token": TOKEN_ADDRESS, "overwriter": OVERWRITER_ADDRESS}


def state(rpc: str, address: str) -> dict:
    w3 = Web3(Web3.HTTPProvider(rpc))
    address = w3.to_checksum_address(address)
    return {"balance": str(w3.eth.get_balance(address)), "slot0": "0x" + bytes(w3.eth.get_storage_at(address, 0)).hex(),
            "block": w3.eth.block_number}


if __name__ == "__main__":
    command, rpc, *rest = sys.argv[1:]
    if command == "deploy":
        result = deploy(rpc, rest[0].split(","), int(rest[1]), int(rest[2]))
    elif command == "extras":
        result = extras(rpc, rest[0], int(rest[1]))
    else:
        result = state(rpc, rest[0])
    print(json.dumps(result))
