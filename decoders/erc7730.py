"""ERC-7730 clear-signing descriptors (filled in below)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .calls import CallNode
    from .names import Names


def describe(node: CallNode, names: Names) -> tuple[str, str, list[tuple[str, str]]] | None:
    return None
