"""The dataset model: Notes, Data/AuthData/RemoteData, Segment and Dataset (local and read lazily)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tensorbay_core.dataset import AuthData, Data, Dataset, Notes, RemoteData, Segment
from tensorbay_core.errors import AlreadyExists, InvalidArgument, LabelError, NotFound
from tensorbay_core.label import Catalog, Classification, Label

# -- Notes -------------------------------------------------------------------------------------


def test_notes_round_trip_and_defaults() -> None:
    assert Notes().dumps() == {"isContinuous": False}
    notes = Notes.loads({"isContinuous": True, "binPointCloudFields": ["X", "Y", "Z"]})
    assert (notes.is_continuous, notes.bin_point_cloud_fields) == (True, ["X", "Y", "Z"])
    assert notes.dumps() == {"isContinuous": True, "binPointCloudFields": ["X", "Y", "Z"]}
    assert Notes.loads({}) == Notes()
    assert Notes.loads({"isContinuous": False, "binPointCloudFields": None}) == Notes()


@pytest.mark.parametrize("contents", [{"isContinuous": "yes"}, {"binPointCloudFields": "X"}, {"other": 1}])
def test_malformed_notes_are_an_invalid_argument_not_a_label_error(contents: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument, match="invalid Notes") as error:
        Notes.loads(contents)
    assert not isinstance(error.value, LabelError)


# -- Data --------------------------------------------------------------------------------------


def test_data_streams_a_cached_sha1_and_reads_its_file(tmp_path: Path) -> None:
    body = os.urandom(3 * 64 * 1024 + 17)
    path = tmp_path / "img.png"
    path.write_bytes(body)
    data = Data(str(path))
    assert data.path == "img.png" and data.local_path == str(path)
    assert data.size == len(body)
    assert data.get_checksum() == hashlib.sha1(body).hexdigest()
    with data.open() as fp:
        assert fp.read() == body
    path.write_bytes(b"changed")
    assert data.get_checksum() == hashlib.sha1(body).hexdigest(), "the checksum is computed once"


def test_data_remote_path_timestamp_and_fresh_label(tmp_path: Path) -> None:
    data = Data(str(tmp_path / "missing.bin"), target_remote_path="a/b.bin", timestamp=1.5)
    other = Data(str(tmp_path / "x.bin"))
    assert (data.path, data.timestamp, other.timestamp) == ("a/b.bin", 1.5, None)
    assert data.label == Label() and data.label is not other.label
    data.label.classification = Classification("cat")
    assert other.label.classification is None
    assert repr(data) == f"Data('a/b.bin' from {str(tmp_path / 'missing.bin')!r})"


@pytest.mark.parametrize(
    "bad", ["/abs.png", "../up.png", "a/../b.png", "./a.png", "a\\b.png", "nul\0.png", "a//b", "a/", ""]
)
def test_bad_remote_paths_are_refused(bad: str) -> None:
    with pytest.raises(InvalidArgument, match="remote path"):
        Data("/tmp/file.png", target_remote_path=bad)
    with pytest.raises(InvalidArgument, match="remote path"):
        AuthData("bucket/file.png", target_remote_path=bad)


def test_data_of_a_directory_path_has_no_basename() -> None:
    with pytest.raises(InvalidArgument, match="non-empty"):
        Data("/tmp/folder/")


# -- AuthData and RemoteData --------------------------------------------------------------------


def test_auth_data_defaults_to_the_cloud_basename_and_reads_through_its_opener() -> None:
    calls: list[str] = []

    def opener() -> io.BytesIO:
        calls.append("open")
        return io.BytesIO(b"bytes")

    auth = AuthData(
        "data/images/0001.png", size=5, etag="e1", opener=opener, url_getter=lambda: "https://signed"
    )
    assert (auth.path, auth.cloud_path, auth.size, auth.etag) == ("0001.png", "data/images/0001.png", 5, "e1")
    assert calls == [], "nothing is read before open()"
    with auth.open() as fp:
        assert fp.read() == b"bytes"
    assert calls == ["open"]
    assert auth.get_url() == "https://signed"
    assert auth.label == Label() and auth.timestamp is None and auth.config_name is None
    assert repr(auth) == "AuthData('0001.png' from cloud path 'data/images/0001.png')"
    assert AuthData("x/y.png", target_remote_path="z/y.png").path == "z/y.png"


def test_unbound_auth_and_remote_data_explain_why_they_cannot_be_read() -> None:
    for data in (AuthData("data/a.png"), RemoteData("a.png")):
        with pytest.raises(InvalidArgument, match="not bound to a client"):
            data.open()
        with pytest.raises(InvalidArgument, match="not bound to a client"):
            data.get_url()


def test_remote_data_carries_what_a_read_returned() -> None:
    label = Label.loads({"CLASSIFICATION": {"category": "cat"}})
    remote = RemoteData(
        "seg/a.png",
        label=label,
        timestamp=2.0,
        size=3,
        checksum="abc",
        opener=lambda: io.BytesIO(b"abc"),
        url_getter=lambda: "u",
    )
    assert (remote.path, remote.label, remote.timestamp, remote.size, remote.checksum) == (
        "seg/a.png",
        label,
        2.0,
        3,
        "abc",
    )
    assert remote.open().read() == b"abc" and remote.get_url() == "u"
    assert repr(remote) == "RemoteData('seg/a.png')"
    assert RemoteData("a").label is not RemoteData("b").label


# -- Segment -----------------------------------------------------------------------------------


def test_segment_is_a_mutable_sequence_of_data() -> None:
    a, b, c = RemoteData("a"), RemoteData("b"), RemoteData("c")
    segment = Segment("train")
    segment.append(a)
    segment.extend([c])
    segment.insert(1, b)
    assert list(segment) == [a, b, c] and len(segment) == 3 and segment[-1] is c
    assert segment[1:] == [b, c]
    segment[0] = c
    del segment[1]
    assert list(segment) == [c, c]
    assert repr(segment) == "Segment('train', 2 data)"
    assert Segment().name == ""


@pytest.mark.parametrize("bad", ["a/b", "/a", "..", ".", "a\\b", "nul\0"])
def test_bad_segment_names_are_refused(bad: str) -> None:
    with pytest.raises(InvalidArgument, match="segment name"):
        Segment(bad)


class HugeListing(Sequence[RemoteData]):
    """A service listing far too large to copy; records what is asked of it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.asked: list[Any] = []

    def __len__(self) -> int:
        self.asked.append("len")
        return self.size

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(index)
        self.asked.append(index)
        return RemoteData(f"{index:012d}.png")

    def __iter__(self) -> Any:
        self.asked.append("iter")
        return (RemoteData(f"{i:012d}.png") for i in range(self.size))


