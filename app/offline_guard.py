"""In-process network guard: once installed, this process cannot open a network socket or resolve a name.

It is a CPython audit hook (PEP 578). Audit hooks cannot be removed once added, so nothing that
runs later (a plugin, a compromised dependency, a bug) can switch the guard off again. It sees
every socket the interpreter creates, including through the private `_socket` module:

* `socket.__new__` is refused for every address family except AF_UNIX. AF_UNIX stays allowed
  because it only reaches processes on this machine (asyncio's self-pipe uses a socketpair; Qt's
  X11 / D-Bus connections are made in C and never pass through here anyway). A family of -1
  (a socket adopted from a file descriptor of unknown kind) is refused: fail closed.
* Name resolution (`getaddrinfo`, `gethostbyname`, …) is refused: a DNS lookup is itself traffic.
* `connect`, `bind`, `sendto` on a non-AF_UNIX socket are refused, in case one was created
  before the guard was installed.

What it cannot see: native code that calls the C library directly (Qt, OpenCV, ctypes). That is
covered by the frozen-binary test under `strace` (tests/frozen/test_no_network.py).
"""

import socket
import sys

ALLOWED_FAMILIES = frozenset({int(socket.AF_UNIX)}) if hasattr(socket, "AF_UNIX") else frozenset()

# Audit events that resolve names (each would send DNS queries).
RESOLVER_EVENTS = frozenset({
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
})
# Events whose first argument is the socket object itself.
SOCKET_USE_EVENTS = frozenset({"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"})

_installed = False


class NetworkBlockedError(PermissionError):
    """Raised instead of creating a network socket: Coldsight never uses the network."""

    def __init__(self, what: str):
        super().__init__(f"network access blocked by Coldsight's offline guard: {what}")


def _family_name(family: int) -> str:
    try:
        return socket.AddressFamily(family).name
    except ValueError:
        return f"address family {family}"


def check_event(event: str, args: tuple) -> None:
    """Raise NetworkBlockedError if the audit `event` would reach a network; otherwise return.

    Pure and side-effect free, so it can be tested without installing the (irremovable) hook."""
    if event == "socket.__new__":
        family = args[1]
        if family not in ALLOWED_FAMILIES:
            raise NetworkBlockedError(f"creating a {_family_name(family)} socket")
    elif event in RESOLVER_EVENTS:
        raise NetworkBlockedError(f"{event.removeprefix('socket.')}{args[:1]!r}")
    elif event in SOCKET_USE_EVENTS:
        family = getattr(args[0], "family", -1)
        if family not in ALLOWED_FAMILIES:
            raise NetworkBlockedError(f"{event.removeprefix('socket.')} on a {_family_name(family)} socket")


def _audit_hook(event: str, args: tuple) -> None:
    if event.startswith("socket."):
        check_event(event, args)


def install() -> None:
    """Install the guard for the rest of this process's life. Idempotent."""
    global _installed
    if not _installed:
        sys.addaudithook(_audit_hook)
        _installed = True
