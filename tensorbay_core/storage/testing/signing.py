"""Signing: a provider's ``signs`` says which URLs it signs. Each method it names must work
(a failure fails the test); each method it leaves out must be refused with ``StorageError``,
and its test skips with that reason."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import requests

from ...errors import InvalidArgument, StorageError
from ..provider import MAX_SIGNED_SECONDS, StorageProvider
from .base import ProviderFixtures
from .helpers import fetch, put_bytes, read_all


def undeclared(provider: StorageProvider, method: str) -> str:
    """Check that ``provider`` refuses to sign ``method``, which its ``signs`` leaves out;
    return the reason the test skips."""
    try:
        provider.sign_url("signed/undeclared", method, 60)
    except StorageError:
        return f"{type(provider).__name__} does not sign {method} URLs (signs = {sorted(provider.signs)})"
    pytest.fail(
        f"sign_url signed a {method} URL, but `signs` ({sorted(provider.signs)}) leaves {method} out: "
        f'add "{method}" to the provider\'s `signs` so the kit tests it'
    )


class SigningConformance(ProviderFixtures):
    """``sign_url`` for the methods in ``signs``; a PUT sends exactly ``signed_put_headers``."""

    def test_sign_url_refuses_other_methods(self, provider: StorageProvider) -> None:
        with pytest.raises(InvalidArgument):
            provider.sign_url("key", "DELETE", 60)

    def test_sign_url_refuses_more_than_seven_days(self, provider: StorageProvider) -> None:
        for method in ("GET", "PUT"):
            with pytest.raises(InvalidArgument, match="at most"):
                provider.sign_url("key", method, MAX_SIGNED_SECONDS + 1)

    def test_signed_get(self, provider: StorageProvider) -> None:
        if "GET" not in provider.signs:
            pytest.skip(undeclared(provider, "GET"))
        data = os.urandom(50_000)
        put_bytes(provider, "signed/get.bin", data)
        assert fetch(provider.sign_url("signed/get.bin", "GET", 300)) == data

    def test_signed_put(self, provider: StorageProvider) -> None:
        if "PUT" not in provider.signs:
            pytest.skip(undeclared(provider, "PUT"))
        url = provider.sign_url("signed/put.bin", "PUT", 300)
        scheme = urlsplit(url).scheme
        assert scheme in ("http", "https"), f"a signed PUT URL must be http(s), not {scheme}"
        data = os.urandom(50_000)
        headers = dict(provider.signed_put_headers)
        requests.put(url, data=data, headers=headers, timeout=60).raise_for_status()
        assert read_all(provider, "signed/put.bin") == data
        assert provider.info("signed/put.bin").size == len(data)

    def test_signed_urls_carry_no_secret(self, provider: StorageProvider) -> None:
        put_bytes(provider, "signed/plain", b"x")
        for method in sorted(provider.signs):
            url = provider.sign_url("signed/plain", method, 60)
            for secret in provider.secret_values():
                assert secret not in url, f"a signed {method} URL carries a secret value of the config"
