"""The ``azure`` storage provider: a container of an Azure Blob storage account.

adlfs serves reads, writes and deletes; the synchronous azure-storage-blob client lists
blobs page by page, signs URLs and copies server-side (waiting until the copy is done,
which adlfs does not). Both SDKs are imported only when first used: pluggy imports
every plugin when the core starts.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tensorbay_core.errors import (
    InvalidConfig,
    StorageError,
    TensorBayError,
)
from tensorbay_core.storage import (
    Field,
    ObjectInfo,
    StorageConfig,
    StorageProvider,
    clean_prefix,
    find_cause,
    folder_prefix,
)

if TYPE_CHECKING:
    from adlfs import AzureBlobFileSystem
    from azure.storage.blob import BlobClient, BlobServiceClient

#: Endpoint suffix of each ``account_type``.
SUFFIXES = {"global": "core.windows.net", "china": "core.chinacloudapi.cn"}
AUTH_CODES = frozenset({"AuthenticationFailed", "InvalidAuthenticationInfo", "NoAuthenticationInformation"})
#: How long the SAS of a copy source lives, and how long a copy may take.
COPY_SOURCE_SECONDS = 3600
COPY_TIMEOUT = 3600.0
_CONTAINER = re.compile(r"\$?[a-z0-9][a-z0-9-]*")
_SIGNATURE = re.compile(r"(sig=)[^&\s'\"<]+", re.IGNORECASE)


@functools.cache
def no_redirect_filesystem() -> type[AzureBlobFileSystem]:
    """adlfs's filesystem class, made never to follow a redirect.

    azure-core's redirect policy follows a 301/302 on GET and HEAD: an endpoint could
    answer a read with a redirect to an internal URL, and the server would fetch it.
    adlfs builds its client without asking, so ``do_connect`` is where redirects go off.
    (Imported on first use: pluggy imports every plugin at start.)
    """
    from adlfs import AzureBlobFileSystem
    from azure.storage.blob.aio import BlobServiceClient

    class NoRedirectFileSystem(AzureBlobFileSystem):  # type: ignore[misc]
        def do_connect(self) -> None:
            # The provider always passes a connection string (see AzureProvider.connection_string).
            self.service_client = BlobServiceClient.from_connection_string(
                self.connection_string, permit_redirects=False
            )

    return NoRedirectFileSystem


class AzureProvider(StorageProvider):
    """A container of an Azure Blob storage account (Global or China cloud, or Azurite)."""

    type = "azure"
    description = "A container of an Azure Blob storage account, through adlfs and azure-storage-blob."
    file_path_help = "a folder inside the container where datasets store their data"
    #: Signing needs the account key: a config with a SAS token only signs nothing.
    signs = frozenset({"GET", "PUT"})
    #: Azure refuses a Put Blob without the blob type.
    signed_put_headers = {"x-ms-blob-type": "BlockBlob"}
    #: adlfs reads what follows this in a path as a version id.
    version_mark = "?versionid="
    fields = (
        Field(
            "account_type",
            required=False,
            default="Global",
            help='"Global" (core.windows.net) or "China" (core.chinacloudapi.cn)',
        ),
        Field("account_name", help="the storage account"),
        Field("account_key", required=False, secret=True, help="an access key of the account"),
        Field("container_name", help="the blob container"),
        Field(
            "endpoint",
            required=False,
            help="the blob service URL, e.g. http://127.0.0.1:10000/devstoreaccount1 for Azurite; "
            "default: https://<account_name>.blob.<suffix of account_type>",
        ),
        Field("sas_token", required=False, secret=True, help="a SAS token, instead of account_key"),
        Field(
            "connection_string",
            required=False,
            secret=True,
            help="a connection string, instead of endpoint, account_key and sas_token",
        ),
    )
    #: HTTP connections the synchronous client keeps for copies and listings; set it on
    #: the class (or instance) before the first use.
    max_connections = 64
    #: Blobs per listing request (Azure allows up to 5,000).
    list_page_size = 1000

    def __init__(self, config: StorageConfig) -> None:
        super().__init__(config)
        name = config.name
        if str(self.value("account_type")).lower() not in SUFFIXES:
            raise InvalidConfig(f"storage config {name!r}: account_type must be 'Global' or 'China'")
        if not _CONTAINER.fullmatch(self.value("container_name")):
            raise InvalidConfig(f"storage config {name!r}: container_name is not a valid container name")
        endpoint = self.value("endpoint")
        if endpoint and not endpoint.startswith(("http://", "https://")):
            raise InvalidConfig(f"storage config {name!r}: endpoint must be an http(s) URL")
        given = self.value("connection_string")
        if given and any(self.value(f) for f in ("endpoint", "account_key", "sas_token")):
            raise InvalidConfig(
                f"storage config {name!r}: connection_string replaces endpoint, account_key and sas_token; "
                "give either the connection string or those fields"
            )
        if not (given or self.value("account_key") or self.value("sas_token")):
            raise InvalidConfig(f"storage config {name!r} needs account_key, sas_token or connection_string")
        if self.value("account_key"):
            try:
                base64.b64decode(self.value("account_key"), validate=True)
            except ValueError:
                raise InvalidConfig(f"storage config {name!r}: account_key is not a base64 key") from None
        if given:
            from azure.core.utils import parse_connection_string

            try:
                parsed = parse_connection_string(given, case_sensitive_keys=False)
            except ValueError:
                raise InvalidConfig(f"storage config {name!r}: connection_string is malformed") from None
            if parsed.get("accountname", self.value("account_name")) != self.value("account_name"):
                raise InvalidConfig(f"storage config {name!r}: connection_string is for another account")
        self._service: BlobServiceClient | None = None
        self._service_lock = threading.Lock()
        if self.account_key() is None:
            self.signs = frozenset()

    def location(self) -> str:
        """The account's blob service URL, however the config spells the account."""
        return self.blob_endpoint()

    @property
    def root(self) -> str:
        return str(self.value("container_name"))

    # -- the one mapping of fields to SDK options -------------------------------------------------

    def blob_endpoint(self) -> str:
        """The blob service URL: ``endpoint``, or the account's URL in its cloud."""
        endpoint = self.value("endpoint")
        if endpoint:
            return str(endpoint).rstrip("/")
        suffix = SUFFIXES[str(self.value("account_type")).lower()]
        return f"https://{self.value('account_name')}.blob.{suffix}"

    def connection_string(self) -> str:
        """The connection string both SDKs are built from: the one place fields become SDK options.

        Always passing one also keeps adlfs from falling back to ``AZURE_STORAGE_*``
        variables or the machine's default Azure credential.
        """
        given = self.value("connection_string")
        if given:
            return str(given)
        key = self.value("account_key")
        credential = (
            f"AccountKey={key}" if key else f"SharedAccessSignature={self.value('sas_token').lstrip('?')}"
        )
        return f"AccountName={self.value('account_name')};{credential};BlobEndpoint={self.blob_endpoint()}"

    def account_key(self) -> str | None:
        """The account key (from its field or the connection string); None with SAS credentials."""
        given = self.value("connection_string")
        if not given:
            return self.value("account_key")
        from azure.core.utils import parse_connection_string

        return parse_connection_string(given, case_sensitive_keys=False).get("accountkey")

    def make_filesystem(self) -> AzureBlobFileSystem:
        return no_redirect_filesystem()(connection_string=self.connection_string())

    def service(self) -> BlobServiceClient:
        """The synchronous blob service client: built on first use, thread-safe, cached."""
        if self._service is None:
            with self._service_lock:
                if self._service is None:
                    self._service = self._make_service()
        return self._service

    def _make_service(self) -> BlobServiceClient:
        import requests
        from azure.core.pipeline.transport import RequestsTransport
        from azure.storage.blob import BlobServiceClient
        from requests.adapters import HTTPAdapter

        session = requests.Session()
        # The SDK retries by itself; the pool holds a connection per concurrent request.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.max_connections, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        transport = RequestsTransport(session=session, session_owner=True)
        return BlobServiceClient.from_connection_string(
            self.connection_string(), transport=transport, permit_redirects=False
        )

    # -- errors ------------------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """Also mask SAS signatures (``sig=...``) the SDK may quote from a URL."""
        return _SIGNATURE.sub(r"\1********", super().scrub(text))

    def translate_error(self, exc: BaseException, key: str = "") -> TensorBayError:
        """Map Azure's error codes and statuses; anything else goes to the generic mapping."""
        from azure.core.exceptions import HttpResponseError

        # adlfs re-raises some of the SDK's errors as OSError, caused by them.
        error = find_cause(exc, HttpResponseError)
        if error is None:
            return super().translate_error(exc, key)
        # Not every HttpResponseError (e.g. AzureSigningError) carries a code or status.
        raw_code = getattr(error, "error_code", None)
        code = str(getattr(raw_code, "value", raw_code) or "")
        status = getattr(error, "status_code", None)
        # Azurite answers a bad key with AuthorizationFailure, in Azure's "failed to authenticate" words.
        if code in AUTH_CODES or status == 401 or "failed to authenticate" in str(error.message):
            return self.refused(f"Azure {code}")
        if code == "ContainerNotFound":
            return self.root_missing()
        if status == 403:
            return self.denied(key, code)
        if status == 404:
            return self.missing(key)
        return super().translate_error(exc, key)

    # -- listing -----------------------------------------------------------------------------------

    def iter_objects(self, prefix: str = "", start_after: str = "") -> Iterator[ObjectInfo]:
        """Stream the blobs under ``prefix`` (after ``start_after``) one List Blobs page at a
        time, in name order.

        List Blobs cannot start after a name (its marker is opaque), so the blobs before
        ``start_after`` are listed and skipped here.
        """
        return self._pages(clean_prefix(prefix), start_after)

    def _pages(self, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        container = self.service().get_container_client(self.root)
        pages = container.list_blobs(name_starts_with=prefix or None, results_per_page=self.list_page_size)
        page_iterator = pages.by_page()
        while True:
            try:
                page = next(page_iterator, None)
                blobs = [] if page is None else list(page)
            except Exception as exc:
                raise self.translate_error(exc, prefix) from None
            if page is None:
                return
            for blob in blobs:
                if blob.name > start_after and self.listable(blob.name):
                    yield ObjectInfo(
                        blob.name, int(blob.size), str(blob.etag).strip('"'), blob.last_modified.timestamp()
                    )

    # -- copy ----------------------------------------------------------------------------------------

    def copy_scope(self) -> tuple[Any, ...]:
        """Same account and credentials: a copy between any two containers is server-side."""
        values = self.config.values
        return (
            self.type,
            self.blob_endpoint(),
            *(values.get(f) for f in ("account_name", "account_key", "sas_token", "connection_string")),
        )

    def server_side_copy(self, src_path: str, dst_path: str) -> None:
        """Copy Blob from a SAS-signed source URL, then wait until Azure reports it done."""
        src_container, src_blob = src_path.split("/", 1)
        dst_container, dst_blob = dst_path.split("/", 1)
        source = self._readable_url(src_container, src_blob, "r", COPY_SOURCE_SECONDS)
        target = self.service().get_blob_client(dst_container, dst_blob)
        started = target.start_copy_from_url(source)
        self._wait_for_copy(target, str(started["copy_id"]), str(started["copy_status"]), dst_blob)

    def _wait_for_copy(self, target: BlobClient, copy_id: str, status: str, key: str) -> None:
        deadline = time.monotonic() + COPY_TIMEOUT
        delay = 0.05
        description = ""
        while status == "pending":
            if time.monotonic() > deadline:
                target.abort_copy(copy_id)
                raise StorageError(f"the copy to {key!r} did not finish within {COPY_TIMEOUT:.0f} s; aborted")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
            copy = target.get_blob_properties().copy
            if copy.id != copy_id:
                raise StorageError(f"another copy to {key!r} replaced this one")
            status, description = str(copy.status), str(copy.status_description or "")
        if status != "success":
            raise StorageError(f"the copy to {key!r} ended {status}: {self.scrub(description)}")

    def _readable_url(self, container: str, blob: str, permission: str, expires: int) -> str:
        """The blob's URL with a SAS allowing ``permission`` for ``expires`` seconds.

        With SAS credentials the client's URL already carries the config's own token:
        fine for a copy source (only Azure sees it), never handed out by ``sign_url``.
        """
        from azure.storage.blob import generate_blob_sas

        client = self.service().get_blob_client(container, blob)
        key = self.account_key()
        if key is None:
            return str(client.url)
        sas = generate_blob_sas(
            account_name=client.account_name,
            container_name=container,
            blob_name=blob,
            account_key=key,
            permission=permission,
            expiry=datetime.now(UTC) + timedelta(seconds=expires),
        )
        return f"{client.url}?{sas}"

    # -- signing and connection -------------------------------------------------------------------

    def sign_url(self, key: str, method: str = "GET", expires: int = 3600) -> str:
        """A SAS URL for GET, or for PUT (create/write).

        A PUT must carry the header ``x-ms-blob-type: BlockBlob``: Azure refuses a Put
        Blob without it. Signing needs the account key (a SAS-only config cannot sign).
        """
        method, key = self.signing(key, method, expires)
        try:
            return self._readable_url(self.root, key, "r" if method == "GET" else "cw", expires)
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def cannot_sign(self, method: str) -> StorageError:
        return StorageError(f"storage config {self.config.name!r} can sign URLs only with an account key")

    def probe_connection(self) -> None:
        """List one blob under the dataset prefix: proves the container exists and the credentials work."""
        container = self.service().get_container_client(self.root)
        prefix = folder_prefix(self.dataset_prefix) or None
        # No retries: the SDK's back-off would keep a wrong endpoint waiting a minute or more.
        next(container.list_blobs(name_starts_with=prefix, results_per_page=1, retry_total=0).by_page(), None)
