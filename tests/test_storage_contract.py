"""Provider contract v2: what a provider class must declare is checked when it is defined,
the one connection-check policy, and a kit that fails (not skips) what a provider claims."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from tensorbay_core.errors import AuthenticationError, InvalidConfig, PermissionDenied
from tensorbay_core.storage import Field, StorageProvider, create_provider, get_plugins
from tensorbay_core.storage.plugins import ProviderEntry, Registrar


class Memory(StorageProvider, abstract=True):
    """A base class other providers share: declared abstract, so nothing is required of it."""

    fields = (Field("bucket"), Field("token", secret=True))

    def make_filesystem(self) -> MemoryFileSystem:
        fs = MemoryFileSystem()
        fs.makedirs(self.root, exist_ok=True)
        return fs


class Bucket(Memory):
    type = "contract-bucket"

    @property
    def root(self) -> str:
        return f"/contract/{self.value('bucket')}"


def bucket(name: str = "b") -> Bucket:
    provider = Bucket.from_values("contract", "", {"bucket": name, "token": "t0k3n"})
    assert isinstance(provider, Bucket)
    return provider


# -- what a class must declare ---------------------------------------------------------------


def test_a_provider_without_root_fails_when_defined() -> None:
    with pytest.raises(TypeError) as refused:

        class Rootless(Memory):
            type = "rootless"

    message = str(refused.value)
    assert "Rootless does not meet the provider contract: define `root`" in message
    assert "abstract=True" in message  # what to write instead, for a shared base class


def test_every_missing_member_is_named_at_once() -> None:
    with pytest.raises(TypeError) as refused:

        class Empty(StorageProvider):
            pass

    message = str(refused.value)
    for wanted in ("set `type`", "define `root`", "define `make_filesystem`"):
        assert wanted in message


@pytest.mark.parametrize(
    ("members", "complaint"),
    [
        ({"fields": [Field("x")]}, "`fields` must be a tuple of `Field`s"),
        ({"signs": {"GET"}}, "`signs` must be a frozenset"),
        ({"signs": frozenset({"POST"})}, "`signs` must be a frozenset"),
        ({"signs": frozenset({"GET", "PUT"})}, "only an overridden `sign_url` can sign PUT"),
        ({"signed_put_headers": {"x-blob": 1}}, "`signed_put_headers` must map"),
    ],
)
def test_declarations_are_checked_when_defined(members: dict[str, Any], complaint: str) -> None:
    with pytest.raises(TypeError, match=re.escape(complaint)):
        type("Wrong", (Bucket,), {"type": "wrong", **members})


class Crashing(Bucket):
    """A provider whose ``__init__`` has a bug, quoting the config's secret in its message."""

    type = "contract-crashing"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        raise KeyError(f"no such setting in {self.value('token')}")


