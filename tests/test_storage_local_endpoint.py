"""A local config's ``endpoint``: a bare ``host:port`` (TensorBay's form) means ``http://``;
what no URL can be built on is refused when the config is made, never turned into dead links."""

from __future__ import annotations

from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import InvalidConfig


@pytest.fixture
def embedded(tmp_path: Path) -> GAS:
    return GAS("Accesskey-embedded", home=str(tmp_path / "home"))


def test_an_endpoint_without_scheme_means_http(embedded: GAS, tmp_path: Path) -> None:
    folder = tmp_path / "bucket"
    folder.mkdir()
    (tmp_path / "cat.png").write_bytes(b"meow")
    embedded.create_local_storage_config("bucket", str(folder), endpoint="127.0.0.1:8866")
    assert embedded.get_auth_storage_config("bucket").fields["endpoint"] == "http://127.0.0.1:8866"

    embedded.create_dataset("Pets", config_name="bucket")
    dataset = Dataset("Pets")
    dataset.create_segment().append(Data(str(tmp_path / "cat.png")))
    embedded.upload_dataset(dataset, quiet=True, commit="one cat")
    [data] = Dataset("Pets", embedded)[0]
    assert data.get_url().startswith("http://127.0.0.1:8866/")

    # A URL with a scheme is kept as given.
    for name, endpoint in (
        ("proxied", "https://gas.example.internal/storage"),
        ("v6", "http://[::1]:8866/storage"),
    ):
        embedded.create_local_storage_config(name, str(folder), endpoint=endpoint)
        assert embedded.get_auth_storage_config(name).fields["endpoint"] == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [
        "ftp://127.0.0.1:8866",
        "file:///srv/bucket",
        "http://",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:0",
        "127.0.0.1:port",
        "http://127.0.0.1:8866/storage?x=1",
        "http://127.0.0.1:8866/storage#top",
        "http://gas example:8866",
        "http://admin:hunter2-password@127.0.0.1:8866",
    ],
)
def test_an_endpoint_no_url_can_be_built_on_is_refused(embedded: GAS, tmp_path: Path, endpoint: str) -> None:
    with pytest.raises(InvalidConfig, match="endpoint must be the http") as info:
        embedded.create_local_storage_config("bucket", str(tmp_path), endpoint=endpoint)
    assert "hunter2" not in str(info.value)
    assert embedded.list_auth_storage_configs() == []
