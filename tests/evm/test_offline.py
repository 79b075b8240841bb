"""The oracle runs with the offline guard installed and loads no network module."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from app import offline_guard
offline_guard.install()
from decoders.evm import execute_safe_tx
from decoders.safetx import Context, SafeTx, SafeVersion
zero = "0x" + "00" * 20
token = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
tx = SafeTx(token, 0, bytes.fromhex("a9059cbb") + bytes(64), 0, 0, 0, 0, zero, zero, 0)
execution = execute_safe_tx(tx, Context(1, "0x" + "12" * 20, SafeVersion.parse("1.4.1")))
try:
    import socket
    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    guard_works = False
except PermissionError:
    guard_works = True
print(json.dumps({"success": execution.success, "to": execution.calls[0].to, "guard_works": guard_works,
                  "modules": sorted(sys.modules)}))
"""


def test_engine_runs_under_the_offline_guard_and_loads_no_network_client():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    assert (result["success"], result["to"], result["guard_works"]) == (True, "0x6B175474E89094C44Da98b954EedeAC495271d0F", True)
    network = {"http", "urllib.request", "urllib3", "requests", "ssl", "asyncio", "aiohttp", "websockets", "web3"}
    assert [m for m in result["modules"] if m.split(".")[0] in network or m in network] == []