class FakeSegmentClient:
    """Stands in for the SDK's SegmentClient (an external collaborator's interface)."""

    def __init__(self, listing: Sequence[RemoteData]) -> None:
        self.listing = listing
        self.list_calls = 0

    def list_data(self) -> Sequence[RemoteData]:
        self.list_calls += 1
        return self.listing


def test_segment_reads_through_the_client_lazily_without_copying() -> None:
    listing = HugeListing(10**12)
    client = FakeSegmentClient(listing)
    segment = Segment("big", client=client)
    assert client.list_calls == 0 and repr(segment) == "Segment('big', remote)"
    assert segment[5].path == "000000000005.png"
    assert len(segment) == 10**12
    assert next(iter(segment)).path == "000000000000.png"
    assert segment[-1].path == "999999999999.png"
    assert client.list_calls == 1
    assert listing.asked == [5, "len", "iter", 999_999_999_999]


def test_changing_a_read_segment_copies_it_and_leaves_the_client_alone() -> None:
    listing = [RemoteData("a"), RemoteData("b")]
    segment = Segment("s", client=FakeSegmentClient(listing))
    extra = RemoteData("c")
    segment.append(extra)
    assert [d.path for d in segment] == ["a", "b", "c"]
    assert [d.path for d in listing] == ["a", "b"]


# -- Dataset -----------------------------------------------------------------------------------


def test_dataset_keeps_segments_ordered_by_name() -> None:
    dataset = Dataset("ds")
    test, train = dataset.create_segment("test"), dataset.create_segment("train")
    default = Segment()
    dataset.add_segment(default)
    assert [s.name for s in dataset] == ["", "test", "train"]
    assert dataset[1] is test and dataset[-1] is train and dataset[:2] == [default, test]
    assert len(dataset) == 3 and dataset.get_segment_by_name("train") is train
    assert repr(dataset) == "Dataset('ds', 3 segments)"


def test_dataset_refuses_duplicate_and_unknown_segment_names() -> None:
    dataset = Dataset("ds")
    dataset.create_segment()
    with pytest.raises(AlreadyExists, match="already has a segment named ''"):
        dataset.create_segment("")
    dataset.create_segment("a")
    with pytest.raises(AlreadyExists, match="'a'"):
        dataset.add_segment(Segment("a"))
    with pytest.raises(NotFound, match="no segment named 'b'"):
        dataset.get_segment_by_name("b")
    with pytest.raises(InvalidArgument, match="needs gas"):
        Dataset("ds", revision="main")


