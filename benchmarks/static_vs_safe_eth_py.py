"""Coldsight's static verification path against safe-eth-py on the same MultiSendCallOnly batch.

    .venv/bin/python benchmarks/static_vs_safe_eth_py.py [--runs N] [--calls N] [--json]

Both sides start from the same service-JSON bytes and run in one process, interleaved, so the
machine's load hits them alike. Measured per run:

  coldsight    `decoders.verify.verify_bytes`: strict JSON parse, EIP-712 hashes, the call tree
               (MultiSend unwrapped, every call strictly ABI-decoded), findings, the Report.
  safe-eth-py  json.loads + `SafeTx(...).safe_tx_hash` + `MultiSend.from_transaction_data(...)`:
               hashes and the batch split into (operation, to, value, data); no per-call
               argument decoding, no checks (safe-eth-py has no offline call decoder).
  +web3 decode the safe-eth-py column plus web3's `Contract.decode_function_input` on every
               entry (eth-abi decode, not strict), which is the closest peer of Coldsight's
               per-call decoding; reported for context only.

Reported: median and p90 in milliseconds over N runs, for a 1-call transaction and the batch,
and the ratio coldsight / safe-eth-py of the medians (the target is <= 1.0 for the batch).
The batch mixes ERC-20 transfer/approve/transferFrom, ERC-721 safeTransferFrom with bytes,
Uniswap V2 swaps (address[]), multicall(bytes[]) and Permit2 approve (uint160, uint48).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_abi import encode
from eth_abi.packed import encode_packed
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

ZERO = "0x0000000000000000000000000000000000000000"
SAFE = "0x1234567890123456789012345678901234567890"
MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 MultiSendCallOnly
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # mainnet USDC
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"  # mainnet WETH9
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # Uniswap Permit2, same address on every chain
UNI_V2_ROUTER = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"  # Uniswap V2 Router02, mainnet
UNI_V3_ROUTER = "0xE592427A0AEce92De3Edee1F18E0157C05861564"  # Uniswap V3 SwapRouter, mainnet


def _addr(i: int) -> str:
    return to_checksum_address(keccak(text=f"benchmark recipient {i}")[:20])


def _call(signature: str, types: list[str], values: list) -> bytes:
    return function_signature_to_4byte_selector(signature) + encode(types, values)


def _entry_for(i: int) -> tuple[str, int, bytes]:
    """(to, value, calldata) of batch entry i: mostly transfers and approvals, a few richer shapes."""
    kind = i % 20
    if kind < 10:
        return USDC, 0, _call("transfer(address,uint256)", ["address", "uint256"], [_addr(i), 10**6 + i])
    if kind < 13:
        return USDC, 0, _call("approve(address,uint256)", ["address", "uint256"], [_addr(i), 5 * 10**6])
    if kind == 13:
        return WETH, 0, _call("transferFrom(address,address,uint256)", ["address", "address", "uint256"],
                              [SAFE, _addr(i), 10**15])
    if kind == 14:
        return _addr(i), 10**15, b""
    if kind == 15:
        return _addr(1000 + i), 0, _call("safeTransferFrom(address,address,uint256,bytes)",
                                         ["address", "address", "uint256", "bytes"], [SAFE, _addr(i), i, b"memo %d" % i])
    if kind == 16:
        return UNI_V2_ROUTER, 0, _call(
            "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
            ["uint256", "uint256", "address[]", "address", "uint256"], [10**6, 1, [USDC, WETH], SAFE, 1_900_000_000])
    if kind == 17:
        inner = [_call("unwrapWETH9(uint256,address)", ["uint256", "address"], [1, SAFE]),
                 _call("sweepToken(address,uint256,address)", ["address", "uint256", "address"], [USDC, 1, SAFE])]
        return UNI_V3_ROUTER, 0, _call("multicall(bytes[])", ["bytes[]"], [inner])
    if kind == 18:
        return PERMIT2, 0, _call("approve(address,address,uint160,uint48)", ["address", "address", "uint160", "uint48"],
                                 [USDC, _addr(i), 10**9, 1_900_000_000])
    return USDC, 0, _call("transfer(address,uint256)", ["address", "uint256"], [SAFE, 1])


def _packed(operation: int, to: str, value: int, data: bytes) -> bytes:
    return encode_packed(["uint8", "address", "uint256", "uint256", "bytes"], [operation, to, value, len(data), data])


def _record(to: str, data: bytes, operation: int, nonce: int) -> dict:
    return {
        "safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "to": to, "value": "0", "data": "0x" + data.hex(),
        "operation": operation, "safeTxGas": "0", "baseGas": "0", "gasPrice": "0", "gasToken": ZERO,
        "refundReceiver": ZERO, "nonce": nonce,
    }


def batch_entries(calls: int) -> list[tuple[str, int, bytes]]:
    return [_entry_for(i) for i in range(calls)]


def batch_payload(calls: int) -> bytes:
    blob = b"".join(_packed(0, to, value, data) for to, value, data in batch_entries(calls))
    data = _call("multiSend(bytes)", ["bytes"], [blob])
    return json.dumps(_record(MULTISEND_CALL_ONLY_141, data, 1, 7)).encode()


def one_call_payload() -> bytes:
    return json.dumps(_record(USDC, _entry_for(0)[2], 0, 8)).encode()


# ---- the two sides -----------------------------------------------------------------------------

def coldsight_static(payload: bytes):
    """The static path alone: parse, hashes, call tree, findings (no EVM check)."""
    from decoders.verify import VerifyOptions, verify_bytes

    return verify_bytes(payload, "benchmark", VerifyOptions(execute=False))


def coldsight_core(payload: bytes):
    """What safe-eth-py's side does, done Coldsight's way: strict parse, hashes, the batch read exactly as
    the library reads it, and every call ABI-decoded strictly (no findings, intents, names or EVM)."""
    from decoders.calls import build_call_tree
    from decoders.eip712 import compute_hashes
    from decoders.formats import parse_bytes
    from decoders.verify import VerifyOptions, _registry, resolve

    parsed = parse_bytes(payload, "benchmark")
    context = resolve(parsed, VerifyOptions())
    return compute_hashes(parsed.tx, context), build_call_tree(parsed.tx, context, _registry(None))


def coldsight_with_evm(payload: bytes):
    """What a signer's verification really runs: the static path plus the EVM check (real Safe bytecode)."""
    from decoders.verify import verify_bytes

    report = verify_bytes(payload, "benchmark")
    assert report.execution is not None and report.execution.status == "confirmed"
    return report


