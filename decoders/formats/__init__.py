"""Payload format registry: bytes or text in, a `Payload` out, the format auto-detected.

Each format module offers `sniff(document) -> bool` and `parse(document, source) -> Payload`.
JSON formats receive the parsed JSON object; text formats (UR) receive the text. Anything no
format claims is an `UnknownFormatError`: Coldsight never guesses.
"""

from .. import strictjson
from ..errors import PayloadError, UnknownFormatError
from ..safetx import Payload
from . import service_json, typed_data

# Order matters only for documents two formats could both claim; typed data is checked first
# because its shape (`types`, `primaryType`, ...) is the more specific one.
JSON_FORMATS = (typed_data, service_json)


def decode_text(data: bytes, source: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PayloadError(f"not UTF-8 text (bad byte at offset {err.start}); is this an image or a binary file?", source) from None


def parse_bytes(data: bytes, source: str) -> Payload:
    return parse_text(decode_text(data, source), source)


def parse_text(text: str, source: str) -> Payload:
    stripped = text.strip()
    if not stripped:
        raise PayloadError("the payload is empty", source)
    if stripped[:3].lower() == "ur:":
        from . import ur_format  # the UR codec is only loaded when a UR arrives

        return ur_format.parse_ur_text(stripped, source)
    if stripped[0] not in "{[":
        raise UnknownFormatError(
            "not a recognised payload: expected Safe Transaction Service JSON, EIP-712 typed data JSON or ur: text",
            source,
        )
    return parse_json_document(strictjson.loads(stripped, source), source)


def parse_json_document(document: object, source: str) -> Payload:
    if isinstance(document, list):
        raise UnknownFormatError(
            "a JSON list is not a single Safe transaction", source, "export one transaction, not a list"
        )
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        raise UnknownFormatError(
            "this is a Safe Transaction Service list response, not one transaction", source,
            "save the single transaction object you are asked to sign",
        )
    for fmt in JSON_FORMATS:
        if fmt.sniff(document):
            return fmt.parse(document, source)
    raise UnknownFormatError(
        "JSON is neither Safe Transaction Service multisig-transaction JSON nor SafeTx EIP-712 typed data",
        source,
    )
