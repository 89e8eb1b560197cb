"""How routes apply the limits: FastAPI dependencies, never code inside services.

A limited route declares ``ReadRateLimit`` or ``EventsRateLimit`` (the chat route calls
``limit_chat`` from its one dependency, ``chat/router.py``); over the limit the request
ends with ``429 rate_limited``, otherwise the response carries the RateLimit headers (a
route that builds its own ``Response`` adds ``window.headers()`` itself).
"""

import ipaddress
from typing import Annotated

from fastapi import Depends, Request, Response

from libriassist.api import AppResources, Resources
from libriassist.auth.principal import Principal
from libriassist.config import Settings
from libriassist.db import utcnow
from libriassist.usage_limits.rates import Window
from libriassist.usage_limits.service import Clock


def client_address(request: Request, settings: Settings) -> str:
    """The visitor's IP address: the socket's peer, unless that peer is a trusted proxy;
    then the right-most X-Forwarded-For entry that is not one (entries further left are
    whatever the client chose to send)."""
    peer = request.client.host if request.client else "unknown"
    trusted = settings.trusted_proxy_networks
    if not trusted or not _is_in(peer, trusted):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_in(hop, trusted):
            return hop if _parses(hop) else peer
    return hops[0] if hops else peer


def _parses(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_in(value: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(address in network for network in networks)


async def get_client_ip(request: Request, resources: AppResources) -> str:
    return client_address(request, resources.settings)


ClientIp = Annotated[str, Depends(get_client_ip)]


async def get_clock() -> Clock:
    """The current time for quota periods; tests swap it to cross a month's end."""
    return utcnow


UsageClock = Annotated[Clock, Depends(get_clock)]


def _announce(response: Response, window: Window | None) -> Window | None:
    if window is not None:
        response.headers.update(window.headers())
    return window


async def limit_chat(
    response: Response,
    principal: Principal,
    resources: Resources,
    ip: str,
    session_token: str | None,
) -> Window | None:
    """Called by the chat route's one dependency (``chat/router.py``), not declared."""
    window = await resources.rate_limits.chat(principal.tenant_id, session_token, ip)
    return _announce(response, window)


async def limit_reads(response: Response, resources: AppResources, ip: ClientIp) -> Window | None:
    return _announce(response, await resources.rate_limits.reads(ip))


async def limit_events(response: Response, resources: AppResources, ip: ClientIp) -> Window | None:
    return _announce(response, await resources.rate_limits.events(ip))


ReadRateLimit = Annotated[Window | None, Depends(limit_reads)]
EventsRateLimit = Annotated[Window | None, Depends(limit_events)]
