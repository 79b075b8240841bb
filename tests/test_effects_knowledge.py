"""Function knowledge as data (decoders/data/knowledge/*.json) against the bundled ABIs and the
published ABIs in the installed npm packages (tests/node/node_modules, pinned by
tests/node/package-lock.json): every function a knowledge file or a findings set names is decodable
from a bundled ABI, every reference points at a real parameter, and the selectors agree with
keccak256 over the packages' own ABI JSON (eth_utils computes them, not Coldsight)."""

import json
import re
from pathlib import Path

import pytest
from eth_utils import function_abi_to_4byte_selector, function_signature_to_4byte_selector

from decoders import findings
from decoders.abi import bundled_registry, parse_signature
from decoders.effects_knowledge import knowledge, knowledge_files
from decoders.effects_extract import SAFE_SETTINGS

NODE = Path(__file__).resolve().parent / "node" / "node_modules"
OZ = NODE / "@openzeppelin" / "contracts" / "build" / "contracts"  # @openzeppelin/contracts 4.9.6
V2 = NODE / "@uniswap" / "v2-periphery" / "build"
SPECIALS = {"$target", "$caller", "$value", "$native", "all"}


def _bundled_canonicals() -> dict[str, set[str]]:
    registry = bundled_registry()
    by_name: dict[str, set[str]] = {}
    for bucket in registry._by_selector.values():
        for function in bucket:
            by_name.setdefault(function.name, set()).add(function.canonical)
    return by_name


def test_every_knowledge_file_names_its_sources_and_loads():
    assert len(knowledge_files()) >= 10
    for name in knowledge_files():
        document = json.loads((Path(__file__).resolve().parents[1] / "decoders" / "data" / "knowledge" / name).read_text())
        assert document["sources"] and all(isinstance(s, str) and len(s) > 10 for s in document["sources"]), name
    assert len(knowledge().functions) > 80


def test_every_knowledge_function_is_decodable_from_a_bundled_abi():
    by_name = _bundled_canonicals()
    for canonical, entry in knowledge().functions.items():
        assert canonical in by_name.get(entry.canonical.split("(")[0], set()), f"{entry.file}: {entry.signature}"


@pytest.mark.parametrize("name", sorted(set().union(
    findings.SAFE_MASTERCOPY, findings.SAFE_MODULE, findings.SAFE_GUARD, findings.SAFE_FALLBACK, findings.SAFE_OWNER,
    findings.HANDLER_ROUTING, SAFE_SETTINGS, {"approveHash", "signMessage", "changeThreshold"}) | {
    # the names issue 18 lists for authority, allowances and proceeds
    "beginDefaultAdminTransfer", "_setPendingAdmin", "diamondCut", "setOwner", "grantRole", "transferOwnership",
    "upgradeTo", "upgradeToAndCall", "changeAdmin", "increaseAllowance", "increaseApproval", "permit", "approve",
    "exactInputSingle", "unwrapWETH9", "depositERC20To", "supply", "withdraw", "swap"}))
def test_every_name_in_a_findings_set_is_decodable(name):
    assert _bundled_canonicals().get(name), f"no bundled ABI carries {name}"


def _references(value: object) -> list[str]:
    return [value] if isinstance(value, str) else []


def test_every_reference_points_at_a_parameter():
    for entry in knowledge().functions.values():
        function = parse_signature(entry.signature)
        params = {p.name: p for p in function.inputs}
        for spec in entry.effects:
            for key in ("token", "from", "to", "amount", "tokenId", "spender", "owner", "expiry", "contract", "holder",
                        "roleArg", "each", "via", "enabled", "zeroMeans"):
                for ref in _references(spec.get(key)):
                    if ref in SPECIALS or ref.startswith("=") or ref.startswith("item."):
                        continue
                    ref = ref.removeprefix("all-if:")
                    head = re.split(r"[.\[@]", ref)[0]
                    assert head in params, f"{entry.file}: {entry.signature}: {key} -> {ref}"


def _npm_selectors(path: Path) -> dict[bytes, str]:
    abi = json.loads(path.read_text())["abi"]
    return {function_abi_to_4byte_selector(item): item["name"] for item in abi if item["type"] == "function"}


