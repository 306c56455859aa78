"""The ``oss`` storage provider: a bucket on Aliyun OSS, through ossfs and oss2.

``filesystem()`` is an ossfs ``OSSFileSystem``; reads go through it. Listing, writing,
copying and signing talk to oss2 directly, because ossfs builds whole listings in memory,
writes through AppendObject (a failed write leaves a partial object behind) and copies
across buckets through a temporary file in the working directory.

Requests are signed with OSS signature V1 (oss2's ``Auth``, or ``StsAuth`` with a security
token), as ossfs signs them. oss2 and ossfs are imported only when first needed: pluggy
imports every plugin when the core starts.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from tensorbay_core.errors import (
    InvalidArgument,
    InvalidConfig,
    StorageError,
    TensorBayError,
)
from tensorbay_core.storage import (
    Field,
    ObjectInfo,
    StorageConfig,
    StorageProvider,
    clean_key,
    clean_prefix,
    find_cause,
    folder_prefix,
)

if TYPE_CHECKING:
    import oss2
    from ossfs import OSSFileSystem

log = logging.getLogger("tensorbay_oss")

#: OSS error codes that mean the credentials themselves were not accepted.
AUTH_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidSecurityToken",
        "SecurityTokenExpired",
        "RequestTimeTooSkewed",
    }
)
PAGE_SIZE = 1000  # the most keys one ListObjectsV2 page holds
MAX_PARTS = 10_000  # the most parts one multipart upload may have
_ENDPOINT = re.compile(r"(?:(https?)://)?([A-Za-z0-9][A-Za-z0-9.-]*)(:\d{1,5})?/?")
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")


@functools.cache
def sdk() -> Any:
    """oss2, imported on first use, with its logger kept at WARNING or above.

    oss2 logs request headers and signed URLs at DEBUG, STS tokens included.
    """
    import oss2

    logger = logging.getLogger("oss2")
    logger.setLevel(max(logger.level, logging.WARNING))
    return oss2


def normalize_endpoint(endpoint: str) -> str:
    """``scheme://host[:port]`` of an endpoint given with or without a scheme (default https)."""
    match = _ENDPOINT.fullmatch(endpoint.strip())
    if match is None:
        raise InvalidConfig(
            f"field 'endpoint' of storage type 'oss' must be a host name with an optional scheme and port, "
            f"like oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000, not {endpoint!r}"
        )
    scheme, host, port = match.groups()
    return f"{scheme or 'https'}://{host.lower()}{port or ''}"


