"""Bounds on the work one payload may cause, checked before the work is done.

Every input path has a stated limit on size and count so that any input within the limits
finishes in seconds and bounded memory (docs/bounds.md has the table and the measured worst
case per stage; benchmarks/worst_case.py measures it). Going over a limit is a `LimitExceeded`
error: exit 3, JSON error code `LIMIT_EXCEEDED`, and the message names the bound.

Limits that live next to the code they protect (and are documented with these):
- `decoders.strictjson.MAX_JSON_BYTES`, `MAX_DEPTH`: JSON text size and nesting
- `decoders.ur.ur.MAX_UR_TEXT_LEN`, `decoders.ur.fountain.MAX_MESSAGE_LEN`, `MAX_SEQ_LEN`: one UR part
- `decoders.ur.strict_cbor.MAX_DEPTH`: CBOR nesting
- `decoders.multisend.MAX_ENTRIES`, `decoders.calls.MAX_NODES`, `MAX_DEPTH`: batches (an
  oversize batch is undecodable calldata, a block finding, not an error)
"""

from .errors import PayloadError, URError

# Attached signatures (confirmations + 65-byte parts of a packed `signatures` blob). Each one is an
# ECDSA public-key recovery, ~10 ms in eth-keys' pure-Python backend on a 2-core machine; real Safe
# owner sets are far smaller than this.
MAX_SIGNATURES = 200
# A whole `ur:` text (a file or paste, every part together), in characters.
MAX_UR_TEXT_BYTES = 4 * 1024 * 1024
# `ur:` parts in one text (a file or paste). Enough for a message of MAX_UR_FRAGMENTS fragments
# with generous loss and repeats; each part costs a fragment choice and an elimination step.
MAX_UR_PARTS = 3 * 1024
# Fragments a multipart UR may be split into when assembled here. Gaussian elimination costs up to
# fragments x message length bit operations; this keeps the worst case within seconds.
MAX_UR_FRAGMENTS = 1024


class LimitExceeded(PayloadError):
    """The input is larger than a documented bound; nothing beyond the check was done."""

    code = "LIMIT_EXCEEDED"

    def __init__(self, bound: str, limit: int, message: str, where: str | None = None):
        self.bound = bound
        self.limit = limit
        super().__init__(f"{message} (limit {bound} = {limit})", where,
                         "this is far beyond any real Safe transaction; see docs/bounds.md")


class URLimitExceeded(LimitExceeded, URError):
    """A UR text over a bound: still a UR error to the scan code, LIMIT_EXCEEDED to the user."""

    code = "LIMIT_EXCEEDED"


def check_count(bound: str, limit: int, actual: int, what: str, where: str | None = None,
                error: type[LimitExceeded] = LimitExceeded) -> None:
    """Refuse `actual` above `limit`: "<what>: <actual>, more than allowed (limit BOUND = n)"."""
    if actual > limit:
        raise error(bound, limit, f"{what}: {actual}, more than allowed", where)
