"""``Label``: every label of one data, keyed by upper-case type (CLASSIFICATION, BOX2D, ...)."""

from __future__ import annotations

from .fields import ListOf, Nested, Serializable, wire
from .labeled import (
    Classification,
    LabeledBox2D,
    LabeledBox3D,
    LabeledKeypoints2D,
    LabeledMultiPolygon,
    LabeledMultiPolyline2D,
    LabeledPolygon,
    LabeledPolyline2D,
    LabeledRLE,
)
from .mask import (
    InstanceMask,
    PanopticMask,
    RemoteInstanceMask,
    RemotePanopticMask,
    RemoteSemanticMask,
    SemanticMask,
)
from .sentence import LabeledSentence


def _many(cls: type[Serializable]) -> ListOf:
    return ListOf(Nested(cls))


class Label(Serializable):
    """The labels of one data; a type left at None is absent from the JSON.

    Masks load as ``Remote*`` masks (what reads return); local masks dump their upload form.
    """

    _key_case = "upper"

    classification: Classification | None = wire(Nested(Classification), default=None)
    box2d: list[LabeledBox2D] | None = wire(_many(LabeledBox2D), default=None)
    box3d: list[LabeledBox3D] | None = wire(_many(LabeledBox3D), default=None)
    polygon: list[LabeledPolygon] | None = wire(_many(LabeledPolygon), default=None)
    multi_polygon: list[LabeledMultiPolygon] | None = wire(_many(LabeledMultiPolygon), default=None)
    rle: list[LabeledRLE] | None = wire(_many(LabeledRLE), default=None)
    polyline2d: list[LabeledPolyline2D] | None = wire(_many(LabeledPolyline2D), default=None)
    multi_polyline2d: list[LabeledMultiPolyline2D] | None = wire(_many(LabeledMultiPolyline2D), default=None)
    keypoints2d: list[LabeledKeypoints2D] | None = wire(_many(LabeledKeypoints2D), default=None)
    sentence: list[LabeledSentence] | None = wire(_many(LabeledSentence), default=None)
    semantic_mask: SemanticMask | RemoteSemanticMask | None = wire(Nested(RemoteSemanticMask), default=None)
    instance_mask: InstanceMask | RemoteInstanceMask | None = wire(Nested(RemoteInstanceMask), default=None)
    panoptic_mask: PanopticMask | RemotePanopticMask | None = wire(Nested(RemotePanopticMask), default=None)
