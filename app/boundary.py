"""The command line's one error boundary: every error leaves as its documented exit status.

    ColdsightError (bad payload, policy refused, camera …)  -> 3, "coldsight: <what and where>"
    UsageError                                              -> 64
    an unexpected exception (a bug)                         -> 3, "internal error", the traceback
                                                               in a report file, never on screen
With `--format json` every error also prints one `coldsight.error/1` document on stdout. A
verdict is never printed for an error: the signer sees "do not sign", not ok/warn/block.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from decoders.errors import ColdsightError, PayloadError

from . import exitcodes
from decoders.vocabulary import Verdict

ERROR_SCHEMA = "coldsight.error/1"
INTERNAL_CODE = "INTERNAL"


class UsageError(Exception):
    """The command line asks for something impossible (exit 64)."""


class OutputError(ColdsightError):
    """A file the command was asked to write cannot be written (exit 3)."""

    code = "OUTPUT_FAILED"

    @classmethod
    def from_os_error(cls, path: object, err: OSError) -> OutputError:
        return cls(f"cannot write: {err.strerror or err}", str(path))


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    message: str
    where: str | None = None
    hint: str | None = None


def error_document(error: ErrorInfo) -> dict:
    # The verdict key is part of the stable shape: an error is never a reason to sign.
    return {
        "schema": ERROR_SCHEMA,
        "verdict": Verdict.BLOCK,
        "error": {"code": error.code, "message": error.message, "where": error.where, "hint": error.hint},
    }


def write_crash_report(state_dir: Path, argv: list[str] | None, err: BaseException) -> Path:
    """The traceback of an unexpected error, for the security team; returns the file written."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    path = state_dir / "crash-reports" / f"crash-{stamp}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    from .version_info import version_text

    body = [
        f"coldsight internal error at {stamp}",
        f"arguments: {argv!r}",
        version_text(verbose=False),
        "",
        "".join(traceback.format_exception(type(err), err, err.__traceback__)),
    ]
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def run_guarded(handler: Callable[[], int], json_errors: bool, argv: list[str] | None,
                state_dir: Callable[[], Path]) -> int:
    """Run one command; map whatever it raises to an exit status and one message."""

    def emit(error: ErrorInfo) -> None:
        if json_errors:
            print(json.dumps(error_document(error), indent=2))

    try:
        return handler()
    except UsageError as err:
        print(f"coldsight: usage error: {err}", file=sys.stderr)
        emit(ErrorInfo("USAGE", str(err)))
        return exitcodes.USAGE
    except ColdsightError as err:
        # Policy and camera errors already say what refused; payload errors get this prefix.
        prefix = "invalid payload: " if isinstance(err, PayloadError) else ""
        print(f"coldsight: {prefix}{err.describe()}", file=sys.stderr)
        emit(ErrorInfo(err.code, err.message, err.where, err.hint))
        return exitcodes.INVALID
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return exitcodes.INVALID
    except KeyboardInterrupt:
        print("coldsight: interrupted; nothing was verified", file=sys.stderr)
        return exitcodes.INVALID
    except Exception as err:  # a bug: fail closed, no traceback on a signer's screen
        return _internal_error(err, emit, argv, state_dir)


def _internal_error(err: Exception, emit: Callable[[ErrorInfo], None], argv: list[str] | None,
                    state_dir: Callable[[], Path]) -> int:
    try:
        where = f"details in {write_crash_report(state_dir(), argv, err)}"
    except Exception as report_err:  # noqa: BLE001 (the report is best effort; the exit status is not)
        where = f"no report written ({type(report_err).__name__}: {report_err})"
    message = f"internal error ({type(err).__name__}); nothing was verified, do not sign"
    print(f"coldsight: {message}; {where}; please send it to your security team", file=sys.stderr)
    emit(ErrorInfo(INTERNAL_CODE, message, where, "report this to your security team"))
    return exitcodes.INVALID
