"""The key cache on its own (no database): lifetimes, refresh on unknown kid, and the rate
limit that protects the shop's key server, counted on that server."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from libriassist.identity.errors import IdentityProviderUnavailable, InvalidUserToken
from libriassist.identity.jwks import JwksCache
from tests.identity.jwks_server import JwksServer
from tests.identity.keys import Clock, SigningKey


@pytest.fixture
def cache_clock() -> Clock:
    return Clock()


@pytest.fixture
async def cache(cache_clock: Clock) -> AsyncIterator[JwksCache]:
    jwks = JwksCache(
        clock=cache_clock, min_refresh_interval=30, min_ttl=60, max_ttl=3600, allow_private=True
    )
    yield jwks
    await jwks.close()


async def unknown(cache: JwksCache, url: str, kid: str) -> str:
    try:
        await cache.signing_key(url, kid, "RS256")
    except InvalidUserToken as exc:
        return exc.reason
    return "found"


async def test_a_flood_of_unknown_kids_costs_the_shop_one_request_per_interval(
    cache: JwksCache, cache_clock: Clock, jwks_server: JwksServer, rsa_old: SigningKey
) -> None:
    jwks_server.keys = [rsa_old.jwk()]
    key = await cache.signing_key(jwks_server.url, rsa_old.kid, "RS256")
    assert key.key_id == rsa_old.kid and jwks_server.hits == 1

    cache_clock.advance(31)
    kids = [uuid.uuid4().hex for _ in range(300)]
    outcomes = await asyncio.gather(*(unknown(cache, jwks_server.url, k) for k in kids))
    assert set(outcomes) == {"unknown_kid"}
    assert jwks_server.hits == 2, "one refresh for 300 unknown kids"
    # The genuine key is still served from the cache meanwhile.
    assert (await cache.signing_key(jwks_server.url, rsa_old.kid, "RS256")).key_id == rsa_old.kid

    cache_clock.advance(10)
    await asyncio.gather(*(unknown(cache, jwks_server.url, k) for k in kids[:50]))
    assert jwks_server.hits == 2, "still within the interval"
    cache_clock.advance(25)
    await asyncio.gather(*(unknown(cache, jwks_server.url, k) for k in kids[:50]))
    assert jwks_server.hits == 3


async def test_max_age_is_honoured_within_bounds(
    cache: JwksCache, cache_clock: Clock, jwks_server: JwksServer, rsa_old: SigningKey
) -> None:
    jwks_server.keys = [rsa_old.jwk()]
    for cache_control, kept, url in (
        ("public, max-age=600", 600, jwks_server.url + "?a"),
        ("max-age=5", 60, jwks_server.url + "?b"),  # raised to the floor
        ("max-age=999999", 3600, jwks_server.url + "?c"),  # cut to the ceiling
        ("no-store", 60, jwks_server.url + "?d"),
        (None, 300, jwks_server.url + "?e"),  # no header: the default
    ):
        jwks_server.cache_control = cache_control
        jwks_server.hits = 0
        await cache.signing_key(url, rsa_old.kid, "RS256")
        cache_clock.advance(kept - 1)
        await cache.signing_key(url, rsa_old.kid, "RS256")
        assert jwks_server.hits == 1, cache_control
        cache_clock.advance(2)
        await cache.signing_key(url, rsa_old.kid, "RS256")
        assert jwks_server.hits == 2, cache_control


async def test_a_failing_key_server_is_not_hammered_either(
    cache: JwksCache, cache_clock: Clock, jwks_server: JwksServer, rsa_old: SigningKey
) -> None:
    jwks_server.status, jwks_server.raw_body = 503, b"{}"
    for _ in range(20):
        with pytest.raises(IdentityProviderUnavailable):
            await cache.signing_key(jwks_server.url, rsa_old.kid, "RS256")
    assert jwks_server.hits == 1
    jwks_server.reset()
    jwks_server.keys = [rsa_old.jwk()]
    cache_clock.advance(30)
    assert (await cache.signing_key(jwks_server.url, rsa_old.kid, "RS256")).key_id == rsa_old.kid
    assert jwks_server.hits == 1


async def test_a_failed_refresh_keeps_a_set_that_is_still_fresh(
    cache: JwksCache, cache_clock: Clock, jwks_server: JwksServer, rsa_old: SigningKey
) -> None:
    jwks_server.keys = [rsa_old.jwk()]
    await cache.signing_key(jwks_server.url, rsa_old.kid, "RS256")
    jwks_server.status, jwks_server.raw_body = 500, b"{}"
    cache_clock.advance(31)
    with pytest.raises(IdentityProviderUnavailable):
        await cache.signing_key(jwks_server.url, "rotated-in", "RS256")
    assert (await cache.signing_key(jwks_server.url, rsa_old.kid, "RS256")).key_id == rsa_old.kid
    # Past its lifetime, the set is not used any more: no stale keys.
    cache_clock.advance(300)
    with pytest.raises(IdentityProviderUnavailable):
        await cache.signing_key(jwks_server.url, rsa_old.kid, "RS256")


async def test_weak_and_foreign_keys_in_the_set_are_ignored(
    cache: JwksCache, jwks_server: JwksServer, rsa_old: SigningKey, ec_signing: SigningKey
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from tests.identity.keys import SigningKey as Key

    weak = Key("weak", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024))
    p384 = Key("p384", "ES256", ec.generate_private_key(ec.SECP384R1()))
    p384_jwk = {**p384.jwk(), "alg": "ES256"}  # lies about its curve
    encryption = {**rsa_old.jwk(), "kid": "enc", "use": "enc"}
    jwks_server.keys = [weak.jwk(), p384_jwk, encryption, ec_signing.jwk(), {"kty": "RSA"}]
    for kid, algorithm in (("weak", "RS256"), ("p384", "ES256"), ("enc", "RS256")):
        with pytest.raises(InvalidUserToken) as refused:
            await cache.signing_key(jwks_server.url, kid, algorithm)
        assert refused.value.reason == "unknown_kid", kid
    assert (await cache.signing_key(jwks_server.url, "ec-1", "ES256")).key_id == "ec-1"


async def test_it_keeps_the_key_sets_of_at_most_max_urls_shops(
    cache_clock: Clock, jwks_server: JwksServer, rsa_old: SigningKey
) -> None:
    jwks_server.keys = [rsa_old.jwk()]
    small = JwksCache(clock=cache_clock, max_urls=2, allow_private=True)
    try:
        for shop in ("a", "b", "a", "c"):  # "b" is then the least recently used
            await small.signing_key(f"{jwks_server.url}?{shop}", rsa_old.kid, "RS256")
        assert jwks_server.hits == 3
        await small.signing_key(f"{jwks_server.url}?a", rsa_old.kid, "RS256")
        await small.signing_key(f"{jwks_server.url}?c", rsa_old.kid, "RS256")
        assert jwks_server.hits == 3, "still kept"
        await small.signing_key(f"{jwks_server.url}?b", rsa_old.kid, "RS256")
        assert jwks_server.hits == 4, "dropped, so fetched again"
    finally:
        await small.close()