class FakeDatasetClient:
    """Stands in for the SDK's DatasetClient (an external collaborator's interface)."""

    def __init__(self, segments: dict[str, list[RemoteData]], log: list[Any]) -> None:
        self.segments = segments
        self.log = log

    def checkout(self, revision: str) -> None:
        self.log.append(("checkout", revision))

    def get_catalog(self) -> Catalog:
        self.log.append("get_catalog")
        return Catalog.loads({"CLASSIFICATION": {"categories": [{"name": "cat"}]}})

    def get_notes(self) -> Notes:
        self.log.append("get_notes")
        return Notes(is_continuous=True)

    def list_segment_names(self) -> list[str]:
        self.log.append("list_segment_names")
        return list(self.segments)

    def get_segment(self, name: str) -> FakeSegmentClient:
        self.log.append(("get_segment", name))
        return FakeSegmentClient(self.segments[name])


class FakeGAS:
    def __init__(self, segments: dict[str, list[RemoteData]]) -> None:
        self.log: list[Any] = []
        self.segments = segments

    def get_dataset(self, name: str) -> FakeDatasetClient:
        self.log.append(("get_dataset", name))
        return FakeDatasetClient(self.segments, self.log)


def test_dataset_read_from_gas_loads_catalog_and_notes_then_segments_lazily() -> None:
    gas = FakeGAS({"train": [RemoteData("t.png")], "": [RemoteData("d.png")], "b": []})
    dataset = Dataset("ds", gas, revision="v1")
    assert gas.log == [("get_dataset", "ds"), ("checkout", "v1"), "get_catalog", "get_notes"]
    assert dataset.notes == Notes(is_continuous=True)
    assert dataset.catalog.classification is not None
    assert repr(dataset) == "Dataset('ds', remote)"
    gas.log.clear()
    assert [s.name for s in dataset] == ["", "b", "train"]
    assert dataset.get_segment_by_name("train") is dataset[2], "segments are built once"
    assert [d.path for d in dataset[2]] == ["t.png"]
    built = [("get_segment", ""), ("get_segment", "b"), ("get_segment", "train")]
    assert gas.log == ["list_segment_names", *built]


def test_dataset_read_without_revision_does_not_check_out() -> None:
    gas = FakeGAS({})
    assert len(Dataset("ds", gas)) == 0
    assert not any(isinstance(entry, tuple) and entry[0] == "checkout" for entry in gas.log)


def test_load_catalog_reads_tensorbay_json(tmp_path: Path) -> None:
    catalog = {"BOX2D": {"isTracking": True, "categories": [{"name": "car"}]}}
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    dataset = Dataset("ds")
    dataset.load_catalog(str(tmp_path / "catalog.json"))
    assert dataset.catalog.dumps() == catalog
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(LabelError, match=r"broken\.json' is not valid JSON"):
        dataset.load_catalog(str(tmp_path / "broken.json"))
    (tmp_path / "wrong.json").write_text(json.dumps({"BOX2D": {"isTracking": 1}}))
    with pytest.raises(LabelError, match=r"BOX2D\.isTracking"):
        dataset.load_catalog(str(tmp_path / "wrong.json"))


def _labelled(segment: Segment, path: str, category: str) -> None:
    data = Data(f"/nowhere/{path}")
    data.label.classification = Classification(category)
    segment.append(data)


def test_validate_names_the_segment_and_data_of_the_first_bad_label() -> None:
    dataset = Dataset("ds")
    _labelled(dataset.create_segment("train"), "a.png", "zebra")
    dataset.validate()  # no catalog: nothing to check
    dataset.catalog = Catalog.loads({"CLASSIFICATION": {"categories": [{"name": "cat"}]}})
    with pytest.raises(LabelError, match=r"^train/a\.png: CLASSIFICATION: unknown category 'zebra'"):
        dataset.validate()


def test_validate_in_the_default_segment_names_the_data_path_alone() -> None:
    dataset = Dataset("ds")
    dataset.catalog = Catalog.loads({"CLASSIFICATION": {"categories": [{"name": "cat"}]}})
    default = dataset.create_segment()
    _labelled(default, "ok.png", "cat")
    dataset.validate()
    _labelled(default, "bad.png", "dog")
    with pytest.raises(LabelError, match=r"^bad\.png: CLASSIFICATION: unknown category 'dog'"):
        dataset.validate()
