"""Datasets as files: the ``tb://`` fsspec filesystem, a version's index, and training loaders.

``fsspec.open("tb://Pets@v1.0/train/00001.png")`` works once tensorbay-core is installed
(the ``fsspec.specs`` entry point registers the ``tb`` protocol).
"""

from .filesystem import TensorBayFileSystem
from .index import export_index
from .loader import SegmentFiles, SegmentStream
from .location import DEFAULT_SEGMENT, PROTOCOL

__all__ = [
    "DEFAULT_SEGMENT",
    "PROTOCOL",
    "SegmentFiles",
    "SegmentStream",
    "TensorBayFileSystem",
    "export_index",
]
