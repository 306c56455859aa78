"""The OSS-protocol test server answers oss2, ossfs and signed URLs the way OSS does.

Everything goes through the real clients (oss2, ossfs, requests), so these tests prove the
server checks V1 signatures, and that it speaks the protocol those clients expect.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import os
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import oss2
import pytest
import requests
from ossfs import OSSFileSystem

from .oss import OSSEndpoint

KEYS = ["a.txt", "a/b", "a/b.txt", "a/c/d", "a/c/e/f", "a-b", "a0", "b", "b/c d+e", "b/c/%41", "b/ü/x", "z"]


def auth(oss_server: OSSEndpoint, secret: str | None = None) -> oss2.Auth:
    return oss2.Auth(oss_server.accesskey_id, secret or oss_server.accesskey_secret)


@pytest.fixture
def bucket(oss_server: OSSEndpoint, oss_bucket: str) -> oss2.Bucket:
    return oss2.Bucket(auth(oss_server), oss_server.endpoint, oss_bucket)


@pytest.fixture
def other_bucket(oss_server: OSSEndpoint) -> Iterator[oss2.Bucket]:
    name = f"tb-other-{uuid.uuid4().hex[:12]}"
    oss_server.service.create_bucket(name)
    yield oss2.Bucket(auth(oss_server), oss_server.endpoint, name)
    oss_server.service.drop_bucket(name)


def error_code(response: requests.Response) -> str:
    return ET.fromstring(response.content).findtext("Code") or ""


# -- signatures ---------------------------------------------------------------------------------


def test_objects_round_trip(bucket: oss2.Bucket) -> None:
    data = os.urandom(5000)
    put = bucket.put_object("dir/file.bin", data)
    assert put.etag == hashlib.md5(data).hexdigest().upper()
    assert bucket.get_object("dir/file.bin").read() == data
    head = bucket.head_object("dir/file.bin")
    assert (head.content_length, head.etag, head.object_type) == (5000, put.etag, "Normal")
    assert abs(head.last_modified - time.time()) < 5
    meta = bucket.get_object_meta("dir/file.bin")
    assert (meta.content_length, meta.etag) == (5000, put.etag)
    assert bucket.object_exists("dir/file.bin")
    bucket.delete_object("dir/file.bin")
    assert not bucket.object_exists("dir/file.bin")
    bucket.delete_object("dir/file.bin")


def test_crc64_matches_what_oss2_computes(bucket: oss2.Bucket, tmp_path: Any) -> None:
    data = os.urandom(300_000)
    expected = oss2.utils.Crc64()
    expected.update(data)
    assert bucket.put_object("crc", data).crc == expected.crc  # and oss2 compared it itself
    bucket.get_object_to_file("crc", str(tmp_path / "crc"))  # checks the CRC of the download
    assert (tmp_path / "crc").read_bytes() == data


def test_wrong_secret_is_refused(oss_server: OSSEndpoint, oss_bucket: str, bucket: oss2.Bucket) -> None:
    bucket.put_object("exists", b"x")
    wrong = oss2.Bucket(auth(oss_server, "not-the-secret"), oss_server.endpoint, oss_bucket)
    calls = [
        lambda: wrong.put_object("new", b"x"),
        lambda: wrong.get_object("exists"),
        lambda: wrong.head_object("exists"),
        lambda: wrong.list_objects_v2(),
        lambda: wrong.copy_object(oss_bucket, "exists", "copy"),
        lambda: wrong.delete_object("exists"),
    ]
    for call in calls:
        with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as refused:
            call()
        assert refused.value.status == 403
    assert [o.key for o in oss2.ObjectIteratorV2(bucket)] == ["exists"]


def test_unknown_key_id_is_refused(oss_server: OSSEndpoint, oss_bucket: str) -> None:
    stranger = oss2.Bucket(oss2.Auth("LTAI-nobody", "secret"), oss_server.endpoint, oss_bucket)
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        stranger.list_objects()
    assert (refused.value.status, refused.value.code) == (403, "InvalidAccessKeyId")


def test_unsigned_request_is_refused(oss_server: OSSEndpoint, oss_bucket: str, bucket: oss2.Bucket) -> None:
    bucket.put_object("private", b"x")
    response = requests.get(f"{oss_server.endpoint}/{oss_bucket}/private", timeout=10)
    assert (response.status_code, error_code(response)) == (403, "AccessDenied")


def test_skewed_clock_is_refused(monkeypatch: pytest.MonkeyPatch, bucket: oss2.Bucket) -> None:
    monkeypatch.setattr(
        oss2.utils, "http_date", lambda timeval=None: email.utils.formatdate(time.time() - 3600)
    )
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        bucket.put_object("late", b"x")
    assert (refused.value.status, refused.value.code) == (403, "RequestTimeTooSkewed")


def test_security_token_is_required_for_sts_keys(oss_server: OSSEndpoint, oss_bucket: str) -> None:
    oss_server.service.add_key("STS.test-key", "sts-secret", token="the-token")
    sts = oss2.Bucket(
        oss2.StsAuth("STS.test-key", "sts-secret", "the-token"), oss_server.endpoint, oss_bucket
    )
    sts.put_object("by-sts", b"data")
    assert sts.get_object("by-sts").read() == b"data"
    assert requests.get(sts.sign_url("GET", "by-sts", 60), timeout=10).content == b"data"
    for refused_auth in (
        oss2.StsAuth("STS.test-key", "sts-secret", "another-token"),
        oss2.Auth("STS.test-key", "sts-secret"),
    ):
        with pytest.raises(oss2.exceptions.ServerError) as refused:
            oss2.Bucket(refused_auth, oss_server.endpoint, oss_bucket).get_object("by-sts")
        assert (refused.value.status, refused.value.code) == (403, "InvalidAccessKeyId")


def test_content_md5_is_checked(bucket: oss2.Bucket) -> None:
    wrong = base64.b64encode(hashlib.md5(b"other bytes").digest()).decode()
    with pytest.raises(oss2.exceptions.InvalidDigest):
        bucket.put_object("digest", b"the bytes", headers={"Content-MD5": wrong})
    right = base64.b64encode(hashlib.md5(b"the bytes").digest()).decode()
    bucket.put_object("digest", b"the bytes", headers={"Content-MD5": right})


# -- signed URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize("slash_safe", [True, False])
def test_signed_put_and_get(bucket: oss2.Bucket, slash_safe: bool) -> None:
    key = "signed/dir/a file+ü.bin"
    data = os.urandom(20_000)
    put_url = bucket.sign_url("PUT", key, 60, slash_safe=slash_safe)
    assert requests.put(put_url, data=data, timeout=10).status_code == 200
    get_url = bucket.sign_url("GET", key, 60, slash_safe=slash_safe)
    assert requests.get(get_url, timeout=10).content == data
    assert bucket.get_object(key).read() == data


def test_signed_url_allows_only_what_was_signed(bucket: oss2.Bucket) -> None:
    bucket.put_object("kept", b"original")
    get_url = bucket.sign_url("GET", "kept", 60)
    refused = requests.put(get_url, data=b"overwritten", timeout=10)
    assert (refused.status_code, error_code(refused)) == (403, "SignatureDoesNotMatch")
    other = requests.get(get_url.replace("/kept?", "/other?"), timeout=10)
    assert (other.status_code, error_code(other)) == (403, "SignatureDoesNotMatch")
    assert bucket.get_object("kept").read() == b"original"


def test_signed_url_with_wrong_secret_or_expired(
    oss_server: OSSEndpoint, oss_bucket: str, bucket: oss2.Bucket
) -> None:
    bucket.put_object("kept", b"original")
    wrong = oss2.Bucket(auth(oss_server, "not-the-secret"), oss_server.endpoint, oss_bucket)
    refused = requests.get(wrong.sign_url("GET", "kept", 60), timeout=10)
    assert (refused.status_code, error_code(refused)) == (403, "SignatureDoesNotMatch")
    expired = requests.get(bucket.sign_url("GET", "kept", -10), timeout=10)
    assert (expired.status_code, error_code(expired)) == (403, "AccessDenied")


# -- buckets, keys and errors ---------------------------------------------------------------------


def test_missing_bucket_and_key(oss_server: OSSEndpoint, bucket: oss2.Bucket) -> None:
    missing = oss2.Bucket(auth(oss_server), oss_server.endpoint, "tb-no-such-bucket")
    with pytest.raises(oss2.exceptions.NoSuchBucket) as info:
        missing.list_objects_v2()
    assert info.value.details["BucketName"] == "tb-no-such-bucket"
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        missing.head_object("key")  # HEAD errors travel in x-oss-err
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object("no/such/key")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.head_object("no/such/key")
    assert not bucket.object_exists("no/such/key")


def test_bucket_operations(oss_server: OSSEndpoint) -> None:
    name = f"tb-made-{uuid.uuid4().hex[:12]}"
    made = oss2.Bucket(auth(oss_server), oss_server.endpoint, name)
    made.create_bucket()
    try:
        with pytest.raises(oss2.exceptions.ServerError) as taken:
            made.create_bucket()
        assert (taken.value.status, taken.value.code) == (409, "BucketAlreadyExists")
        assert made.get_bucket_info().name == name
        listed = oss2.Service(auth(oss_server), oss_server.endpoint).list_buckets(prefix="tb-made-")
        assert name in [b.name for b in listed.buckets]
        made.put_object("k", b"x")
        with pytest.raises(oss2.exceptions.BucketNotEmpty):
            made.delete_bucket()
        made.delete_object("k")
        made.delete_bucket()
        with pytest.raises(oss2.exceptions.NoSuchBucket):
            made.get_bucket_info()
    finally:
        oss_server.service.drop_bucket(name)


def test_chunked_upload(bucket: oss2.Bucket) -> None:
    bucket.put_object("chunked", iter([b"first ", b"second ", b"third"]))  # no length: chunked encoding
    assert bucket.get_object("chunked").read() == b"first second third"


def test_range_reads(bucket: oss2.Bucket) -> None:
    data = os.urandom(1000)
    bucket.put_object("ranged", data)
    standard = {"x-oss-range-behavior": "standard"}
    assert bucket.get_object("ranged", byte_range=(10, 19)).read() == data[10:20]
    assert bucket.get_object("ranged", byte_range=(None, 5)).read() == data[-5:]
    assert bucket.get_object("ranged", byte_range=(990, 2000), headers=standard).read() == data[990:]
    with pytest.raises(oss2.exceptions.ServerError) as unsatisfiable:
        bucket.get_object("ranged", byte_range=(1000, 1010), headers=standard)
    assert (unsatisfiable.value.status, unsatisfiable.value.code) == (416, "InvalidRange")
    assert bucket.get_object("ranged", byte_range=(1000, 1010)).read() == data  # OSS's legacy behaviour


# -- listing -------------------------------------------------------------------------------------


def model_listing(keys: list[str], prefix: str, delimiter: str) -> list[str]:
    """What a listing must return: keys, and for a delimiter, common prefixes, in order."""
    found = set()
    for key in keys:
        if key.startswith(prefix):
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            found.add(key if cut < 0 else key[: cut + len(delimiter)])
    return sorted(found)


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/c/", "b/", "nothing"])
@pytest.mark.parametrize("delimiter", ["", "/"])
@pytest.mark.parametrize("max_keys", [1, 2, 1000])
def test_listing_pages(bucket: oss2.Bucket, prefix: str, delimiter: str, max_keys: int) -> None:
    for key in KEYS:
        bucket.put_object(key, key.encode())
    expected = model_listing(KEYS, prefix, delimiter)
    v1 = oss2.ObjectIterator(bucket, prefix=prefix, delimiter=delimiter, max_keys=max_keys)
    v2 = oss2.ObjectIteratorV2(bucket, prefix=prefix, delimiter=delimiter, max_keys=max_keys)
    assert [o.key for o in v1] == expected
    assert [o.key for o in v2] == expected


def test_listing_entries(bucket: oss2.Bucket) -> None:
    put = bucket.put_object("dir/entry", b"12345")
    page = bucket.list_objects_v2(prefix="dir/", fetch_owner=True)
    (entry,) = page.object_list
    assert (entry.key, entry.size, entry.etag, entry.type) == ("dir/entry", 5, put.etag, "Normal")
    assert entry.owner is not None and abs(entry.last_modified - time.time()) < 5
    with pytest.raises(oss2.exceptions.ServerError) as too_many:
        bucket.list_objects_v2(max_keys=1001)
    assert (too_many.value.status, too_many.value.code) == (400, "InvalidArgument")


def test_batch_delete(bucket: oss2.Bucket) -> None:
    for key in ("one", "two", "three"):
        bucket.put_object(key, b"x")
    result = bucket.batch_delete_objects(["one", "two", "never-was"])
    assert result.deleted_keys == ["one", "two", "never-was"]
    assert [o.key for o in oss2.ObjectIteratorV2(bucket)] == ["three"]


# -- copies, multipart and appends -----------------------------------------------------------------


def test_copy_within_and_across_buckets(bucket: oss2.Bucket, other_bucket: oss2.Bucket) -> None:
    data = os.urandom(10_000)
    put = bucket.put_object("src/object", data, headers={"x-oss-meta-origin": "test"})
    assert bucket.copy_object(bucket.bucket_name, "src/object", "dst/same").etag == put.etag
    assert other_bucket.copy_object(bucket.bucket_name, "src/object", "dst/other").etag == put.etag
    assert bucket.get_object("dst/same").read() == data
    copied = other_bucket.get_object("dst/other")
    assert copied.read() == data
    assert copied.headers["x-oss-meta-origin"] == "test"
    with pytest.raises(oss2.exceptions.NoSuchKey):
        other_bucket.copy_object(bucket.bucket_name, "src/missing", "dst/missing")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        other_bucket.copy_object("tb-no-such-bucket", "src/object", "dst/missing")
    assert not other_bucket.object_exists("dst/missing")


def test_large_copies_need_upload_part_copy(oss_server: OSSEndpoint, bucket: oss2.Bucket) -> None:
    data = os.urandom(300_000)
    bucket.put_object("big", data)
    oss_server.service.copy_limit = 200_000
    try:
        with pytest.raises(oss2.exceptions.ServerError) as too_big:
            bucket.copy_object(bucket.bucket_name, "big", "copy")
        assert (too_big.value.status, too_big.value.code) == (400, "InvalidArgument")
        upload_id = bucket.init_multipart_upload("copy").upload_id
        parts = [
            oss2.models.PartInfo(
                n, bucket.upload_part_copy(bucket.bucket_name, "big", span, "copy", upload_id, n).etag
            )
            for n, span in ((1, (0, 149_999)), (2, (150_000, 299_999)))
        ]
        bucket.complete_multipart_upload("copy", upload_id, parts)
    finally:
        oss_server.service.copy_limit = 1 << 30
    assert bucket.get_object("copy").read() == data


def test_multipart_upload(oss_server: OSSEndpoint, bucket: oss2.Bucket) -> None:
    first, last = os.urandom(150_000), os.urandom(10)
    upload_id = bucket.init_multipart_upload("multi").upload_id
    parts = []
    for number, data in ((1, first), (2, last)):
        result = bucket.upload_part("multi", upload_id, number, data)
        parts.append(oss2.models.PartInfo(number, result.etag, size=len(data), part_crc=result.crc))
    assert oss_server.service.pending_uploads(bucket.bucket_name) == ["multi"]
    done = bucket.complete_multipart_upload("multi", upload_id, parts)  # oss2 checks the combined CRC
    assert done.etag.endswith("-2")
    assert bucket.get_object("multi").read() == first + last
    assert bucket.head_object("multi").object_type == "Multipart"
    assert oss_server.service.pending_uploads(bucket.bucket_name) == []


def test_multipart_upload_errors(bucket: oss2.Bucket) -> None:
    upload_id = bucket.init_multipart_upload("multi").upload_id
    small = bucket.upload_part("multi", upload_id, 1, b"too small to be a first part")
    tail = bucket.upload_part("multi", upload_id, 2, b"tail")
    with pytest.raises(oss2.exceptions.ServerError) as too_small:
        bucket.complete_multipart_upload(
            "multi", upload_id, [oss2.models.PartInfo(1, small.etag), oss2.models.PartInfo(2, tail.etag)]
        )
    assert too_small.value.code == "EntityTooSmall"
    with pytest.raises(oss2.exceptions.ServerError) as wrong:
        bucket.complete_multipart_upload("multi", upload_id, [oss2.models.PartInfo(1, tail.etag)])
    assert wrong.value.code == "InvalidPart"
    bucket.abort_multipart_upload("multi", upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.upload_part("multi", upload_id, 3, b"late")
    assert not bucket.object_exists("multi")


def test_append(bucket: oss2.Bucket) -> None:
    assert bucket.append_object("log", 0, b"ab").next_position == 2
    assert bucket.append_object("log", 2, b"cd").next_position == 4
    with pytest.raises(oss2.exceptions.PositionNotEqualToLength):
        bucket.append_object("log", 1, b"x")
    assert bucket.get_object("log").read() == b"abcd"
    bucket.put_object("plain", b"x")
    with pytest.raises(oss2.exceptions.ObjectNotAppendable):
        bucket.append_object("plain", 1, b"y")


# -- other clients and addressing ----------------------------------------------------------------


class Loopback(requests.adapters.HTTPAdapter):
    """Sends every request to the server, keeping the virtual host name in the Host header."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=self.address))
        return super().send(request, **kwargs)


