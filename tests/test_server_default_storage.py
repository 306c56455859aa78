"""A team server whose default storage is an S3 bucket (``gas serve --default-storage FILE``)."""

from __future__ import annotations

import json

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset

from .servers.gas import GasServer

pytest.importorskip("tensorbay_s3")


def test_datasets_without_config_live_on_the_default_s3(
    tmp_path_factory: pytest.TempPathFactory, s3_bucket
) -> None:
    home = tmp_path_factory.mktemp("s3-default-home")
    spec = tmp_path_factory.mktemp("s3-default-spec") / "storage.json"
    spec.write_text(
        json.dumps(
            {
                "type": "s3",
                "file_path": "team",
                "endpoint": s3_bucket.endpoint,
                "accesskey_id": s3_bucket.key_id,
                "accesskey_secret": s3_bucket.secret,
                "bucket_name": s3_bucket.name,
            }
        )
    )
    spec.chmod(0o600)
    server = GasServer(
        "sqlite:///" + str(home / "gas.db"),
        home,
        tmp_path_factory.mktemp("s3-default-roots"),
        extra_args=("--default-storage", str(spec)),
    )
    files = tmp_path_factory.mktemp("s3-default-files")
    contents = {f"{i}.bin": bytes([i]) * (i * 1000) for i in range(6)}  # 0.bin is empty
    for name, body in contents.items():
        (files / name).write_bytes(body)
    server.start()
    try:
        gas = GAS(server.new_user(), url=server.url)
        gas.create_dataset("OnS3")
        dataset = Dataset("OnS3")
        segment = dataset.create_segment()
        for name in sorted(contents):
            segment.append(Data(str(files / name)))
        gas.upload_dataset(dataset, jobs=4, quiet=True, commit="on s3")

        read = {d.path: d for d in Dataset("OnS3", gas)[0]}
        assert sorted(read) == sorted(contents)
        for name, remote in read.items():
            with remote.open() as fp:
                assert fp.read() == contents[name]
            assert remote.get_url().startswith(s3_bucket.endpoint)
        stored = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name)["Contents"]
        assert stored and all(obj["Key"].startswith("team/") for obj in stored)
        assert s3_bucket.secret not in server.log_text()
    finally:
        server.stop()
