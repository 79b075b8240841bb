"""Bundled knowledge: Safe deployment lookup and the ABI signature tables."""

import re

import pytest
from eth_utils import function_signature_to_4byte_selector

from decoders import deployments
from decoders.data import abi_families, abi_family
from decoders.deployments import ContractKind, identify
from decoders.errors import ColdsightError

# Literal addresses from safe-global/safe-deployments src/assets/v1.3.0/multi_send_call_only.json,
# v1.3.0/gnosis_safe.json and v1.4.1/multi_send_call_only.json (commit f396380).
MULTISEND_CALL_ONLY_130 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"
MULTISEND_CALL_ONLY_130_EIP155 = "0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B"
MULTISEND_CALL_ONLY_130_ZKSYNC = "0xf220D3b4DFb23C4ade8C88E526C1353AbAcbC38F"
GNOSIS_SAFE_130 = "0xd9Db270c1B5E3Bd161E8c8503c55cEABeE709552"
MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
ZKSYNC_ERA = 324
# safe-deployments v1.3.0/multi_send_call_only.json lists chain 280 (zkSync Era Goerli) with the
# zksync deployment only, while 324 lists zksync, canonical and eip155.
ZKSYNC_ONLY_CHAIN = 280
UNLISTED_CHAIN = 987654321987  # not in the package for any contract


def test_identify_canonical_multisend_call_only():
    found = identify(1, MULTISEND_CALL_ONLY_141.lower())
    assert found is not None
    assert (found.name, found.version, found.kind) == ("MultiSendCallOnly", "1.4.1", ContractKind.MULTISEND_CALL_ONLY)
    assert found.deployment_type == "canonical"
    assert found.address == MULTISEND_CALL_ONLY_141  # returned checksummed
    assert found.label == "MultiSendCallOnly 1.4.1 (canonical)"


def test_identify_singleton_and_eip155():
    singleton = identify(1, GNOSIS_SAFE_130.upper().replace("0X", "0x"))
    assert singleton is not None and singleton.kind is ContractKind.SINGLETON and singleton.version == "1.3.0"
    eip155 = identify(1, MULTISEND_CALL_ONLY_130_EIP155)
    assert eip155 is not None and eip155.deployment_type == "eip155"


def test_zksync_address_only_on_listed_chains():
    assert identify(1, MULTISEND_CALL_ONLY_130_ZKSYNC) is None
    assert identify(None, MULTISEND_CALL_ONLY_130_ZKSYNC) is None
    assert identify(UNLISTED_CHAIN, MULTISEND_CALL_ONLY_130_ZKSYNC) is None
    on_zksync = identify(ZKSYNC_ERA, MULTISEND_CALL_ONLY_130_ZKSYNC)
    assert on_zksync is not None and on_zksync.deployment_type == "zksync"


def test_canonical_not_matched_on_zksync_but_on_new_chains():
    # A chain listing only the zksync deployment: the canonical address means something else
    # there. An unlisted chain gets the benefit of deterministic deployment.
    assert identify(ZKSYNC_ONLY_CHAIN, MULTISEND_CALL_ONLY_130) is None
    assert identify(ZKSYNC_ONLY_CHAIN, MULTISEND_CALL_ONLY_130_ZKSYNC) is not None
    assert identify(UNLISTED_CHAIN, MULTISEND_CALL_ONLY_130) is not None
    assert identify(None, MULTISEND_CALL_ONLY_130) is not None


def test_unknown_address_is_none():
    assert identify(1, "0x" + "11" * 20) is None


def test_bad_address_is_a_project_error():
    with pytest.raises(ColdsightError):
        identify(1, "0x1234")
    with pytest.raises(ColdsightError):
        identify(1, "not hex")


def test_by_label_and_aliases():
    on_mainnet = deployments.by_label("MultiSendCallOnly", "1.3.0", 1)
    assert {c.address for c in on_mainnet} == {MULTISEND_CALL_ONLY_130, MULTISEND_CALL_ONLY_130_EIP155}
    assert [c.address for c in deployments.by_label("Safe", "1.3.0", None)][0] == GNOSIS_SAFE_130
    assert deployments.by_label("MultiSendCallOnly", "9.9.9", 1) == ()


def test_addresses_of_kind():
    multisend_call_only = {c.address for c in deployments.addresses_of(ContractKind.MULTISEND_CALL_ONLY, 1)}
    assert {MULTISEND_CALL_ONLY_130, MULTISEND_CALL_ONLY_141} <= multisend_call_only
    assert MULTISEND_CALL_ONLY_130_ZKSYNC not in multisend_call_only
    assert all(c.kind is ContractKind.MULTISEND_CALL_ONLY for c in deployments.addresses_of(ContractKind.MULTISEND_CALL_ONLY))


def test_source_names_package():
    assert "@safe-global/safe-deployments@" in deployments.source()


# --- ABI signature tables -------------------------------------------------------------------

_ELEMENTARY = re.compile(
    r"(address|bool|string|bytes|function"
    r"|uint(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)"
    r"|int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)"
    r"|bytes([1-9]|[12][0-9]|3[0-2]))$")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*$")
