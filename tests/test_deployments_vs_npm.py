"""The bundled Safe deployments agree with the @safe-global/safe-deployments npm package.

The bundled file is generated from the package's asset files; this test reads the package
through its public getter functions instead (tests/node/deployments_dump.mjs)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from decoders.data import load_json

NODE_DIR = Path(__file__).parent / "node"
pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not (NODE_DIR / "node_modules").is_dir(), reason="node test peers not installed"),
]
REQUIRED_NAMES = {"MultiSendCallOnly", "MultiSend", "SignMessageLib", "SafeMigration",
                  "GnosisSafe", "Safe", "GnosisSafeL2", "SafeL2"}
REQUIRED_VERSIONS = {"1.3.0", "1.4.1", "1.5.0"}


@pytest.fixture(scope="module")
def npm() -> dict:
    node = shutil.which("node")
    assert node, "node is required when tests/node/node_modules is installed"
    out = subprocess.run([node, str(NODE_DIR / "deployments_dump.mjs")], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    dump = json.loads(out)
    return dump | {"by_key": {(c["name"], c["version"]): c for c in dump["contracts"]}}


@pytest.fixture(scope="module")
def bundled() -> dict:
    return load_json("safe_deployments.json")


def _bundled_chain_sets(bundled: dict, item: dict) -> dict[str, set[str]]:
    return {t: {str(c) for c in chains} for t, chains in bundled["networks"][item["networks"]].items()}


def test_same_package_version(npm, bundled):
    assert bundled["package"] == {"name": npm["package"], "version": npm["version"]}
    assert npm["version"] in bundled["source"]


def test_every_bundled_entry_matches_package(npm, bundled):
    for item in bundled["contracts"]:
        theirs = npm["by_key"].get((item["name"], item["version"]))
        assert theirs is not None, f"{item['name']} {item['version']} not in the package"
        assert item["addresses"] == theirs["addresses"], item["name"]
        assert item["released"] == theirs["released"]
        type_of = {addr.lower(): t for t, addr in theirs["addresses"].items()}
        expected: dict[str, set[str]] = {}
        for chain, addresses in theirs["networkAddresses"].items():
            for address in addresses:
                expected.setdefault(type_of[address.lower()], set()).add(chain)
        assert _bundled_chain_sets(bundled, item) == expected, f"{item['name']} {item['version']}"


def test_package_contracts_all_bundled(npm, bundled):
    ours = {(c["name"], c["version"]) for c in bundled["contracts"]}
    required = {k for k in npm["by_key"] if k[0] in REQUIRED_NAMES and k[1] in REQUIRED_VERSIONS}
    # Guard against the dump silently finding nothing.
    assert ("MultiSendCallOnly", "1.4.1") in required and ("SafeMigration", "1.5.0") in required
    assert required <= ours
    assert set(npm["by_key"]) <= ours


def test_generator_check_mode_agrees():
    node = shutil.which("node")
    gen = Path(__file__).parent.parent / "tools" / "gen_deployments.mjs"
    result = subprocess.run([node, str(gen), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
