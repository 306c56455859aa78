"""The fixtures every capability of the kit uses, and what every provider must do."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from ..plugins import LOAD_ENV, get_plugins
from ..provider import StorageProvider
from .helpers import TREE, keys, put_bytes


def missing(fixture: str, what: str) -> str:
    """The reason a test skips when the author did not define ``fixture``."""
    return f"define a `{fixture}` fixture yielding {what}, so the kit can test it"


class ProviderFixtures:
    """The ``provider`` fixture (the author's) and the kit's tests of any provider."""

    #: Top-level modules of the SDKs the plugin must import only when first used (pluggy
    #: imports every plugin when the core starts): e.g. ``("s3fs", "botocore")``.
    sdk_modules: tuple[str, ...] = ()

    @pytest.fixture
    def provider(self) -> Iterator[StorageProvider]:
        """Override: yield a provider on an empty scratch area."""
        raise NotImplementedError(
            "define a `provider` fixture that yields a provider on an empty scratch area"
        )

    @pytest.fixture
    def tree(self, provider: StorageProvider) -> dict[str, bytes]:
        """The provider with ``TREE`` stored in it."""
        for key, data in TREE.items():
            put_bytes(provider, key, data)
        return TREE

    def test_scratch_area_starts_empty(self, provider: StorageProvider) -> None:
        assert keys(provider.iter_objects("")) == [], "the provider fixture must start on an empty area"

    def test_check_connection_passes(self, provider: StorageProvider) -> None:
        provider.check_connection()

    def test_it_is_the_registered_provider(self, provider: StorageProvider) -> None:
        registered = get_plugins().provider_class(provider.type)
        assert registered is type(provider), f"plugins register {registered} for {provider.type!r}"

    def test_filesystem_is_built_once_across_threads(self, provider: StorageProvider) -> None:
        seen: list[object] = []
        threads = [threading.Thread(target=lambda: seen.append(provider.filesystem())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(fs) for fs in seen}) == 1
        assert provider.filesystem() is seen[0]

    def test_configs_never_share_a_filesystem(self, provider: StorageProvider) -> None:
        twin = type(provider)(provider.config)
        assert twin.filesystem() is not provider.filesystem()

    def test_loading_the_plugin_imports_no_sdk(self, provider: StorageProvider) -> None:
        if not self.sdk_modules:
            pytest.skip("name the SDK modules the plugin imports lazily in the class attribute `sdk_modules`")
        distribution = get_plugins().providers[provider.type].distribution
        code = (
            "import sys; from tensorbay_core.storage import get_plugins; "
            f"get_plugins().provider_class({provider.type!r}); "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {self.sdk_modules!r}))"
        )
        env = {**os.environ, LOAD_ENV: distribution}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert result.stdout.strip() == "[]", f"loading the plugin imported {result.stdout.strip()}"
