"""Malformed label and catalog JSON fails with one LabelError naming type, key and value."""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorbay_core.errors import LabelError
from tensorbay_core.label import (
    Box2D,
    Catalog,
    Classification,
    Label,
    LabeledBox2D,
    LabeledBox3D,
    LabeledKeypoints2D,
    LabeledPolyline2D,
    LabeledRLE,
    LabeledSentence,
    RemoteSemanticMask,
)

from .test_label_roundtrip import catalog_json, json_values, label_json

BOX = {"xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}


@pytest.mark.parametrize(
    ("cls", "contents", "expected"),
    [
        # missing geometry
        (LabeledBox2D, {"category": "car"}, "invalid LabeledBox2D: missing required key 'box2d'"),
        (
            LabeledBox3D,
            {"box3d": {"translation": {"x": 1, "y": 2, "z": 3}, "size": {"x": 1, "y": 1, "z": 1}}},
            "invalid LabeledBox3D at box3d: missing required key 'rotation'",
        ),
        (LabeledBox2D, {"box2d": {"xmin": 1, "ymin": 2, "xmax": 3}}, "at box2d: missing required key 'ymax'"),
        (LabeledSentence, {"spell": []}, "invalid LabeledSentence: missing required key 'sentence'"),
        (RemoteSemanticMask, {"info": []}, "invalid RemoteSemanticMask: missing required key 'remotePath'"),
        # wrong types
        (LabeledBox2D, {"box2d": [1, 2, 3, 4]}, "at box2d: expected an object, got [1, 2, 3, 4]"),
        (LabeledBox2D, {"box2d": {**BOX, "xmin": "1"}}, "at box2d.xmin: expected a finite number, got '1'"),
        (LabeledBox2D, {"box2d": BOX, "category": 3}, "at category: expected a string, got 3"),
        (LabeledBox2D, {"box2d": BOX, "instance": None}, "at instance: expected a string, got None"),
        (LabeledBox2D, {"box2d": BOX, "attributes": ["a"]}, "at attributes: expected an object, got ['a']"),
        (LabeledKeypoints2D, {"keypoints2d": {"x": 1, "y": 1}}, "at keypoints2d: expected a list"),
        (
            LabeledKeypoints2D,
            {"keypoints2d": [{"x": 1, "y": 1, "v": 1.5}]},
            "at keypoints2d[0].v: expected a non-negative integer, got 1.5",
        ),
        (LabeledRLE, {"rle": [3, -1]}, "at rle[1]: expected a non-negative integer, got -1"),
        (LabeledSentence, {"sentence": [{"text": 7}]}, "at sentence[0].text: expected a string, got 7"),
        (Classification, ["cat"], "invalid Classification: expected an object, got ['cat']"),
        (Classification, {"attributes": {"a": {1, 2}}}, "at attributes.a: expected a JSON value, got {1, 2}"),
        # bool where a number is expected
        (LabeledBox2D, {"box2d": {**BOX, "ymax": True}}, "at box2d.ymax: expected a finite number, got True"),
        (LabeledRLE, {"rle": [False]}, "at rle[0]: expected a non-negative integer, got False"),
        # NaN / infinity
        (
            LabeledBox2D,
            {"box2d": {**BOX, "xmax": math.nan}},
            "at box2d.xmax: expected a finite number, got nan",
        ),
        (
            LabeledKeypoints2D,
            {"keypoints2d": [{"x": math.inf, "y": 0}]},
            "at keypoints2d[0].x: expected a finite number, got inf",
        ),
        (Classification, {"attributes": {"score": -math.inf}}, "at attributes.score: expected a JSON value"),
        # unknown keys
        (LabeledBox2D, {"box2d": BOX, "colour": "red"}, "invalid LabeledBox2D: unknown key 'colour'"),
        (LabeledBox2D, {"box2d": {**BOX, "zmin": 0}}, "at box2d: unknown key 'zmin'"),
        (LabeledPolyline2D, {"polyline2d": [], "bezierPointTypes": ""}, "unknown key 'bezierPointTypes'"),
        (Label, {"BOX2D": [], "box2d": []}, "invalid Label: unknown key 'box2d'"),
        # cross-field checks
        (
            LabeledPolyline2D,
            {"polyline2d": [{"x": 0, "y": 0}], "beizerPointTypes": "LL"},
            "at beizerPointTypes: expected one of L/C per point (1 points), got 'LL'",
        ),
        (LabeledPolyline2D, {"polyline2d": [{"x": 0, "y": 0}], "beizerPointTypes": "Q"}, "got 'Q'"),
    ],
)
def test_malformed_label_json(cls: Any, contents: Any, expected: str) -> None:
    with pytest.raises(LabelError) as error:
        cls.loads(contents)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        (
            {"BOX2D": [{"box2d": BOX}, {"box2d": {**BOX, "xmin": None}}]},
            "invalid LabeledBox2D at BOX2D[1].box2d.xmin: expected a finite number, got None",
        ),
        (
            {"CLASSIFICATION": [{"category": "cat"}]},
            "invalid Classification at CLASSIFICATION: expected an object",
        ),
        ({"POLYGON": {"polygon": []}}, "invalid Label at POLYGON: expected a list"),
        (
            {"SEMANTIC_MASK": {"remotePath": "m.png", "info": [{"categoryId": "1"}]}},
            "invalid RemoteSemanticMask at SEMANTIC_MASK.info[0].categoryId: expected a non-negative integer",
        ),
        (
            {"SENTENCE": [{"sentence": [], "phone": [{"text": "a", "end": math.nan}]}]},
            "invalid LabeledSentence at SENTENCE[0].phone[0].end: expected a finite number, got nan",
        ),
    ],
)
def test_malformed_label_names_the_path_inside_the_label(contents: dict[str, Any], expected: str) -> None:
    with pytest.raises(LabelError) as error:
        Label.loads(contents)
    assert str(error.value).startswith(expected)


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        (
            {"BOX2D": {"attributes": [{"name": "a", "type": "bool"}]}},
            "invalid Catalog at BOX2D.attributes[0].type: expected one of array, boolean, integer, null, "
            "number, string, got 'bool'",
        ),
        (
            {"BOX2D": {"attributes": [{"type": "string"}]}},
            "at BOX2D.attributes[0]: missing required key 'name'",
        ),
        ({"BOX2D": {"isTracking": "yes"}}, "at BOX2D.isTracking: expected a boolean, got 'yes'"),
        ({"CLASSIFICATION": {"isTracking": True}}, "at CLASSIFICATION: unknown key 'isTracking'"),
        (
            {"KEYPOINTS2D": {"keypoints": [{"names": ["a"]}]}},
            "at KEYPOINTS2D.keypoints[0]: missing required key 'number'",
        ),
        (
            {"KEYPOINTS2D": {"keypoints": [{"number": 1, "visible": "YES"}]}},
            "at KEYPOINTS2D.keypoints[0].visible: expected one of BINARY, TERNARY, got 'YES'",
        ),
        ({"SEMANTIC_MASK": {"categories": [{"name": "road"}]}}, "missing required key 'categoryId'"),
        ({"SENTENCE": {"sampleRate": math.nan}}, "at SENTENCE.sampleRate: expected a finite number, got nan"),
        ({"BOXES": {}}, "invalid Catalog: unknown key 'BOXES'"),
    ],
)
def test_malformed_catalog_json(contents: dict[str, Any], expected: str) -> None:
    with pytest.raises(LabelError) as error:
        Catalog.loads(contents)
    assert expected in str(error.value)


