"""``Catalog``: per label type, the categories and attributes a dataset's labels may use.

``Catalog.validate(label, path)`` checks a label against it. Only the label types the catalog
describes are checked; within one, ``categories`` and ``attributes`` left out are not checked.
"""

from __future__ import annotations

from typing import Any

from ..errors import LabelError
from .attributes import AttributeInfo, check_attributes, listing
from .fields import BOOLEAN, COUNT, NUMBER, STRING, Choice, ListOf, Nested, Serializable, wire
from .label import Label
from .labeled import Classification, Labeled, LabeledKeypoints2D
from .mask import LocalMask, RemoteInstanceMask, RemotePanopticMask, RemoteSemanticMask
from .sentence import LabeledSentence

ATTRIBUTES = ListOf(Nested(AttributeInfo))

#: The visible values a keypoint's ``v`` may take, by the catalog's ``visible``.
VISIBILITY = {"BINARY": (0, 1), "TERNARY": (0, 1, 2)}


class CatalogPart(Serializable):
    """Base of catalog pieces; their errors are reported under ``Catalog`` with the key path."""

    _is_part = True


class CategoryInfo(CatalogPart):
    """``{"name", "description"?}``."""

    name: str = wire(STRING)
    description: str | None = wire(STRING, default=None, kw_only=True)


class MaskCategoryInfo(CatalogPart):
    """``{"name", "categoryId", "description"?}``: the category a mask pixel value stands for."""

    name: str = wire(STRING)
    category_id: int = wire(COUNT)
    description: str | None = wire(STRING, default=None, kw_only=True)


class KeypointsInfo(CatalogPart):
    """``{"number", "names"?, "skeleton"?, "visible"?, "parentCategories"?, "description"?}``."""

    number: int = wire(COUNT)
    names: list[str] | None = wire(ListOf(STRING), default=None, kw_only=True)
    skeleton: list[list[int]] | None = wire(ListOf(ListOf(COUNT)), default=None, kw_only=True)
    visible: str | None = wire(Choice(*VISIBILITY), default=None, kw_only=True)
    parent_categories: list[str] | None = wire(ListOf(STRING), default=None, kw_only=True)
    description: str | None = wire(STRING, default=None, kw_only=True)

    def applies_to(self, category: str | None) -> bool:
        """Whether labels of ``category`` use this keypoint layout."""
        return self.parent_categories is None or category in self.parent_categories


class ClassificationSubcatalog(CatalogPart):
    """``{"description"?, "categoryDelimiter"?, "categories"?, "attributes"?}``."""

    description: str | None = wire(STRING, default=None, kw_only=True)
    category_delimiter: str | None = wire(STRING, default=None, kw_only=True)
    categories: list[CategoryInfo] | None = wire(ListOf(Nested(CategoryInfo)), default=None, kw_only=True)
    attributes: list[AttributeInfo] | None = wire(ATTRIBUTES, default=None, kw_only=True)

    def validate(self, label: Classification | Labeled, where: str) -> None:
        """Raise LabelError at ``where`` if the label's category or attributes break the catalog."""
        if self.categories is not None and label.category is not None:
            names = [c.name for c in self.categories]
            if label.category not in names:
                raise LabelError(
                    f"{where}: unknown category {label.category!r}; the catalog has {listing(names)}"
                )
        check_attributes(self.attributes, label.attributes, label.category, self.category_delimiter, where)


class GeometrySubcatalog(ClassificationSubcatalog):
    """A geometric label type's subcatalog: adds ``isTracking``."""

    is_tracking: bool | None = wire(BOOLEAN, default=None, kw_only=True)


class Polyline2DSubcatalog(GeometrySubcatalog):
    """POLYLINE2D: adds ``isBeizerCurve``."""

    is_beizer_curve: bool | None = wire(BOOLEAN, default=None, kw_only=True)


class Keypoints2DSubcatalog(GeometrySubcatalog):
    """KEYPOINTS2D: adds ``keypoints``, the point layouts (count, names, skeleton, visibility)."""

    keypoints: list[KeypointsInfo] | None = wire(ListOf(Nested(KeypointsInfo)), default=None, kw_only=True)

    def validate(self, label: Classification | Labeled, where: str) -> None:
        """As the base check, plus the point count and visibility values of the matching layout."""
        super().validate(label, where)
        assert isinstance(label, LabeledKeypoints2D)
        layouts = [k for k in self.keypoints or [] if k.applies_to(label.category)]
        if not layouts:
            return
        count = len(label.keypoints2d)
        layout = next((k for k in layouts if k.number == count), None)
        if layout is None:
            expected = " or ".join(str(k.number) for k in layouts)
            raise LabelError(f"{where}: {count} keypoints, the catalog expects {expected}")
        allowed = VISIBILITY.get(layout.visible or "")
        for i, point in enumerate(label.keypoints2d):
            if allowed is not None and point.v is not None and point.v not in allowed:
                raise LabelError(f"{where}: keypoint {i}: v={point.v!r}, {layout.visible} allows {allowed}")