def read_full(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``; fewer only at its end."""
    chunks, left = [], size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class OSSProvider(StorageProvider):
    """A bucket on Aliyun OSS, or on any server that speaks its API."""

    type = "oss"
    description = "A bucket on Aliyun Object Storage Service (OSS), through ossfs and oss2."
    signs = frozenset({"GET", "PUT"})
    fields = (
        Field(
            "endpoint",
            help="the region's endpoint, e.g. oss-cn-hangzhou.aliyuncs.com (https unless a scheme is given, "
            "as in http://127.0.0.1:9000)",
        ),
        Field("accesskey_id", help="the AccessKey ID"),
        Field("accesskey_secret", secret=True, help="the AccessKey secret"),
        Field("bucket_name", help="the bucket"),
        Field(
            "security_token", required=False, secret=True, help="an STS security token, for temporary keys"
        ),
    )
    #: Bytes per part of a multipart upload or copy; parts grow past 1,000 so that 10,000 suffice.
    part_size = 16 * 1024 * 1024
    #: Larger objects are copied part by part (UploadPartCopy) when CopyObject refuses them.
    copy_object_limit = 1 << 30
    #: Connections kept open to the endpoint.
    max_connections = 64

    def __init__(self, config: StorageConfig) -> None:
        super().__init__(config)
        self.endpoint = normalize_endpoint(str(self.value("endpoint")))
        self.bucket_name = str(self.value("bucket_name"))
        if not _BUCKET_NAME.fullmatch(self.bucket_name) or "--" in self.bucket_name:
            raise InvalidConfig(
                f"field 'bucket_name' of storage type 'oss' is not a valid bucket name: {self.bucket_name!r} "
                "(3-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit)"
            )
        self._bucket: oss2.Bucket | None = None
        self._bucket_lock = threading.Lock()

    def location(self) -> str:
        """The normalised endpoint: ``host`` and ``https://host`` are one place."""
        return normalize_endpoint(self.value("endpoint"))

    @property
    def root(self) -> str:
        return self.bucket_name

    def fs_kwargs(self) -> dict[str, Any]:
        """The config's fields as ossfs keyword arguments: the one place they are mapped."""
        kwargs: dict[str, Any] = {
            "endpoint": self.endpoint,
            "key": self.value("accesskey_id"),
            "secret": self.value("accesskey_secret"),
        }
        if self.value("security_token"):
            kwargs["token"] = self.value("security_token")
        return kwargs

    def make_filesystem(self) -> OSSFileSystem:
        from ossfs import OSSFileSystem

        fs = OSSFileSystem(**self.fs_kwargs())
        # ossfs keeps its own oss2 session, which would follow redirects: it gets ours.
        fs._session = self.oss_bucket().session
        return fs

    def oss_bucket(self, name: str | None = None) -> oss2.Bucket:
        """An oss2 handle on ``name`` (default: the config's bucket), with the same credentials.

        Handles share one connection pool; building one does no I/O.
        """
        if self._bucket is None:
            with self._bucket_lock:
                if self._bucket is None:
                    oss2 = sdk()
                    kwargs = self.fs_kwargs()
                    key, secret, token = kwargs["key"], kwargs["secret"], kwargs.get("token")
                    auth = oss2.StsAuth(key, secret, token) if token else oss2.Auth(key, secret)
                    session = oss2.Session(pool_size=self.max_connections)
                    # requests follows redirects; at most zero of them, it raises at the first
                    # instead: an endpoint could redirect a read to an internal URL.
                    session.session.max_redirects = 0
                    self._bucket = oss2.Bucket(auth, self.endpoint, self.bucket_name, session=session)
        if name is None or name == self.bucket_name:
            return self._bucket
        return sdk().Bucket(self._bucket.auth, self.endpoint, name, session=self._bucket.session)

    # -- errors ---------------------------------------------------------------------------------

    def translate_error(self, exc: BaseException, key: str = "") -> TensorBayError:
        """Map oss2's errors (also when ossfs re-raised them as ``OSError``) to the hierarchy."""
        oss2 = sys.modules.get("oss2")
        if oss2 is None:  # not imported yet, so not one of its errors
            return super().translate_error(exc, key)
        errors = oss2.exceptions
        cause = find_cause(exc, errors.OssError)
        if cause is None:
            return super().translate_error(exc, key)
        name = self.config.name
        body = cause.body.decode(errors="replace") if isinstance(cause.body, bytes) else str(cause.body)
        reason = self.scrub(f"{cause.code or cause.status}: {cause.message or body}")
        if cause.request_id:
            reason += f" (request {cause.request_id})"
        log.debug("OSS error on %s: %s", self.where(key), reason)
        if isinstance(cause, errors.RequestError):
            return StorageError(f"storage config {name!r} cannot reach OSS at {self.endpoint}: {reason}")
        if cause.code == "NoSuchBucket":
            bucket = cause.details.get("BucketName") or self.bucket_name
            return InvalidConfig(
                f"storage config {name!r}: bucket {bucket!r} does not exist at {self.endpoint}"
            )
        if cause.status == 404:
            return self.missing(key)
        if cause.code in AUTH_CODES:
            return self.refused(f"OSS did not accept access key {self.value('accesskey_id')!r}: {reason}")
        if cause.status == 403:
            return self.denied(key, reason)
        return StorageError(f"OSS operation on {self.where(key)} failed: {reason}")

    def probe_connection(self) -> None:
        """List one key under the dataset prefix: the bucket must exist and the keys must work."""
        self.oss_bucket().list_objects_v2(prefix=folder_prefix(self.dataset_prefix), max_keys=1)

    # -- objects --------------------------------------------------------------------------------

    def iter_objects(self, prefix: str = "", start_after: str = "") -> Iterator[ObjectInfo]:
        """Stream the objects under ``prefix`` after ``start_after``, one ListObjectsV2 page at
        a time, in key order."""
        return self._list(clean_prefix(prefix), start_after)

    def _list(self, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        oss2 = sdk()
        try:
            pages = oss2.ObjectIteratorV2(
                self.oss_bucket(), prefix=prefix, start_after=start_after, max_keys=PAGE_SIZE
            )
            for obj in pages:
                if self.listable(obj.key):
                    yield ObjectInfo(obj.key, obj.size, obj.etag, float(obj.last_modified))
        except oss2.exceptions.OssError as exc:
            raise self.translate_error(exc, prefix) from None

    def info(self, key: str) -> ObjectInfo:
        key = clean_key(key)
        try:
            head = self.oss_bucket().head_object(key)
        except Exception as exc:
            raise self.translate_error(exc, key) from None
        return ObjectInfo(key, head.content_length, head.etag, float(head.last_modified))

    def open(self, key: str, mode: str = "rb") -> IO[bytes]:
        """Open an object for reading, seekable (ranged GETs through ossfs)."""
        if mode != "rb":
            raise InvalidArgument("OSS objects open only to read; write with put_stream or put_file")
        info = self.info(key)
        try:
            return self.filesystem().open(self.fs_path(info.path), "rb", size=info.size)
        except Exception as exc:
            raise self.translate_error(exc, info.path) from None

    def put_file(self, local_path: str, key: str) -> ObjectInfo:
        key = clean_key(key)
        if not os.path.isfile(local_path):
            raise InvalidArgument(f"{local_path!r} is not a readable local file")
        with open(local_path, "rb") as stream:
            return self.put_stream(stream, key)

    def put_stream(self, stream: IO[bytes], key: str) -> ObjectInfo:
        """One PutObject for a stream shorter than a part, else a multipart upload.

        The object appears only when complete: a failed multipart upload is aborted.
        """
        key = clean_key(key)
        bucket = self.oss_bucket()
        try:
            first = read_full(stream, self.part_size)
            if len(first) < self.part_size:
                bucket.put_object(key, first)
            else:
                self._upload_parts(bucket, key, first, stream)
        except Exception as exc:
            raise self.translate_error(exc, key) from None
        return self.info(key)

    def _upload_parts(self, bucket: oss2.Bucket, key: str, first: bytes, stream: IO[bytes]) -> None:
        oss2 = sdk()
        upload_id = bucket.init_multipart_upload(key).upload_id
        try:
            parts: list[Any] = []
            chunk = first
            while chunk:
                number = len(parts) + 1
                done = bucket.upload_part(key, upload_id, number, chunk)
                parts.append(oss2.models.PartInfo(number, done.etag, size=len(chunk), part_crc=done.crc))
                chunk = read_full(stream, self.part_size * (1 + number // 1000))
            bucket.complete_multipart_upload(key, upload_id, parts)
        except BaseException:
            with contextlib.suppress(Exception):
                bucket.abort_multipart_upload(key, upload_id)
            raise

    def copy_scope(self) -> tuple[Any, ...]:
        """Same endpoint and credentials: any two buckets copy server-side."""
        values = {k: v for k, v in self.config.values.items() if k not in ("bucket_name", "endpoint")}
        return (self.type, self.endpoint, tuple(sorted(values.items())))

    def server_side_copy(self, src_path: str, dst_path: str) -> None:
        """CopyObject, within or across buckets; UploadPartCopy for objects it refuses as too large."""
        src_bucket, src_key = src_path.split("/", 1)
        dst_key = dst_path.split("/", 1)[1]
        bucket = self.oss_bucket()
        try:
            bucket.copy_object(src_bucket, src_key, dst_key)
        except sdk().exceptions.ServerError as exc:
            if exc.status != 400:
                raise
            size = self.oss_bucket(src_bucket).head_object(src_key).content_length
            if size <= self.copy_object_limit:
                raise
            self._copy_parts(bucket, src_bucket, src_key, dst_key, size)

    def _copy_parts(
        self, bucket: oss2.Bucket, src_bucket: str, src_key: str, dst_key: str, size: int
    ) -> None:
        oss2 = sdk()
        part = max(self.part_size, -(-size // MAX_PARTS))
        upload_id = bucket.init_multipart_upload(dst_key).upload_id
        try:
            parts = []
            for number, start in enumerate(range(0, size, part), 1):
                span = (start, min(start + part, size) - 1)
                done = bucket.upload_part_copy(src_bucket, src_key, span, dst_key, upload_id, number)
                parts.append(oss2.models.PartInfo(number, done.etag))
            bucket.complete_multipart_upload(dst_key, upload_id, parts)
        except BaseException:
            with contextlib.suppress(Exception):
                bucket.abort_multipart_upload(dst_key, upload_id)
            raise

    def delete(self, key: str) -> None:
        key = clean_key(key)
        try:
            self.oss_bucket().delete_object(key)
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def sign_url(self, key: str, method: str = "GET", expires: int = 3600) -> str:
        """A V1-signed URL for GET or PUT. A PUT through it must send no Content-Type or
        Content-MD5 header (neither was signed)."""
        method, key = self.signing(key, method, expires)
        try:
            return str(self.oss_bucket().sign_url(method, key, expires, slash_safe=True))
        except Exception as exc:
            raise self.translate_error(exc, key) from None