def test_virtual_host_style(oss_server: OSSEndpoint, oss_bucket: str) -> None:
    address = urlsplit(oss_server.endpoint).netloc
    port = address.rsplit(":", 1)[1]
    session = oss2.Session(adapter=Loopback(address))
    hosted = oss2.Bucket(
        auth(oss_server), f"http://{oss_server.service.domain}:{port}", oss_bucket, session=session
    )
    assert hosted._make_url(oss_bucket, "k").startswith(f"http://{oss_bucket}.{oss_server.service.domain}:")
    hosted.put_object("virtual/key", b"hosted")
    assert hosted.get_object("virtual/key").read() == b"hosted"
    assert [o.key for o in oss2.ObjectIteratorV2(hosted)] == ["virtual/key"]
    assert oss_server.service.object(oss_bucket, "virtual/key") is not None
    wrong = oss2.Bucket(auth(oss_server, "wrong"), hosted.endpoint, oss_bucket, session=session)
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
        wrong.get_object("virtual/key")


def test_ossfs_works_against_the_server(oss_server: OSSEndpoint, oss_bucket: str) -> None:
    fs = OSSFileSystem(
        endpoint=oss_server.endpoint,
        key=oss_server.accesskey_id,
        secret=oss_server.accesskey_secret,
        skip_instance_cache=True,
    )
    with fs.open(f"{oss_bucket}/dir/written.txt", "wb") as out:  # ossfs writes with AppendObject
        out.write(b"hello ")
        out.write(b"ossfs")
    assert fs.cat_file(f"{oss_bucket}/dir/written.txt") == b"hello ossfs"
    fs.cp_file(f"{oss_bucket}/dir/written.txt", f"{oss_bucket}/dir/copied.txt")
    assert fs.ls(f"{oss_bucket}/dir", detail=False) == [
        f"{oss_bucket}/dir/copied.txt",
        f"{oss_bucket}/dir/written.txt",
    ]
    assert fs.info(f"{oss_bucket}/dir/copied.txt")["size"] == 11
    with fs.open(f"{oss_bucket}/dir/copied.txt", "rb") as stream:
        stream.seek(6)
        assert stream.read() == b"ossfs"
    fs.rm(f"{oss_bucket}/dir", recursive=True)
    assert not fs.exists(f"{oss_bucket}/dir/copied.txt")
