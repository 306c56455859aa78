import uuid

import pytest

from tensorbay_core.storage import create_provider
from tensorbay_core.storage.testing import ProviderConformance


class TestLegacyProvider(ProviderConformance):
    @pytest.fixture
    def provider(self):
        bucket = f"kit-{uuid.uuid4().hex}"
        yield create_provider("legacy", "kit", "", {"bucket": bucket, "token": "dummy-token-7c1e"})
