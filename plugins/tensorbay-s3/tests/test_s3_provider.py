"""The s3 provider against moto's S3 server: the conformance kit, then what is S3's own."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from tensorbay_s3 import S3Provider

from tensorbay_core.errors import (
    AuthenticationError,
    InvalidArgument,
    InvalidConfig,
    NotFound,
    PermissionDenied,
)
from tensorbay_core.storage import create_provider, get_plugins
from tensorbay_core.storage.testing import ProviderConformance
from tests.servers.s3 import RecordedRequest, S3Bucket, S3Credentials


def make(bucket: S3Bucket, file_path: str = "", **overrides: Any) -> S3Provider:
    """A provider on ``bucket`` through the plugin registry, as the core builds it."""
    values = {
        "endpoint": bucket.endpoint,
        "accesskey_id": bucket.key_id,
        "accesskey_secret": bucket.secret,
        "bucket_name": bucket.name,
        **overrides,
    }
    provider = create_provider("s3", "test-s3", file_path, {k: v for k, v in values.items() if v is not None})
    assert isinstance(provider, S3Provider)
    return provider


def object_requests(log: list[RecordedRequest], bucket: str) -> list[RecordedRequest]:
    """The requests that touched an object of ``bucket`` (not the bucket itself)."""
    return [r for r in log if r.path.startswith(f"/{bucket}/") and r.path != f"/{bucket}/"]


def denied_key(bucket: S3Bucket, auth: S3Credentials) -> dict[str, str]:
    """Credentials of a new IAM user (of moto's) whose policy denies all of S3."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=bucket.endpoint,
        aws_access_key_id=auth.key_id,
        aws_secret_access_key=auth.secret,
        region_name="us-east-1",
    )
    iam.create_user(UserName="reader")
    iam.put_user_policy(
        UserName="reader",
        PolicyName="nothing-on-s3",
        PolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}',
    )
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    return {"accesskey_id": key["AccessKeyId"], "accesskey_secret": key["SecretAccessKey"]}


class TestS3Conformance(ProviderConformance):
    sdk_modules = ("s3fs", "botocore", "aiobotocore", "boto3")

    @pytest.fixture
    def provider(self, s3_bucket: S3Bucket) -> Iterator[S3Provider]:
        yield make(s3_bucket)

    @pytest.fixture
    def wrong_credentials(self, s3_bucket: S3Bucket, s3_auth: S3Credentials) -> Iterator[S3Provider]:
        yield make(s3_bucket, accesskey_id=s3_auth.key_id, accesskey_secret="wrong-" + s3_auth.secret)

    @pytest.fixture
    def missing_root(self, s3_bucket: S3Bucket) -> Iterator[S3Provider]:
        yield make(s3_bucket, bucket_name="no-such-bucket-here")

    @pytest.fixture
    def no_permission(self, s3_bucket: S3Bucket, s3_auth: S3Credentials) -> Iterator[S3Provider]:
        yield make(s3_bucket, **denied_key(s3_bucket, s3_auth))

    @pytest.fixture
    def unreachable(self, s3_bucket: S3Bucket) -> Iterator[S3Provider]:
        yield make(s3_bucket, endpoint="http://127.0.0.1:9")


# -- registration and config ------------------------------------------------------------------


def test_registered_through_the_entry_point() -> None:
    described = {d["type"]: d for d in get_plugins().describe()}
    assert described["s3"]["distribution"] == "tensorbay-s3"
    fields = {f["name"]: f for f in described["s3"]["fields"]}
    assert set(fields) == {
        "endpoint",
        "accesskey_id",
        "accesskey_secret",
        "bucket_name",
        "region",
        "session_token",
    }
    assert fields["accesskey_secret"]["secret"] and fields["session_token"]["secret"]
    assert not fields["endpoint"]["required"] and fields["bucket_name"]["required"]


@pytest.mark.parametrize("bucket_name", ["a/b", "../x", "-x", "x y"])
def test_bad_bucket_names_are_refused(bucket_name: str) -> None:
    values = {"accesskey_id": "id", "accesskey_secret": "s", "bucket_name": bucket_name}
    with pytest.raises(InvalidConfig, match="bucket_name"):
        create_provider("s3", "bad", "", values)


def test_endpoint_without_scheme_means_https() -> None:
    values = {"endpoint": "s3.eu-west-1.amazonaws.com", "accesskey_id": "id", "accesskey_secret": "s"}
    provider = create_provider("s3", "aws", "", {**values, "bucket_name": "b"})
    assert isinstance(provider, S3Provider)
    assert provider.endpoint_url() == "https://s3.eu-west-1.amazonaws.com"
    with pytest.raises(InvalidConfig, match="endpoint"):
        create_provider("s3", "ftp", "", {**values, "endpoint": "ftp://host", "bucket_name": "b"})


