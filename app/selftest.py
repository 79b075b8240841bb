"""Start-up known-answer self-test: a broken or tampered build refuses to review anything.

Before any review, the core is run on fixed inputs whose answers were obtained from independent
implementations (named next to each value) and compared byte for byte. One wrong answer means
the build cannot be trusted: `coldsight` prints which check failed and exits 3.

It covers what a signer relies on: Keccak-256, the EIP-712 SafeTx hashes of each Safe hash family
(0.1.0 dataGas/no chainId, 1.0.0-1.2.0 baseGas/no chainId, >= 1.3.0 with chainId), a whole
verification of the Bybit attack (parse -> hash -> decode -> verdict), a known execution on the
bundled Safe bytecode (the EVM check), strict ABI decoding of an ERC-20 transfer with the bundled
tables, and UR decoding (single part and fountain-coded).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from decoders.vocabulary import Verdict

ZERO = "0x0000000000000000000000000000000000000000"

# Keccak-256 of the empty string: the published Ethereum constant (e.g. the empty-code hash).
KECCAK_EMPTY = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"

# One SafeTx with every field non-default, hashed per family. Expected values computed with
# safe-eth-py 7.27.0 (safe_eth.safe.safe_tx.SafeTx + safe_eth.eth.eip712.eip712_encode), which
# builds its own typed data per version; chain id 1.
class _TxFields(TypedDict):  # SafeTx's fields, so SafeTx(**HASH_TX_FIELDS) is checked
    to: str
    value: int
    data: bytes
    operation: int
    safe_tx_gas: int
    base_gas: int
    gas_price: int
    gas_token: str
    refund_receiver: str
    nonce: int


HASH_TX_FIELDS = _TxFields(
    to="0x96221423681A6d52E184D440a8eFCEbB105C7242",
    value=7,
    data=bytes.fromhex(
        "a9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be2969516"
        "0000000000000000000000000000000000000000000000000000000000000000"
    ),
    operation=1,
    safe_tx_gas=45746,
    base_gas=11,
    gas_price=3,
    gas_token="0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    refund_receiver="0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
    nonce=71,
)
HASH_SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
HASH_VECTORS = {  # version -> (domain, message, safeTxHash)
    "0.1.0": ("b3ded2bdbff5db1a87f6d551fa256e9f2bd6517a3bb84f4c2ea863fb3a559622",
              "8472a67524bd744679f6e6f02546c8a8ab84af200156577ceda78142cdeedd2e",
              "5d5890d93e144e7ffd913f0a58463a2f1c010d9ee85b74a1d0db6d371fa56010"),
    "1.1.1": ("b3ded2bdbff5db1a87f6d551fa256e9f2bd6517a3bb84f4c2ea863fb3a559622",
              "21dfa5c7fbde4dd73f9f7969942cd63bd6d974d10ced83feb6b05e1e8255e698",
              "c24d881c32bf24c1e5c68002f45e863d6e8ca17a3ed1545a8ee39c315653fc51"),
    "1.4.1": ("3abafb4fc69bc9effe736580564843cff706e076fa459a6490d7e3a1d5509f12",
              "21dfa5c7fbde4dd73f9f7969942cd63bd6d974d10ced83feb6b05e1e8255e698",
              "e01c9c21f9dfc948613dd75417546810685c673b4d220527c8ff11ba7c769066"),
}
# Published by github.com/pcaversaccio/safe-tx-hashes-util README.md (Arbitrum Safe, nonce 234,
# addOwnerWithThreshold), Safe 1.3.0+L2 on chain 42161: an outside vector for the chainId family.
PUBLISHED_SAFE = "0x111CEEee040739fD91D29C34C33E6B3E112F2177"
PUBLISHED_DATA = bytes.fromhex(
    "0d582f130000000000000000000000000c75fa5a5f1c0997e3eea425cfa13184ed0ec9e5"
    "0000000000000000000000000000000000000000000000000000000000000003"
)
PUBLISHED_SAFE_TX_HASH = "0cb7250b8becd7069223c54e2839feaed4cee156363fbfe5dd0a48e75c4e25b3"

# The Bybit attack (examples/bybit-attack.json fields). safeTxHash computed with safe-eth-py
# 7.27.0 as above (Safe 1.1.1); the verdict must be "block" for the delegatecall.
BYBIT_PAYLOAD = {
    "safe": HASH_SAFE, "chainId": 1, "safeVersion": "1.1.1", "to": HASH_TX_FIELDS["to"], "value": "0",
    "data": "0x" + HASH_TX_FIELDS["data"].hex(), "operation": 1, "safeTxGas": 45746, "baseGas": 0,
    "gasPrice": "0", "gasToken": ZERO, "refundReceiver": ZERO, "nonce": 71,
}
BYBIT_SAFE_TX_HASH = "b3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8"

# ERC-20 transfer(address,uint256): selector from the EIP-20 signature, arguments built by hand
# (recipient's EIP-55 form as published for vitalik.eth, amount 10**6).
ERC20_RECIPIENT = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
ERC20_AMOUNT = 10**6
ERC20_CALLDATA = bytes.fromhex(
    "a9059cbb000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045"
    "00000000000000000000000000000000000000000000000000000000000f4240"
)

# bc-ur reference (BlockchainCommons/bc-ur test/test.cpp): make_message_ur(50) and the first nine
# parts of UREncoder(make_message_ur(256), 30). Decoded bodies obtained from @ngraveio/bc-ur 1.x
# URDecoder (tests/node), not from Coldsight.
UR_SINGLE = (
    "ur:bytes/hdeymejtswhhylkepmykhhtsytsnoyoyaxaedsuttydmmhhpktpmsrjtgwdpfnsboxgwlbaawzuefywkdplrsrjynbvyga"
    "bwjldapfcsdwkbrkch"
)
UR_SINGLE_CBOR = (
    "5832916ec65cf77cadf55cd7f9cda1a1030026ddd42e905b77adc36e4f2d3ccba44f7f04f2de44f42d84c374a0e149136f25b018"
)
UR_MULTI = (
    "ur:bytes/1-9/lpadascfadaxcywenbpljkhdcahkadaemejtswhhylkepmykhhtsytsnoyoyaxaedsuttydmmhhpktpmsrjtdkgslpgh",
    "ur:bytes/2-9/lpaoascfadaxcywenbpljkhdcagwdpfnsboxgwlbaawzuefywkdplrsrjynbvygabwjldapfcsgmghhkhstlrdcxaefz",
    "ur:bytes/3-9/lpaxascfadaxcywenbpljkhdcahelbknlkuejnbadmssfhfrdpsbiegecpasvssovlgeykssjykklronvsjksopdzmol",
    "ur:bytes/4-9/lpaaascfadaxcywenbpljkhdcasotkhemthydawydtaxneurlkosgwcekonertkbrlwmplssjtammdplolsbrdzcrtas",
    "ur:bytes/5-9/lpahascfadaxcywenbpljkhdcatbbdfmssrkzmcwnezelennjpfzbgmuktrhtejscktelgfpdlrkfyfwdajldejokbwf",
    "ur:bytes/6-9/lpamascfadaxcywenbpljkhdcackjlhkhybssklbwefectpfnbbectrljectpavyrolkzczcpkmwidmwoxkilghdsowp",
    "ur:bytes/7-9/lpatascfadaxcywenbpljkhdcavszmwnjkwtclrtvaynhpahrtoxmwvwatmedibkaegdosftvandiodagdhthtrlnnhy",
    "ur:bytes/8-9/lpayascfadaxcywenbpljkhdcadmsponkkbbhgsoltjntegepmttmoonftnbuoiyrehfrtsabzsttorodklubbuyaetk",
    "ur:bytes/9-9/lpasascfadaxcywenbpljkhdcajskecpmdckihdyhphfotjojtfmlnwmadspaxrkytbztpbauotbgtgtaeaevtgavtny",
)
UR_MULTI_CBOR = (
    "590100916ec65cf77cadf55cd7f9cda1a1030026ddd42e905b77adc36e4f2d3ccba44f7f04f2de44f42d84c374a0e149136f25b0"
    "1852545961d55f7f7a8cde6d0e2ec43f3b2dcb644a2209e8c9e34af5c4747984a5e873c9cf5f965e25ee29039fdf8ca74f1c769f"
    "c07eb7ebaec46e0695aea6cbd60b3ec4bbff1b9ffe8a9e7240129377b9d3711ed38d412fbb4442256f1e6f595e0fc57fed451fb0"
    "a0101fb76b1fb1e1b88cfdfdaa946294a47de8fff173f021c0e6f65b05c0a494e50791270a0050a73ae69b6725505a2ec8a5791"
    "457c9876dd34aadd192a53aa0dc66b556c0c215c7ceb8248b717c22951e65305b56a3706e3e86eb01c803bbf915d80edcd64d4d"
)


# A known execution on the bundled Safe 1.4.1 bytecode (decoders/evm): a MultiSendCallOnly 1.4.1 batch
# (canonical address, safe-deployments v1.4.1 multi_send_call_only.json) of the ERC-20 transfer above
# and a self-call enableModule(EXEC_MODULE) (selector 0x610b5925 = keccak("enableModule(address)")[:4]).
# The real bytecode must make exactly those two calls, run the self-call, and write modules[EXEC_MODULE].
EXEC_MSCO = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
EXEC_TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
EXEC_MODULE = "0x00000000000000000000000000000000000000AA"
EXEC_ENABLE_MODULE = bytes.fromhex("610b5925" + "00" * 12 + "00" * 19 + "aa")


def _packed(operation: int, to: str, data: bytes) -> bytes:
    """One MultiSend entry: operation(1) | to(20) | value(32) = 0 | dataLength(32) | data."""
    return bytes([operation]) + bytes.fromhex(to[2:]) + bytes(32) + len(data).to_bytes(32, "big") + data


def _exec_payload() -> dict:
    blob = _packed(0, EXEC_TOKEN, ERC20_CALLDATA) + _packed(0, HASH_SAFE, EXEC_ENABLE_MODULE)
    padded = blob + bytes(-len(blob) % 32)
    calldata = bytes.fromhex("8d80ff0a") + (32).to_bytes(32, "big") + len(blob).to_bytes(32, "big") + padded
    return {"safe": HASH_SAFE, "chainId": 1, "safeVersion": "1.4.1", "to": EXEC_MSCO, "value": "0",
            "data": "0x" + calldata.hex(), "operation": 1, "safeTxGas": "0", "baseGas": "0", "gasPrice": "0",
            "gasToken": ZERO, "refundReceiver": ZERO, "nonce": "3"}


class SelfTestFailure(Exception):
    """A known answer came out wrong: the build is broken or has been tampered with."""


@dataclass(frozen=True)
class SelfTestResult:
    failures: tuple[str, ...]
    # Modules a check could not import: an incomplete install (a dependency left out), which is
    # told apart from a wrong answer so nobody is sent hunting for an attacker. Still a refusal.
    missing_modules: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures


def _expect(what: str, got: object, expected: object) -> None:
    if got != expected:
        raise SelfTestFailure(f"{what}: expected {expected!r}, got {got!r}")


def check_keccak() -> None:
    from decoders.hexutil import keccak

    _expect("Keccak-256 of the empty string", keccak(b"").hex(), KECCAK_EMPTY)


def check_safe_hashes() -> None:
    from decoders.eip712 import compute_hashes
    from decoders.safetx import Context, SafeTx, SafeVersion

    tx = SafeTx(**HASH_TX_FIELDS)
    for version, (domain, message, safe_tx) in HASH_VECTORS.items():
        got = compute_hashes(tx, Context(chain_id=1, safe=HASH_SAFE, version=SafeVersion.parse(version)))
        _expect(f"Safe {version} hashes", (got.domain.hex(), got.message.hex(), got.safe_tx.hex()),
                (domain, message, safe_tx))
    published = SafeTx(PUBLISHED_SAFE, 0, PUBLISHED_DATA, 0, 0, 0, 0, ZERO, ZERO, 234)
    got = compute_hashes(published, Context(chain_id=42161, safe=PUBLISHED_SAFE, version=SafeVersion.parse("1.3.0+L2")))
    _expect("Safe 1.3.0+L2 published safeTxHash", got.safe_tx.hex(), PUBLISHED_SAFE_TX_HASH)


def check_bybit_verdict() -> None:
    from decoders.verify import verify_bytes

    report = verify_bytes(json.dumps(BYBIT_PAYLOAD).encode(), "self-test")
    _expect("Bybit attack safeTxHash", report.hashes.safe_tx.hex(), BYBIT_SAFE_TX_HASH)
    _expect("Bybit attack verdict", report.verdict, Verdict.BLOCK)


def check_execution() -> None:
    from decoders.verify import verify_bytes

    report = verify_bytes(json.dumps(_exec_payload()).encode(), "self-test")
    execution = report.execution
    _expect("known execution ran", execution is not None and execution.status, "confirmed")
    assert execution is not None  # _expect raised otherwise
    top = execution.calls[0]
    _expect("known execution: the batch", (top["operation"], top["to"], top["executed"]), ("DELEGATECALL", EXEC_MSCO, True))
    _expect("known execution: the calls it makes",
            [(c["operation"], c["to"], c["data"]) for c in top["calls"]],
            [("CALL", EXEC_TOKEN, "0x" + ERC20_CALLDATA.hex()), ("CALL", HASH_SAFE, "0x" + EXEC_ENABLE_MODULE.hex())])
    written = {w["name"] for w in execution.storage_writes}
    _expect("known execution: enableModule writes modules[module]", f"modules[{EXEC_MODULE}]" in written, True)
    _expect("known execution: verdict", report.verdict, Verdict.BLOCK)


def check_erc20_decoding() -> None:
    from decoders.abi import bundled_registry, decode_arguments

    candidates = bundled_registry().candidates(ERC20_CALLDATA[:4])
    canonical = [function.canonical for function in candidates]
    _expect("bundled ABI for selector 0xa9059cbb", "transfer(address,uint256)" in canonical, True)
    function = candidates[canonical.index("transfer(address,uint256)")]
    values = [arg.value for arg in decode_arguments(function, ERC20_CALLDATA)]
    _expect("ERC-20 transfer arguments", [str(values[0]).lower(), values[1]],
            [ERC20_RECIPIENT.lower(), ERC20_AMOUNT])


def check_ur() -> None:
    from decoders.ur import URDecoder, decode_single

    single = decode_single(UR_SINGLE)
    _expect("single-part UR", (single.type, single.cbor.hex()), ("bytes", UR_SINGLE_CBOR))
    decoder = URDecoder()
    for text in UR_MULTI:
        decoder.receive(text)
    _expect("multipart UR complete after its 9 fragments", decoder.is_complete, True)
    _expect("multipart UR", decoder.result.cbor.hex(), UR_MULTI_CBOR)


CHECKS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("keccak", check_keccak),
    ("safe-hashes", check_safe_hashes),
    ("bybit-verdict", check_bybit_verdict),
    ("erc20-decoding", check_erc20_decoding),
    ("evm-execution", check_execution),
    ("ur", check_ur),
)


def run() -> SelfTestResult:
    """Run every check; an unexpected exception is a failure too (fail closed)."""
    failures, missing = [], []
    for name, check in CHECKS:
        try:
            check()
        except SelfTestFailure as failure:
            failures.append(f"{name}: {failure}")
        except ModuleNotFoundError as err:
            failures.append(f"{name}: {type(err).__name__}: {err}")
            if err.name and err.name not in missing:
                missing.append(err.name)
        except Exception as err:  # a crash inside the core is as disqualifying as a wrong answer
            failures.append(f"{name}: {type(err).__name__}: {err}")
    return SelfTestResult(tuple(failures), tuple(missing))


def refusal_message(result: SelfTestResult) -> str:
    only_missing = result.missing_modules and all("ModuleNotFoundError" in f for f in result.failures)
    if only_missing:
        names = ", ".join(f"'{name}'" for name in result.missing_modules)
        lines = [f"coldsight: start-up self-test could not run: a module it needs is missing ({names}).",
                 "coldsight: this installation is incomplete (a dependency was not installed); refusing to review "
                 "anything until it is.",
                 "coldsight: from a checkout: pip install -e . (or pip install --require-hashes -r "
                 "requirements/runtime.lock); a release: reinstall it and check SHA256SUMS."]
    else:
        lines = ["coldsight: start-up self-test FAILED; this build is broken or has been tampered with.",
                 "coldsight: refusing to review anything. Reinstall from a verified release (check SHA256SUMS)."]
        if result.missing_modules:
            lines.append("coldsight: modules are also missing: " + ", ".join(result.missing_modules))
    lines += [f"coldsight: self-test {failure}" for failure in result.failures]
    return "\n".join(lines)


def show_refusal_window(message: str) -> None:
    """Show the refusal in a window too: a signer who starts the app from the desktop menu never
    sees standard error. Best effort; the message has already been printed."""
    import os

    if os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "minimal"):  # nobody could close the box
        return
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance() or QApplication([])
        QMessageBox.critical(None, "Coldsight cannot be trusted", message.replace("coldsight: ", ""))
        del app
    except Exception:  # no display, no Qt: standard error is all there is
        pass
