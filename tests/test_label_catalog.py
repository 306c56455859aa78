"""Catalog.validate: errors name the data path, the label type and the offending value."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tensorbay_core.errors import LabelError
from tensorbay_core.label import Catalog, Label

BOX = {"xmin": 0, "ymin": 0, "xmax": 1, "ymax": 1}

CATALOG = Catalog.loads(
    {
        "CLASSIFICATION": {
            "categories": [{"name": "cat"}, {"name": "dog"}],
            "attributes": [
                {"name": "occluded", "type": "boolean"},
                {"name": "count", "type": "integer", "minimum": 0, "maximum": 10},
                {"name": "score", "type": "number", "minimum": 0.5},
                {"name": "gender", "enum": ["female", "male"]},
                {"name": "level", "enum": [1, 2]},
                {"name": "note", "type": ["string", "null"]},
                {"name": "tags", "type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                {"name": "sizes", "type": "array", "items": {"minimum": 1}},
                {"name": "anything"},
            ],
        },
        "BOX2D": {
            "categoryDelimiter": ".",
            "categories": [{"name": "vehicle.car"}, {"name": "vehicle.bus"}, {"name": "person"}],
            "attributes": [
                {"name": "wheels", "type": "integer", "parentCategories": ["vehicle"]},
                {"name": "pose", "type": "string", "parentCategories": ["person"]},
            ],
        },
        "KEYPOINTS2D": {
            "categories": [{"name": "face"}, {"name": "hand"}],
            "keypoints": [
                {"number": 2, "names": ["L", "R"], "visible": "BINARY", "parentCategories": ["face"]},
                {"number": 3, "visible": "TERNARY", "parentCategories": ["hand"]},
            ],
        },
        "SENTENCE": {"isSample": True, "attributes": [{"name": "speaker", "type": "string"}]},
        "SEMANTIC_MASK": {
            "categories": [{"name": "road", "categoryId": 1}, {"name": "sky", "categoryId": 2}],
            "attributes": [{"name": "wet", "type": "boolean", "parentCategories": ["road"]}],
        },
    }
)


def classification(**attributes: Any) -> Label:
    return Label.loads({"CLASSIFICATION": {"category": "cat", "attributes": attributes}})


def boxes(*labels: dict[str, Any]) -> Label:
    return Label.loads({"BOX2D": [{"box2d": BOX, **label} for label in labels]})


def keypoints(category: str, *vs: int | None) -> Label:
    points = [{"x": 1, "y": 1} if v is None else {"x": 1, "y": 1, "v": v} for v in vs]
    return Label.loads({"KEYPOINTS2D": [{"category": category, "keypoints2d": points}]})


def semantic(*info: dict[str, Any]) -> Label:
    return Label.loads({"SEMANTIC_MASK": {"remotePath": "m.png", "info": list(info)}})


@pytest.mark.parametrize(
    "label",
    [
        classification(occluded=True, count=0, score=0.5, gender="male", level=2, note=None),
        classification(count=10, note="x", tags=["a", "b"], sizes=[1, 2.5], anything={"x": [1]}),
        boxes({"category": "vehicle.car", "attributes": {"wheels": 4}}, {"category": "person"}),
        boxes({"attributes": {"pose": "standing"}}),
        keypoints("face", 0, 1),
        keypoints("hand", 2, None, 0),
        Label.loads({"SENTENCE": [{"sentence": [], "attributes": {"speaker": "ann"}}]}),
        semantic({"categoryId": 1, "attributes": {"wet": False}}, {"categoryId": 2}),
        Label(),
    ],
)
def test_labels_that_fit_the_catalog_pass(label: Label) -> None:
    CATALOG.validate(label, path="train/0001.png")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (
            Label.loads({"CLASSIFICATION": {"category": "zebra"}}),
            "train/0001.png: CLASSIFICATION: unknown category 'zebra'; the catalog has 'cat', 'dog'",
        ),
        (
            boxes({"category": "person"}, {"category": "vehicle"}),
            "train/0001.png: BOX2D[1]: unknown category 'vehicle'",
        ),
        (boxes({"category": "vehicle.car.red"}), "BOX2D[0]: unknown category 'vehicle.car.red'"),
        (
            classification(occluded="yes"),
            "train/0001.png: CLASSIFICATION: attribute 'occluded': 'yes' is not of type boolean",
        ),
        (classification(count=1.5), "CLASSIFICATION: attribute 'count': 1.5 is not of type integer"),
        (classification(count=True), "CLASSIFICATION: attribute 'count': True is not of type integer"),
        (classification(score=False), "attribute 'score': False is not of type number"),
        (classification(note=3), "attribute 'note': 3 is not of type string or null"),
        (classification(gender="other"), "attribute 'gender': 'other' is not one of ['female', 'male']"),
        (classification(level=True), "attribute 'level': True is not one of [1, 2]"),
        (classification(count=-1), "attribute 'count': -1 is below the minimum 0"),
        (classification(count=11), "attribute 'count': 11 is above the maximum 10"),
        (classification(score=0.25), "attribute 'score': 0.25 is below the minimum 0.5"),
        (classification(tags=["a", "c"]), "attribute 'tags': item 1: 'c' is not one of ['a', 'b']"),
        (classification(sizes=[3, 0]), "attribute 'sizes': item 1: 0 is below the minimum 1"),
        (classification(tags="a"), "attribute 'tags': 'a' is not of type array"),
        (
            classification(colour="red"),
            "CLASSIFICATION: unknown attribute 'colour'; the catalog has 'occluded', 'count'",
        ),
        (
            boxes({"category": "person", "attributes": {"wheels": 2}}),
            "BOX2D[0]: attribute 'wheels' applies to categories 'vehicle', not to 'person'",
        ),
        (
            boxes({"category": "vehicle.bus", "attributes": {"pose": "x"}}),
            "BOX2D[0]: attribute 'pose' applies to categories 'person', not to 'vehicle.bus'",
        ),
        (keypoints("face", 1, 1, 1), "train/0001.png: KEYPOINTS2D[0]: 3 keypoints, the catalog expects 2"),
        (keypoints("hand", 1, 1), "KEYPOINTS2D[0]: 2 keypoints, the catalog expects 3"),
        (keypoints("face", 1, 2), "KEYPOINTS2D[0]: keypoint 1: v=2, BINARY allows (0, 1)"),
        (
            Label.loads({"SENTENCE": [{"sentence": [], "attributes": {"speaker": 1}}]}),
            "SENTENCE[0]: attribute 'speaker': 1 is not of type string",
        ),
        (
            semantic({"categoryId": 1}, {"categoryId": 9}),
            "train/0001.png: SEMANTIC_MASK.info[1]: unknown categoryId 9; the catalog has [1, 2]",
        ),
        (
            semantic({"categoryId": 2, "attributes": {"wet": True}}),
            "SEMANTIC_MASK.info[0]: attribute 'wet' applies to categories 'road', not to 'sky'",
        ),
        (
            semantic({"categoryId": 1, "attributes": {"wet": "no"}}),
            "SEMANTIC_MASK.info[0]: attribute 'wet': 'no' is not of type boolean",
        ),
    ],
)
def test_labels_breaking_the_catalog_fail_with_a_precise_message(label: Label, expected: str) -> None:
    with pytest.raises(LabelError, match=re.escape(expected)):
        CATALOG.validate(label, path="train/0001.png")


def test_without_a_path_the_message_starts_with_the_label_type() -> None:
    with pytest.raises(LabelError) as error:
        CATALOG.validate(Label.loads({"CLASSIFICATION": {"category": "zebra"}}))
    assert str(error.value).startswith("CLASSIFICATION: unknown category 'zebra'")


def test_label_types_absent_from_the_catalog_are_not_validated() -> None:
    catalog = Catalog.loads({"CLASSIFICATION": {"categories": [{"name": "cat"}]}})
    catalog.validate(boxes({"category": "anything", "attributes": {"whatever": 1}}), path="a.png")
    Catalog().validate(Label.loads({"CLASSIFICATION": {"category": "zebra"}}), path="a.png")


def test_what_a_subcatalog_leaves_out_is_not_checked() -> None:
    only_categories = Catalog.loads({"BOX2D": {"categories": [{"name": "car"}]}})
    only_categories.validate(boxes({"category": "car", "attributes": {"free": "form"}}))
    only_attributes = Catalog.loads({"BOX2D": {"attributes": [{"name": "free"}]}})
    only_attributes.validate(boxes({"category": "any", "attributes": {"free": [1]}}))
    no_layouts = Catalog.loads({"KEYPOINTS2D": {}})
    no_layouts.validate(keypoints("face", 1, 1, 1, 1))


def test_an_empty_category_list_allows_no_category() -> None:
    catalog = Catalog.loads({"BOX2D": {"categories": []}})
    catalog.validate(boxes({}))
    with pytest.raises(LabelError, match=re.escape("BOX2D[0]: unknown category 'car'; the catalog has none")):
        catalog.validate(boxes({"category": "car"}))


def test_catalog_and_label_describe_the_same_label_types() -> None:
    assert [(f.name, f.key) for f in Catalog.wire_fields] == [(f.name, f.key) for f in Label.wire_fields]


def test_a_mask_subcatalog_without_categories_does_not_check_category_ids() -> None:
    catalog = Catalog.loads({"SEMANTIC_MASK": {"attributes": [{"name": "wet", "type": "boolean"}]}})
    catalog.validate(semantic({"categoryId": 5, "attributes": {"wet": True}}))
    expected = "SEMANTIC_MASK.info[0]: attribute 'wet': 1 is not of type boolean"
    with pytest.raises(LabelError, match=re.escape(expected)):
        catalog.validate(semantic({"categoryId": 5, "attributes": {"wet": 1}}))
