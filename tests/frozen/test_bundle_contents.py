"""What the frozen air-gapped app contains: no network client and none of the online side.

packaging/coldsight.spec ships the list of every Python module frozen into the app
(`_internal/coldsight-modules.txt`, written from PyInstaller's own analysis); this checks it.
"""

import pytest

from .runners import FROZEN_BINARY, FROZEN_REQUIRED, frozen_available

pytestmark = pytest.mark.frozen

# Network clients and the online side (courier/, web3, eth-account, safe-eth-py): issue 13's list
# (web3, requests, aiohttp, websockets) plus the rest of that family.
FORBIDDEN = ("courier", "web3", "requests", "aiohttp", "websockets", "urllib3", "httpx", "eth_account",
             "safe_eth", "ssl", "_ssl")


def _modules() -> set[str]:
    if not frozen_available():
        if FROZEN_REQUIRED:
            pytest.fail(f"no frozen build at {FROZEN_BINARY}")
        pytest.skip(f"no frozen build at {FROZEN_BINARY} (bash packaging/build.sh --demo)")
    listing = FROZEN_BINARY.parent / "_internal" / "coldsight-modules.txt"
    assert listing.is_file(), "the frozen app must ship its module list"
    return set(listing.read_text().split())


def test_no_network_client_or_online_code_is_frozen():
    modules = _modules()
    found = sorted(m for m in modules if m.split(".")[0] in FORBIDDEN)
    assert found == []


def test_the_module_list_is_real():
    # The list names what the app needs: the core, the EVM oracle and its engine, the GUI.
    modules = _modules()
    assert {"decoders.verify", "decoders.evm.execute", "eth.vm.forks.cancun.computation", "app.gui.main_window"} <= modules
