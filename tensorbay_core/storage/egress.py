"""Team mode's egress policy: which addresses ``gas serve`` may open connections to.

A user's storage config names its endpoint and the server connects there. Without a policy
a user could point a config at anything the server reaches (cloud instance metadata, the
database, an admin port), read it through a redirect or a copy, or probe it. So in
``gas serve``:

- a connection to a loopback, private, link-local (metadata), shared, reserved, multicast
  or unspecified address is refused, unless an admin allowed that host (``AllowedEndpoint``:
  ``gas serve --allow-endpoint HOST[:PORT]``, the default storage's endpoint, the
  database's host). Public addresses are allowed.
- The check runs on the address of every connection the process opens, after name
  resolution: ``install`` adds an audit hook on ``socket.connect``, which every Python HTTP
  stack goes through (aiohttp under s3fs and adlfs, requests/urllib3 under oss2 and
  azure-storage-blob). A name that resolves to a refused address at connect time (DNS
  rebinding) is refused like the address itself. Sockets opened outside Python (libpq,
  uvloop's) are not seen, so ``gas serve`` runs on the standard asyncio loop.
- A refused connection raises ``EgressRefused`` (a ``ConnectionRefusedError``, so SDKs treat
  it as a refused connection) and is logged; the user sees the SDK's generic failure.

Embedded mode installs nothing: it is the user's own process.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: How long the addresses of an allowed host name are trusted before it is resolved again.
RESOLVE_EVERY = 30.0
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

log = logging.getLogger("tensorbay.egress")


class EgressRefused(ConnectionRefusedError):
    """A connection the egress policy does not allow."""


def _plain(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), else ``ip`` itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _address(text: str) -> IPAddress:
    """An address from its text (an IPv6 zone such as ``%eth0`` dropped), IPv4 if it carries one."""
    return _plain(ipaddress.ip_address(text.split("%", 1)[0]))


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is a globally routable unicast address (nothing internal behind it)."""
    ip = _plain(ip)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


@dataclass(frozen=True)
class AllowedEndpoint:
    """A host (name or address) the server may reach although it is not public; ``port``
    None allows every port."""

    host: str
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> AllowedEndpoint:
        """``HOST``, ``HOST:PORT``, ``[IPv6]``, ``[IPv6]:PORT``, a bare IPv6 address, or a URL
        (``http://minio.internal:9000``: its port, or the scheme's). ``ValueError`` otherwise."""
        text = text.strip()
        if "://" in text:
            parts = urlsplit(text)
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
            return cls._checked(parts.hostname or "", port, text)
        if text.startswith("["):
            host, closed, rest = text[1:].partition("]")
            if not closed or (rest and not rest.startswith(":")):
                raise ValueError(f"{text!r} is not HOST[:PORT]")
            return cls._checked(host, cls._port(rest[1:], text) if rest else None, text)
        if text.count(":") == 1:
            name, number = text.split(":")
            return cls._checked(name, cls._port(number, text), text)
        return cls._checked(text, None, text)

    @staticmethod
    def _port(port: str, text: str) -> int:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
        return int(port)

    @classmethod
    def _checked(cls, host: str, port: int | None, text: str) -> AllowedEndpoint:
        try:
            return cls(str(ipaddress.ip_address(host)), port)
        except ValueError:
            pass
        labels = host.rstrip(".").split(".")
        if not host or not all(label and label.replace("-", "").isalnum() for label in labels):
            raise ValueError(f"{text!r} is not HOST[:PORT] (a host name or an IP address, and a port)")
        return cls(host.rstrip(".").lower(), port)


class EgressPolicy:
    """Public addresses, plus the allowed endpoints; see the module docstring."""

    def __init__(self, allowed: Iterable[AllowedEndpoint] = ()) -> None:
        self.allowed = tuple(dict.fromkeys(allowed))
        self._lock = threading.Lock()
        self._resolved: dict[str, tuple[float, frozenset[IPAddress]]] = {}

    def permits(self, host: str, port: int) -> bool:
        """Whether a connection to address ``host`` (a literal) and ``port`` is allowed.

        ``ValueError`` if ``host`` is not an IP address.
        """
        ip = _address(host)
        if is_public(ip):
            return True
        return any(entry.port in (None, port) and ip in self._addresses(entry.host) for entry in self.allowed)

    def _addresses(self, host: str) -> frozenset[IPAddress]:
        """The addresses of an allowed host: itself if it is one, else its name resolved
        (at most every ``RESOLVE_EVERY`` seconds)."""
        try:
            return frozenset({_address(host)})
        except ValueError:
            pass
        with self._lock:
            when, found = self._resolved.get(host, (0.0, frozenset()))
            if time.monotonic() - when > RESOLVE_EVERY:
                try:
                    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
                    found = frozenset(_address(str(info[4][0])) for info in infos)
                except OSError:
                    found = frozenset()
                self._resolved[host] = (time.monotonic(), found)
            return found

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        """The audit hook: refuse a ``socket.connect`` the policy does not permit."""
        if event != "socket.connect":
            return
        sock, address = args
        if getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6):
            return
        host, port = str(address[0]), int(address[1])
        try:
            allowed = self.permits(host, port)
            host = str(_address(host))
        except ValueError:  # a name: connect() would resolve it where this hook cannot look
            allowed = False
        if not allowed:
            log.warning(
                "egress policy: refused a connection to %s port %d (an admin may allow it with "
                "gas serve --allow-endpoint HOST[:PORT])",
                host,
                port,
            )
            raise EgressRefused(errno.ECONNREFUSED, "connection refused by the server's egress policy")


def install(policy: EgressPolicy) -> None:
    """Enforce ``policy`` on every connection this process opens, for the rest of its life
    (an audit hook cannot be removed)."""
    sys.addaudithook(policy.audit)
