"""A pytest conformance kit for storage providers, in capability mixins.

Subclass ``ProviderConformance`` (every capability) in a test module and define a
``provider`` fixture that yields a provider on an empty scratch area; every ``test_``
method of the kit then checks your provider against the contract::

    import pytest
    from tensorbay_core.storage.testing import ProviderConformance

    class TestMyProvider(ProviderConformance):
        sdk_modules = ("mysdk",)  # imported only when first used

        @pytest.fixture
        def provider(self):
            yield create_provider("mine", "kit", "", {...})  # empty scratch bucket/folder

        @pytest.fixture
        def wrong_credentials(self):
            yield create_provider("mine", "kit", "", {..., "secret": "wrong"})

A provider that offers less subclasses only the capabilities it has: ``ListingConformance``,
``ReadingConformance``, ``WritingConformance``, ``CopyingConformance``,
``SigningConformance``, ``ErrorConformance`` (the fixtures building wrong configs, with
which the connection policy is tested, are described there). Signing is tested for the
methods the provider's ``signs`` names (a failure fails) and skipped, with the reason, for
the others. Nothing here needs a pytest plugin: they are plain classes.
"""

from __future__ import annotations

from .base import ProviderFixtures
from .copying import CopyingConformance
from .errors import ErrorConformance
from .helpers import BAD_KEYS, TREE, UnreadStream, fetch, keys, put_bytes, read_all
from .listing import ListingConformance
from .reading import ReadingConformance
from .signing import SigningConformance
from .writing import WritingConformance


class ProviderConformance(
    ListingConformance,
    ReadingConformance,
    WritingConformance,
    CopyingConformance,
    SigningConformance,
    ErrorConformance,
):
    """The whole storage provider contract as tests. Define a ``provider`` fixture in a subclass."""


__all__ = [
    "BAD_KEYS",
    "TREE",
    "CopyingConformance",
    "ErrorConformance",
    "ListingConformance",
    "ProviderConformance",
    "ProviderFixtures",
    "ReadingConformance",
    "SigningConformance",
    "UnreadStream",
    "WritingConformance",
    "fetch",
    "keys",
    "put_bytes",
    "read_all",
]
