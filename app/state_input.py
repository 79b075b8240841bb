"""Reading a proven snapshot (`--state`): a binary file, or the ur:bytes text the courier's QR carries."""

from __future__ import annotations

import time

from decoders.formats.ur_format import assemble_ur, looks_like_ur
from decoders.report import Report
from decoders.state.check import check_state
from decoders.state.snapshot import SnapshotError
from decoders.ur import strict_cbor

from .payload_input import read_bytes


def read_snapshot_bytes(spec: str) -> tuple[bytes, str]:
    data, source = read_bytes(spec)
    if data[:3].lower() != b"ur:":
        return data, source
    text = data.decode("ascii", "replace").strip()
    if not looks_like_ur(text):
        raise SnapshotError("not ur: text", source)
    ur = assemble_ur(text, source)
    if ur.type != "bytes":
        raise SnapshotError(f"a ur:{ur.type}, not the ur:bytes a snapshot travels in", source)
    content = strict_cbor.decode(ur.cbor, source, frozenset())
    if not isinstance(content, bytes):
        raise SnapshotError("the ur:bytes does not hold a byte string", source)
    return content, source


def apply_state(report: Report, spec: str) -> Report:
    """`report` with the snapshot `spec` names checked against its transaction and run on (a new Report:
    its `state` and the snapshot's findings)."""
    data, source = read_snapshot_bytes(spec)
    return check_state(report, data, source, time.time())[0]
