"""Config validation, and secrets staying secret: reprs, logs and error messages."""

from __future__ import annotations

import io
import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from tensorbay_core.errors import InvalidArgument, InvalidConfig, NotFound, PluginNotFound, TensorBayError
from tensorbay_core.storage import Field, Secret, StorageProvider, clean_key, create_provider
from tensorbay_core.storage.testing import put_bytes

SECRET = "Zq9-very-secret-value-7Tw"


class Toy(StorageProvider):
    """A provider with one field of each kind, over a private in-memory filesystem."""

    type = "toy"
    fields = (
        Field("bucket", help="the bucket"),
        Field("token", secret=True, help="the access token"),
        Field("port", required=False, type=int, default=443, help="the port"),
        Field("tls", required=False, type=bool, help="use TLS"),
        Field("timeout", required=False, type=float, help="seconds"),
    )

    @property
    def root(self) -> str:
        return f"/toy/{self.value('bucket')}"

    def make_filesystem(self) -> MemoryFileSystem:
        fs = MemoryFileSystem(global_store=False, skip_instance_cache=True)
        fs.makedirs(self.root, exist_ok=True)
        return fs


def toy(**values: Any) -> StorageProvider:
    return Toy.from_values("toy-config", "datasets", {"bucket": "b", "token": SECRET} | values)


# -- validation ------------------------------------------------------------------------------


def test_a_valid_config_is_typed() -> None:
    provider = toy(port="8080", tls="true", timeout=3)
    assert provider.config.values["port"] == 8080
    assert provider.config.values["tls"] is True
    assert provider.config.values["timeout"] == 3.0
    assert provider.value("token") == SECRET
    assert isinstance(provider.config.values["token"], Secret)
    assert provider.config.file_path == "datasets"


def test_defaults_fill_optional_fields() -> None:
    assert toy().config.values["port"] == 443
    assert "tls" not in toy().config.values


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"bukket": "b"}, "bukket"),
        ({"bucket": None}, "bucket"),
        ({"bucket": ""}, "bucket"),
        ({"token": None}, "token"),
        ({"port": "https"}, "port"),
        ({"port": True}, "port"),
        ({"tls": "yes"}, "tls"),
        ({"bucket": 7}, "bucket"),
    ],
)
def test_bad_fields_are_named(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        toy(**values)
    assert field in caught.value.message


def test_a_mistyped_secret_is_named_not_shown() -> None:
    with pytest.raises(InvalidConfig) as caught:
        Toy.from_values("c", "", {"bucket": "b", "token": 987654321})
    assert "'token'" in caught.value.message
    assert "987654321" not in str(caught.value)


def test_unknown_fields_list_the_known_ones() -> None:
    with pytest.raises(InvalidConfig, match="known fields: bucket, token, port, tls, timeout"):
        toy(region="x")


def test_values_must_be_a_mapping() -> None:
    with pytest.raises(InvalidConfig, match="mapping"):
        Toy.from_values("c", "", ["bucket", "b"])  # type: ignore[arg-type]


@pytest.mark.parametrize("file_path", ["../up", "/abs", "a\x00b"])
def test_a_bad_file_path_is_refused(file_path: str) -> None:
    with pytest.raises(InvalidConfig, match="file_path"):
        Toy.from_values("c", file_path, {"bucket": "b", "token": SECRET})


def test_a_config_of_another_type_is_refused() -> None:
    local = create_provider("local", "disk", "/tmp", {})
    with pytest.raises(InvalidConfig, match="not 'toy'"):
        Toy(local.config)


def test_a_missing_plugin_names_the_package() -> None:
    with pytest.raises(PluginNotFound, match="pip install tensorbay-nosuchstore") as caught:
        create_provider("nosuchstore", "c", "", {})
    assert "local" in caught.value.message


def test_local_refuses_unknown_fields(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig, match="bucket_name"):
        create_provider("local", "disk", str(tmp_path), {"bucket_name": "b"})


# -- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "cleaned"), [("a/b", "a/b"), ("./a//b/", "a/b"), ("a/./b", "a/b"), ("ü/数据 1", "ü/数据 1")]
)
def test_clean_key_normalises(key: str, cleaned: str) -> None:
    assert clean_key(key) == cleaned


