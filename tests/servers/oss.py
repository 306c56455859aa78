"""The OSS-protocol test server (``oss_protocol``) as pytest fixtures.

``oss_server`` (session) starts it on a free port and yields an ``OSSEndpoint``: ``.endpoint``
(``http://127.0.0.1:PORT``, which oss2 addresses path-style), ``.accesskey_id``,
``.accesskey_secret``, ``.service`` (the server's state: ``create_bucket``, ``add_key``, ``put``,
``object``, ``calls``, ``copy_limit``) and ``.config(bucket)``, the fields of an ``oss`` storage
config. ``oss_bucket`` (function) creates a fresh, empty bucket, yields its name and drops it
afterwards.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .oss_protocol import OSSService


@dataclass(frozen=True)
class OSSEndpoint:
    """A running OSS-protocol server and the key pair it accepts."""

    endpoint: str
    accesskey_id: str
    accesskey_secret: str
    service: OSSService

    def config(self, bucket_name: str) -> dict[str, str]:
        """The fields of an ``oss`` storage config for ``bucket_name`` on this server."""
        return {
            "endpoint": self.endpoint,
            "accesskey_id": self.accesskey_id,
            "accesskey_secret": self.accesskey_secret,
            "bucket_name": bucket_name,
        }


@pytest.fixture(scope="session")
def oss_server() -> Iterator[OSSEndpoint]:
    """The OSS-protocol server, on a free port for the whole session."""
    from .oss_protocol import OSSServer  # imports crcmod, which only the OSS tests need

    with OSSServer() as server:
        key_id, secret = f"LTAI{secrets.token_hex(8)}", secrets.token_urlsafe(24)
        server.service.add_key(key_id, secret)
        yield OSSEndpoint(server.endpoint, key_id, secret, server.service)


@pytest.fixture
def oss_bucket(oss_server: OSSEndpoint) -> Iterator[str]:
    """A fresh, empty bucket on ``oss_server``; dropped (with its objects) after the test."""
    name = f"tb-{uuid.uuid4().hex[:16]}"
    oss_server.service.create_bucket(name)
    yield name
    oss_server.service.drop_bucket(name)
