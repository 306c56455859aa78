"""Mask labels: a mask image plus ``info`` per category or instance id.

Local masks (``SemanticMask`` ...) name a file to upload and dump as
``{"checksum", "fileSize", "info"?}``; reads return ``Remote*`` masks, ``{"remotePath", "info"?}``.
"""

from __future__ import annotations

import os
from typing import Any, Generic, TypeVar

from .checksum import file_sha1
from .fields import ATTRIBUTES, COUNT, STRING, ListOf, Nested, Serializable, wire


class MaskInfo(Serializable):
    """Base of mask info entries; their errors are reported under the mask that holds them."""

    _is_part = True


class SemanticMaskInfo(MaskInfo):
    """``{"categoryId", "attributes"?}``: what one pixel value of a semantic mask means."""

    category_id: int = wire(COUNT)
    attributes: dict[str, Any] | None = wire(ATTRIBUTES, default=None)


class InstanceMaskInfo(MaskInfo):
    """``{"instanceId", "attributes"?}``: one instance of an instance mask."""

    instance_id: int = wire(COUNT)
    attributes: dict[str, Any] | None = wire(ATTRIBUTES, default=None)


class PanopticMaskInfo(MaskInfo):
    """``{"instanceId", "categoryId", "attributes"?}``: one instance of a panoptic mask."""

    instance_id: int = wire(COUNT)
    category_id: int = wire(COUNT)
    attributes: dict[str, Any] | None = wire(ATTRIBUTES, default=None)


Info = TypeVar("Info", SemanticMaskInfo, InstanceMaskInfo, PanopticMaskInfo)


class LocalMask(Generic[Info]):
    """A mask image on the local disk, to be uploaded with its data."""

    def __init__(self, local_path: str, info: list[Info] | None = None) -> None:
        self.local_path = local_path
        self.info: list[Info] | None = info
        self._checksum: str | None = None

    def get_checksum(self) -> str:
        """SHA-1 of the mask file (computed once)."""
        if self._checksum is None:
            self._checksum = file_sha1(self.local_path)
        return self._checksum

    def dumps(self) -> dict[str, Any]:
        """The upload form: ``{"checksum", "fileSize", "info"?}``."""
        body: dict[str, Any] = {"checksum": self.get_checksum(), "fileSize": os.path.getsize(self.local_path)}
        if self.info is not None:
            body["info"] = [entry.dumps() for entry in self.info]
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.local_path!r}, info={self.info!r})"


class SemanticMask(LocalMask[SemanticMaskInfo]):
    """A local semantic mask: pixel value = category id."""


class InstanceMask(LocalMask[InstanceMaskInfo]):
    """A local instance mask: pixel value = instance id."""


class PanopticMask(LocalMask[PanopticMaskInfo]):
    """A local panoptic mask: pixel value = instance id, each with a category id."""


class RemoteSemanticMask(Serializable):
    """A stored semantic mask: ``{"remotePath", "info"?}``."""

    path: str = wire(STRING, key="remotePath")
    info: list[SemanticMaskInfo] | None = wire(ListOf(Nested(SemanticMaskInfo)), default=None)


class RemoteInstanceMask(Serializable):
    """A stored instance mask: ``{"remotePath", "info"?}``."""

    path: str = wire(STRING, key="remotePath")
    info: list[InstanceMaskInfo] | None = wire(ListOf(Nested(InstanceMaskInfo)), default=None)


class RemotePanopticMask(Serializable):
    """A stored panoptic mask: ``{"remotePath", "info"?}``."""

    path: str = wire(STRING, key="remotePath")
    info: list[PanopticMaskInfo] | None = wire(ListOf(Nested(PanopticMaskInfo)), default=None)
