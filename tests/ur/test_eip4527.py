"""EIP-4527 items against Keystone's published vectors (decode to the fields, re-encode byte for byte).

Sources:
- KeystoneHQ/keystone-sdk-base packages/ur-registry-eth/__tests__/EthSignRequest.test.ts,
  EthSignature.test.ts, CryptoHDKey.test.ts
- KeystoneHQ/ur-registry __tests__/CryptoAccount.test.ts
"""

import pytest

from decoders.errors import URError
from decoders.ur import strict_cbor
from decoders.ur.eip4527 import (
    CryptoAccount,
    CryptoHDKey,
    EthDataType,
    EthSignature,
    EthSignRequest,
    KeyPath,
    decode_registry_item,
)
from decoders.ur.ur import UR, decode_single, encode_single

RLP_TX = bytes.fromhex(
    "f849808609184e72a00082271094000000000000000000000000000000000000000080a47f746573"
    "7432000000000000000000000000000000000000000000000000000000600057808080"
)
REQUEST_ID = bytes.fromhex("9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d")
SIGN_REQUEST_WITH_ORIGIN = (
    "ur:eth-sign-request/oladtpdagdndcawmgtfrkigrpmndutdnbtkgfssbjnaohdgryagalalnascsgljpnbaelfdibemwaeae"
    "aeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaelaoxlbjyihjkjyeyaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeae"
    "aeaeaehnaehglalalaaxadaaadahtaaddyoeadlecsdwykadykadykaewkadwkaocybgeehfksatisjnihjyhsjnhsjkjetlnnda"
    "nt"
)
SIGN_REQUEST_FROM_STRING = (
    "ur:eth-sign-request/onadtpdagdndcawmgtfrkigrpmndutdnbtkgfssbjnaohdgryagalalnascsgljpnbaelfdibemwaeae"
    "aeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaelaoxlbjyihjkjyeyaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeaeae"
    "aeaeaehnaehglalalaaxadaaadahtaaddyoeadlecsdwykadykadykaewkadwkaocybgeehfkswdtklffd"
)
SIGNATURE = bytes.fromhex(
    "d4f0a7bcd95bba1fbb1051885054730e3f47064288575aacc102fbbf6a9a14daa066991e360d3e3406c20c00a40973ef"
    "f37c7d641e5b351ec4a99bfe86f335f713"
)
SIGNATURE_UR = (
    "ur:eth-signature/oeadtpdagdndcawmgtfrkigrpmndutdnbtkgfssbjnaohdfptywtosrftahprdctrkbegylogdghjkbafh"
    "flamfwlohghtpsseaozorsimnybbtnnbiynlckenbtfmeeamsabnaeoxasjkwswfkekiieckhpecckssptndzelnwfecylbwdlsgvazt"
)
HDKEY_CBOR_HEX = (
    "a403582102eae4b876a8696134b868f88cc2f51f715f2dbedb7446b8e6edf3d4541c4eb67b045820d882718b7a42806803"
    "eeb17f7483f20620611adb88fc943c898dc5aba94c281906d90130a20186182cf5183cf500f5021ae9181cf3081ad32e4508"
)
HDKEY_UR = (
    "ur:crypto-hdkey/oxaxhdclaowdverokopdinhseeroisyalksaykctjshedprnuyjyfgrovawewftyghceglrpkgaahdcxtplf"
    "jsluknfwlaisaxwypalbjylswzamcxhscyuyloztmwfnldlgskpyptgsdecfamtaaddyoeadlncsdwykcsfnykaeykaocywlcsce"
    "wfaycytedmfeayghlptnin"
)
ACCOUNT_CBOR_HEX = (
    "A2011A37B5EED40286D90193D9012FA403582103EB3E2863911826374DE86C231A4B76F0B89DFA174AFB78D7F478199884D9DD32"
    "0458206456A5DF2DB0F6D9AF72B2A1AF4B25F45200ED6FCC29C3440B311D4796B70B5B06D90130A10186182CF500F500F5081A99"
    "F9CDF7D90190D90194D9012FA403582102C7E4823730F6EE2CF864E2C352060A88E60B51A84E89E4C8C75EC22590AD6B69045820"
    "9D2F86043276F9251A4A4F577166A5ABEB16B6EC61E226B5B8FA11038BFDA42D06D90130A101861831F500F500F5081AA80F7CDB"
    "D90194D9012FA403582103FD433450B6924B4F7EFDD5D1ED017D364BE95AB2B592DC8BDDB3B00C1C24F63F04582072EDE7334D5A"
    "CF91C6FDA622C205199C595A31F9218ED30792D301D5EE9E3A8806D90130A101861854F500F500F5081A0D5DE1D7D90190D9012F"
    "A4035821035CCD58B63A2CDC23D0812710603592E7457573211880CB59B1EF012E168E059A04582088D3299B448F87215D96B0C2"
    "26235AFC027F9E7DC700284F3E912A34DAEB1A2306D90130A10182182DF5081A37B5EED4D90190D90191D9012FA4035821032C78"
    "EBFCABDAC6D735A0820EF8732F2821B4FB84CD5D6B26526938F90C0507110458207953EFE16A73E5D3F9F2D4C6E49BD88E22093B"
    "BD85BE5A7E862A4B98A16E0AB606D90130A101881830F500F500F501F5081A59B69B2AD90191D9012FA40358210260563EE80C26"
    "844621B06B74070BAF0E23FB76CE439D0237E87502EBBD3CA3460458202FA0E41C9DC43DC4518659BFCEF935BA8101B57DBC0812"
    "805DD983BC1D34B81306D90130A101881830F500F500F502F5081A59B69B2A"
)


