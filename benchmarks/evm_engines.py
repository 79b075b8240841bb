"""Which EVM runs the oracle: py-evm (pure Python) or pyrevm (Rust)?

    .venv/bin/python benchmarks/evm_engines.py [--quick]

Measures, for each engine, on the same synthesized Safe 1.4.1 (decoders.evm.execute.prepare):
  * import time in a fresh interpreter (the whole `coldsight verify` process should stay < 1 s);
  * a 1-call execTransaction (an ERC-20 transfer) and a 500-entry MultiSendCallOnly batch, warm
    (targets: < 20 ms and < 300 ms), plus 5,000 entries for the work bound (py-evm only);
  * capability (a): can every CALL/DELEGATECALL/CALLCODE/CREATE/CREATE2 made from the Safe's context
    be recorded with exact target, value and calldata and NOT executed (success, empty return data)?

pyrevm 0.3.7 has no inspector or call hook in its Python API: `tracing=True` prints EIP-3155 step
lines (stack only, no memory) from Rust to the process's stdout, so calldata cannot be recovered
and calls cannot be stopped; pyrevm runs here only for timing, with unknown targets codeless (which
also makes them return success and empty data). pyrevm-trace (PyPI, 0.1.0) is a source-only
release needing a Rust toolchain and crates.io, neither reachable here, so it could not be measured.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_abi import encode  # noqa: E402
from eth_hash.auto import keccak  # noqa: E402

from decoders.safetx import Context, SafeTx, SafeVersion  # noqa: E402

SAFE = "0x1234567890AbcdEF1234567890aBcdef12345678"
ZERO = "0x" + "00" * 20
TOKEN = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 multi_send_call_only
CONTEXT = Context(1, SAFE, SafeVersion.parse("1.4.1"))


def transfer(i: int) -> bytes:
    return keccak(b"transfer(address,uint256)")[:4] + encode(["address", "uint256"], [f"0x{i + 1:040x}", i + 1])


def one_call() -> SafeTx:
    return SafeTx(TOKEN, 0, transfer(0), 0, 0, 0, 0, ZERO, ZERO, 5)


def batch(n: int) -> SafeTx:
    packed = b"".join(b"\x00" + bytes.fromhex(TOKEN[2:]) + (0).to_bytes(32, "big") + (68).to_bytes(32, "big") + transfer(i)
                      for i in range(n))
    data = keccak(b"multiSend(bytes)")[:4] + encode(["bytes"], [packed])
    return SafeTx(CALL_ONLY_141, 0, data, 1, 0, 0, 0, ZERO, ZERO, 5)


def timed(run, repeat: int) -> tuple[float, float]:
    """(best, median) wall time in ms over `repeat` warm runs (one unmeasured run first)."""
    run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return min(samples), statistics.median(samples)


def import_ms(statement: str, repeat: int = 5) -> float:
    """Best wall time of a fresh interpreter running `statement`, minus a bare interpreter's."""
    def once(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        return (time.perf_counter() - start) * 1000
    bare = min(once("pass") for _ in range(repeat))
    return min(once(statement) for _ in range(repeat)) - bare


def pyevm_run(tx: SafeTx):
    from decoders.evm import execute_safe_tx

    return lambda: execute_safe_tx(tx, CONTEXT)


def pyrevm_run(tx: SafeTx):
    from pyrevm import EVM, AccountInfo

    from decoders.evm.execute import EXECUTOR, SAFE_BALANCE, _approval, exec_calldata, prepare

    setup = prepare(tx, CONTEXT)

    def run():
        evm = EVM(gas_limit=2**62)
        for address, code in setup.codes:
            evm.insert_account_info("0x" + address.hex(), AccountInfo(code=code))
        safe = "0x" + setup.safe.hex()
        evm.insert_account_info(safe, AccountInfo(code=setup.proxy_code))
        evm.set_balance(safe, SAFE_BALANCE)
        evm.set_balance("0x" + EXECUTOR.hex(), 10**30)
        for slot, value in setup.storage.items():
            evm.insert_account_storage(safe, slot, value)
        out = evm.message_call("0x" + EXECUTOR.hex(), safe, exec_calldata(tx, _approval(EXECUTOR)), gas=setup.gas)
        assert int.from_bytes(bytes(out)[:32], "big") == 1
    return run


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 5 if quick else 20
    print("engine   measure                                   best ms   median ms")
    rows = []
    for name, make in (("py-evm", pyevm_run), ("pyrevm", pyrevm_run)):
        cases = (("1-call execTransaction", one_call(), repeat), ("500-entry MultiSendCallOnly", batch(500), max(3, repeat // 4)))
        for label, tx, n in cases:
            best, median = timed(make(tx), n)
            rows.append((name, label, best, median))
    best, median = timed(pyevm_run(batch(5000)), 1 if quick else 3)
    rows.append(("py-evm", "5,000-entry MultiSendCallOnly", best, median))
    for name, label, best, median in rows:
        print(f"{name:8} {label:40} {best:9.1f} {median:10.1f}")
    first = ("from decoders.evm import execute_safe_tx; from decoders.safetx import *; "
             f"execute_safe_tx(SafeTx('{TOKEN}',0,b'',0,0,0,0,'{ZERO}','{ZERO}',0), "
             f"Context(1,'{SAFE}',SafeVersion.parse('1.4.1')))")
    print(f"py-evm   import decoders.evm                          {import_ms('import decoders.evm'):9.1f}")
    print(f"py-evm   import + first run (py-evm loaded, set up)   {import_ms(first):9.1f}")
    print(f"pyrevm   import pyrevm                                {import_ms('import pyrevm'):9.1f}")
    print("capability (a), record calls without running them: py-evm yes (apply_child_computation hook); "
          "pyrevm 0.3.7 no (no call hook; EIP-3155 trace has no memory, so no calldata)")


if __name__ == "__main__":
    main()
