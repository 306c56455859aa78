"""``Notes``: dataset-wide facts (continuity, point cloud fields)."""

from __future__ import annotations

from ..errors import InvalidArgument
from ..label.fields import BOOLEAN, STRING, ListOf, Nullable, Serializable, wire


class Notes(Serializable):
    """``{"isContinuous", "binPointCloudFields"?}``; null point cloud fields load as None."""

    _error = InvalidArgument

    is_continuous: bool = wire(BOOLEAN, default=False)
    bin_point_cloud_fields: list[str] | None = wire(Nullable(ListOf(STRING)), default=None)
