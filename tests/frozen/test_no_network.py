"""Provably offline: while verifying, scanning and rendering, `coldsight` creates no network socket.

Each command runs under `strace -f -e trace=socket`, which records every socket(2) call of the
process and all its children, whether made by Python, Qt, OpenCV or any native library, and the
test fails on any AF_INET / AF_INET6 socket (AF_UNIX, local-only, is allowed; any other family is
reported too). Runs against the frozen binary (and the source tree, for comparison).
"""

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .runners import FROZEN_REQUIRED, ROOT, Runner

pytestmark = pytest.mark.frozen

BYBIT = ROOT / "examples" / "bybit-attack.json"
POLICIES = ROOT / "policies" / "examples"
SOCKET_CALL = re.compile(r"socket\((AF_[A-Z0-9_]+|\d+)")
NETWORK_FAMILIES = {"AF_INET", "AF_INET6"}
LOCAL_FAMILIES = {"AF_UNIX", "AF_LOCAL"}


@pytest.fixture(scope="module")
def strace() -> str:
    path = shutil.which("strace")
    if path is None:
        message = "strace is not installed (apt-get install strace)"
        if FROZEN_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


def socket_families(runner: Runner, strace: str, log: Path, *args: str, env: dict | None = None) -> list[str]:
    """Run `coldsight *args` under strace; return the address family of every socket(2) call."""
    result = runner.run(*args, wrapper=(strace, "-f", "-qq", "-e", "trace=socket", "-e", "signal=none",
                                        "-o", str(log)), env=env, timeout=300)
    assert result.returncode in (0, 1, 2), result.stderr.decode(errors="replace")
    return SOCKET_CALL.findall(log.read_text())


def test_strace_sees_a_python_network_socket(strace: str, tmp_path: Path) -> None:
    # The detector itself must be able to fail: an ordinary interpreter opening a TCP socket.
    import subprocess

    log = tmp_path / "trace"
    subprocess.run([strace, "-f", "-qq", "-e", "trace=socket", "-o", str(log), sys.executable, "-c",
                    "import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)"], check=True, timeout=60)
    assert "AF_INET6" in SOCKET_CALL.findall(log.read_text())


def _commands(tmp_path: Path) -> dict[str, tuple[tuple[str, ...], dict]]:
    frames = tmp_path / "frames"
    return {
        "verify": (("verify", str(BYBIT), "--format", "json"), {}),
        "policy verify": (("verify", str(POLICIES / "payloads" / "treasury-approve-attacker.json"),
                           "--policy", str(POLICIES / "treasury.toml")), {}),
        "qr encode": (("qr", "encode", str(BYBIT), "--out", str(frames), "--fragment", "120"), {}),
        "qr scan (frames)": (("verify", str(frames)), {}),
        "render": (("render", str(BYBIT), "--out", str(tmp_path / "review.png")), {}),
        "gui": (("gui", str(BYBIT)), {"COLDSIGHT_BENCH_SHOWN": "1"}),
    }


def test_no_network_socket_while_verifying_scanning_and_rendering(coldsight_runner: Runner, strace: str,
                                                                   tmp_path: Path) -> None:
    seen: dict[str, list[str]] = {}
    for name, (args, env) in _commands(tmp_path).items():
        seen[name] = socket_families(coldsight_runner, strace, tmp_path / f"{name.replace(' ', '_')}.trace",
                                     *args, env=env)
    network = {name: families for name, families in seen.items() if set(families) & NETWORK_FAMILIES}
    assert not network, f"network sockets created: {network}"
    unexpected = {name: families for name, families in seen.items() if set(families) - LOCAL_FAMILIES}
    assert not unexpected, f"sockets of unexpected families: {unexpected}"


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private Xvfb display, so the GUI runs on the real xcb platform plugin (skipped without Xvfb)."""
    import subprocess
    import time

    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb): the xcb GUI check needs an X server")
    display = f":{100 + os.getpid() % 400}"
    server = subprocess.Popen([xvfb, display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket_path = Path(f"/tmp/.X11-unix/X{display[1:]}")
    for _ in range(100):
        if socket_path.exists():
            break
        time.sleep(0.05)
    try:
        yield display
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gui_on_x11_only_talks_to_the_local_x_server(coldsight_runner: Runner, strace: str, x_display: str,
                                                     tmp_path: Path) -> None:
    families = socket_families(coldsight_runner, strace, tmp_path / "xcb.trace", "gui", str(BYBIT),
                               env={"COLDSIGHT_BENCH_SHOWN": "1", "QT_QPA_PLATFORM": "xcb", "DISPLAY": x_display})
    assert "AF_UNIX" in families  # the X connection really was traced
    assert set(families) <= LOCAL_FAMILIES, families
