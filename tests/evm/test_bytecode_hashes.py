"""The bundled Safe bytecode is the code deployed on chain.

Singletons and libraries: keccak of the runtime code as deployed at the deployment address
(libraries with immutables are deployed there by the EVM first) must equal the `codeHash` that
@safe-global/safe-deployments lists for that deployment type. Those hashes are pinned in
tests/evm/deployed_code_hashes.json, so the fast suite checks them without npm; the full suite
checks the pinned file itself against the npm package (the `node` tests below).

Proxies have no codeHash in that package, so they are checked through the proxy factory: the
factory's runtime code (tests/evm/proxy_factories.json, from the same npm packages, itself checked
against the pinned codeHash) creates a proxy in the EVM, and the created proxy's code must equal
the bundled proxy code.
"""

import json
from pathlib import Path

import pytest
from eth_abi import encode
from eth_hash.auto import keccak

from decoders.evm.bytecode import bundled
from decoders.evm.execute import _deployed
from decoders.evm.machine import World

HERE = Path(__file__).parent
ASSETS = HERE.parents[0] / "node" / "node_modules" / "@safe-global" / "safe-deployments" / "dist" / "assets"
PINNED = {(c["name"], c["version"]): {kind: (d["address"], d["codeHash"]) for kind, d in c["deployments"].items()}
          for c in json.loads((HERE / "deployed_code_hashes.json").read_text())["contracts"]}


def _npm_code_hashes() -> dict[tuple[str, str], dict[str, tuple[str, str]]]:
    """(contract name, version) -> deployment type -> (address, codeHash), from the package's asset files."""
    found: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
    for path in ASSETS.glob("*/*.json"):
        asset = json.loads(path.read_text())
        found[(asset["contractName"], asset["version"])] = {
            kind: (d["address"], d["codeHash"].lower()) for kind, d in asset["deployments"].items() if kind != "zksync"}
    return found


DEPLOYED = [c for c in bundled() if c.kind != "proxy"]


@pytest.mark.parametrize("contract", DEPLOYED, ids=[f"{c.name}-{c.version}" for c in DEPLOYED])
def test_bundled_code_hashes_to_the_pinned_deployed_code_hash(contract):
    deployments = PINNED[(contract.name, contract.version)]
    checked = []
    for kind, (address, code_hash) in sorted(deployments.items()):
        raw = bytes.fromhex(address[2:])
        runtime = contract.code if contract.form == "runtime" else _deployed(contract, raw)
        assert "0x" + keccak(runtime).hex() == code_hash, f"{contract.name} {contract.version} {kind} {address}"
        checked.append(kind)
    assert "canonical" in checked


FACTORIES = {c["version"]: c for c in json.loads((HERE / "proxy_factories.json").read_text())["contracts"]}
PROXIES = [c for c in bundled() if c.kind == "proxy"]


@pytest.mark.parametrize("proxy", PROXIES, ids=[c.version for c in PROXIES])
def test_bundled_proxy_is_what_the_deployed_factory_creates(proxy):
    entry = FACTORIES[proxy.version]
    factory_code = bytes.fromhex(entry["code"][2:])
    address, code_hash = PINNED[(entry["name"], proxy.version)]["canonical"]
    assert "0x" + keccak(factory_code).hex() == code_hash  # the factory copy is the deployed factory

    factory = bytes.fromhex(address[2:])
    singleton = bytes.fromhex("5afe" * 10)
    world = World.empty()
    world.set_code(factory, factory_code)
    world.set_code(singleton, b"\x00")  # factories >= 1.4.1 require the singleton to have code
    selector = keccak(b"createProxyWithNonce(address,bytes,uint256)")[:4]
    result = world.run(b"\x22" * 20, factory, factory_code,
                       selector + encode(["address", "bytes", "uint256"], ["0x" + singleton.hex(), b"", 0]),
                       10_000_000, 0, None)
    assert not result.is_error
    created = result.output[12:32]
    assert world.get_code(created) == proxy.code
    assert world.get_storage(created, 0) == int.from_bytes(singleton, "big")


def test_every_bundled_contract_and_factory_has_pinned_hashes():
    needed = {(c.name, c.version) for c in DEPLOYED} | {(f["name"], f["version"]) for f in FACTORIES.values()}
    assert needed <= set(PINNED)


@pytest.mark.node
@pytest.mark.skipif(not ASSETS.is_dir(), reason="node test peers not installed (tests/node/setup.sh)")
def test_pinned_hashes_are_the_npm_packages():
    npm = _npm_code_hashes()
    for key, deployments in PINNED.items():
        assert deployments == npm[key], key