class SentenceSubcatalog(CatalogPart):
    """SENTENCE: ``{"description"?, "isSample"?, "sampleRate"?, "lexicon"?, "attributes"?}``."""

    description: str | None = wire(STRING, default=None, kw_only=True)
    is_sample: bool | None = wire(BOOLEAN, default=None, kw_only=True)
    sample_rate: float | None = wire(NUMBER, default=None, kw_only=True)
    lexicon: list[list[str]] | None = wire(ListOf(ListOf(STRING)), default=None, kw_only=True)
    attributes: list[AttributeInfo] | None = wire(ATTRIBUTES, default=None, kw_only=True)

    def validate(self, label: LabeledSentence, where: str) -> None:
        """Raise LabelError at ``where`` if the sentence's attributes break the catalog."""
        check_attributes(self.attributes, label.attributes, None, None, where)


class MaskSubcatalog(CatalogPart):
    """A mask type's subcatalog: ``categories`` map ``categoryId`` to names."""

    description: str | None = wire(STRING, default=None, kw_only=True)
    is_tracking: bool | None = wire(BOOLEAN, default=None, kw_only=True)
    category_delimiter: str | None = wire(STRING, default=None, kw_only=True)
    categories: list[MaskCategoryInfo] | None = wire(
        ListOf(Nested(MaskCategoryInfo)), default=None, kw_only=True
    )
    attributes: list[AttributeInfo] | None = wire(ATTRIBUTES, default=None, kw_only=True)

    def validate(
        self, mask: LocalMask[Any] | RemoteSemanticMask | RemoteInstanceMask | RemotePanopticMask, where: str
    ) -> None:
        """Raise LabelError at ``where`` if an info entry's category id or attributes break the catalog."""
        names = {c.category_id: c.name for c in self.categories or []}
        for i, entry in enumerate(mask.info or []):
            at = f"{where}.info[{i}]"
            category_id = getattr(entry, "category_id", None)
            if self.categories is not None and category_id is not None and category_id not in names:
                raise LabelError(f"{at}: unknown categoryId {category_id!r}; the catalog has {sorted(names)}")
            category = names.get(category_id) if category_id is not None else None
            check_attributes(self.attributes, entry.attributes, category, self.category_delimiter, at)


class Catalog(Serializable):
    """Subcatalogs keyed by label type, as in ``Label`` (CLASSIFICATION, BOX2D, ...)."""

    _key_case = "upper"

    classification: ClassificationSubcatalog | None = wire(Nested(ClassificationSubcatalog), default=None)
    box2d: GeometrySubcatalog | None = wire(Nested(GeometrySubcatalog), default=None)
    box3d: GeometrySubcatalog | None = wire(Nested(GeometrySubcatalog), default=None)
    polygon: GeometrySubcatalog | None = wire(Nested(GeometrySubcatalog), default=None)
    multi_polygon: GeometrySubcatalog | None = wire(Nested(GeometrySubcatalog), default=None)
    rle: GeometrySubcatalog | None = wire(Nested(GeometrySubcatalog), default=None)
    polyline2d: Polyline2DSubcatalog | None = wire(Nested(Polyline2DSubcatalog), default=None)
    multi_polyline2d: GeometrySubcatalog | None = wire(Nested(GeometrySubcatalog), default=None)
    keypoints2d: Keypoints2DSubcatalog | None = wire(Nested(Keypoints2DSubcatalog), default=None)
    sentence: SentenceSubcatalog | None = wire(Nested(SentenceSubcatalog), default=None)
    semantic_mask: MaskSubcatalog | None = wire(Nested(MaskSubcatalog), default=None)
    instance_mask: MaskSubcatalog | None = wire(Nested(MaskSubcatalog), default=None)
    panoptic_mask: MaskSubcatalog | None = wire(Nested(MaskSubcatalog), default=None)

    def validate(self, label: Label, path: str = "") -> None:
        """Raise LabelError naming ``path``, the label type and the value a label breaks the catalog with.

        Both classes share field names, so each label type meets its own subcatalog.
        """
        for field in self.wire_fields:
            subcatalog, value = getattr(self, field.name), getattr(label, field.name)
            if subcatalog is None or value is None:
                continue
            where = f"{path}: {field.key}" if path else field.key
            if isinstance(value, list):
                for i, item in enumerate(value):
                    subcatalog.validate(item, f"{where}[{i}]")
            else:
                subcatalog.validate(value, where)
