"""Shared builders for the policy tests: payload dicts (encoded with eth-abi, not Coldsight),
a policy text skeleton, and one-call evaluation."""

from decoders.formats import parse_json_document
from decoders.verify import verify_payload
from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from policies.evaluate import evaluate_tree
from policies.load import loaded_from_bytes
from policies.result import SignatureStatus
from tests.policies.make_examples import MULTISEND_CALL_ONLY_141, USDC, multisend, payload

SIGNED = SignatureStatus(True, "signed 1-of-1 by test", ("0x" + "11" * 20,), 1, 1)


def addr(name: str) -> str:
    return to_checksum_address(keccak(text="policy test " + name)[:20])


SAFE = addr("safe")
PAYROLL, OPS, STRANGER, VAULT, IMPL = addr("payroll"), addr("ops"), addr("stranger"), addr("vault"), addr("impl")


def calldata(signature: str, *values) -> bytes:
    types = signature[signature.index("(") + 1:-1]
    return keccak(text=signature)[:4] + encode(_split(types), list(values))


def _split(types: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in types:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return parts + [current] if current else parts


BASE = f'''schema = "coldsight.policy/1"

[meta]
id = "test-policy"
serial = 3

[[safes]]
chain = 1
address = "{SAFE}"

[addresses]
USDC = {{ chain = 1, address = "{USDC}", token = {{ symbol = "USDC", decimals = 6 }} }}
payroll = {{ chain = 1, address = "{PAYROLL}" }}
ops = {{ chain = 1, address = "{OPS}" }}
vault = {{ chain = 1, address = "{VAULT}" }}
impl = {{ chain = 1, address = "{IMPL}" }}

[delegatecall]
trusted = ["@MultiSendCallOnly-1.4.1"]
'''


def policy_text(*sections: str, base: str = BASE) -> str:
    return base + "\n" + "\n".join(sections)


def report_for(to: str, data: bytes = b"", value: int = 0, operation: int = 0, safe: str = SAFE, chain: int = 1):
    document = payload(safe, to, data, value, operation)
    document["chainId"] = chain
    return verify_payload(parse_json_document(document, "test"))


def batch_report(entries: list[tuple[str, bytes, int]], safe: str = SAFE):
    return report_for(MULTISEND_CALL_ONLY_141, multisend([(0, to, value, data) for to, data, value in entries]),
                      operation=1, safe=safe)


def decide(text: str, report, status=SIGNED):
    loaded = loaded_from_bytes(text.encode(), "test.toml", status)
    result = evaluate_tree(loaded.policy, report.root, report.context, status, loaded.sha256, tx=report.payload.tx,
                           findings=list(report.findings), effects=getattr(report, "effects", None))
    return result


def outcome(text: str, report) -> str:
    return decide(text, report).outcome
