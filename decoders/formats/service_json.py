"""Safe Transaction Service multisig-transaction JSON (`/api/v1/multisig-transactions/{hash}/`).

The service's JSON carries many more keys than the SafeTx (`dataDecoded`, `proposer`,
`executionDate`, ...). They are accepted and never trusted: `safeTxHash`, `confirmations`,
`signatures` and `dataDecoded` are kept only to be checked against Coldsight's own results.
"""

from ..bounds import MAX_SIGNATURES, check_count
from ..errors import PayloadError
from ..hexutil import parse_address, parse_hex, parse_uint
from ..safetx import ZERO_ADDRESS, AttachedSignature, Payload, SafeTx, SafeVersion
from .fields import parse_operation

FORMAT = "safe-service-json"
REQUIRED = ("to", "value", "operation", "safeTxGas", "gasPrice", "gasToken", "refundReceiver", "nonce")


SAFE_TX_KEYS = frozenset(REQUIRED) | {"data", "baseGas", "dataGas"}


def sniff(document: object) -> bool:
    # Claim a document that carries most SafeTx keys, so a record missing one (say `to`) gets
    # "missing SafeTx field(s): to" rather than "unknown format".
    return isinstance(document, dict) and "types" not in document and len(SAFE_TX_KEYS & set(document)) >= 4


def parse(document: dict, source: str) -> Payload:
    def where(key: str) -> str:
        return f"{source}: {key}"

    missing = [key for key in REQUIRED if key not in document]
    if "baseGas" not in document and "dataGas" not in document:
        missing.append("baseGas")
    if missing:
        raise PayloadError(f"missing SafeTx field(s): {', '.join(missing)}", source)
    if "baseGas" in document and "dataGas" in document:
        raise PayloadError("both baseGas and dataGas are present; a SafeTx has one of them", source)
    gas_key = "baseGas" if "baseGas" in document else "dataGas"
    notes: list[str] = []

    def optional_address(key: str) -> str:
        if document[key] is None:
            notes.append(f"{key} was null and is taken as the zero address")
            return ZERO_ADDRESS
        return parse_address(document[key], where(key))

    data_field = document.get("data")
    data = b"" if data_field is None else parse_hex(data_field, where("data"))
    version = None
    if document.get("safeVersion") is not None:
        version = SafeVersion.parse(document["safeVersion"], where("safeVersion"))
    tx = SafeTx(
        to=parse_address(document["to"], where("to")),
        value=parse_uint(document["value"], where("value")),
        data=data,
        operation=parse_operation(document["operation"], where("operation")),
        safe_tx_gas=parse_uint(document["safeTxGas"], where("safeTxGas")),
        base_gas=parse_uint(document[gas_key], where(gas_key)),
        gas_price=parse_uint(document["gasPrice"], where("gasPrice")),
        gas_token=optional_address("gasToken"),
        refund_receiver=optional_address("refundReceiver"),
        nonce=parse_uint(document["nonce"], where("nonce")),
    )
    claimed = None
    if document.get("safeTxHash") is not None:
        claimed = parse_hex(document["safeTxHash"], where("safeTxHash"))
        if len(claimed) != 32:
            raise PayloadError(f"safeTxHash must be 32 bytes, got {len(claimed)}", where("safeTxHash"))
    return Payload(
        tx=tx,
        format=FORMAT,
        safe=parse_address(document["safe"], where("safe")) if document.get("safe") is not None else None,
        chain_id=parse_uint(document["chainId"], where("chainId")) if document.get("chainId") is not None else None,
        version=version,
        claimed_safe_tx_hash=claimed,
        signatures=_attached_signatures(document, source),
        data_decoded=document.get("dataDecoded"),
        notes=notes,
    )


def _attached_signatures(document: dict, source: str) -> list[AttachedSignature]:
    found: list[AttachedSignature] = []
    confirmations = document.get("confirmations")
    if confirmations is not None:
        if not isinstance(confirmations, list):
            raise PayloadError("confirmations must be a list", f"{source}: confirmations")
        # Refused before any is parsed; packed parts are counted again, with these, before recovery.
        check_count("MAX_SIGNATURES", MAX_SIGNATURES, len(confirmations), "confirmations", f"{source}: confirmations")
        for index, item in enumerate(confirmations):
            where = f"{source}: confirmations[{index}]"
            if not isinstance(item, dict):
                raise PayloadError("a confirmation must be an object with owner and signature", where)
            if item.get("signature") is None:
                continue  # the service lists on-chain approvals without a signature
            found.append(
                AttachedSignature(
                    signature=parse_hex(item["signature"], where + ".signature"),
                    claimed_owner=parse_address(item["owner"], where + ".owner") if item.get("owner") else None,
                    where=where,
                )
            )
    packed = document.get("signatures")
    if packed:
        where = f"{source}: signatures"
        found.append(AttachedSignature(signature=parse_hex(packed, where), claimed_owner=None, where=where))
    return found
