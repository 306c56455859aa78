"""Errors: unsafe keys refused before I/O, the connection policy, error mapping, and secrets
that never show.

The connection tests need a provider the author builds wrong on purpose, as fixtures:
``wrong_credentials`` (a bad secret: ``AuthenticationError``), ``missing_root`` (a bucket,
container or directory that does not exist: ``InvalidConfig``), ``no_permission`` (valid
credentials without access: ``PermissionDenied``) and ``unreachable`` (an endpoint nothing
answers: ``InvalidConfig``). A test whose fixture is not defined skips, saying which to define.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ...errors import (
    AuthenticationError,
    InvalidArgument,
    InvalidConfig,
    NotFound,
    PermissionDenied,
    StorageError,
    TensorBayError,
)
from ..provider import StorageProvider
from .base import ProviderFixtures, missing
from .helpers import BAD_KEYS, UnreadStream, keys, put_bytes


def refused(
    call: Callable[[], Any], expected: type[TensorBayError] | tuple[type[TensorBayError], ...]
) -> TensorBayError:
    """The error ``call`` raises, which must be ``expected`` with no exception chained to it."""
    with pytest.raises(expected) as caught:
        call()
    assert caught.value.__cause__ is None, "an SDK exception chained to the error can carry secrets"
    return caught.value


def author_fixture(name: str, what: str) -> Any:
    """A fixture the author overrides to yield ``what``; until then, its tests skip saying so."""

    @pytest.fixture(name=name)
    def fixture(self: object) -> Iterator[StorageProvider]:
        pytest.skip(missing(name, what))
        yield  # type: ignore[unreachable]

    fixture.__doc__ = f"Override: yield {what}."
    return fixture


def assert_unseen(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        for text in texts:
            assert secret not in text, "a secret value of the config shows in an error or a log"


class ErrorConformance(ProviderFixtures):
    """What goes wrong reads as the error hierarchy, and never shows a secret."""

    wrong_credentials = author_fixture("wrong_credentials", "a provider on a real root whose secret is wrong")
    missing_root = author_fixture(
        "missing_root", "a provider whose bucket, container or directory does not exist"
    )
    no_permission = author_fixture(
        "no_permission", "a provider with valid credentials that may not list its root"
    )
    unreachable = author_fixture("unreachable", "a provider whose endpoint nothing answers (a closed port)")

    # -- confinement ----------------------------------------------------------------------------

    @pytest.mark.parametrize("bad", BAD_KEYS)
    def test_bad_keys_are_refused_before_io(
        self, provider: StorageProvider, tmp_path: Path, bad: str
    ) -> None:
        put_bytes(provider, "ok", b"ok")
        local = tmp_path / "file"
        local.write_bytes(b"local")
        unread = UnreadStream()
        stream = io.BufferedReader(unread)
        calls = [
            lambda: provider.info(bad),
            lambda: provider.exists(bad),
            lambda: provider.open(bad),
            lambda: provider.put_stream(stream, bad),
            lambda: provider.put_file(str(local), bad),
            lambda: provider.copy("ok", bad),
            lambda: provider.copy(bad, "copied"),
            lambda: provider.delete(bad),
            lambda: provider.sign_url(bad, "GET", 60),
            lambda: provider.sign_url(bad, "PUT", 60),
            lambda: list(provider.iter_objects(bad)),
            lambda: provider.existing(["ok", bad]),
        ]
        for call in calls:
            with pytest.raises(InvalidArgument):
                call()
        assert not unread.read_from, "put_stream read the stream before refusing the key"
        assert keys(provider.iter_objects("")) == ["ok"]

    # -- the connection policy -----------------------------------------------------------------------

    def test_wrong_credentials_are_refused(
        self, wrong_credentials: StorageProvider, caplog: pytest.LogCaptureFixture
    ) -> None:
        # In use, a refusal may read as either: a HEAD's answer has no body to tell them apart.
        in_use = (AuthenticationError, PermissionDenied)
        with caplog.at_level(logging.DEBUG):
            errors = [refused(wrong_credentials.check_connection, AuthenticationError)]
            for call in (
                lambda: wrong_credentials.info("any/key"),
                lambda: next(wrong_credentials.iter_objects(""), None),
                lambda: put_bytes(wrong_credentials, "any/key", b"x"),
                lambda: wrong_credentials.open("any/key"),
                lambda: wrong_credentials.copy("any/key", "other/key"),
            ):
                errors.append(refused(call, in_use))
        texts = [text for error in errors for text in (str(error), repr(error), error.message)]
        assert_unseen(wrong_credentials.secret_values(), *texts, caplog.text)

    def test_missing_root_is_an_invalid_config(self, missing_root: StorageProvider) -> None:
        error = refused(missing_root.check_connection, InvalidConfig)
        assert_unseen(missing_root.secret_values(), str(error), repr(error))

    def test_no_permission_is_permission_denied(self, no_permission: StorageProvider) -> None:
        refused(no_permission.check_connection, PermissionDenied)

    def test_unreachable_storage_is_an_invalid_config(self, unreachable: StorageProvider) -> None:
        error = refused(unreachable.check_connection, InvalidConfig)
        assert_unseen(unreachable.secret_values(), str(error), repr(error))

    # -- error mapping ------------------------------------------------------------------------------

    def test_translate_error_maps_what_fsspec_raises(self, provider: StorageProvider) -> None:
        assert isinstance(provider.translate_error(FileNotFoundError("gone"), "k"), NotFound)
        assert isinstance(provider.translate_error(PermissionError("no"), "k"), PermissionDenied)
        assert isinstance(provider.translate_error(RuntimeError("odd"), "k"), StorageError)
        ours = InvalidArgument("already ours")
        assert provider.translate_error(ours, "k") is ours

    # -- secrets ----------------------------------------------------------------------------------

    def test_secrets_never_show(self, provider: StorageProvider) -> None:
        secrets = provider.secret_values()
        if not secrets:
            pytest.skip("the provider's config has no secret values")
        config = provider.config
        shown = [repr(provider), str(provider), repr(config), str(config), f"{config}", repr(config.public())]
        shown += [repr(v) for v in config.values.values()] + [str(v) for v in config.values.values()]
        shown.append(repr(provider.describe()))
        for secret in secrets:
            error = provider.translate_error(RuntimeError(f"request signed with {secret} was refused"), "k")
            assert_unseen([secret], *shown, str(error), error.message, repr(error))

    def test_secrets_stay_out_of_logs(
        self, provider: StorageProvider, caplog: pytest.LogCaptureFixture
    ) -> None:
        secrets = provider.secret_values()
        if not secrets:
            pytest.skip("the provider's config has no secret values")
        with caplog.at_level(logging.DEBUG):
            put_bytes(provider, "logged", b"x")
            keys(provider.iter_objects(""))
            provider.copy("logged", "logged-copy")
            for failing in (lambda: provider.info("missing"), lambda: provider.copy("missing", "x")):
                with pytest.raises(NotFound):
                    failing()
            provider.check_connection()
        assert_unseen(secrets, caplog.text)