def test_a_crashing_init_fails_only_its_config(monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = get_plugins()
    monkeypatch.setitem(
        plugins.providers, "contract-crashing", ProviderEntry(Crashing, "tensorbay-crash", "1")
    )
    with pytest.raises(InvalidConfig, match=r"failed to build config 'c' \(KeyError\)") as caught:
        create_provider("contract-crashing", "c", "", {"bucket": "b", "token": "t0k3n-in-a-bug"})
    assert "t0k3n-in-a-bug" not in str(caught.value)


def test_an_abstract_class_cannot_be_registered() -> None:
    registrar = Registrar({}, "tensorbay-contract", "1.0")
    with pytest.raises(TypeError, match="abstract"):
        registrar(Memory)
    registrar(Bucket)
    assert registrar.providers["contract-bucket"].cls is Bucket


# -- the base class's fsspec defaults -------------------------------------------------------------


def test_configs_never_share_a_filesystem_through_fsspecs_cache() -> None:
    one, two = bucket(), bucket()
    assert one.filesystem() is not two.filesystem()
    assert not any(fs in (one.filesystem(), two.filesystem()) for fs in MemoryFileSystem._cache.values())


# -- the connection policy --------------------------------------------------------------------------


class Refusing(Bucket):
    """A provider whose storage answers the connection probe with ``error``."""

    type = "contract-refusing"
    error: BaseException = OSError("unset")

    def probe_connection(self) -> None:
        raise self.error


def refusing(error: BaseException) -> Refusing:
    provider = Refusing.from_values("refusing", "", {"bucket": "b", "token": "t0k3n"})
    assert isinstance(provider, Refusing)
    provider.error = error
    return provider


@pytest.mark.parametrize(
    ("error", "raised", "message"),
    [
        (AuthenticationError("the key was refused"), AuthenticationError, "the key was refused"),
        (PermissionError("no access"), PermissionDenied, "no access"),
        (FileNotFoundError("gone"), InvalidConfig, "does not exist"),
        (ConnectionRefusedError("nobody listens"), InvalidConfig, "cannot reach its storage"),
        (InvalidConfig("the bucket is a file"), InvalidConfig, "the bucket is a file"),
    ],
)
def test_check_connection_maps_failures_by_one_policy(
    error: BaseException, raised: type[Exception], message: str
) -> None:
    with pytest.raises(raised, match=message) as caught:
        refusing(error).check_connection()
    assert caught.value.__cause__ is None


def test_the_default_probe_needs_the_root() -> None:
    provider = bucket("probe")
    provider.check_connection()
    provider.filesystem().rm(provider.root, recursive=True)
    with pytest.raises(InvalidConfig, match="does not exist"):
        provider.check_connection()
    provider.filesystem().pipe_file(provider.root, b"not a folder")
    with pytest.raises(InvalidConfig, match="is not a bucket or folder"):
        provider.check_connection()
    provider.filesystem().rm(provider.root)
    provider.filesystem().makedirs(provider.root)
    provider.put_stream(io.BytesIO(b"x"), "k")
    provider.check_connection()


# -- the kit fails what a provider claims ----------------------------------------------------------

KIT_SELF_TEST = """
import uuid

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from tensorbay_core.storage import Field, StorageProvider
from tensorbay_core.storage.testing import ErrorConformance, SigningConformance


class Memory(StorageProvider):
    type = "kit-memory"
    fields = (Field("bucket"), Field("token", secret=True))

    @property
    def root(self):
        return "/kit-self-test/" + self.value("bucket")

    def make_filesystem(self):
        fs = MemoryFileSystem()
        fs.makedirs(self.root, exist_ok=True)
        return fs


class BrokenSigner(Memory):
    type = "kit-broken-signer"
    signs = frozenset({"GET"})  # claimed, but memory has no URL: sign_url raises StorageError


class SilentSigner(Memory):
    type = "kit-silent-signer"

    def sign_url(self, key, method="GET", expires=3600):
        return "file:///signed/without/saying/so"


def make(cls, token="right"):
    return cls.from_values("kit", "", {"bucket": uuid.uuid4().hex, "token": token})


def kit(capability, cls):  # the kit's capability tests, run on providers of cls

    class Kit(capability):
        @pytest.fixture
        def provider(self):
            yield make(cls)

        @pytest.fixture
        def wrong_credentials(self):
            yield make(cls, token="wrong")

    return Kit


TestMemory = kit(SigningConformance, Memory)
TestBrokenSigner = kit(SigningConformance, BrokenSigner)
TestSilentSigner = kit(SigningConformance, SilentSigner)
TestIgnoredSecret = kit(ErrorConformance, Memory)
"""


def test_the_kit_fails_what_a_provider_claims_and_cannot_do(tmp_path: Path) -> None:
    (tmp_path / "test_kit_self.py").write_text(KIT_SELF_TEST)
    command = [sys.executable, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider"]
    command += ["-k", "signed_get or wrong_credentials", "test_kit_self.py"]
    report = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300).stdout
    outcomes = dict(re.findall(r"::(Test\w+::test_\w+) (PASSED|FAILED|SKIPPED)", report))
    assert outcomes == {
        "TestMemory::test_signed_get": "SKIPPED",
        "TestBrokenSigner::test_signed_get": "FAILED",
        "TestSilentSigner::test_signed_get": "FAILED",
        "TestIgnoredSecret::test_wrong_credentials_are_refused": "FAILED",
    }, report
    assert "Memory does not sign GET URLs (signs = [])" in report
    assert 'add "GET" to the provider\'s `signs`' in report
