"""Classification and the geometric label types, each ``{category?, attributes?, instance?, <geometry>}``."""

from __future__ import annotations

from typing import Any

from .fields import ATTRIBUTES, COUNT, STRING, ListOf, Nested, Serializable, Where, wire
from .geometry import Box2D, Box3D, Keypoint2D, Point2D

POINTS = ListOf(Nested(Point2D))
BEIZER_POINT_TYPES = "LC"


class Classification(Serializable):
    """The category (and attributes) of a whole data."""

    category: str | None = wire(STRING, default=None)
    attributes: dict[str, Any] | None = wire(ATTRIBUTES, default=None)


class Labeled(Serializable):
    """Base of labeled geometry: ``category``, ``attributes`` and ``instance``, all optional."""

    category: str | None = wire(STRING, default=None, kw_only=True)
    attributes: dict[str, Any] | None = wire(ATTRIBUTES, default=None, kw_only=True)
    instance: str | None = wire(STRING, default=None, kw_only=True)


class LabeledBox2D(Labeled):
    """``{"box2d": {"xmin", "ymin", "xmax", "ymax"}}``."""

    box2d: Box2D = wire(Nested(Box2D))


class LabeledBox3D(Labeled):
    """``{"box3d": {"translation", "rotation", "size"}}``."""

    box3d: Box3D = wire(Nested(Box3D))


class LabeledPolygon(Labeled):
    """``{"polygon": [{"x", "y"}, ...]}``."""

    polygon: list[Point2D] = wire(POINTS)


class LabeledMultiPolygon(Labeled):
    """``{"multiPolygon": [[{"x", "y"}, ...], ...]}``."""

    multi_polygon: list[list[Point2D]] = wire(ListOf(POINTS))


class LabeledRLE(Labeled):
    """``{"rle": [run lengths]}``."""

    rle: list[int] = wire(ListOf(COUNT))


class LabeledPolyline2D(Labeled):
    """``{"polyline2d": [{"x", "y"}, ...], "beizerPointTypes"?: "LLC..."}`` (one L/C per point)."""

    polyline2d: list[Point2D] = wire(POINTS)
    beizer_point_types: str | None = wire(STRING, default=None, kw_only=True)

    def check(self, where: Where) -> None:
        types = self.beizer_point_types
        if types is None:
            return
        if len(types) != len(self.polyline2d) or set(types) - set(BEIZER_POINT_TYPES):
            raise where.at("beizerPointTypes").fail(
                f"expected one of {'/'.join(BEIZER_POINT_TYPES)} per point "
                f"({len(self.polyline2d)} points), got {types!r}"
            )


class LabeledMultiPolyline2D(Labeled):
    """``{"multiPolyline2d": [[{"x", "y"}, ...], ...]}``."""

    multi_polyline2d: list[list[Point2D]] = wire(ListOf(POINTS))


class LabeledKeypoints2D(Labeled):
    """``{"keypoints2d": [{"x", "y", "v"?}, ...]}``."""

    keypoints2d: list[Keypoint2D] = wire(ListOf(Nested(Keypoint2D)))
