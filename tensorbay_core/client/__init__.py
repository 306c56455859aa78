"""The SDK: GAS and the clients it hands out."""

from .cloud import CloudClient
from .dataset import DatasetClient, SegmentClient
from .gas import GAS, StorageConfigInfo

__all__ = ["GAS", "CloudClient", "DatasetClient", "SegmentClient", "StorageConfigInfo"]
