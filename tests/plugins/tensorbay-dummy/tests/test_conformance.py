"""The storage contract, checked by tensorbay-core's conformance kit."""

import uuid

import pytest
from tensorbay_dummy import create_bucket

from tensorbay_core.storage import create_provider
from tensorbay_core.storage.testing import ProviderConformance

TOKEN = "dummy-token-7c1e"


def dummy(bucket: str, token: str = TOKEN):
    return create_provider("dummy", "kit", "", {"bucket": bucket, "token": token})


@pytest.fixture
def bucket():
    name = f"kit-{uuid.uuid4().hex}"
    create_bucket(name, TOKEN)
    return name


class TestDummyProvider(ProviderConformance):
    @pytest.fixture
    def provider(self, bucket):
        yield dummy(bucket)

    @pytest.fixture
    def wrong_credentials(self, bucket):
        yield dummy(bucket, token="not-the-token")

    @pytest.fixture
    def missing_root(self):
        yield dummy(f"never-created-{uuid.uuid4().hex[:8]}")
