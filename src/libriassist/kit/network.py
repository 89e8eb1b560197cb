"""Is an address on the public internet? Used wherever a tenant admin gives the server an
address to connect to (a site to crawl, an LLM endpoint): the server must not become a
way to probe its own network."""

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address (6to4, Teredo, NAT64, IPv4-compatible)
        # must not smuggle a private one.
        embedded = address.ipv4_mapped or address.sixtofour
        if address.teredo:
            embedded = address.teredo[1]
        if any(address in net for net in (*_NAT64, _IPV4_COMPATIBLE)):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not embedded.is_global:
            return False
    return True


async def resolve(url: str) -> list[IPAddress]:
    """Every address ``url``'s host resolves to (``OSError`` when it does not)."""
    host = urlsplit(url).hostname or ""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def public_address(url: str) -> IPAddress | None:
    """The address to connect to for ``url`` when every address its host resolves to is
    public; None when one is not (``OSError`` when it does not resolve)."""
    addresses = await resolve(url)
    if not addresses or not all(is_public(a) for a in addresses):
        return None
    return addresses[0]


def pinned_request(
    client: httpx.AsyncClient, method: str, url: str, address: IPAddress | None, **kwargs: Any
) -> httpx.Request:
    """A request for ``url`` that connects to ``address``, already checked, instead of
    resolving the host again: a DNS answer that changes between the check and the
    connection (rebinding) cannot send it inside the network. The Host header and the
    TLS server name (SNI, certificate check) stay the URL's host."""
    if address is None:
        return client.build_request(method, url, **kwargs)
    parts = urlsplit(url)
    literal = f"[{address}]" if address.version == 6 else str(address)
    target = parts._replace(netloc=literal + (f":{parts.port}" if parts.port else "")).geturl()
    headers = {**dict(kwargs.pop("headers", None) or {}), "Host": parts.netloc.rsplit("@", 1)[-1]}
    extensions = {**dict(kwargs.pop("extensions", None) or {}), "sni_hostname": parts.hostname}
    return client.build_request(method, target, headers=headers, extensions=extensions, **kwargs)
