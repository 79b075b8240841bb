"""The project's exception tree. Every parser raises only these (checked by property tests).

Each error carries a stable `code` (for JSON and exit statuses) and a `where` that names the
place in the input (a JSON key path, a byte offset, a QR part) so a person can find it.
"""


class ColdsightError(Exception):
    """Base of every error Coldsight raises on purpose."""

    code = "ERROR"

    def __init__(self, message: str, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class PayloadError(ColdsightError):
    """The payload cannot be read or is not a valid Safe transaction (CLI exit 3)."""

    code = "PAYLOAD_INVALID"


class UnknownFormatError(PayloadError):
    code = "PAYLOAD_UNKNOWN_FORMAT"


class ContextError(PayloadError):
    """Chain id, Safe address or Safe version is missing or contradictory."""

    code = "CONTEXT_MISSING"


class UnsupportedVersionError(PayloadError):
    code = "SAFE_VERSION_UNSUPPORTED"


class DecodeError(ColdsightError):
    """Calldata or a batch that does not decode strictly. Turned into findings, not exits."""

    code = "DECODE_FAILED"


class URError(PayloadError):
    """A QR / UR text or part that cannot be decoded."""

    code = "UR_INVALID"
