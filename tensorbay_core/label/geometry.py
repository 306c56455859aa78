"""Plain-JSON geometry: points, keypoints, 2D boxes and 3D boxes."""

from __future__ import annotations

from .fields import COUNT, NUMBER, Nested, Serializable, wire


class Geometry(Serializable):
    """Base of geometry values; their errors are reported under the label that holds them."""

    _is_part = True


class Point2D(Geometry):
    """``{"x", "y"}``."""

    x: float = wire(NUMBER)
    y: float = wire(NUMBER)


class Keypoint2D(Point2D):
    """``{"x", "y", "v"?}``; ``v`` is the visibility (0, 1, 2), left out when unknown."""

    v: int | None = wire(COUNT, default=None)


class Box2D(Geometry):
    """``{"xmin", "ymin", "xmax", "ymax"}``."""

    xmin: float = wire(NUMBER)
    ymin: float = wire(NUMBER)
    xmax: float = wire(NUMBER)
    ymax: float = wire(NUMBER)


class Vector3D(Geometry):
    """``{"x", "y", "z"}``."""

    x: float = wire(NUMBER)
    y: float = wire(NUMBER)
    z: float = wire(NUMBER)


class Quaternion(Geometry):
    """``{"w", "x", "y", "z"}``."""

    w: float = wire(NUMBER)
    x: float = wire(NUMBER)
    y: float = wire(NUMBER)
    z: float = wire(NUMBER)


class Box3D(Geometry):
    """``{"translation": Vector3D, "rotation": Quaternion, "size": Vector3D}``."""

    translation: Vector3D = wire(Nested(Vector3D))
    rotation: Quaternion = wire(Nested(Quaternion))
    size: Vector3D = wire(Nested(Vector3D))
