"""A tampered frozen build refuses to review anything and says why (exit 3).

The bundle's data files lie on disk next to the executable, so they are what an attacker with
write access to the install would change first. Here the bundled ERC-20 ABI table loses
`transfer`. Without it, a token transfer would show as unknown calldata."""

import os
import shutil
from pathlib import Path

import pytest

from .runners import ROOT, Runner

pytestmark = pytest.mark.frozen

BYBIT = ROOT / "examples" / "bybit-attack.json"


def _linked_copy(bundle: Path, target: Path) -> None:
    """Copy the bundle as hard links (fast, no 350 MB copy); files to tamper are replaced, not edited."""
    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # another file system
            shutil.copy2(src, dst)

    shutil.copytree(bundle, target, symlinks=True, copy_function=link_or_copy)


def test_tampered_abi_table_makes_the_frozen_app_refuse(frozen_runner: Runner, tmp_path: Path) -> None:
    bundle = Path(frozen_runner.command[0]).parent
    copy = tmp_path / "coldsight"
    _linked_copy(bundle, copy)
    table = copy / "_internal" / "decoders" / "data" / "abis" / "erc20.json"
    tampered = table.read_text().replace('"transfer(address to,uint256 value)",', "")
    assert tampered != table.read_text()
    table.unlink()  # break the hard link before writing
    table.write_text(tampered)

    result = Runner("tampered", (str(copy / "coldsight"),)).run("verify", str(BYBIT), "--format", "json")
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 3, stderr
    assert result.stdout == b""
    assert "self-test FAILED" in stderr and "erc20-decoding" in stderr and "refusing to review" in stderr
    # The untouched original still works (the copy really was separate).
    assert frozen_runner.run("verify", str(BYBIT)).returncode == 2