def test_filesystem_kwargs(s3_bucket: S3Bucket) -> None:
    provider = make(s3_bucket, region="eu-west-1", session_token="tok")
    kwargs = provider.filesystem_kwargs()
    assert kwargs["key"] == s3_bucket.key_id and kwargs["secret"] == s3_bucket.secret
    assert kwargs["token"] == "tok" and kwargs["endpoint_url"] == s3_bucket.endpoint
    assert kwargs["client_kwargs"] == {"region_name": "eu-west-1"}
    assert kwargs["config_kwargs"]["max_pool_connections"] == S3Provider.max_connections


def test_the_filesystem_keeps_no_listing(s3_bucket: S3Bucket) -> None:
    """s3fs caches listings unless told not to, and answers ``info`` from them: the base
    class turns that off, so an object another writer stored is found at once."""
    provider = make(s3_bucket)
    provider.put_stream(io.BytesIO(b"1"), "folder/first")
    fs = provider.filesystem()
    assert [p.rsplit("/", 1)[1] for p in fs.ls(provider.fs_path("folder"), detail=False)] == ["first"]
    s3_bucket.client.put_object(Bucket=s3_bucket.name, Key="folder/second", Body=b"2")
    assert provider.info("folder/second").size == 1
    assert len(fs.ls(provider.fs_path("folder"))) == 2


# -- check_connection --------------------------------------------------------------------------


def test_check_connection_accepts_real_credentials(s3_bucket: S3Bucket, s3_auth: S3Credentials) -> None:
    make(
        s3_bucket, "datasets", accesskey_id=s3_auth.key_id, accesskey_secret=s3_auth.secret
    ).check_connection()


def test_wrong_secret_names_the_refusal(s3_bucket: S3Bucket, s3_auth: S3Credentials) -> None:
    provider = make(s3_bucket, accesskey_id=s3_auth.key_id, accesskey_secret="not-" + s3_auth.secret)
    with pytest.raises(AuthenticationError, match=r"credentials were refused \(S3 SignatureDoesNotMatch"):
        provider.check_connection()


def test_unknown_access_key_is_an_authentication_error(s3_bucket: S3Bucket, s3_auth: S3Credentials) -> None:
    provider = make(s3_bucket, accesskey_id="AKIANOBODYHASTHISKEY", accesskey_secret=s3_auth.secret)
    with pytest.raises(AuthenticationError, match="InvalidAccessKeyId"):
        provider.check_connection()


def test_missing_bucket_is_named(s3_bucket: S3Bucket) -> None:
    with pytest.raises(InvalidConfig, match="'no-such-bucket-here' of storage config"):
        make(s3_bucket, bucket_name="no-such-bucket-here").check_connection()


# -- listing -----------------------------------------------------------------------------------


def test_listing_streams_page_by_page(s3_bucket: S3Bucket, s3_requests: list[RecordedRequest]) -> None:
    keys = sorted(f"many/{i:05d}" for i in range(2500))
    provider = make(s3_bucket)

    def put(key: str) -> None:
        s3_bucket.client.put_object(Bucket=s3_bucket.name, Key=key, Body=key.encode())

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, keys))
    s3_requests.clear()

    def list_calls() -> int:
        return sum(1 for r in s3_requests if r.method == "GET" and "list-type=2" in r.query)

    listing = provider.iter_objects("many/")
    first = next(listing)
    assert first.path == keys[0] and first.size == len(keys[0])
    assert list_calls() == 1, "the first object came after more than one page was fetched"
    rest = list(listing)
    assert [first.path] + [info.path for info in rest] == keys
    assert list_calls() == 3
    s3_requests.clear()
    assert [info.path for info in provider.iter_objects("many/", keys[1500])] == keys[1501:]
    assert list_calls() == 1, "resuming after a key re-read the keys before it"


def test_listing_skips_keys_the_contract_cannot_name(s3_bucket: S3Bucket) -> None:
    for key in ("ok", "folder/", "a//b", "./dot", "x/../y", "back\\slash", "v?versionId=1"):
        s3_bucket.client.put_object(Bucket=s3_bucket.name, Key=key, Body=b"x")
    assert [info.path for info in make(s3_bucket).iter_objects("")] == ["ok"]


def test_version_marker_is_refused_before_io(s3_bucket: S3Bucket) -> None:
    provider = make(s3_bucket)
    provider.put_stream(io.BytesIO(b"must survive"), "x")
    with pytest.raises(InvalidArgument, match="versionId"):
        provider.put_stream(io.BytesIO(b"overwrite"), "x?versionId=1")
    assert provider.open("x").read() == b"must survive"


