"""Exit statuses of `coldsight` (a contract scripts depend on; documented in README.md)."""

from decoders.vocabulary import Verdict

OK = 0
WARN = 1
BLOCK = 2
INVALID = 3  # payload unreadable or invalid (stderr says what and where)
USAGE = 64  # EX_USAGE

BY_VERDICT: dict[str, int] = {Verdict.OK: OK, Verdict.WARN: WARN, Verdict.BLOCK: BLOCK}