def test_sign_request_with_origin_decodes_and_reencodes():
    ur = decode_single(SIGN_REQUEST_WITH_ORIGIN)
    request = decode_registry_item(ur)
    assert isinstance(request, EthSignRequest)
    assert request.request_id == REQUEST_ID
    assert request.request_uuid == "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
    assert request.sign_data == RLP_TX
    assert request.data_type is EthDataType.LEGACY_TRANSACTION
    assert request.chain_id == 1
    assert request.derivation_path.path == "m/44'/1'/1'/0/1"
    assert request.derivation_path.fingerprint_hex == "12345678"
    assert request.origin == "metamask"
    assert request.address is None
    assert encode_single(request.to_ur(), uppercase=False) == SIGN_REQUEST_WITH_ORIGIN


def test_sign_request_built_from_fields_matches_keystone():
    request = EthSignRequest(
        sign_data=RLP_TX,
        data_type=EthDataType.LEGACY_TRANSACTION,
        derivation_path=KeyPath.parse("M/44'/1'/1'/0/1", source_fingerprint=0x12345678),
        request_id=REQUEST_ID,
        chain_id=1,
    )
    assert encode_single(request.to_ur(), uppercase=False) == SIGN_REQUEST_FROM_STRING
    assert EthSignRequest.from_cbor(decode_single(SIGN_REQUEST_FROM_STRING).cbor) == request


def test_signature_decodes_and_reencodes():
    signature = decode_registry_item(decode_single(SIGNATURE_UR))
    assert isinstance(signature, EthSignature)
    assert signature.request_id == REQUEST_ID
    assert signature.signature == SIGNATURE
    assert signature.r == SIGNATURE[:32] and signature.s == SIGNATURE[32:64] and signature.v == 0x13
    assert encode_single(signature.to_ur(), uppercase=False) == SIGNATURE_UR
    assert encode_single(EthSignature(SIGNATURE, REQUEST_ID).to_ur(), uppercase=False) == SIGNATURE_UR


def test_signature_accepts_long_v_and_origin():
    long_v = SIGNATURE[:64] + (0x0A96).to_bytes(2, "big")
    item = EthSignature(long_v, REQUEST_ID, "Coldsight")
    decoded = EthSignature.from_cbor(item.to_cbor())
    assert decoded == item and decoded.v == 0x0A96


def test_hdkey_vector():
    ur = decode_single(HDKEY_UR)
    assert ur.cbor.hex() == HDKEY_CBOR_HEX
    key = decode_registry_item(ur)
    assert isinstance(key, CryptoHDKey)
    assert key.key_data.hex() == "02eae4b876a8696134b868f88cc2f51f715f2dbedb7446b8e6edf3d4541c4eb67b"
    assert key.chain_code.hex() == "d882718b7a42806803eeb17f7483f20620611adb88fc943c898dc5aba94c2819"
    assert key.origin.path == "m/44'/60'/0'"
    assert key.master_fingerprint_hex == "e9181cf3"
    assert key.parent_fingerprint == 0xD32E4508
    assert "[e9181cf3]m/44'/60'/0'" in key.describe()


def test_account_vector():
    account = CryptoAccount.from_cbor(bytes.fromhex(ACCOUNT_CBOR_HEX))
    assert account.master_fingerprint_hex == "37b5eed4"
    assert [o.script for o in account.outputs] == [
        ("pkh",), ("sh", "wpkh"), ("wpkh",), ("sh",), ("sh", "wsh"), ("wsh",)
    ]
    first = account.outputs[0].hd_key
    assert first.key_data.hex() == "03eb3e2863911826374de86c231a4b76f0b89dfa174afb78d7f478199884d9dd32"
    assert first.origin.path == "m/44'/0'/0'"
    assert first.parent_fingerprint == 0x99F9CDF7
    assert account.outputs[4].hd_key.origin.path == "m/48'/0'/0'/1'"
    assert account.outputs[0].describe().startswith("pkh(m/44'/0'/0', key 03eb3e28")


def _sign_request_body(changes: dict | None = None) -> dict:
    body = strict_cbor.decode(decode_single(SIGN_REQUEST_WITH_ORIGIN).cbor, "test", frozenset({37, 304}))
    body.update(changes or {})
    return body


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({3: 5}, "data-type 5"),
        ({3: 0}, "data-type 0"),
        ({4: -1}, "chain-id"),
        ({6: b"\x11" * 19}, "expected 20 bytes"),
        ({8: 1}, "unknown key"),
        ({2: "text"}, "byte string"),
        ({7: b"origin"}, "text string"),
    ],
)
def test_sign_request_field_errors(changes, fragment):
    cbor = strict_cbor.encode(_sign_request_body(changes))
    with pytest.raises(URError, match=fragment):
        EthSignRequest.from_cbor(cbor)


def test_sign_request_missing_required_key():
    body = _sign_request_body()
    del body[5]
    with pytest.raises(URError, match="missing key 5"):
        EthSignRequest.from_cbor(strict_cbor.encode(body))


def test_sign_request_rejects_uuid_of_wrong_tag():
    body = _sign_request_body()
    body[1] = strict_cbor.Tagged(304, REQUEST_ID)
    with pytest.raises(URError, match="expected tag 37"):
        EthSignRequest.from_cbor(strict_cbor.encode(body))


def test_unknown_registry_type_is_named():
    with pytest.raises(URError, match="crypto-psbt"):
        decode_registry_item(UR("crypto-psbt", b"\x40"))