@pytest.mark.parametrize("key", ["", ".", "/", "../a", "a/../b", "/a", "a\x00", "a\\b", "c:x", "a\x7f", 5])
def test_clean_key_refuses(key: Any) -> None:
    with pytest.raises(InvalidArgument):
        clean_key(key)


# -- secrets ---------------------------------------------------------------------------------


def test_secret_hides_itself() -> None:
    secret = Secret(SECRET)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>40}", repr([secret])):
        assert SECRET not in text
    assert secret.reveal() == SECRET
    assert secret == Secret(SECRET) and secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_config_and_provider_reprs_hide_secrets() -> None:
    provider = toy()
    texts = [repr(provider), str(provider), repr(provider.config), str(provider.config), f"{provider.config}"]
    texts.append(repr(provider.config.public()))
    for text in texts:
        assert SECRET not in text
    assert "token" not in provider.config.public()
    assert provider.config.revealed()["token"] == SECRET
    assert "bucket='b'" in repr(provider.config)


def test_translate_error_scrubs_secrets() -> None:
    provider = toy()
    cases: list[BaseException] = [
        RuntimeError(f"signature for {SECRET} does not match"),
        PermissionError(f"denied for {SECRET}"),
        ConnectionError(f"https://user:{SECRET}@host/"),
    ]
    for exc in cases:
        error = provider.translate_error(exc, "some/key")
        assert isinstance(error, TensorBayError)
        assert SECRET not in str(error) and SECRET not in repr(error) and SECRET not in str(error.to_json())
        assert "some/key" in error.message


class LeakyFS(MemoryFileSystem):
    """A filesystem whose errors quote the credential, as some SDKs do."""

    def __init__(self, secret: str, **kwargs: Any) -> None:
        super().__init__(global_store=False, **kwargs)
        self.secret = secret

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        logging.getLogger("leakyfs").debug("info %s", path)
        raise RuntimeError(f"request with key {self.secret} refused")


class LeakyToy(Toy):
    type = "leaky-toy"

    def make_filesystem(self) -> MemoryFileSystem:
        return LeakyFS(self.value("token"), skip_instance_cache=True)


def errors_of(*calls: Callable[[], Any]) -> list[BaseException]:
    found: list[BaseException] = []
    for call in calls:
        try:
            call()
        except TensorBayError as exc:
            found.append(exc)
    return found


def test_secrets_stay_out_of_logs_and_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    (tmp_path / "root").mkdir()
    local = create_provider(
        "local", "disk", str(tmp_path / "root"), {"signing_key": SECRET, "endpoint": "http://h"}
    )
    gone = create_provider("local", "gone", str(tmp_path / "gone"), {"signing_key": SECRET})
    logging.getLogger("test").debug("created %r and %s", local, gone.config)
    put_bytes(local, "a/b", b"x")
    list(local.iter_objects(""))
    local.copy("a/b", "c")
    local.sign_url("a/b", "PUT", 60)
    leaky = LeakyToy.from_values("leaky", "", {"bucket": "b", "token": SECRET})
    errors = errors_of(
        lambda: local.info("missing"),
        lambda: local.copy("missing", "x"),
        lambda: gone.check_connection(),
        lambda: create_provider("local", "bad", str(tmp_path), {"signing_key": SECRET, "nope": SECRET}),
        lambda: leaky.info("k"),
        lambda: leaky.check_connection(),
        lambda: leaky.put_stream(io.BytesIO(b"x"), "k"),
    )
    assert len(errors) == 7
    assert any(isinstance(e, NotFound) for e in errors)
    assert "refused" in str(errors[4])  # the backend's message survives, scrubbed
    for error in errors:
        logging.getLogger("test").exception("failed: %s", error, exc_info=error)
        assert SECRET not in str(error) and SECRET not in repr(error)
    assert "leakyfs" in caplog.text and "storage error on" in caplog.text
    assert SECRET not in caplog.text
