"""Which Host headers the chapter's server answers: a guard against DNS rebinding.

A web page on attacker.example can make its own name resolve to 127.0.0.1 and then read this server's answers
as if they were its own; its requests still say ``Host: attacker.example``. So the server answers only the
names it is reached by: localhost, 127.0.0.1 and [::1], the address it is bound to, and the names given with
``--allow-host``. Bound to every interface (``--host 0.0.0.0`` or ``::``), it also answers this machine's own
names (its hostname, its fully qualified name, hostname.local) and any IP address written as such: a page cannot
rebind a literal address, and a LAN user types the machine's address. The port is not checked, so an SSH tunnel
to another local port still works.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse

LOOPBACK = ("localhost", "127.0.0.1", "::1")
EVERY_INTERFACE = ("0.0.0.0", "::", "")
ANY_ADDRESS = "*address*"  # in an allowed list: every IPv4 or IPv6 address written as such
ENV = "ELMAN_CHAPTER_HOSTS"  # how ``elman chapter`` hands the list to its worker processes


def allowed_for(bind: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The host names a server bound to ``bind`` answers, plus ``extra`` (``--allow-host``)."""
    names = list(LOOPBACK)
    if bind in EVERY_INTERFACE:
        host = socket.gethostname()
        names += [ANY_ADDRESS, host, socket.getfqdn(), f"{host}.local"]
    else:
        names.append(bind)
    names += extra
    return tuple(dict.fromkeys(_normal(name) for name in names if name.strip()))


def from_env() -> tuple[str, ...]:
    """The list ``elman chapter`` put in $ELMAN_CHAPTER_HOSTS, else the loopback names."""
    value = os.environ.get(ENV, "")
    return tuple(_normal(n) for n in value.split(",") if n.strip()) or LOOPBACK


def to_env(allowed: Iterable[str]) -> str:
    return ",".join(allowed)


def _normal(name: str) -> str:
    return name.strip().strip("[]").rstrip(".").lower()


def host_name(header: str) -> str | None:
    """The name in a Host header ("127.0.0.1:8000" → "127.0.0.1", "[::1]:8000" → "::1"); None when malformed."""
    try:
        name = urlsplit(f"//{header}").hostname
    except ValueError:  # e.g. "[::1" or a bracket in the wrong place
        return None
    return _normal(name) if name else None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def accepts(allowed: tuple[str, ...], header: str | None) -> bool:
    name = host_name(header) if header else None
    if name is None:
        return False
    return name in allowed or (ANY_ADDRESS in allowed and _is_address(name))


class HostCheck:
    """ASGI middleware: a request whose Host is not in ``allowed`` gets 400 and a sentence, nothing else."""

    def __init__(self, app, allowed: Iterable[str]):
        self.app, self.allowed = app, tuple(_normal(n) for n in allowed)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":  # the chapter has no websockets
            header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
            if not accepts(self.allowed, header):
                await self._refuse(header)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refuse(self, header: str | None) -> JSONResponse:
        names = ", ".join("any IP address" if n == ANY_ADDRESS else f"[{n}]" if ":" in n else n for n in self.allowed)
        got = "no Host header" if header is None else f"Host {header[:80]!r}"
        detail = (
            f"this server answers only requests addressed to {names}; got {got}. Open the chapter at one of "
            "those addresses, or start it with --allow-host NAME to answer another name."
        )
        return JSONResponse(status_code=400, content={"detail": detail})
