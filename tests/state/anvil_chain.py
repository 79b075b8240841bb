"""Run in a child interpreter by the proven-state tests (the test process may carry Coldsight's
offline guard, so it opens no socket itself). Prints one JSON answer.

    python -m tests.state.anvil_chain setup RPC                     Safe 2-of-3, tokens, Uniswap v2
    python -m tests.state.anvil_chain exec RPC PAYLOAD.json         sign with two owners, execute
    python -m tests.state.anvil_chain read RPC QUERY.json           balances, Safe settings, block
    python -m tests.state.anvil_chain guard RPC SAFE ADDRESS        put the rejecting guard in place (0x0: none)
    python -m tests.state.anvil_chain mine RPC N                    mine N empty blocks

Contracts come from published npm artifacts (tests/node/node_modules), never compiled here:
@openzeppelin/contracts 4.9.6 ERC20PresetMinterPauser and ERC721PresetMinterPauserAutoId; @uniswap/v2-core 1.0.1 UniswapV2Factory
(its pair); @uniswap/v2-periphery 1.1.0-beta.0 WETH9, UniswapV2Router02 and DeflatingERC20 (a
token that burns 1% of every transfer). The rejecting guard is eleven hand-written instructions
(GUARD_CODE): it reverts every call with Error("blocked by guard").
"""

import json
import sys
from pathlib import Path

from eth_account import Account
from eth_keys import keys
from web3 import Web3

from tests.courier.anvil_safe import deploy as deploy_safe

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "node" / "node_modules"
KEYS = [bytes([n]) * 32 for n in (0x11, 0x22, 0x33)]
OWNERS = [Account.from_key(k).address for k in KEYS]
GUARD_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8"
GUARD_CODE = bytes.fromhex(
    "7f08c379a0" + "00" * 28 + "600052" + "6020600452" + "6010602452"
    + "7f" + b"blocked by guard".hex() + "00" * 16 + "604452" + "60646000fd")
SAFE_TX_TYPES = ["bytes32", "address", "uint256", "bytes32", "uint8", "uint256", "uint256", "uint256", "address",
                 "address", "uint256"]


def _artifact(path: str) -> tuple[list, str]:
    document = json.loads((NODE / path).read_text())
    code = document["bytecode"] if isinstance(document["bytecode"], str) else document["evm"]["bytecode"]["object"]
    return document["abi"], code if code.startswith("0x") else "0x" + code


