"""The app.info cache: bounded, expiring, keyed without the token, forgetting lost portals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from hhsync.web.bitrix_door.proof import AppInfoCache, ProvenToken
from hhsync.web.bitrix_door.servers import OAuthServer

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
SERVER = OAuthServer("https", "oauth.bitrix.info")


def proven(member_id: str, expires_at: datetime = NOW + timedelta(hours=1)) -> ProvenToken:
    return ProvenToken("app", member_id, "p.bitrix24.ru", "https://p/rest/", 1, True, expires_at)


def test_an_entry_lives_until_its_token_expires() -> None:
    cache = AppInfoCache()
    key = cache.key(SERVER, SecretStr("t" * 64))
    cache.put(key, proven("m1", NOW + timedelta(minutes=5)))
    assert cache.get(key, NOW + timedelta(minutes=4)) is not None
    assert cache.get(key, NOW + timedelta(minutes=5)) is None
    assert len(cache) == 0


def test_the_key_holds_no_token_and_differs_per_server() -> None:
    token = SecretStr("t" * 64)
    key = AppInfoCache.key(SERVER, token)
    assert "t" * 16 not in key
    assert key != AppInfoCache.key(OAuthServer("https", "oauth.bitrix24.tech"), token)


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = AppInfoCache(max_entries=2)
    keys = [cache.key(SERVER, SecretStr(f"{n}" * 20)) for n in range(3)]
    cache.put(keys[0], proven("m0"))
    cache.put(keys[1], proven("m1"))
    assert cache.get(keys[0], NOW) is not None  # now the most recent
    cache.put(keys[2], proven("m2"))
    assert len(cache) == 2
    assert cache.get(keys[1], NOW) is None
    assert cache.get(keys[0], NOW) is not None


def test_an_uninstalled_portal_is_forgotten() -> None:
    cache = AppInfoCache()
    keys = [cache.key(SERVER, SecretStr(f"{n}" * 20)) for n in range(3)]
    for key, member in zip(keys, ("gone", "gone", "kept"), strict=True):
        cache.put(key, proven(member))
    cache.forget_member("gone")
    assert [cache.get(k, NOW) is not None for k in keys] == [False, False, True]
