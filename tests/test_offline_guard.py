"""The in-process offline guard: network sockets and name lookups raise; local AF_UNIX still works.

The guard is an irremovable audit hook, so installing it is tested in child interpreters; the
decision function is tested directly."""

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.offline_guard import NetworkBlockedError, check_event

ROOT = Path(__file__).resolve().parents[1]


def run_guarded(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter after installing the guard."""
    program = "from app import offline_guard\noffline_guard.install()\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6, -1, getattr(socket, "AF_PACKET", 17)])
def test_creating_a_non_unix_socket_is_refused(family: int) -> None:
    with pytest.raises(NetworkBlockedError):
        check_event("socket.__new__", (None, family, socket.SOCK_STREAM, 0))


def test_unix_sockets_are_allowed() -> None:
    check_event("socket.__new__", (None, socket.AF_UNIX, socket.SOCK_STREAM, 0))


@pytest.mark.parametrize("event", ["socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
                                   "socket.getnameinfo"])
def test_name_resolution_is_refused(event: str) -> None:
    with pytest.raises(NetworkBlockedError, match="blocked"):
        check_event(event, ("example.org", 443))


def test_connect_on_a_pre_existing_inet_socket_is_refused() -> None:
    class FakeInetSocket:
        family = socket.AF_INET

    with pytest.raises(NetworkBlockedError):
        check_event("socket.connect", (FakeInetSocket(), ("192.0.2.1", 80)))


def test_unrelated_events_pass() -> None:
    check_event("open", ("/etc/hostname", "r", 0))


def test_installed_guard_blocks_sockets_dns_and_urllib_but_not_unix_socketpairs() -> None:
    result = run_guarded("""
        import socket, _socket
        from app.offline_guard import NetworkBlockedError
        outcomes = []
        for attempt in (
            lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
            lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
            lambda: _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM),  # the private module too
            lambda: socket.getaddrinfo("localhost", 80),
            lambda: socket.create_connection(("127.0.0.1", 9)),
            lambda: __import__("urllib.request").request.urlopen("http://127.0.0.1:9/"),
        ):
            try:
                attempt()
                outcomes.append("opened")
            except NetworkBlockedError:
                outcomes.append("blocked")
            except Exception as err:  # urllib wraps the cause; look for it
                outcomes.append("blocked" if "offline guard" in str(err) else f"other {err!r}")
        a, b = socket.socketpair()
        a.sendall(b"x"); outcomes.append("unix " + b.recv(1).decode())
        print(outcomes)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(["blocked"] * 6 + ["unix x"])


def test_guard_cannot_be_uninstalled_by_later_code() -> None:
    result = run_guarded("""
        import socket, sys
        from app import offline_guard
        offline_guard._installed = False  # what tampering code might try
        offline_guard.install()
        try:
            socket.socket(socket.AF_INET)
        except offline_guard.NetworkBlockedError:
            print("still blocked")
    """)
    assert result.stdout.strip() == "still blocked", result.stderr


def test_cli_main_installs_the_guard_before_running_a_command(tmp_path: Path) -> None:
    program = textwrap.dedent("""
        import socket, sys
        from app import cli
        cli.main(["--version"])
        try:
            socket.socket(socket.AF_INET)
            print("opened")
        except PermissionError as err:
            print(type(err).__name__)
    """)
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("NetworkBlockedError"), result.stdout + result.stderr
