"""The README's local walkthrough, run as written (issue 22): `tools/loop.py` (what `bash tools/dev.sh
loop` runs once .venv is set up) starts anvil, the Safe and the service stand-in; then every command
of the README's walkthrough block runs in bash, in a folder laid out like a checkout (`.venv/bin/`
holds `coldsight` and `coldsight-courier`, running this tree's code; `.loop/` is the loop's state).

Expected results come from the chain (anvil, read in a child process): 1 ETH reached the recipient
with two owners' signatures, and the Safe's implementation slot never changed. A command's expected
exit status is 0, or the one its README line names (`# exit 2`).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANVIL = ROOT / "tests" / "node" / "node_modules" / ".bin" / "anvil"
MARKER = "<!-- walkthrough: tests/courier/test_walkthrough.py runs this block as written -->"
RECIPIENT = "0x000000000000000000000000000000000000bEEF"
ONE_ETH = 10**18


def readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    assert MARKER in text, "the README's walkthrough block has lost its marker"
    after = text.split(MARKER, 1)[1]
    found = re.match(r"\s*```sh\n(.*?)```", after, re.S)
    assert found, "no ```sh block right after the walkthrough marker"
    return found.group(1)


def commands(block: str) -> list[str]:
    """Shell commands (continuation lines joined), comment lines left out."""
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_readme_block_is_what_the_loop_prints():  # fast: the README cannot drift from the loop unnoticed
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import loop
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert readme_block() == loop.NEXT_COMMANDS


def _chain(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.courier.anvil_safe", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def checkout(tmp_path):
    """A folder laid out like a set-up checkout, and the loop running with its state in .loop/."""
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, module in (("coldsight", "app.cli"), ("coldsight-courier", "courier.cli")):
        (bin_dir / name).write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n')
        (bin_dir / name).chmod(0o755)
    loop = subprocess.Popen([sys.executable, str(ROOT / "tools" / "loop.py"), "--state", str(tmp_path / ".loop")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    printed = []
    assert loop.stdout is not None
    for line in loop.stdout:
        printed.append(line)
        if line.startswith("the loop is ready"):
            break
    else:
        loop.wait(10)
        pytest.fail("the loop did not start:\n" + "".join(printed))
    try:
        yield tmp_path, "".join(printed)
    finally:
        loop.terminate()
        loop.wait(20)


@pytest.mark.node
@pytest.mark.slow
@pytest.mark.skipif(not ANVIL.exists(), reason="node test peers not installed (bash tests/node/setup.sh)")
def test_the_walkthrough_moves_eth_and_refuses_the_bybit_shaped_one(checkout):
    folder, printed = checkout
    steps = commands(readme_block())
    assert steps[0].startswith(". .loop/env ")
    assert readme_block().split("\n", 1)[1] in printed  # the loop printed the README's commands
    values = dict(line.removeprefix("export ").split("=", 1) for line in (folder / ".loop" / "env").read_text().splitlines())
    safe_before = _chain("state", values["RPC"], values["SAFE"])
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(folder), "QT_QPA_PLATFORM": "offscreen",
           "COLDSIGHT_STATE_DIR": str(folder / "coldsight-state"), "LANG": os.environ.get("LANG", "C.UTF-8")}
    outputs = []
    for step in steps[1:]:
        done = subprocess.run(["bash", "-c", f"{steps[0]}\n{step}"], cwd=folder, env=env, capture_output=True, text=True,
                              timeout=300)
        expected = int(re.search(r"# exit (\d+)", step).group(1)) if "# exit " in step else 0
        assert done.returncode == expected, f"$ {step}\n{done.stdout}{done.stderr}"
        outputs.append((step, done.stdout + done.stderr))

    executed = next(out for step, out in outputs if " exec " in step)
    assert "executed: the Safe emitted ExecutionSuccess" in executed, executed
    attack_signing = next(out for step, out in outputs if "attack.gif" in step and " sign " in step)
    assert "BLOCK" in attack_signing and "NOT SIGNED" in attack_signing
    assert not (folder / ".loop" / "attack-signature.png").exists()
    assert "NONCE CONFLICT: nonce 1" in outputs[-1][1]

    assert int(_chain("state", values["RPC"], RECIPIENT)["balance"]) == ONE_ETH
    safe_after = _chain("state", values["RPC"], values["SAFE"])
    assert int(safe_after["balance"]) == int(safe_before["balance"]) - ONE_ETH
    assert safe_after["slot0"] == safe_before["slot0"]  # the implementation was never replaced
