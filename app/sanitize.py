"""The app's one output-sanitizing layer: no payload-derived control, bidi or zero-width
character reaches a terminal or a screen unescaped.

- `display(text)`: a field as every front end shows it (the review presentation, GUI labels, PNG):
  each deceptive code point, line breaks included, becomes a visible escape such as `\\u202e`.
- `guarded_streams()`: the CLI writes stdout and stderr through `TerminalGuard`, which escapes
  the same code points in everything printed (errors naming a file or a typed-data key included)
  and keeps only our own line feeds. JSON output is unchanged by it: `json.dumps` already writes
  those characters as `\\uXXXX`, so the document stays byte-exact.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from decoders.display_text import escape


def display(text: str) -> str:
    """A payload-derived field for a label or a line: one line, nothing invisible or active."""
    return escape(text)


class TerminalGuard:
    """A write-only text stream that escapes deceptive code points before passing text on."""

    def __init__(self, inner: TextIO):
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(escape(text, keep="\n"))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):  # flush, fileno, isatty, encoding, buffer … of the real stream
        return getattr(self._inner, name)


def rewrite_line(stream: TextIO, text: str) -> None:
    """Overwrite the current terminal line (progress): our own carriage return, escaped text."""
    inner = stream._inner if isinstance(stream, TerminalGuard) else stream
    inner.write("\r" + escape(text))
    inner.flush()


@contextlib.contextmanager
def guarded_streams() -> Iterator[None]:
    """Route sys.stdout and sys.stderr through a TerminalGuard for the duration of one command."""
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalGuard(old_out), TerminalGuard(old_err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = old_out, old_err