_ARRAY_SUFFIX = re.compile(r"((\[[0-9]*\])*)$")


def _split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        assert depth >= 0, text
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    assert depth == 0, text
    return parts + [current] if current or parts else []


def _canonical_type(type_text: str) -> str:
    """Checks one (possibly tuple) type with names; returns its canonical type without names."""
    suffix = _ARRAY_SUFFIX.search(type_text).group(1)
    base = type_text[: len(type_text) - len(suffix)]
    if base.startswith("("):
        assert base.endswith(")"), type_text
        return "(" + ",".join(_check_param(p) for p in _split_top(base[1:-1])) + ")" + suffix
    assert _ELEMENTARY.match(base), f"non-canonical type {base!r}"
    return base + suffix


def _check_param(param: str) -> str:
    assert param == param.strip() and "  " not in param, repr(param)
    type_text, _, name = param.rpartition(" ")
    assert type_text and _IDENT.match(name), f"parameter without a name: {param!r}"
    assert name not in {"memory", "calldata", "storage", "payable", "indexed"}, param
    return _canonical_type(type_text)


def _canonical_signature(signature: str) -> str:
    match = re.fullmatch(r"([A-Za-z_$][A-Za-z0-9_$]*)\((.*)\)", signature)
    assert match, f"not name(params): {signature!r}"
    name, params = match.groups()
    return f"{name}({','.join(_check_param(p) for p in _split_top(params))})"


ALL_SIGNATURES = [(family, sig) for family in abi_families() for sig in abi_family(family)[1]]


def test_expected_families_present():
    expected = {"safe", "safe_migration", "multisend", "sign_message_lib", "create_call", "proxies", "erc20",
                "erc721", "erc1155", "permit2", "ownable", "access_control", "weth", "common"}
    assert expected <= set(abi_families())
    for family in abi_families():
        source, functions = abi_family(family)
        assert len(source) > 20 and functions, family


@pytest.mark.parametrize(("family", "signature"), ALL_SIGNATURES)
def test_signature_is_canonical_solidity(family, signature):
    _canonical_signature(signature)


@pytest.mark.parametrize("family", abi_families())
def test_no_duplicate_selectors_in_family(family):
    selectors = [function_signature_to_4byte_selector(_canonical_signature(s)) for s in abi_family(family)[1]]
    assert len(selectors) == len(set(selectors))


def test_signature_checker_rejects_bad_forms():
    for bad in ["transfer(address,uint256)", "transfer(address to,uint amount)", "f(uint256 x", "f(address memory to)",
                "f((address a,uint256) x)", "f(uint7 x)"]:
        with pytest.raises(AssertionError):
            _canonical_signature(bad)


# Published selectors. ERC-20: solmate SafeTransferLib / EIP-20 tooling (transfer 0xa9059cbb,
# approve 0x095ea7b3). Safe: selectors in safe-global/safe-smart-account test/json/safeDeployment.json
# (v1.3.0 tag; setGuard at HEAD). multiSend 0x8d80ff0a: safe-global protocol-kit encodeMultiSendData
# test vectors. EIP-1967 upgradeTo/upgradeToAndCall and Ownable transferOwnership: OpenZeppelin ABIs.
PUBLISHED = {
    ("erc20", "transfer"): "0xa9059cbb",
    ("erc20", "approve"): "0x095ea7b3",
    ("erc20", "transferFrom"): "0x23b872dd",
    ("multisend", "multiSend"): "0x8d80ff0a",
    ("safe", "changeMasterCopy"): "0x7de7edef",
    ("safe", "execTransaction"): "0x6a761202",
    ("safe", "setFallbackHandler"): "0xf08a0323",
    ("safe", "enableModule"): "0x610b5925",
    ("safe", "addOwnerWithThreshold"): "0x0d582f13",
    ("safe", "swapOwner"): "0xe318b52b",
    ("safe", "setGuard"): "0xe19a9dd9",
    ("sign_message_lib", "signMessage"): "0x85a5affe",
    ("proxies", "upgradeTo"): "0x3659cfe6",
    ("proxies", "upgradeToAndCall"): "0x4f1ef286",
    ("ownable", "transferOwnership"): "0xf2fde38b",
}


@pytest.mark.parametrize(("family", "name"), sorted(PUBLISHED))
def test_selector_matches_published(family, name):
    matches = [s for s in abi_family(family)[1] if s.startswith(name + "(")]
    assert len(matches) == 1, matches
    selector = function_signature_to_4byte_selector(_canonical_signature(matches[0]))
    assert "0x" + selector.hex() == PUBLISHED[(family, name)]


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(chain_id=st.one_of(st.none(), st.integers(min_value=0, max_value=2**64)),
       address=st.one_of(st.text(max_size=50), st.binary(max_size=30).map(lambda b: "0x" + b.hex())))
def test_identify_fuzz_raises_only_project_errors(chain_id, address):
    try:
        identify(chain_id, address)
    except ColdsightError:
        pass