@pytest.mark.skipif(not OZ.is_dir(), reason="node test peers not installed (tests/node/setup.sh)")
@pytest.mark.parametrize("artifact,names", [
    (OZ / "ERC20.json", {"transfer", "transferFrom", "approve", "increaseAllowance", "decreaseAllowance"}),
    (OZ / "ERC20Permit.json", {"permit"}),
    (OZ / "ERC721.json", {"safeTransferFrom", "setApprovalForAll", "approve", "transferFrom"}),
    (OZ / "ERC1155.json", {"safeTransferFrom", "safeBatchTransferFrom", "setApprovalForAll"}),
    (OZ / "AccessControl.json", {"grantRole", "revokeRole", "renounceRole"}),
    (OZ / "AccessControlDefaultAdminRules.json", {"beginDefaultAdminTransfer", "acceptDefaultAdminTransfer",
                                                  "cancelDefaultAdminTransfer", "changeDefaultAdminDelay"}),
    (OZ / "Ownable.json", {"transferOwnership", "renounceOwnership"}),
    (OZ / "Ownable2Step.json", {"acceptOwnership"}),
    (OZ / "ProxyAdmin.json", {"upgrade", "upgradeAndCall", "changeProxyAdmin"}),
    (OZ / "ITransparentUpgradeableProxy.json", {"upgradeTo", "upgradeToAndCall", "changeAdmin"}),
    (V2 / "IUniswapV2Router02.json", {"swapExactTokensForTokens", "swapTokensForExactTokens", "swapExactETHForTokens",
                                      "swapTokensForExactETH", "swapExactTokensForETH", "swapETHForExactTokens",
                                      "addLiquidity", "addLiquidityETH", "removeLiquidity", "removeLiquidityETH",
                                      "swapExactTokensForTokensSupportingFeeOnTransferTokens"}),
])
def test_knowledge_selectors_match_the_npm_abis(artifact, names):
    published = _npm_selectors(artifact)
    described = {entry.canonical: entry for entry in knowledge().functions.values()}
    for selector, name in published.items():
        if name not in names:
            continue
        matches = [c for c in described if function_signature_to_4byte_selector(c) == selector]
        assert matches, f"{artifact.name}: {name} (0x{selector.hex()}) has no knowledge entry"
        assert bundled_registry().candidates(selector), f"{artifact.name}: {name} is not in a bundled ABI"


# Selectors as published for contracts with no npm package installed here, each from its verified source
# on Etherscan: 1inch AggregationRouterV5 0x1111111254EEB25477B68fb85Ed929f73A960582 and V6
# 0x111111125421cA6dc452d289314280a0f8842A65 (`swap`), Uniswap SwapRouter02 0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45
# (`exactInputSingle`, `exactInput`), DAI 0x6B175474E89094C44Da98b954EedeAC495271d0F (`permit`), WBTC
# 0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599 (`increaseApproval`); EIP-2535 (`diamondCut`); ds-proxy (`setOwner`).
PUBLISHED = {
    "0x12aa3caf": "swap(address,(address,address,address,address,uint256,uint256,uint256),bytes,bytes)",
    "0x07ed2379": "swap(address,(address,address,address,address,uint256,uint256,uint256),bytes)",
    "0x04e45aaf": "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
    "0xb858183f": "exactInput((bytes,address,uint256,uint256))",
    "0x8fcbaf0c": "permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)",
    "0xd73dd623": "increaseApproval(address,uint256)",
    "0x1f931c1c": "diamondCut((address,uint8,bytes4[])[],address,bytes)",
    "0x13af4035": "setOwner(address)",
}


@pytest.mark.parametrize("selector,canonical", sorted(PUBLISHED.items()))
def test_published_selectors(selector, canonical):
    assert "0x" + function_signature_to_4byte_selector(canonical).hex() == selector
    assert canonical in knowledge().functions
    assert [f.canonical for f in bundled_registry().candidates(bytes.fromhex(selector[2:]))] == [canonical]
