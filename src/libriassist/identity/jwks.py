"""The shops' public signing keys, fetched from their JWKS URLs and kept per URL.

- A key set is kept for the time its ``Cache-Control: max-age`` says, within bounds.
- A token whose ``kid`` is not in the set triggers one refresh, so a rotated-in key is
  picked up at once; a key that left the set stops working at the next refresh.
- Refreshes are rate-limited per URL (one every ``min_refresh_interval`` seconds, failed
  attempts included): a flood of tokens with random ``kid``s, or a shop whose server is
  down, costs that server one request per interval, not one per token.
- A fetch that fails never leaves a token half-checked: it is an
  ``IdentityProviderUnavailable`` error, not an anonymous visit.
"""

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from libriassist.identity.errors import IdentityProviderUnavailable, InvalidUserToken
from libriassist.kit.lru import Lru
from libriassist.kit.network import pinned_request, public_address

log = logging.getLogger("libriassist.identity")

# What a JWKS may hold that we accept: RS256 on RSA keys of 2048 bits or more, ES256 on
# P-256. Anything else in the set ("oct" keys above all) is ignored.
ACCEPTED_ALGORITHMS = ("RS256", "ES256")
MIN_RSA_BITS = 2048
MAX_BODY_BYTES = 256 * 1024
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


class _FetchFailed(Exception):
    pass


@dataclass
class _KeySet:
    keys: list[PyJWK] = field(default_factory=list)
    expires_at: float = float("-inf")
    last_attempt: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def fresh(self, now: float) -> bool:
        return now < self.expires_at

    def find(self, kid: str | None, algorithm: str) -> PyJWK | None:
        usable = [k for k in self.keys if k.algorithm_name == algorithm]
        if kid is None:
            # A token without kid is fine while the shop publishes a single key.
            return usable[0] if len(usable) == 1 else None
        return next((k for k in usable if k.key_id == kid), None)


class JwksCache:
    def __init__(
        self,
        *,
        timeout: float = 5.0,
        default_ttl: float = 300.0,
        min_ttl: float = 60.0,
        max_ttl: float = 86_400.0,
        min_refresh_interval: float = 30.0,
        max_urls: int = 1000,
        clock: Callable[[], float] = time.monotonic,
        allow_private: bool = False,
    ) -> None:
        self.timeout = timeout
        # LIBRIASSIST_IDENTITY_ALLOW_PRIVATE: without it, every fetch checks the address
        # again and connects to the one checked (a name may point inside since it was saved).
        self.allow_private = allow_private
        self.default_ttl = default_ttl
        # A set must outlive the refresh interval, or an expired set could not be renewed.
        self.min_ttl = max(min_ttl, min_refresh_interval)
        self.max_ttl = max_ttl
        self.min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._sets: Lru[str, _KeySet] = Lru(max_urls)
        self._client: httpx.AsyncClient | None = None

    async def signing_key(self, url: str, kid: str | None, algorithm: str) -> PyJWK:
        """The key ``kid`` of ``url``'s set, for ``algorithm``.

        Raises ``InvalidUserToken("unknown_kid")`` when the set (refreshed if allowed) has
        no such key, ``IdentityProviderUnavailable`` when the set cannot be fetched.
        """
        entry = self._entry(url)
        if entry.fresh(self._clock()) and (key := entry.find(kid, algorithm)) is not None:
            return key
        async with entry.lock:
            now = self._clock()
            # Another request may have refreshed the set while this one waited.
            if entry.fresh(now) and (key := entry.find(kid, algorithm)) is not None:
                return key
            may_fetch = (
                entry.last_attempt is None or now - entry.last_attempt >= self.min_refresh_interval
            )
            if not may_fetch:
                if not entry.fresh(now):  # the last attempt failed
                    raise IdentityProviderUnavailable()
                raise InvalidUserToken("unknown_kid")
            entry.last_attempt = now
            try:
                entry.keys, ttl = await self._fetch(url)
            except _FetchFailed as exc:
                # A set still within its lifetime stays usable for the tokens it knows.
                if not entry.fresh(now):
                    entry.keys = []
                log.warning("JWKS fetch failed", extra={"host": _host(url), "error": str(exc)})
                raise IdentityProviderUnavailable() from None
            entry.expires_at = now + ttl
            key = entry.find(kid, algorithm)
        if key is None:
            raise InvalidUserToken("unknown_kid")
        return key

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _entry(self, url: str) -> _KeySet:
        entry = self._sets.get(url)
        if entry is None:
            entry = _KeySet()
            self._sets.put(url, entry)
        return entry

    async def _fetch(self, url: str) -> tuple[list[PyJWK], float]:
        if self._client is None:
            # No redirects: the address was checked, a redirect could lead anywhere.
            self._client = httpx.AsyncClient(
                timeout=self.timeout,
                follow_redirects=False,
                headers={"Accept": "application/json"},
            )
        address = None
        if not self.allow_private:
            try:
                address = await public_address(url)
            except OSError as exc:
                raise _FetchFailed("address does not resolve") from exc
            if address is None:
                raise _FetchFailed("address is not public")
        request = pinned_request(self._client, "GET", url, address)
        try:
            response = await self._client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    raise _FetchFailed(f"HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        raise _FetchFailed("key set too large")
                cache_control = response.headers.get("cache-control", "")
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise _FetchFailed(type(exc).__name__) from exc
        return _parse_keys(bytes(body)), self._ttl(cache_control)

    def _ttl(self, cache_control: str) -> float:
        if re.search(r"no-store|no-cache", cache_control, re.IGNORECASE):
            return self.min_ttl
        match = _MAX_AGE.search(cache_control)
        seconds = float(match.group(1)) if match else self.default_ttl
        return min(max(seconds, self.min_ttl), self.max_ttl)


def _parse_keys(body: bytes) -> list[PyJWK]:
    try:
        document: Any = json.loads(body)
    except ValueError as exc:
        raise _FetchFailed("not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise _FetchFailed("no 'keys' list")
    keys = [key for data in document["keys"] if (key := _usable_key(data)) is not None]
    if not keys:
        raise _FetchFailed("no usable RS256 or ES256 key")
    return keys


def _usable_key(data: Any) -> PyJWK | None:
    if not isinstance(data, dict) or data.get("kty") not in ("RSA", "EC"):
        return None
    if data.get("use", "sig") != "sig" or not isinstance(data.get("kid", ""), str):
        return None
    try:
        key = PyJWK(data)
    except (PyJWTError, ValueError, TypeError):
        return None
    if key.algorithm_name not in ACCEPTED_ALGORITHMS:
        return None
    if key.algorithm_name == "RS256" and getattr(key.key, "key_size", 0) < MIN_RSA_BITS:
        return None
    curve = getattr(getattr(key.key, "curve", None), "name", None)
    if key.algorithm_name == "ES256" and curve != "secp256r1":
        return None
    return key


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
