"""Every label type, Label and Catalog round-trip TensorBay JSON exactly (property-based).

The strategies here generate valid TensorBay JSON; other label tests reuse them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorbay_core.label import (
    Box2D,
    Box3D,
    Catalog,
    Classification,
    Keypoint2D,
    Label,
    LabeledBox2D,
    LabeledBox3D,
    LabeledKeypoints2D,
    LabeledMultiPolygon,
    LabeledMultiPolyline2D,
    LabeledPolygon,
    LabeledPolyline2D,
    LabeledRLE,
    LabeledSentence,
    Point2D,
    RemoteInstanceMask,
    RemotePanopticMask,
    RemoteSemanticMask,
    Word,
)
from tensorbay_core.label.fields import Serializable

Strategy = st.SearchStrategy[Any]

texts = st.text(max_size=6)
names = st.text(min_size=1, max_size=6)
counts = st.integers(min_value=0, max_value=10_000)
numbers = st.integers(min_value=-(10**6), max_value=10**6) | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
attributes = st.dictionaries(texts, json_values, max_size=3)


def obj(required: dict[str, Strategy], optional: dict[str, Strategy] | None = None) -> Strategy:
    """A JSON object with all ``required`` keys and any subset of ``optional`` ones."""
    return st.fixed_dictionaries(required, optional=optional or {})


def few(strategy: Strategy, min_size: int = 0) -> Strategy:
    return st.lists(strategy, min_size=min_size, max_size=4)


COMMON = {"category": names, "attributes": attributes, "instance": names}
point = obj({"x": numbers, "y": numbers})
points = few(point)
keypoint = obj({"x": numbers, "y": numbers}, {"v": st.integers(0, 2)})
box2d = obj({"xmin": numbers, "ymin": numbers, "xmax": numbers, "ymax": numbers})
vector3d = obj({"x": numbers, "y": numbers, "z": numbers})
quaternion = obj({"w": numbers, "x": numbers, "y": numbers, "z": numbers})
box3d = obj({"translation": vector3d, "rotation": quaternion, "size": vector3d})
words = few(obj({"text": texts}, {"begin": numbers, "end": numbers}))


def polyline(pts: list[dict[str, Any]]) -> Strategy:
    beizer = st.text(alphabet="LC", min_size=len(pts), max_size=len(pts))
    return obj({"polyline2d": st.just(pts)}, {**COMMON, "beizerPointTypes": beizer})


def mask(info: Strategy) -> Strategy:
    return obj({"remotePath": names}, {"info": few(info)})


#: Each label class with a strategy of its JSON, keyed by its key in a Label.
LABELS: dict[str, tuple[type[Serializable], Strategy]] = {
    "CLASSIFICATION": (Classification, obj({}, {"category": names, "attributes": attributes})),
    "BOX2D": (LabeledBox2D, obj({"box2d": box2d}, COMMON)),
    "BOX3D": (LabeledBox3D, obj({"box3d": box3d}, COMMON)),
    "POLYGON": (LabeledPolygon, obj({"polygon": points}, COMMON)),
    "MULTI_POLYGON": (LabeledMultiPolygon, obj({"multiPolygon": few(points)}, COMMON)),
    "RLE": (LabeledRLE, obj({"rle": few(counts)}, COMMON)),
    "POLYLINE2D": (LabeledPolyline2D, points.flatmap(polyline)),
    "MULTI_POLYLINE2D": (LabeledMultiPolyline2D, obj({"multiPolyline2d": few(points)}, COMMON)),
    "KEYPOINTS2D": (LabeledKeypoints2D, obj({"keypoints2d": few(keypoint)}, COMMON)),
    "SENTENCE": (
        LabeledSentence,
        obj({"sentence": words}, {"spell": words, "phone": words, "attributes": attributes}),
    ),
    "SEMANTIC_MASK": (RemoteSemanticMask, mask(obj({"categoryId": counts}, {"attributes": attributes}))),
    "INSTANCE_MASK": (RemoteInstanceMask, mask(obj({"instanceId": counts}, {"attributes": attributes}))),
    "PANOPTIC_MASK": (
        RemotePanopticMask,
        mask(obj({"instanceId": counts, "categoryId": counts}, {"attributes": attributes})),
    ),
}
SINGLE = {"CLASSIFICATION", "SEMANTIC_MASK", "INSTANCE_MASK", "PANOPTIC_MASK"}

label_json = obj(
    {}, {key: strategy if key in SINGLE else few(strategy) for key, (_, strategy) in LABELS.items()}
)

TYPES = ["array", "boolean", "integer", "null", "number", "string"]
item_keys = {
    "type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=3),
    "enum": few(json_values),
    "minimum": numbers,
    "maximum": numbers,
}
attribute_info = obj(
    {"name": names},
    {**item_keys, "items": obj({}, item_keys), "parentCategories": few(names), "description": texts},
)
CLASSIFICATION_SUB = {
    "description": texts,
    "categoryDelimiter": texts,
    "categories": few(obj({"name": names}, {"description": texts})),
    "attributes": few(attribute_info),
}
GEOMETRY_SUB = {**CLASSIFICATION_SUB, "isTracking": st.booleans()}
keypoints_info = obj(
    {"number": counts},
    {
        "names": few(names),
        "skeleton": few(st.lists(counts, min_size=2, max_size=2)),
        "visible": st.sampled_from(["TERNARY", "BINARY"]),
        "parentCategories": few(names),
        "description": texts,
    },
)
MASK_SUB = {
    "description": texts,
    "isTracking": st.booleans(),
    "categoryDelimiter": texts,
    "categories": few(obj({"name": names, "categoryId": counts}, {"description": texts})),
    "attributes": few(attribute_info),
}
SUBCATALOGS: dict[str, Strategy] = {
    "CLASSIFICATION": obj({}, CLASSIFICATION_SUB),
    **{key: obj({}, GEOMETRY_SUB) for key in ("BOX2D", "BOX3D", "POLYGON", "MULTI_POLYGON", "RLE")},
    "POLYLINE2D": obj({}, {**GEOMETRY_SUB, "isBeizerCurve": st.booleans()}),
    "MULTI_POLYLINE2D": obj({}, GEOMETRY_SUB),
    "KEYPOINTS2D": obj({}, {**GEOMETRY_SUB, "keypoints": few(keypoints_info)}),
    "SENTENCE": obj(
        {},
        {
            "description": texts,
            "isSample": st.booleans(),
            "sampleRate": numbers,
            "lexicon": few(few(texts)),
            "attributes": few(attribute_info),
        },
    ),
    **{key: obj({}, MASK_SUB) for key in ("SEMANTIC_MASK", "INSTANCE_MASK", "PANOPTIC_MASK")},
}
catalog_json = obj({}, SUBCATALOGS)


def as_text(contents: Any) -> str:
    """JSON text, so 1 and 1.0 or True and 1 differ."""
    return json.dumps(contents, sort_keys=True)


def assert_round_trip(cls: type[Serializable], contents: dict[str, Any]) -> None:
    loaded = cls.loads(contents)
    dumped = loaded.dumps()
    assert as_text(dumped) == as_text(contents)
    assert cls.loads(dumped) == loaded


@pytest.mark.parametrize("key", list(LABELS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_each_label_type_round_trips(key: str, data: st.DataObject) -> None:
    cls, strategy = LABELS[key]
    assert_round_trip(cls, data.draw(strategy))


@settings(max_examples=80, deadline=None)
@given(label_json)
def test_label_round_trips(contents: dict[str, Any]) -> None:
    assert_round_trip(Label, contents)


@settings(max_examples=80, deadline=None)
@given(catalog_json)
def test_catalog_round_trips(contents: dict[str, Any]) -> None:
    assert_round_trip(Catalog, contents)


def test_dumps_is_a_copy_not_a_view() -> None:
    contents = {"category": "cat", "attributes": {"tags": ["a"]}}
    label = Classification.loads(contents)
    contents["attributes"]["tags"].append("b")
    label.dumps()["attributes"]["tags"].append("c")
    assert label.attributes == {"tags": ["a"]}


def test_loaded_objects_have_the_documented_python_shape() -> None:
    label = Label.loads(
        {
            "BOX2D": [{"category": "car", "box2d": {"xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}}],
            "BOX3D": [
                {
                    "box3d": {
                        "translation": {"x": 1, "y": 2, "z": 3},
                        "rotation": {"w": 1.0, "x": 0.0, "y": 0.0, "z": 0.0},
                        "size": {"x": 4, "y": 5, "z": 6},
                    }
                }
            ],
            "POLYLINE2D": [{"polyline2d": [{"x": 0, "y": 0}, {"x": 1, "y": 1}], "beizerPointTypes": "LC"}],
            "KEYPOINTS2D": [{"keypoints2d": [{"x": 1, "y": 1, "v": 2}, {"x": 5, "y": 5}]}],
            "SENTENCE": [{"sentence": [{"text": "qi1shi2", "begin": 1, "end": 2}]}],
        }
    )
    assert label.box2d == [LabeledBox2D(Box2D(1, 2, 3, 4), category="car")]
    assert label.box3d is not None and isinstance(label.box3d[0].box3d, Box3D)
    assert label.box3d[0].box3d.size.z == 6
    assert label.polyline2d == [LabeledPolyline2D([Point2D(0, 0), Point2D(1, 1)], beizer_point_types="LC")]
    assert label.keypoints2d == [LabeledKeypoints2D([Keypoint2D(1, 1, 2), Keypoint2D(5, 5)])]
    assert label.sentence == [LabeledSentence([Word("qi1shi2", 1, 2)])]
    assert label.classification is None and label.rle is None


def test_objects_built_in_python_dump_tensorbay_json() -> None:
    label = Label()
    label.classification = Classification("cat", {"color": "red"})
    label.multi_polygon = [LabeledMultiPolygon([[Point2D(1, 2)]], instance="7")]
    assert label.dumps() == {
        "CLASSIFICATION": {"category": "cat", "attributes": {"color": "red"}},
        "MULTI_POLYGON": [{"instance": "7", "multiPolygon": [[{"x": 1, "y": 2}]]}],
    }
    assert Label().dumps() == {}


def test_repr_shows_only_set_fields() -> None:
    assert repr(LabeledBox2D(Box2D(1, 2, 3, 4), category="car")) == (
        "LabeledBox2D(category='car', box2d=Box2D(xmin=1, ymin=2, xmax=3, ymax=4))"
    )
