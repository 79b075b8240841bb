"""Turning a PAYLOAD argument (a path, or `-` for stdin) into a parsed `Payload`.

Later input kinds (QR images, video, camera) register here, so every command that takes a
PAYLOAD accepts all of them.
"""

import sys
from pathlib import Path

from decoders.errors import PayloadError
from decoders.formats import parse_bytes
from decoders.safetx import Payload

MAX_PAYLOAD_BYTES = 32 * 1024 * 1024


def read_bytes(spec: str) -> tuple[bytes, str]:
    if spec == "-":
        data = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
        source = "stdin"
    else:
        path = Path(spec)
        if not path.exists():
            raise PayloadError("no such file", spec)
        if path.is_dir():
            raise PayloadError("is a directory, not a payload file", spec)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_PAYLOAD_BYTES + 1)
        except OSError as err:
            raise PayloadError(f"cannot read: {err.strerror}", spec) from None
        source = spec
    if len(data) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"larger than {MAX_PAYLOAD_BYTES} bytes; not a Safe transaction", source)
    return data, source


def load_payload(spec: str) -> Payload:
    data, source = read_bytes(spec)
    return parse_bytes(data, source)
