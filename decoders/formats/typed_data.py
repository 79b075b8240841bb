"""EIP-712 typed data for SafeTx, as wallets receive it for `eth_signTypedData_v4`.

The types are checked against the exact layouts Safe contracts hash: a document whose types
differ (an extra field, a renamed member, a domain with `name`) would make a wallet display
and sign a hash the Safe never checks, so it is refused rather than hashed "as declared".
"""

from .. import strictjson
from ..errors import PayloadError
from ..hexutil import parse_address, parse_hex, parse_uint
from ..safetx import Context, HashFamily, Payload, SafeTx, SafeVersion
from .fields import parse_operation

FORMAT = "eip712-typed-data"

DOMAIN_NO_CHAIN = [{"name": "verifyingContract", "type": "address"}]
DOMAIN_WITH_CHAIN = [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]


def _safe_tx_fields(gas: str) -> list[dict]:
    return [
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "data", "type": "bytes"},
        {"name": "operation", "type": "uint8"},
        {"name": "safeTxGas", "type": "uint256"},
        {"name": gas, "type": "uint256"},
        {"name": "gasPrice", "type": "uint256"},
        {"name": "gasToken", "type": "address"},
        {"name": "refundReceiver", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ]


SAFE_TX_BASEGAS = _safe_tx_fields("baseGas")
SAFE_TX_DATAGAS = _safe_tx_fields("dataGas")


def sniff(document: object) -> bool:
    if not isinstance(document, dict):
        return False
    if "typedData" in document:
        return True
    return "types" in document and "primaryType" in document


def _unwrap(document: dict, source: str) -> dict:
    inner = document.get("typedData", document)
    if isinstance(inner, str):  # some wallets pass the typed data as a JSON string
        inner = strictjson.loads(inner, f"{source}: typedData")
    if not isinstance(inner, dict):
        raise PayloadError("typedData must be an object", f"{source}: typedData")
    return inner


def _normalised(members: object) -> list[dict] | None:
    if not isinstance(members, list) or not all(isinstance(m, dict) and set(m) == {"name", "type"} for m in members):
        return None
    return [{"name": m["name"], "type": m["type"]} for m in members]


def parse(document: dict, source: str) -> Payload:
    typed = _unwrap(document, source)
    for key in ("types", "domain", "primaryType", "message"):
        if key not in typed:
            raise PayloadError(f"typed data lacks '{key}'", source)
    extra = set(typed) - {"types", "domain", "primaryType", "message"}
    if extra:
        raise PayloadError(f"unexpected typed-data key(s): {', '.join(sorted(extra))}", source)
    if typed["primaryType"] != "SafeTx":
        raise PayloadError(
            f"primaryType is {typed['primaryType']!r}, not 'SafeTx': this is not a Safe transaction", f"{source}: primaryType"
        )
    types = typed["types"]
    if not isinstance(types, dict) or set(types) != {"EIP712Domain", "SafeTx"}:
        found = sorted(types) if isinstance(types, dict) else type(types).__name__
        raise PayloadError(f"types must be exactly EIP712Domain and SafeTx, found {found}", f"{source}: types")
    domain_type = _normalised(types["EIP712Domain"])
    if domain_type == DOMAIN_WITH_CHAIN:
        has_chain = True
    elif domain_type == DOMAIN_NO_CHAIN:
        has_chain = False
    else:
        raise PayloadError(
            "EIP712Domain type is not a Safe domain (expected verifyingContract, optionally preceded by chainId)",
            f"{source}: types.EIP712Domain",
        )
    safe_tx_type = _normalised(types["SafeTx"])
    if safe_tx_type == SAFE_TX_BASEGAS:
        gas_key = "baseGas"
    elif safe_tx_type == SAFE_TX_DATAGAS:
        gas_key = "dataGas"
    else:
        raise PayloadError(
            "SafeTx type does not match any Safe version's layout; a wallet would sign a hash the Safe never checks",
            f"{source}: types.SafeTx",
        )
    if has_chain and gas_key == "dataGas":
        raise PayloadError("no Safe version combines a chainId domain with dataGas", f"{source}: types")
    family = (
        HashFamily.BASEGAS_CHAIN if has_chain else HashFamily.BASEGAS_NO_CHAIN if gas_key == "baseGas" else HashFamily.DATAGAS_NO_CHAIN
    )

    domain = typed["domain"]
    if not isinstance(domain, dict):
        raise PayloadError("domain must be an object", f"{source}: domain")
    expected_domain_keys = {"chainId", "verifyingContract"} if has_chain else {"verifyingContract"}
    if set(domain) != expected_domain_keys:
        raise PayloadError(
            f"domain keys {sorted(domain)} do not match its type {sorted(expected_domain_keys)}", f"{source}: domain"
        )
    safe = parse_address(domain["verifyingContract"], f"{source}: domain.verifyingContract")
    chain_id = parse_uint(domain["chainId"], f"{source}: domain.chainId") if has_chain else None

    message = typed["message"]
    if not isinstance(message, dict):
        raise PayloadError("message must be an object", f"{source}: message")
    expected_fields = {member["name"] for member in safe_tx_type}
    if set(message) != expected_fields:
        missing = sorted(expected_fields - set(message))
        unknown = sorted(set(message) - expected_fields)
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown {', '.join(unknown)}"] if unknown else [])
        raise PayloadError(f"message fields do not match SafeTx: {'; '.join(parts)}", f"{source}: message")

    def at(key: str) -> str:
        return f"{source}: message.{key}"

    tx = SafeTx(
        to=parse_address(message["to"], at("to")),
        value=parse_uint(message["value"], at("value")),
        data=parse_hex(message["data"], at("data")),
        operation=parse_operation(message["operation"], at("operation")),
        safe_tx_gas=parse_uint(message["safeTxGas"], at("safeTxGas")),
        base_gas=parse_uint(message[gas_key], at(gas_key)),
        gas_price=parse_uint(message["gasPrice"], at("gasPrice")),
        gas_token=parse_address(message["gasToken"], at("gasToken")),
        refund_receiver=parse_address(message["refundReceiver"], at("refundReceiver")),
        nonce=parse_uint(message["nonce"], at("nonce")),
    )
    return Payload(
        tx=tx,
        format=FORMAT,
        safe=safe,
        chain_id=chain_id,
        version=SafeVersion(family=family),
        typed_domain_chain_id=chain_id,
        typed_domain_contract=safe,
    )


def to_typed_data(tx: SafeTx, context: Context) -> dict:
    """The EIP-712 document a wallet signs for this SafeTx, in the layout of its Safe version
    (the inverse of `parse`; numbers as decimal strings)."""
    family = context.version.family
    gas_key = family.gas_field
    domain: dict[str, object] = {"verifyingContract": context.safe}
    if family.has_chain_id:
        domain = {"chainId": str(context.chain_id), "verifyingContract": context.safe}
    fields = tx.as_json_fields()
    message = {member["name"]: fields["baseGas" if member["name"] == gas_key else member["name"]] for member in _safe_tx_fields(gas_key)}
    return {
        "types": {
            "EIP712Domain": DOMAIN_WITH_CHAIN if family.has_chain_id else DOMAIN_NO_CHAIN,
            "SafeTx": _safe_tx_fields(gas_key),
        },
        "primaryType": "SafeTx",
        "domain": domain,
        "message": message,
    }
