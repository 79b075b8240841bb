"""Errors of the QR application layer, inside the project's exception tree (exit 3)."""

from decoders.errors import PayloadError


class SourceError(PayloadError):
    """A frame source (camera, video, image files) cannot be opened or read."""

    code = "SOURCE_UNAVAILABLE"


class ScanIncompleteError(PayloadError):
    """A finite source ended before a complete payload was assembled."""

    code = "SCAN_INCOMPLETE"