def _deploy(w3: Web3, path: str, *args) -> str:
    abi, code = _artifact(path)
    tx = w3.eth.contract(abi=abi, bytecode=code).constructor(*args).transact({"from": w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1, path
    return receipt["contractAddress"]


def _contract(w3: Web3, path: str, address: str):
    return w3.eth.contract(address=address, abi=_artifact(path)[0])


def _send(w3: Web3, call) -> None:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": w3.eth.accounts[0]}))
    assert receipt["status"] == 1


def setup(rpc: str) -> dict:
    w3 = Web3(Web3.HTTPProvider(rpc))
    safe = deploy_safe(rpc, OWNERS, 2, 5 * 10**18)["safe"]
    me = w3.eth.accounts[0]
    token = _deploy(w3, "@openzeppelin/contracts/build/contracts/ERC20PresetMinterPauser.json", "Test Token", "TT")
    tt = _contract(w3, "@openzeppelin/contracts/build/contracts/ERC20PresetMinterPauser.json", token)
    _send(w3, tt.functions.mint(safe, 1000 * 10**18))
    _send(w3, tt.functions.mint(me, 10_000 * 10**18))
    nft_path = "@openzeppelin/contracts/build/contracts/ERC721PresetMinterPauserAutoId.json"
    nft = _deploy(w3, nft_path, "Test Items", "TI", "https://example.invalid/")
    _send(w3, _contract(w3, nft_path, nft).functions.mint(safe))  # item 0
    fee_token = _deploy(w3, "@uniswap/v2-periphery/build/DeflatingERC20.json", 10**24)
    _send(w3, _contract(w3, "@uniswap/v2-periphery/build/DeflatingERC20.json", fee_token).functions.transfer(
        safe, 1000 * 10**18))
    weth = _deploy(w3, "@uniswap/v2-periphery/build/WETH9.json")
    factory = _deploy(w3, "@uniswap/v2-core/build/UniswapV2Factory.json", me)
    router = _deploy(w3, "@uniswap/v2-periphery/build/UniswapV2Router02.json", factory, weth)
    _send(w3, tt.functions.approve(router, 2**256 - 1))
    router_contract = _contract(w3, "@uniswap/v2-periphery/build/UniswapV2Router02.json", router)
    receipt = w3.eth.wait_for_transaction_receipt(router_contract.functions.addLiquidityETH(
        token, 5000 * 10**18, 0, 0, me, 2**40).transact({"from": me, "value": 50 * 10**18}))
    assert receipt["status"] == 1, "addLiquidityETH"
    pair = _contract(w3, "@uniswap/v2-core/build/UniswapV2Factory.json", factory).functions.getPair(token, weth).call()
    return {"safe": safe, "owners": OWNERS, "token": token, "nft": nft, "feeToken": fee_token, "weth": weth, "factory": factory,
            "router": router, "pair": pair}


def _signature(key: bytes, digest: bytes) -> bytes:
    signed = keys.PrivateKey(key).sign_msg_hash(digest)
    return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([27 + signed.v])


def execute(rpc: str, payload_path: str) -> dict:
    """Sign the payload's safeTxHash (as the Safe computes it) with owners 1 and 2, and execute."""
    w3 = Web3(Web3.HTTPProvider(rpc))
    tx = json.loads(Path(payload_path).read_text())
    safe = Web3.to_checksum_address(tx["safe"])
    args = [tx["to"], int(tx["value"]), bytes.fromhex(tx["data"][2:]), tx["operation"], int(tx["safeTxGas"]),
            int(tx["baseGas"]), int(tx["gasPrice"]), tx["gasToken"], tx["refundReceiver"]]
    hash_abi = [{"name": "getTransactionHash", "type": "function", "stateMutability": "view", "outputs": [{"type": "bytes32"}],
                 "inputs": [{"type": t, "name": f"a{i}"} for i, t in enumerate(
                     ["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "uint256"])]},
                {"name": "execTransaction", "type": "function", "stateMutability": "payable", "outputs": [{"type": "bool"}],
                 "inputs": [{"type": t, "name": f"a{i}"} for i, t in enumerate(
                     ["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "bytes"])]}]
    contract = w3.eth.contract(address=safe, abi=hash_abi)
    digest = bytes(contract.functions.getTransactionHash(*args, int(tx["nonce"])).call())
    signers = sorted(zip(OWNERS[:2], KEYS[:2]), key=lambda pair: int(pair[0], 16))
    signatures = b"".join(_signature(key, digest) for _, key in signers)
    sent = contract.functions.execTransaction(*args, signatures).transact({"from": w3.eth.accounts[0], "gas": 5_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(sent)
    success = any(log["topics"][0].hex().removeprefix("0x") == Web3.keccak(text="ExecutionSuccess(bytes32,uint256)").hex().removeprefix("0x")
                  for log in receipt["logs"] if log["address"] == safe)
    return {"status": receipt["status"], "success": bool(receipt["status"] == 1 and success),
            "block": receipt["blockNumber"], "safeTxHash": "0x" + digest.hex()}


def read(rpc: str, query_path: str) -> dict:
    """Balances (native and ERC-20) and Safe settings at the latest block, over RPC."""
    w3 = Web3(Web3.HTTPProvider(rpc))
    query = json.loads(Path(query_path).read_text())
    erc20 = [{"name": "balanceOf", "type": "function", "stateMutability": "view", "inputs": [{"type": "address", "name": "a"}],
              "outputs": [{"type": "uint256"}]},
             {"name": "allowance", "type": "function", "stateMutability": "view",
              "inputs": [{"type": "address", "name": "a"}, {"type": "address", "name": "b"}], "outputs": [{"type": "uint256"}]}]
    answer: dict = {"native": {}, "tokens": {}, "allowances": {}, "block": w3.eth.block_number}
    for holder in query.get("native", []):
        answer["native"][holder] = str(w3.eth.get_balance(Web3.to_checksum_address(holder)))
    for token, holder in query.get("tokens", []):
        contract = w3.eth.contract(address=Web3.to_checksum_address(token), abi=erc20)
        answer["tokens"][f"{token}/{holder}"] = str(contract.functions.balanceOf(Web3.to_checksum_address(holder)).call())
    for token, owner, spender in query.get("allowances", []):
        contract = w3.eth.contract(address=Web3.to_checksum_address(token), abi=erc20)
        answer["allowances"][f"{token}/{owner}/{spender}"] = str(contract.functions.allowance(
            Web3.to_checksum_address(owner), Web3.to_checksum_address(spender)).call())
    nft_abi = [{"name": "ownerOf", "type": "function", "stateMutability": "view", "inputs": [{"type": "uint256", "name": "i"}],
                "outputs": [{"type": "address"}]},
               {"name": "isApprovedForAll", "type": "function", "stateMutability": "view",
                "inputs": [{"type": "address", "name": "a"}, {"type": "address", "name": "b"}], "outputs": [{"type": "bool"}]}]
    answer["owners_of"] = {f"{nft}/{item}": w3.eth.contract(address=Web3.to_checksum_address(nft), abi=nft_abi)
                           .functions.ownerOf(int(item)).call() for nft, item in query.get("items", [])}
    answer["operators"] = {f"{nft}/{owner}/{operator}": w3.eth.contract(address=Web3.to_checksum_address(nft), abi=nft_abi)
                           .functions.isApprovedForAll(Web3.to_checksum_address(owner), Web3.to_checksum_address(operator)).call()
                           for nft, owner, operator in query.get("operators", [])}
    if "safe" in query:
        safe_abi = [{"name": n, "type": "function", "stateMutability": "view", "inputs": [], "outputs": [{"type": t}]}
                    for n, t in (("getOwners", "address[]"), ("getThreshold", "uint256"), ("nonce", "uint256"))]
        safe = w3.eth.contract(address=Web3.to_checksum_address(query["safe"]), abi=safe_abi)
        answer["owners"] = safe.functions.getOwners().call()
        answer["threshold"] = safe.functions.getThreshold().call()
        answer["nonce"] = safe.functions.nonce().call()
    return answer


def guard(rpc: str, safe: str, address: str) -> dict:
    w3 = Web3(Web3.HTTPProvider(rpc))
    if int(address, 16):
        w3.provider.make_request("anvil_setCode", [address, "0x" + GUARD_CODE.hex()])
    w3.provider.make_request("anvil_setStorageAt", [safe, GUARD_SLOT, "0x" + bytes.fromhex(address[2:]).rjust(32, b"\0").hex()])
    w3.provider.make_request("evm_mine", [])
    return {"guard": address}


def mine(rpc: str, blocks: int) -> dict:
    w3 = Web3(Web3.HTTPProvider(rpc))
    w3.provider.make_request("anvil_mine", [hex(blocks)])
    return {"block": w3.eth.block_number}


if __name__ == "__main__":
    command, rpc, *rest = sys.argv[1:]
    result = {"setup": lambda: setup(rpc), "exec": lambda: execute(rpc, rest[0]), "read": lambda: read(rpc, rest[0]),
              "guard": lambda: guard(rpc, rest[0], rest[1]), "mine": lambda: mine(rpc, int(rest[0]))}[command]()
    print(json.dumps(result, default=str))
