"""moto's S3 server for tests: one per session on a free port, reset between tests.

- ``s3_server`` (session): the endpoint URL, ``http://127.0.0.1:<port>``.
- ``s3_reset`` (function): wipes every bucket, user and object (``POST /moto-api/reset``).
- ``s3_bucket`` (function, after a reset): a fresh, empty ``S3Bucket`` (endpoint, name,
  key_id, secret, a boto3 ``client``). moto accepts any credentials unless ``s3_auth``
  is used too.
- ``s3_auth`` (function): turns on moto's signature and policy checks for the test and
  yields ``S3Credentials`` of an IAM user allowed everything. moto cannot check presigned
  URLs while they are on.
- ``s3_requests`` (function): the requests the server receives during the test, as
  ``RecordedRequest(method, path, query, headers)``.

Dummy ``AWS_*`` variables (and empty AWS config files) are set only while the server
runs, so nothing can fall back to real credentials.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

KEY_ID = "AKIAMOTOTESTKEY00001"
SECRET = "moto-test-secret-9f3c2a71"
REGION = "us-east-1"


@dataclass(frozen=True)
class RecordedRequest:
    """One request moto answered: method, raw path, query string, lower-cased headers."""

    method: str
    path: str
    query: str
    headers: dict[str, str] = field(default_factory=dict)


class RequestLog:
    """WSGI middleware that records every request before moto answers it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.entries: list[RecordedRequest] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        headers = {
            name[5:].replace("_", "-").lower(): str(value)
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        self.entries.append(
            RecordedRequest(
                environ["REQUEST_METHOD"],
                environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
                headers,
            )
        )
        return self.app(environ, start_response)


@dataclass(frozen=True)
class MotoServer:
    """The running server and its request log."""

    endpoint: str
    log: RequestLog


@dataclass(frozen=True)
class S3Bucket:
    """A fresh bucket on the moto server, and how to reach it."""

    endpoint: str
    name: str
    key_id: str
    secret: str
    client: Any


@dataclass(frozen=True)
class S3Credentials:
    """An IAM user's access key, checked by moto while ``s3_auth`` is active."""

    key_id: str
    secret: str


@pytest.fixture(scope="session")
def _moto() -> Iterator[MotoServer]:
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
        env.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        # moto keeps its werkzeug server private; ``app`` is werkzeug's public attribute.
        wsgi = server._server
        assert wsgi is not None
        log = RequestLog(wsgi.app)
        wsgi.app = log
        host, port = server.get_host_and_port()
        try:
            yield MotoServer(f"http://{host}:{port}", log)
        finally:
            server.stop()


@pytest.fixture(scope="session")
def s3_server(_moto: MotoServer) -> str:
    """The endpoint URL of the session's moto server."""
    return _moto.endpoint


@pytest.fixture
def s3_reset(s3_server: str) -> None:
    """Start the test on an empty moto: no buckets, no IAM users."""
    requests.post(f"{s3_server}/moto-api/reset", timeout=30).raise_for_status()


@pytest.fixture
def s3_requests(_moto: MotoServer) -> list[RecordedRequest]:
    """The requests moto receives from now until the end of the test."""
    _moto.log.entries.clear()
    return _moto.log.entries


@pytest.fixture
def s3_bucket(s3_server: str, s3_reset: None) -> S3Bucket:
    """A fresh, empty bucket."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )
    name = f"tb-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    return S3Bucket(s3_server, name, KEY_ID, SECRET, client)


@pytest.fixture
def s3_auth(s3_server: str, s3_bucket: S3Bucket) -> Iterator[S3Credentials]:
    """Check signatures and IAM policies for this test; yield an allowed user's access key."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=s3_server,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )
    iam.create_user(UserName="tensorbay-test")
    iam.put_user_policy(
        UserName="tensorbay-test",
        PolicyName="everything",
        PolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )
    key = iam.create_access_key(UserName="tensorbay-test")["AccessKey"]
    requests.post(f"{s3_server}/moto-api/reset-auth", data=b"0", timeout=30).raise_for_status()
    try:
        yield S3Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        requests.post(f"{s3_server}/moto-api/reset-auth", data=b"inf", timeout=30).raise_for_status()
