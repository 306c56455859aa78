"""TBRN parsing: TensorBay's resource names, with the SDK's own name and path rules."""

from __future__ import annotations

import pytest

from tensorbay_core.cli.output import human_size
from tensorbay_core.cli.tbrn import TBRN
from tensorbay_core.errors import InvalidArgument


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("tb:Pets", TBRN("Pets")),
        ("tb:Pets@dev", TBRN("Pets", revision="dev")),
        ("tb:Pets@3f2a9c1", TBRN("Pets", revision="3f2a9c1")),
        ("tb:Pets#12", TBRN("Pets", draft=12)),
        ("tb:Pets:", TBRN("Pets", segment="")),
        ("tb:Pets:train", TBRN("Pets", segment="train")),
        ("tb:Pets:://a.png", TBRN("Pets", segment="", path="a.png")),
        ("tb:Pets#2:train://cats/0001.png", TBRN("Pets", draft=2, segment="train", path="cats/0001.png")),
        ("tb:Pets@v1.0:train://cats/", TBRN("Pets", revision="v1.0", segment="train", path="cats/")),
    ],
)
def test_parses_and_formats_back(text: str, parsed: TBRN) -> None:
    assert TBRN.parse(text) == parsed
    assert str(parsed) == text


def test_version_is_what_the_sdk_takes() -> None:
    assert TBRN.parse("tb:Pets#3").version == "#3"
    assert TBRN.parse("tb:Pets@dev:train").version == "dev"
    assert TBRN.parse("tb:Pets").version is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Pets", "is not a TBRN"),
        ("tb:", "invalid dataset name ''"),
        ("tb:Pe ts", "invalid dataset name"),
        ("tb:Pets#", "nothing after '#'"),
        ("tb:Pets@", "nothing after '@'"),
        ("tb:Pets#x", "a draft is '#' and its number"),
        ("tb:Pets://a.png", "a path needs a segment before it"),
        ("tb:Pets:a/b", "invalid segment name"),
        ("tb:Pets:train://../etc/passwd", "has an empty, '.' or '..' part"),
        ("tb:Pets:train:///abs", "starts with '/'"),
        ("tb:Pets:train://", "must be a non-empty string"),
    ],
)
def test_refuses_what_the_sdk_would(text: str, says: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        TBRN.parse(text)
    assert says in raised.value.message


@pytest.mark.parametrize(
    ("size", "shown"), [(0, "0B"), (1023, "1023B"), (1024, "1.0K"), (1536, "1.5K"), (5 * 1024**3, "5.0G")]
)
def test_human_size(size: int, shown: str) -> None:
    assert human_size(size) == shown