def test_keys_with_url_characters_round_trip(s3_bucket: S3Bucket) -> None:
    provider = make(s3_bucket)
    keys = sorted(["a#b", "a?b", "a%20b", "sp ace", "é/ü", "q&r=s", "[x]", "a+b", "*"])
    for key in keys:
        provider.put_stream(io.BytesIO(key.encode()), key)
        provider.copy(key, "copies/" + key)
    assert [i.path for i in provider.iter_objects("")] == sorted(keys + ["copies/" + k for k in keys])
    for key in keys:
        assert provider.open("copies/" + key).read() == key.encode()


def test_listing_is_confined_to_the_prefix_not_the_file_path(s3_bucket: S3Bucket) -> None:
    provider = make(s3_bucket, "datasets")
    provider.put_stream(io.BytesIO(b"x"), "datasets/one")
    provider.put_stream(io.BytesIO(b"y"), "elsewhere/two")
    assert [i.path for i in provider.iter_objects("datasets/")] == ["datasets/one"]


# -- copy --------------------------------------------------------------------------------------


def test_copy_is_server_side(s3_bucket: S3Bucket, s3_requests: list[RecordedRequest]) -> None:
    provider = make(s3_bucket)
    data = os.urandom(200_000)
    provider.put_stream(io.BytesIO(data), "src/big.bin")
    s3_requests.clear()
    copied = provider.copy("src/big.bin", "dst/big.bin")
    touched = object_requests(s3_requests, s3_bucket.name)
    assert not [r for r in touched if r.method == "GET"], "copy downloaded the object"
    copies = [r for r in touched if r.method == "PUT"]
    assert len(copies) == 1 and copies[0].headers.get("x-amz-copy-source")
    assert copies[0].path == f"/{s3_bucket.name}/dst/big.bin"
    assert copied.size == len(data)
    body = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="dst/big.bin")["Body"].read()
    assert body == data


def test_copy_between_buckets_is_server_side(s3_bucket: S3Bucket, s3_requests: list[RecordedRequest]) -> None:
    s3_bucket.client.create_bucket(Bucket="other-bucket")
    source = make(s3_bucket, bucket_name="other-bucket")
    target = make(s3_bucket)
    source.put_stream(io.BytesIO(b"from the other bucket"), "photos/1.jpg")
    assert source.copy_scope() == target.copy_scope()
    s3_requests.clear()
    copied = target.copy("photos/1.jpg", "dataset/1.jpg", source=source)
    assert copied.size == len(b"from the other bucket")
    copies = [r for r in s3_requests if r.headers.get("x-amz-copy-source")]
    assert len(copies) == 1 and "other-bucket" in copies[0].headers["x-amz-copy-source"]
    assert not [r for r in s3_requests if r.method == "GET" and r.path == "/other-bucket/photos/1.jpg"]


def test_copy_with_other_credentials_streams(s3_bucket: S3Bucket, s3_requests: list[RecordedRequest]) -> None:
    source = make(s3_bucket, accesskey_id="AKIAOTHERUSERKEY0001")
    target = make(s3_bucket)
    source.put_stream(io.BytesIO(b"streamed"), "in")
    assert source.copy_scope() != target.copy_scope()
    s3_requests.clear()
    target.copy("in", "out", source=source)
    assert not [r for r in s3_requests if r.headers.get("x-amz-copy-source")]
    assert target.open("out").read() == b"streamed"


def test_copy_missing_source_names_the_key(s3_bucket: S3Bucket) -> None:
    with pytest.raises(NotFound, match="'nothing/here'"):
        make(s3_bucket).copy("nothing/here", "dst")


# -- signed URLs -------------------------------------------------------------------------------


def test_signed_put_then_signed_get(s3_bucket: S3Bucket) -> None:
    provider = make(s3_bucket, "datasets")
    data = os.urandom(123_456)
    put_url = provider.sign_url("datasets/up.bin", "PUT", 600)
    assert s3_bucket.secret not in put_url
    requests.put(put_url, data=data, timeout=30).raise_for_status()
    assert provider.info("datasets/up.bin").size == len(data)
    got = requests.get(provider.sign_url("datasets/up.bin", "GET", 600), timeout=30)
    got.raise_for_status()
    assert got.content == data


def test_signed_urls_use_sigv4(s3_bucket: S3Bucket) -> None:
    provider = make(s3_bucket)
    for method in ("GET", "PUT"):
        url = provider.sign_url("k", method, 600)
        assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Expires=600" in url


# -- errors ------------------------------------------------------------------------------------


def test_denied_access_names_the_code(s3_bucket: S3Bucket, s3_auth: S3Credentials) -> None:
    with pytest.raises(PermissionDenied, match="AccessDenied"):
        make(s3_bucket, **denied_key(s3_bucket, s3_auth)).check_connection()
