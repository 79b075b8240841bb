"""The courier's typed errors: what failed and where (a URL, a field), never a traceback."""

from decoders.errors import ColdsightError


class CourierError(ColdsightError):
    """The service, the node or the returning signature cannot be used as they are."""

    code = "COURIER_FAILED"
