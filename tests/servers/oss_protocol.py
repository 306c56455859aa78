"""An in-memory server for the subset of the Aliyun OSS API that oss2, ossfs and signed URLs use.

Addressing: path style (``http://127.0.0.1:PORT/bucket/key``, what oss2 sends to an IP or
``localhost`` endpoint) and virtual-host style (``Host: bucket.<domain>:PORT``).

Every request must be signed with OSS signature V1, the scheme oss2's ``Auth``/``StsAuth``
(and so ossfs) use: an ``Authorization: OSS <AccessKeyId>:<Signature>`` header, or a signed URL
(``OSSAccessKeyId``, ``Expires``, ``Signature``). The signature is an HMAC-SHA1 over the verb,
Content-MD5, Content-Type, the date (or ``Expires``), the sorted ``x-oss-`` headers and the
resource with its sub-resources. Keys registered with a security token (STS) must send it.
Refusals are OSS XML errors (for HEAD, base64 in ``x-oss-err``): ``InvalidAccessKeyId``,
``SignatureDoesNotMatch``, ``RequestTimeTooSkewed``, ``AccessDenied`` (403), ``NoSuchBucket``,
``NoSuchKey``, ``NoSuchUpload`` (404), and the 400/409 codes below.

Operations: ListBuckets; PutBucket, DeleteBucket, GetBucketInfo, ListObjects (v1 and v2:
prefix, delimiter, marker / continuation-token / start-after, max-keys, encoding-type=url),
DeleteMultipleObjects; PutObject, CopyObject (within and across buckets), AppendObject,
GetObject (Range, ``x-oss-range-behavior: standard``), HeadObject, GetObjectMeta, DeleteObject;
InitiateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
AbortMultipartUpload. Objects carry an ETag (upper-case MD5 hex, quoted; ``<md5>-<parts>`` for
multipart uploads), Last-Modified, size and the CRC-64 oss2 verifies (``x-oss-hash-crc64ecma``).
Nothing here imports oss2: the server checks the client, it does not share its code.
"""

from __future__ import annotations

import base64
import bisect
import collections
import email.utils
import hashlib
import hmac
import re
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import crcmod

DEFAULT_DOMAIN = "oss.test"
MAX_SKEW = 15 * 60
MIN_PART_SIZE = 100 * 1024
MAX_PARTS = 10_000
COPY_OBJECT_LIMIT = 1 << 30
OWNER = "tensorbay-test-owner"

#: Query parameters that belong to the signed resource (the rest are not signed).
SUB_RESOURCES = frozenset(
    {
        "acl",
        "append",
        "bucketInfo",
        "comp",
        "continuation-token",
        "cors",
        "delete",
        "encryption",
        "lifecycle",
        "live",
        "location",
        "logging",
        "objectInfo",
        "objectMeta",
        "partNumber",
        "policy",
        "position",
        "qos",
        "referer",
        "replication",
        "restore",
        "security-token",
        "stat",
        "status",
        "symlink",
        "tagging",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
        "worm",
        "x-oss-process",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
    }
)

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)