def test_geometry_loaded_alone_reports_its_own_name() -> None:
    expected = "invalid Box2D at ymin: expected a finite number, got 'x'"
    with pytest.raises(LabelError, match=re.escape(expected)):
        Box2D.loads({**BOX, "ymin": "x"})


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value in a label's JSON except inside free-form attributes."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            free_form = key == "attributes" and isinstance(inner, dict)
            found += [(*path, key)] if free_form else _leaf_paths(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _leaf_paths(inner, (*path, i))
    return found


def _wrong(value: Any) -> list[Any]:
    """Replacements that can never be valid where ``value`` was valid."""
    if isinstance(value, str):
        return [1, None, {}]
    if isinstance(value, list):
        return [{"a": 1}, "x"]
    if isinstance(value, dict):
        return [[value], "x", None]
    return ["1", True, math.nan, math.inf, None, {}]


def _as_error_path(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _replaced(contents: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    bad = copy.deepcopy(contents)
    target = bad
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return bad


def _value_at(contents: dict[str, Any], path: tuple[Any, ...]) -> Any:
    for part in path:
        contents = contents[part]
    return contents


@settings(max_examples=150, deadline=None)
@given(label_json, st.data())
def test_any_corrupted_value_fails_at_its_path(contents: dict[str, Any], data: st.DataObject) -> None:
    paths = _leaf_paths(contents)
    if not paths:
        return
    path = data.draw(st.sampled_from(paths))
    wrong = data.draw(st.sampled_from(_wrong(_value_at(contents, path))))
    with pytest.raises(LabelError) as error:
        Label.loads(_replaced(contents, path, wrong))
    assert f" at {_as_error_path(path)}:" in str(error.value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["BOX2D", "CLASSIFICATION", "RLE", "SENTENCE", "x"]), json_values))
def test_arbitrary_json_loads_or_raises_label_error(contents: dict[str, Any]) -> None:
    try:
        label = Label.loads(contents)
    except LabelError:
        return
    assert label.dumps() == contents


@settings(max_examples=100, deadline=None)
@given(catalog_json, st.data())
def test_corrupted_catalog_fails_at_its_path(contents: dict[str, Any], data: st.DataObject) -> None:
    paths = [p for p in _leaf_paths(contents) if "enum" not in p]
    if not paths:
        return
    path = data.draw(st.sampled_from(paths))
    value = _value_at(contents, path)
    wrong = "true" if isinstance(value, bool) else data.draw(st.sampled_from(_wrong(value)))
    with pytest.raises(LabelError) as error:
        Catalog.loads(_replaced(contents, path, wrong))
    assert f" at {_as_error_path(path)}:" in str(error.value)
