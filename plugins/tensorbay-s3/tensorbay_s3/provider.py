"""The ``s3`` storage provider: a bucket on Amazon S3 or on an S3-compatible server.

s3fs (and aiobotocore under it) is imported only when the filesystem is first built:
pluggy imports every plugin when the core starts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from tensorbay_core.errors import (
    DataChanged,
    InvalidConfig,
    TensorBayError,
)
from tensorbay_core.storage import (
    Field,
    ObjectInfo,
    StorageProvider,
    clean_key,
    clean_prefix,
    find_cause,
    folder_prefix,
)

if TYPE_CHECKING:
    from s3fs import S3FileSystem

    from tensorbay_core.storage import StorageConfig

#: S3 error codes that mean the credentials themselves were not accepted.
AUTH_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired"}
)
DENIED_CODES = frozenset({"AccessDenied", "AllAccessDisabled", "AccountProblem"})
MISSING_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
#: CopyObject copies objects up to 5 GiB in one request; larger ones go through s3fs.
SINGLE_COPY_LIMIT = 5 * 2**30
_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def error_part(exc: BaseException) -> Any:
    """The ``Error`` part of an S3 response an exception carries (botocore's ``ClientError``)."""
    response = getattr(exc, "response", None)
    return response.get("Error") if isinstance(response, dict) else None


def s3_error(exc: BaseException) -> dict[str, Any] | None:
    """The ``Error`` part of the S3 response behind ``exc``, if any (s3fs re-raises botocore's
    ``ClientError`` as an ``OSError`` caused by it)."""
    found = find_cause(exc, lambda e: isinstance(error_part(e), dict))
    return None if found is None else error_part(found)


class _NoRedirects:
    """An aiohttp ``ClientSession`` whose requests never follow a redirect."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def request(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.request(*args, allow_redirects=False, **kwargs)


@functools.cache
def no_redirect_session() -> type:
    """aiobotocore's HTTP session class, made never to follow a redirect.

    aiohttp follows redirects by default, and aiobotocore does not say otherwise: an
    endpoint could answer an object read with a redirect to an internal URL, and the
    server would fetch it. A 3xx now reaches botocore as the error it is. (Imported on
    first use: pluggy imports every plugin at start.)
    """
    from aiobotocore.httpsession import AIOHTTPSession

    class NoRedirectSession(AIOHTTPSession):  # type: ignore[misc]
        async def _get_session(self, proxy_url: Any) -> Any:
            return _NoRedirects(await super()._get_session(proxy_url))

    return NoRedirectSession


class S3Provider(StorageProvider):
    """A bucket on Amazon S3 or on any S3-compatible server (MinIO, Ceph, moto, ...)."""

    type = "s3"
    description = "A bucket on Amazon S3 or an S3-compatible server, through s3fs."
    signs = frozenset({"GET", "PUT"})
    #: s3fs reads what follows this in a path as a version id.
    version_mark = "?versionId="
    fields = (
        Field(
            "endpoint",
            required=False,
            help="the S3 endpoint; a URL with scheme (http://host:port) for S3-compatible servers; "
            "empty for AWS",
        ),
        Field("accesskey_id", help="the access key ID"),
        Field("accesskey_secret", secret=True, help="the secret access key"),
        Field("bucket_name", help="the bucket"),
        Field(
            "region",
            required=False,
            help="the bucket's region, e.g. eu-west-1 (AWS signs URLs for us-east-1 without it)",
        ),
        Field(
            "session_token", required=False, secret=True, help="the session token of temporary credentials"
        ),
    )
    #: HTTP connections the filesystem keeps open, so this many requests (copies,
    #: uploads) can be in flight at once. botocore's default of 10 would cap an upload
    #: with more jobs; set it on the class (or instance) before the filesystem is built.
    max_connections = 64

    def __init__(self, config: StorageConfig) -> None:
        super().__init__(config)
        if not _BUCKET.fullmatch(self.value("bucket_name")):
            raise InvalidConfig(f"storage config {config.name!r}: bucket_name is not a valid bucket name")
        endpoint = self.value("endpoint")
        if endpoint and "://" in endpoint and not endpoint.startswith(("http://", "https://")):
            raise InvalidConfig(f"storage config {config.name!r}: endpoint must be an http(s) URL or a host")

    def location(self) -> str:
        """The endpoint URL (AWS when none is given): ``host`` and ``https://host`` are one place."""
        return self.endpoint_url() or "aws"

    @property
    def root(self) -> str:
        return str(self.value("bucket_name"))

    def endpoint_url(self) -> str | None:
        """The endpoint as a URL (``https://`` when the config names only a host)."""
        endpoint = self.value("endpoint")
        if not endpoint:
            return None
        return endpoint if "://" in endpoint else f"https://{endpoint}"

    def filesystem_kwargs(self) -> dict[str, Any]:
        """The s3fs keyword arguments: the one place config fields become s3fs options."""
        kwargs: dict[str, Any] = {
            "key": self.value("accesskey_id"),
            "secret": self.value("accesskey_secret"),
            "token": self.value("session_token"),
            "endpoint_url": self.endpoint_url(),
            "client_kwargs": {"region_name": self.value("region")} if self.value("region") else {},
            "config_kwargs": {
                "max_pool_connections": self.max_connections,
                # SigV4 everywhere: botocore would presign with SigV2 when no region is set.
                "signature_version": "s3v4",
                # A redirect is never followed: it could point the server anywhere.
                "http_session_cls": no_redirect_session(),
            },
        }
        return {name: value for name, value in kwargs.items() if value is not None}

    def make_filesystem(self) -> S3FileSystem:
        from s3fs import S3FileSystem

        return S3FileSystem(**self.filesystem_kwargs())

    def translate_error(self, exc: BaseException, key: str = "") -> TensorBayError:
        """Map S3's error codes; anything else goes to the generic mapping."""
        error = s3_error(exc) or {}
        code = str(error.get("Code", ""))
        if code in AUTH_CODES:
            return self.refused(f"S3 {code}")
        if code == "NoSuchBucket":
            return self.root_missing()
        if code in DENIED_CODES:
            return self.denied(key, code)
        if code in MISSING_CODES:
            return self.missing(key)
        if code == "PreconditionFailed":  # a read bound to an ETag (If-Match) found another
            return DataChanged(f"{self.where(key)} changed while it was read")
        return super().translate_error(exc, key)

    # -- listing ----------------------------------------------------------------------------

    def iter_objects(self, prefix: str = "", start_after: str = "") -> Iterator[ObjectInfo]:
        """Stream the objects under ``prefix`` (after ``start_after``) one ListObjectsV2 page
        (1,000 keys) at a time; S3 itself starts the listing after the key.

        S3 lists keys in UTF-8 byte order, which is code point order: the contract's order.
        """
        return self._pages(clean_prefix(prefix), start_after)

    def _pages(self, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        request = {"Bucket": self.root, "Prefix": prefix}
        if start_after:
            request["StartAfter"] = start_after
        while True:
            try:
                page = self.filesystem().call_s3("list_objects_v2", **request)
            except Exception as exc:
                raise self.translate_error(exc, prefix) from None
            for item in page.get("Contents", ()):
                if self.listable(item["Key"]):
                    stamp = item.get("LastModified")
                    yield ObjectInfo(
                        item["Key"],
                        int(item["Size"]),
                        str(item.get("ETag", "")).strip('"'),
                        stamp.timestamp() if stamp is not None else None,
                    )
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            request["ContinuationToken"] = token

    def opened_etag(self, stream: IO[bytes]) -> str | None:
        """The ETag s3fs saw when it opened the object; its reads are bound to it (If-Match)."""
        etag = getattr(stream, "details", {}).get("ETag")
        return str(etag).strip('"') if etag else None

    # -- copy, signing, connection -------------------------------------------------------------

    def copy_scope(self) -> tuple[Any, ...]:
        """Same endpoint, region and credentials: CopyObject works between any two buckets."""
        values = self.config.values
        return (
            self.type,
            self.endpoint_url(),
            *(values.get(name) for name in ("region", "accesskey_id", "accesskey_secret", "session_token")),
        )

    def copy(
        self, src_key: str, dst_key: str, source: StorageProvider | None = None, *, size: int | None = None
    ) -> ObjectInfo:
        """With the source's size known, one CopyObject request whose answer describes the
        copy (no HEAD before or after); otherwise the base class's way (s3fs's ``cp_file``:
        CopyObject, or UploadPartCopy over 150 MiB; no byte passes through here)."""
        origin = source or self
        if size is None or size > SINGLE_COPY_LIMIT or origin.copy_scope() != self.copy_scope():
            return super().copy(src_key, dst_key, source, size=size)
        src, dst = clean_key(src_key), clean_key(dst_key)
        try:
            answer = self.filesystem().call_s3(
                "copy_object", Bucket=self.root, Key=dst, CopySource={"Bucket": origin.root, "Key": src}
            )
        except Exception as exc:
            raise self.translate_error(exc, src) from None
        result = answer.get("CopyObjectResult", {})
        stamp = result.get("LastModified")
        etag = str(result.get("ETag", "")).strip('"')
        return ObjectInfo(dst, size, etag, stamp.timestamp() if stamp is not None else None)

    def sign_url(self, key: str, method: str = "GET", expires: int = 3600) -> str:
        """A presigned GET or PUT URL. A PUT URL takes the body as is (no extra signed headers)."""
        method, key = self.signing(key, method, expires)
        action = "get_object" if method == "GET" else "put_object"
        try:
            return str(self.filesystem().url(self.fs_path(key), expires=expires, client_method=action))
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def probe_connection(self) -> None:
        """List one key under the dataset prefix: proves the bucket exists and the credentials work."""
        prefix = folder_prefix(self.dataset_prefix)
        self.filesystem().call_s3("list_objects_v2", Bucket=self.root, Prefix=prefix, MaxKeys=1)