class OSSFault(Exception):
    """An OSS error response: status, code, message, extra XML fields and extra headers."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: str
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.extra = status, code, message, extra
        self.headers = headers or {}


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    etag: str
    mtime: float
    content_type: str
    kind: str = "Normal"
    meta: tuple[tuple[str, str], ...] = ()

    @property
    def crc(self) -> int:
        return int(_crc64(self.data))


@dataclass
class Upload:
    key: str
    content_type: str
    meta: tuple[tuple[str, str], ...]
    parts: dict[int, tuple[bytes, str]] = field(default_factory=dict)


@dataclass
class Bucket:
    name: str
    created: float
    objects: dict[str, StoredObject] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)

    def store(self, key: str, obj: StoredObject) -> None:
        if key not in self.objects:
            bisect.insort(self.keys, key)
        self.objects[key] = obj

    def remove(self, key: str) -> None:
        if self.objects.pop(key, None) is not None:
            del self.keys[bisect.bisect_left(self.keys, key)]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def md5_etag(data: bytes) -> str:
    return hashlib.md5(data).hexdigest().upper()


def http_date(stamp: float) -> str:
    return email.utils.formatdate(stamp, usegmt=True)


def iso_date(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(stamp))


def xml_body(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def element(tag: str, *children: ET.Element | None, text: str | None = None) -> ET.Element:
    node = ET.Element(tag)
    node.text = text
    node.extend(child for child in children if child is not None)
    return node


def leaf(tag: str, value: object) -> ET.Element:
    return element(tag, text=str(value))


def xml_response(root: ET.Element, headers: dict[str, str] | None = None) -> Response:
    return Response(200, {"Content-Type": "application/xml", **(headers or {})}, xml_body(root))


def parse_xml(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        raise OSSFault(400, "MalformedXML", "The XML you provided was not well-formed.") from None


def method_not_allowed() -> OSSFault:
    return OSSFault(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")


def check_bucket_name(name: str) -> None:
    if not _BUCKET_NAME.fullmatch(name) or "--" in name:
        raise OSSFault(400, "InvalidBucketName", "The specified bucket is not valid.", BucketName=name)


class OSSService:
    """The protocol: buckets, objects and credentials in memory, one lock around them."""

    def __init__(self, domain: str = DEFAULT_DOMAIN) -> None:
        self.domain = domain
        #: CopyObject refuses larger sources (real OSS: 1 GB); lower it to test UploadPartCopy.
        self.copy_limit = COPY_OBJECT_LIMIT
        #: How many requests of each operation were served, e.g. ``calls["ListObjectsV2"]``.
        self.calls: collections.Counter[str] = collections.Counter()
        self._buckets: dict[str, Bucket] = {}
        self._keys: dict[str, tuple[str, str | None]] = {}
        self._lock = threading.RLock()

    # -- direct access, for fixtures and tests -----------------------------------------------

    def add_key(self, key_id: str, secret: str, token: str | None = None) -> None:
        """Accept ``key_id``/``secret``; with ``token``, only requests carrying that STS token."""
        with self._lock:
            self._keys[key_id] = (secret, token)

    def create_bucket(self, name: str) -> None:
        check_bucket_name(name)
        with self._lock:
            self._buckets.setdefault(name, Bucket(name, time.time()))

    def drop_bucket(self, name: str) -> None:
        """Forget a bucket and everything in it."""
        with self._lock:
            self._buckets.pop(name, None)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Store an object without a request (to seed large listings quickly)."""
        with self._lock:
            self._bucket(bucket).store(
                key, StoredObject(data, md5_etag(data), time.time(), "application/octet-stream")
            )

    def object(self, bucket: str, key: str) -> StoredObject | None:
        with self._lock:
            return self._bucket(bucket).objects.get(key)

    def pending_uploads(self, bucket: str) -> list[str]:
        """Keys of the multipart uploads begun and neither completed nor aborted."""
        with self._lock:
            return sorted(upload.key for upload in self._bucket(bucket).uploads.values())

    # -- requests -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one HTTP request."""
        request_id = uuid.uuid4().hex[:24].upper()
        bucket, key = self._address(request)
        try:
            self._authenticate(request, bucket, key)
            response = self._dispatch(request, bucket, key)
        except OSSFault as fault:
            response = self._error(request, fault, request_id)
        except Exception as exc:  # a bug here: answer like OSS would, so the client shows it
            response = self._error(request, OSSFault(500, "InternalError", repr(exc)), request_id)
        response.headers["x-oss-request-id"] = request_id
        return response

    def _address(self, request: Request) -> tuple[str, str]:
        """(bucket, key) of a virtual-host-style or a path-style request."""
        host = request.headers.get("host", "")
        hostname = host[: host.index("]") + 1] if host.startswith("[") else host.split(":")[0]
        suffix = "." + self.domain
        path = request.path[1:]
        if hostname.lower().endswith(suffix):
            return hostname[: -len(suffix)].lower(), unquote(path)
        bucket, _, key = path.partition("/")
        return unquote(bucket), unquote(key)

    @staticmethod
    def _error(request: Request, fault: OSSFault, request_id: str) -> Response:
        root = element(
            "Error",
            leaf("Code", fault.code),
            leaf("Message", fault.message),
            leaf("RequestId", request_id),
            leaf("HostId", request.headers.get("host", "")),
            *(leaf(name, value) for name, value in fault.extra.items()),
        )
        body = xml_body(root)
        if request.method == "HEAD":
            return Response(fault.status, {**fault.headers, "x-oss-err": base64.b64encode(body).decode()})
        return Response(fault.status, {**fault.headers, "Content-Type": "application/xml"}, body)

    # -- signature V1 ---------------------------------------------------------------------------

    def _authenticate(self, request: Request, bucket: str, key: str) -> None:
        headers, query = request.headers, request.query
        now = time.time()
        if "authorization" in headers:
            scheme, _, credential = headers["authorization"].partition(" ")
            key_id, colon, signature = credential.rpartition(":")
            if scheme != "OSS" or not colon:
                raise OSSFault(400, "InvalidArgument", "Authorization header is invalid.")
            date = headers.get("x-oss-date") or headers.get("date", "")
            try:
                sent = email.utils.parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError):
                raise OSSFault(
                    403, "AccessDenied", "Invalid date: the Date header is missing or malformed."
                ) from None
            if abs(now - sent) > MAX_SKEW:
                raise OSSFault(
                    403,
                    "RequestTimeTooSkewed",
                    "The difference between the request time and the current time is too large.",
                )
            token = headers.get("x-oss-security-token")
        elif "Signature" in query or "OSSAccessKeyId" in query:
            key_id, signature, date = (
                query.get("OSSAccessKeyId", ""),
                query.get("Signature", ""),
                query.get("Expires", ""),
            )
            if not date.isdigit():
                raise OSSFault(403, "AccessDenied", "Expires must be a number of seconds since the epoch.")
            if int(date) < now:
                raise OSSFault(403, "AccessDenied", "Request has expired.", Expires=date)
            token = query.get("security-token")
        else:
            raise OSSFault(
                403, "AccessDenied", "You have no right to access this object because of bucket acl."
            )
        with self._lock:
            known = self._keys.get(key_id)
        if known is None:
            raise OSSFault(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided does not exist in our records.",
                OSSAccessKeyId=key_id,
            )
        secret, expected_token = known
        if expected_token is not None and not hmac.compare_digest(token or "", expected_token):
            raise OSSFault(
                403,
                "InvalidAccessKeyId",
                "The security token you provided is invalid.",
                OSSAccessKeyId=key_id,
            )
        string_to_sign = self.string_to_sign(request, date, bucket, key)
        expected = base64.b64encode(
            hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if not hmac.compare_digest(expected, signature):
            raise OSSFault(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
                OSSAccessKeyId=key_id,
                StringToSign=string_to_sign,
            )

    @staticmethod
    def string_to_sign(request: Request, date: str, bucket: str, key: str) -> str:
        """What OSS signature V1 signs for ``request``."""
        oss_headers = sorted(
            (name, value) for name, value in request.headers.items() if name.startswith("x-oss-")
        )
        canonical_headers = "".join(f"{name}:{value}\n" for name, value in oss_headers)
        resource = f"/{bucket}/{key}" if bucket else "/"
        sub = sorted((name, value) for name, value in request.query.items() if name in SUB_RESOURCES)
        if sub:
            resource += "?" + "&".join(f"{name}={value}" if value else name for name, value in sub)
        return "\n".join(
            [
                request.method,
                request.headers.get("content-md5", ""),
                request.headers.get("content-type", ""),
                date,
                canonical_headers + resource,
            ]
        )

    # -- routing --------------------------------------------------------------------------------

    def _dispatch(self, request: Request, bucket_name: str, key: str) -> Response:
        method, query = request.method, request.query
        if not bucket_name:
            if method == "GET":
                return self._call(self._list_buckets, request)
            raise method_not_allowed()
        if not key and method == "PUT":
            return self._call(self._put_bucket, bucket_name)
        with self._lock:
            bucket = self._bucket(bucket_name)
        routes: dict[tuple[str, str], Callable[..., Response]]
        if not key:
            routes = {
                ("DELETE", ""): self._delete_bucket,
                ("GET", "bucketInfo"): self._bucket_info,
                ("GET", "list-type"): self._list_objects_v2,
                ("GET", ""): self._list_objects,
                ("POST", "delete"): self._delete_objects,
            }
            for (verb, marker), handler in routes.items():
                if verb == method and (not marker or marker in query):
                    return self._call(handler, request, bucket)
            raise method_not_allowed()
        if len(key.encode()) > 1023 or key.startswith(("/", "\\")):
            raise OSSFault(400, "InvalidObjectName", "The specified object name is not valid.")
        copying = "x-oss-copy-source" in request.headers
        routes = {
            ("PUT", "uploadId"): self._upload_part_copy if copying else self._upload_part,
            ("PUT", ""): self._copy_object if copying else self._put_object,
            ("POST", "uploads"): self._initiate_upload,
            ("POST", "uploadId"): self._complete_upload,
            ("POST", "append"): self._append_object,
            ("DELETE", "uploadId"): self._abort_upload,
            ("DELETE", ""): self._delete_object,
            ("GET", ""): self._get_object,
            ("HEAD", ""): self._head_object,
        }
        for (verb, marker), handler in routes.items():
            if verb == method and (not marker or marker in query):
                return self._call(handler, request, bucket, key)
        raise method_not_allowed()

    def _call(self, handler: Callable[..., Response], *args: Any) -> Response:
        """Count the operation (``_list_objects_v2`` counts as ``ListObjectsV2``) and run it."""
        with self._lock:
            self.calls["".join(part.title() for part in handler.__name__.strip("_").split("_"))] += 1
        return handler(*args)

    def _bucket(self, name: str) -> Bucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            raise OSSFault(404, "NoSuchBucket", "The specified bucket does not exist.", BucketName=name)
        return bucket

    @staticmethod
    def _object(bucket: Bucket, key: str) -> StoredObject:
        obj = bucket.objects.get(key)
        if obj is None:
            raise OSSFault(404, "NoSuchKey", "The specified key does not exist.", Key=key)
        return obj

    # -- service and buckets --------------------------------------------------------------------

    def _list_buckets(self, request: Request) -> Response:
        prefix, marker = request.query.get("prefix", ""), request.query.get("marker", "")
        with self._lock:
            names = sorted(n for n in self._buckets if n.startswith(prefix) and n > marker)
            buckets = [self._buckets[n] for n in names]
        nodes = [
            element(
                "Bucket",
                leaf("Name", b.name),
                leaf("CreationDate", iso_date(b.created)),
                leaf("Location", "oss-test"),
                leaf("ExtranetEndpoint", self.domain),
                leaf("IntranetEndpoint", self.domain),
                leaf("StorageClass", "Standard"),
            )
            for b in buckets
        ]
        owner = element("Owner", leaf("ID", OWNER), leaf("DisplayName", OWNER))
        return xml_response(element("ListAllMyBucketsResult", owner, element("Buckets", *nodes)))

    def _put_bucket(self, name: str) -> Response:
        check_bucket_name(name)
        with self._lock:
            if name in self._buckets:
                raise OSSFault(
                    409, "BucketAlreadyExists", "The requested bucket name is not available.", BucketName=name
                )
            self._buckets[name] = Bucket(name, time.time())
        return Response(200)

    def _delete_bucket(self, request: Request, bucket: Bucket) -> Response:
        with self._lock:
            if bucket.objects or bucket.uploads:
                raise OSSFault(
                    409,
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty.",
                    BucketName=bucket.name,
                )
            self._buckets.pop(bucket.name, None)
        return Response(204)

    def _bucket_info(self, request: Request, bucket: Bucket) -> Response:
        owner = element("Owner", leaf("DisplayName", OWNER), leaf("ID", OWNER))
        acl = element("AccessControlList", leaf("Grant", "private"))
        info = element(
            "Bucket",
            leaf("Name", bucket.name),
            leaf("CreationDate", iso_date(bucket.created)),
            leaf("StorageClass", "Standard"),
            leaf("ExtranetEndpoint", self.domain),
            leaf("IntranetEndpoint", self.domain),
            leaf("Location", "oss-test"),
            owner,
            acl,
        )
        return xml_response(element("BucketInfo", info))

    # -- listing ----------------------------------------------------------------------------------

    def _list_objects(self, request: Request, bucket: Bucket) -> Response:
        q = request.query
        prefix, delimiter, marker = q.get("prefix", ""), q.get("delimiter", ""), q.get("marker", "")
        max_keys, encode = self._max_keys(q), self._encoder(q)
        objects, prefixes, truncated = self._page(bucket, prefix, delimiter, marker, max_keys)
        nodes = [
            leaf("Name", bucket.name),
            leaf("Prefix", encode(prefix)),
            leaf("Marker", encode(marker)),
            leaf("MaxKeys", max_keys),
            leaf("Delimiter", encode(delimiter)),
            leaf("IsTruncated", str(truncated).lower()),
        ]
        if truncated:
            nodes.append(leaf("NextMarker", encode(max([*(k for k, _ in objects), *prefixes]))))
        if q.get("encoding-type"):
            nodes.append(leaf("EncodingType", "url"))
        nodes += self._entries(objects, prefixes, encode, owner=True)
        return xml_response(element("ListBucketResult", *nodes))

    def _list_objects_v2(self, request: Request, bucket: Bucket) -> Response:
        q = request.query
        if q.get("list-type") != "2":
            raise OSSFault(400, "InvalidArgument", "list-type must be 2.")
        prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
        token = q.get("continuation-token", "")
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode() if token else q.get("start-after", "")
        except ValueError:
            raise OSSFault(400, "InvalidArgument", "The continuation token is not valid.") from None
        max_keys, encode = self._max_keys(q), self._encoder(q)
        objects, prefixes, truncated = self._page(bucket, prefix, delimiter, after, max_keys)
        nodes = [leaf("Name", bucket.name), leaf("Prefix", encode(prefix))]
        if q.get("start-after"):
            nodes.append(leaf("StartAfter", encode(q["start-after"])))
        if token:
            nodes.append(leaf("ContinuationToken", token))
        nodes += [leaf("MaxKeys", max_keys), leaf("Delimiter", encode(delimiter))]
        nodes.append(leaf("IsTruncated", str(truncated).lower()))
        if truncated:
            last = max([*(k for k, _ in objects), *prefixes])
            nodes.append(leaf("NextContinuationToken", base64.urlsafe_b64encode(last.encode()).decode()))
        nodes.append(leaf("KeyCount", len(objects) + len(prefixes)))
        if q.get("encoding-type"):
            nodes.append(leaf("EncodingType", "url"))
        nodes += self._entries(objects, prefixes, encode, owner=q.get("fetch-owner") == "true")
        return xml_response(element("ListBucketResult", *nodes))

    @staticmethod
    def _max_keys(query: dict[str, str]) -> int:
        raw = query.get("max-keys") or "100"
        if not raw.isdigit() or not 1 <= int(raw) <= 1000:
            raise OSSFault(400, "InvalidArgument", "max-keys must be between 1 and 1000.")
        return int(raw)

    @staticmethod
    def _encoder(query: dict[str, str]) -> Callable[[str], str]:
        kind = query.get("encoding-type", "")
        if kind not in ("", "url"):
            raise OSSFault(400, "InvalidArgument", "encoding-type may only be url.")
        return (lambda text: quote(text, safe="/")) if kind else (lambda text: text)

    def _page(
        self, bucket: Bucket, prefix: str, delimiter: str, after: str, max_keys: int
    ) -> tuple[list[tuple[str, StoredObject]], list[str], bool]:
        """One listing page: objects and common prefixes after ``after``, in key order."""
        objects: list[tuple[str, StoredObject]] = []
        prefixes: list[str] = []
        with self._lock:
            keys = bucket.keys
            i = max(bisect.bisect_right(keys, after) if after else 0, bisect.bisect_left(keys, prefix))
            cut = after.find(delimiter, len(prefix)) if delimiter and after.startswith(prefix) else -1
            if cut >= 0 and cut + len(delimiter) == len(
                after
            ):  # a common prefix listed before: skip its keys
                while i < len(keys) and keys[i].startswith(after):
                    i += 1
            while i < len(keys) and keys[i].startswith(prefix):
                if len(objects) + len(prefixes) == max_keys:
                    return objects, prefixes, True
                key = keys[i]
                cut = key.find(delimiter, len(prefix)) if delimiter else -1
                if cut < 0:
                    objects.append((key, bucket.objects[key]))
                    i += 1
                    continue
                common = key[: cut + len(delimiter)]
                prefixes.append(common)
                while i < len(keys) and keys[i].startswith(common):
                    i += 1
        return objects, prefixes, False

    @staticmethod
    def _entries(
        objects: list[tuple[str, StoredObject]],
        prefixes: list[str],
        encode: Callable[[str], str],
        owner: bool,
    ) -> list[ET.Element]:
        nodes = [
            element(
                "Contents",
                leaf("Key", encode(key)),
                leaf("LastModified", iso_date(obj.mtime)),
                leaf("ETag", f'"{obj.etag}"'),
                leaf("Type", obj.kind),
                leaf("Size", len(obj.data)),
                leaf("StorageClass", "Standard"),
                element("Owner", leaf("ID", OWNER), leaf("DisplayName", OWNER)) if owner else None,
            )
            for key, obj in objects
        ]
        return nodes + [element("CommonPrefixes", leaf("Prefix", encode(p))) for p in prefixes]

    def _delete_objects(self, request: Request, bucket: Bucket) -> Response:
        self._check_md5(request, required=True)
        root = parse_xml(request.body)
        keys = [node.text or "" for node in root.findall("Object/Key")]
        if not keys or len(keys) > 1000:
            raise OSSFault(400, "MalformedXML", "A delete request names between 1 and 1000 objects.")
        with self._lock:
            for key in keys:
                bucket.remove(key)
        encode = self._encoder(request.query)
        quiet = (root.findtext("Quiet") or "false").lower() == "true"
        deleted = [] if quiet else [element("Deleted", leaf("Key", encode(key))) for key in keys]
        encoding = leaf("EncodingType", "url") if request.query.get("encoding-type") else None
        return xml_response(element("DeleteResult", encoding, *deleted))

    # -- objects ----------------------------------------------------------------------------------

    @staticmethod
    def _check_md5(request: Request, required: bool = False) -> None:
        sent = request.headers.get("content-md5")
        if sent is None:
            if required:
                raise OSSFault(400, "MissingArgument", "Missing Some Required Arguments: Content-MD5.")
            return
        if sent != base64.b64encode(hashlib.md5(request.body).digest()).decode():
            raise OSSFault(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")

    @staticmethod
    def _metadata(request: Request) -> tuple[str, tuple[tuple[str, str], ...]]:
        content_type = request.headers.get("content-type") or "application/octet-stream"
        meta = tuple(sorted((k, v) for k, v in request.headers.items() if k.startswith("x-oss-meta-")))
        return content_type, meta

    @staticmethod
    def _written(obj: StoredObject, **extra: str) -> dict[str, str]:
        return {"ETag": f'"{obj.etag}"', "x-oss-hash-crc64ecma": str(obj.crc), **extra}

    def _put_object(self, request: Request, bucket: Bucket, key: str) -> Response:
        self._check_md5(request)
        content_type, meta = self._metadata(request)
        obj = StoredObject(request.body, md5_etag(request.body), time.time(), content_type, meta=meta)
        with self._lock:
            bucket.store(key, obj)
        return Response(200, self._written(obj))

    def _source(self, request: Request) -> StoredObject:
        """The object ``x-oss-copy-source`` names (``/bucket/url-encoded-key[?versionId=...]``)."""
        source = request.headers["x-oss-copy-source"].split("?", 1)[0]
        bucket_name, _, key = source.lstrip("/").partition("/")
        with self._lock:
            return self._object(self._bucket(unquote(bucket_name)), unquote(key))

    def _copy_object(self, request: Request, bucket: Bucket, key: str) -> Response:
        source = self._source(request)
        if len(source.data) > self.copy_limit:
            raise OSSFault(
                400, "InvalidArgument", "The source object is too large for CopyObject; use UploadPartCopy."
            )
        obj = replace(source, mtime=time.time())
        if request.headers.get("x-oss-metadata-directive", "COPY").upper() == "REPLACE":
            content_type, meta = self._metadata(request)
            obj = replace(obj, content_type=content_type, meta=meta)
        with self._lock:
            bucket.store(key, obj)
        body = element(
            "CopyObjectResult", leaf("ETag", f'"{obj.etag}"'), leaf("LastModified", iso_date(obj.mtime))
        )
        return xml_response(body, self._written(obj))

    def _append_object(self, request: Request, bucket: Bucket, key: str) -> Response:
        position = request.query.get("position", "")
        if not position.isdigit():
            raise OSSFault(400, "InvalidArgument", "position must be a non-negative number.")
        self._check_md5(request)
        with self._lock:
            old = bucket.objects.get(key)
            length = len(old.data) if old else 0
            if old is not None and old.kind != "Appendable":
                raise OSSFault(409, "ObjectNotAppendable", "The object is not appendable.")
            if int(position) != length:
                raise OSSFault(
                    409,
                    "PositionNotEqualToLength",
                    "Position is not equal to file length.",
                    headers={"x-oss-next-append-position": str(length)},
                )
            content_type, meta = (old.content_type, old.meta) if old else self._metadata(request)
            data = (old.data if old else b"") + request.body
            obj = StoredObject(data, md5_etag(data), time.time(), content_type, "Appendable", meta)
            bucket.store(key, obj)
        return Response(200, self._written(obj, **{"x-oss-next-append-position": str(len(data))}))

    def _get_object(self, request: Request, bucket: Bucket, key: str) -> Response:
        with self._lock:
            obj = self._object(bucket, key)
        headers = {"ETag": f'"{obj.etag}"', "Last-Modified": http_date(obj.mtime)}
        if request.method == "HEAD" and "objectMeta" in request.query:
            return Response(200, headers, obj.data)
        headers |= {
            "Content-Type": obj.content_type,
            "Accept-Ranges": "bytes",
            "x-oss-object-type": obj.kind,
            "x-oss-storage-class": "Standard",
            "x-oss-hash-crc64ecma": str(obj.crc),
            **dict(obj.meta),
        }
        span = self._range(request, len(obj.data))
        if span is None:
            return Response(200, headers, obj.data)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{len(obj.data)}"
        return Response(206, headers, obj.data[start : end + 1])

    def _head_object(self, request: Request, bucket: Bucket, key: str) -> Response:
        """HeadObject and GetObjectMeta: GetObject's answer, whose body the transport drops."""
        return self._get_object(request, bucket, key)

    @staticmethod
    def _range(request: Request, size: int) -> tuple[int, int] | None:
        """The inclusive byte span a Range header asks for; None for the whole object.

        An invalid or unsatisfiable range is ignored unless ``x-oss-range-behavior: standard``
        asks for HTTP semantics (416 InvalidRange).
        """
        match = _RANGE.fullmatch(request.headers.get("range", "").strip())
        if match is None or match.group(1) == match.group(2) == "":
            return None
        first, last = match.groups()
        if first:
            start, end = int(first), int(last) if last else size - 1
        else:
            start, end = max(size - int(last), 0), size - 1
        if start <= end and start < size and (first or int(last) > 0):
            return start, min(end, size - 1)
        if request.headers.get("x-oss-range-behavior") == "standard":
            raise OSSFault(416, "InvalidRange", "The requested range cannot be satisfied.")
        return None

    def _delete_object(self, request: Request, bucket: Bucket, key: str) -> Response:
        with self._lock:
            bucket.remove(key)
        return Response(204)

    # -- multipart uploads ------------------------------------------------------------------------

    def _upload(self, request: Request, bucket: Bucket, key: str) -> Upload:
        upload = bucket.uploads.get(request.query["uploadId"])
        if upload is None or upload.key != key:
            raise OSSFault(
                404,
                "NoSuchUpload",
                "The specified upload does not exist.",
                UploadId=request.query["uploadId"],
            )
        return upload

    @staticmethod
    def _part_number(request: Request) -> int:
        raw = request.query.get("partNumber", "")
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PARTS:
            raise OSSFault(400, "InvalidArgument", f"partNumber must be between 1 and {MAX_PARTS}.")
        return int(raw)

    def _initiate_upload(self, request: Request, bucket: Bucket, key: str) -> Response:
        content_type, meta = self._metadata(request)
        upload_id = uuid.uuid4().hex.upper()
        with self._lock:
            bucket.uploads[upload_id] = Upload(key, content_type, meta)
        encode = self._encoder(request.query)
        root = element(
            "InitiateMultipartUploadResult",
            leaf("Bucket", bucket.name),
            leaf("Key", encode(key)),
            leaf("UploadId", upload_id),
        )
        return xml_response(root)

    def _upload_part(self, request: Request, bucket: Bucket, key: str) -> Response:
        number = self._part_number(request)
        self._check_md5(request)
        etag = md5_etag(request.body)
        with self._lock:
            self._upload(request, bucket, key).parts[number] = (request.body, etag)
        return Response(200, {"ETag": f'"{etag}"', "x-oss-hash-crc64ecma": str(_crc64(request.body))})

    def _upload_part_copy(self, request: Request, bucket: Bucket, key: str) -> Response:
        number = self._part_number(request)
        data = self._source(request).data
        span = request.headers.get("x-oss-copy-source-range")
        if span:
            match = _RANGE.fullmatch(span.strip())
            if not match or not all(match.groups()) or not int(match[1]) <= int(match[2]) < len(data):
                raise OSSFault(400, "InvalidArgument", "x-oss-copy-source-range is not valid.")
            data = data[int(match[1]) : int(match[2]) + 1]
        etag = md5_etag(data)
        with self._lock:
            self._upload(request, bucket, key).parts[number] = (data, etag)
        body = element(
            "CopyPartResult", leaf("LastModified", iso_date(time.time())), leaf("ETag", f'"{etag}"')
        )
        return xml_response(body, {"ETag": f'"{etag}"'})

    def _complete_upload(self, request: Request, bucket: Bucket, key: str) -> Response:
        listed = [
            (node.findtext("PartNumber") or "", (node.findtext("ETag") or "").strip('"'))
            for node in parse_xml(request.body).findall("Part")
        ]
        if not listed or not all(number.isdigit() for number, _ in listed):
            raise OSSFault(400, "MalformedXML", "The XML you provided was not well-formed.")
        numbers = [int(number) for number, _ in listed]
        if numbers != sorted(set(numbers)):
            raise OSSFault(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        with self._lock:
            upload = self._upload(request, bucket, key)
            parts = []
            for number, etag in zip(numbers, (etag for _, etag in listed), strict=True):
                stored = upload.parts.get(number)
                if stored is None or stored[1] != etag.upper():
                    raise OSSFault(
                        400, "InvalidPart", "One or more of the specified parts could not be found."
                    )
                parts.append(stored[0])
            if any(len(part) < MIN_PART_SIZE for part in parts[:-1]):
                raise OSSFault(
                    400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size."
                )
            digests = b"".join(hashlib.md5(part).digest() for part in parts)
            data = b"".join(parts)
            etag = f"{hashlib.md5(digests).hexdigest().upper()}-{len(parts)}"
            obj = StoredObject(data, etag, time.time(), upload.content_type, "Multipart", upload.meta)
            bucket.store(key, obj)
            del bucket.uploads[request.query["uploadId"]]
        encode = self._encoder(request.query)
        root = element(
            "CompleteMultipartUploadResult",
            leaf("Location", f"http://{bucket.name}.{self.domain}/{quote(key)}"),
            leaf("Bucket", bucket.name),
            leaf("Key", encode(key)),
            leaf("ETag", f'"{etag}"'),
        )
        return xml_response(root, self._written(obj))

    def _abort_upload(self, request: Request, bucket: Bucket, key: str) -> Response:
        with self._lock:
            self._upload(request, bucket, key)
            del bucket.uploads[request.query["uploadId"]]
        return Response(204)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 transport: reads a request (chunked or not), lets the service answer it."""

    protocol_version = "HTTP/1.1"
    server_version = "AliyunOSS"
    sys_version = ""
    timeout = 60
    server: _HTTPServer

    def _serve(self) -> None:
        target = urlsplit(self.path)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            name = name.lower()
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        request = Request(
            self.command,
            target.path,
            dict(parse_qsl(target.query, keep_blank_values=True)),
            headers,
            self._body(),
        )
        response = self.server.service.handle(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers, up to the blank line
            pass
        return b"".join(chunks)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not every request."""


class _HTTPServer(ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], service: OSSService) -> None:
        super().__init__(address, _Handler)
        self.service = service

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Report errors, except clients hanging up on a kept-alive connection."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class OSSServer:
    """``OSSService`` over HTTP on ``host:port`` (port 0: a free one), in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, domain: str = DEFAULT_DOMAIN) -> None:
        self.host = host
        self.service = OSSService(domain)
        self._httpd = _HTTPServer((host, port), self.service)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="oss-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        """The path-style endpoint oss2 and ossfs take, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> OSSServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> OSSServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