class _OfflineClient:
    """safe-eth-py wants an EthereumClient; any use of it would be a network call."""

    def __getattr__(self, name: str):
        raise AssertionError(f"safe-eth-py tried to use the network (EthereumClient.{name})")


def safe_eth_py(payload: bytes, decode_calls: bool = False):
    from safe_eth.safe.multi_send import MultiSend
    from safe_eth.safe.safe_tx import SafeTx

    record = json.loads(payload)
    data = bytes.fromhex(record["data"][2:])
    tx = SafeTx(
        _OfflineClient(), to_checksum_address(record["safe"]), to_checksum_address(record["to"]), int(record["value"]),
        data, int(record["operation"]), int(record["safeTxGas"]), int(record["baseGas"]), int(record["gasPrice"]),
        to_checksum_address(record["gasToken"]), to_checksum_address(record["refundReceiver"]),
        safe_nonce=int(record["nonce"]), safe_version=record["safeVersion"], chain_id=int(record["chainId"]),
    )
    safe_tx_hash = tx.safe_tx_hash
    entries = MultiSend.from_transaction_data(data) if data[:4] == bytes.fromhex("8d80ff0a") else []
    decoded = [_web3_decode(e.data) for e in entries] if decode_calls else None
    return safe_tx_hash, entries, decoded


_WEB3_CONTRACT = None


def _web3_decode(data: bytes):
    """web3's non-strict decode against the same signatures the batch uses (None if unknown)."""
    global _WEB3_CONTRACT
    if _WEB3_CONTRACT is None:
        from web3 import Web3

        _WEB3_CONTRACT = Web3().eth.contract(abi=_peer_abi())
    if not data:
        return None
    try:
        return _WEB3_CONTRACT.decode_function_input(data)
    except ValueError:
        return None


def _peer_abi() -> list[dict]:
    def fn(name: str, *types: str) -> dict:
        return {"type": "function", "name": name, "stateMutability": "nonpayable", "outputs": [],
                "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(types)]}

    return [
        fn("transfer", "address", "uint256"), fn("approve", "address", "uint256"),
        fn("transferFrom", "address", "address", "uint256"),
        fn("safeTransferFrom", "address", "address", "uint256", "bytes"),
        fn("swapExactTokensForTokens", "uint256", "uint256", "address[]", "address", "uint256"),
        fn("multicall", "bytes[]"), fn("approve", "address", "address", "uint160", "uint48"),
    ]


# ---- timing ------------------------------------------------------------------------------------

def _quantiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered) * 1e3, "p90_ms": ordered[int(0.9 * (len(ordered) - 1))] * 1e3}


def measure(payload: bytes, runs: int, with_web3: bool = True) -> dict:
    sides = {"coldsight core": coldsight_core, "coldsight": coldsight_static, "coldsight + EVM check": coldsight_with_evm,
             "safe-eth-py": safe_eth_py}
    if with_web3:
        sides["safe-eth-py+web3 decode"] = lambda p: safe_eth_py(p, decode_calls=True)
    for fn in sides.values():  # warm caches that a real run fills once (bundled ABIs, deployments, web3)
        fn(payload)
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(runs):
        for name, fn in sides.items():  # interleaved: load spikes hit every side alike
            gc.collect()  # each side starts clean: garbage left by another side is not charged to it
            start = time.perf_counter()
            fn(payload)
            samples[name].append(time.perf_counter() - start)
    result = {name: _quantiles(s) for name, s in samples.items()}
    result["ratio_median"] = result["coldsight"]["median_ms"] / result["safe-eth-py"]["median_ms"]
    result["core_ratio_median"] = result["coldsight core"]["median_ms"] / result["safe-eth-py"]["median_ms"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()

    batch = batch_payload(args.calls)
    report = coldsight_static(batch)
    assert len(report.root.children) == args.calls, "the batch did not unwrap"
    assert all(n.function is not None for n in report.root.walk() if n.data), "a call did not decode"
    results = {
        "1-call": measure(one_call_payload(), args.runs * 5),
        f"{args.calls}-call MultiSendCallOnly": measure(batch, args.runs),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for case, result in results.items():
        print(f"{case}  (ratio of medians to safe-eth-py: coldsight {result['ratio_median']:.2f}, "
              f"core {result['core_ratio_median']:.2f})")
        for name, q in result.items():
            if not name.endswith("ratio_median"):
                print(f"  {name:26s} median {q['median_ms']:8.2f} ms   p90 {q['p90_ms']:8.2f} ms")


if __name__ == "__main__":
    main()
