"""Malformed input is a 400 that names the field, never a 500, and never stored (issue 11, item 6).

Each case sends raw JSON, since lone surrogates and deep nesting are what a hostile client
writes by hand; the SDK never produces them.
"""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
import requests

from tensorbay_core.errors import InvalidArgument
from tensorbay_core.names import check_name


@pytest.fixture
def api(gas_server) -> Api:
    """A fresh user with dataset ``ds`` and its open draft #1."""
    client = Api(gas_server.url, gas_server.new_user())
    assert client.send("POST", "/datasets", {"name": "ds"}).status_code == 200
    assert client.send("POST", "/datasets/ds/drafts", {"title": "draft"}).status_code == 200
    return client


class Api:
    """Raw requests to the API as one user; bodies are sent as given (str) or as JSON."""

    def __init__(self, url: str, key: str) -> None:
        self.base = f"{url}/api/v1"
        self.key = key

    def send(self, method: str, path: str, body: object = None, **params: object) -> requests.Response:
        data = body if isinstance(body, str) or body is None else json.dumps(body)
        return requests.request(
            method,
            self.base + path,
            data=data.encode("utf-8", "surrogatepass") if isinstance(data, str) else None,
            params=params,
            headers={"X-Token": self.key, "Content-Type": "application/json"},
            timeout=60,
        )


def assert_names_field(response: requests.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "InvalidParamsValue"
    assert field in response.json()["message"], response.text


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_a_deep_catalog_is_refused_and_an_ordinary_one_kept(api: Api) -> None:
    catalog = {"BOX2D": {"categories": [{"name": "cat"}], "attributes": [{"name": "a", "enum": [1, 2]}]}}
    assert api.send("PUT", "/datasets/ds/catalog", {"draft_number": 1, "catalog": catalog}).status_code == 204
    refused = api.send("PUT", "/datasets/ds/catalog", f'{{"draft_number": 1, "catalog": {nested(900)}}}')
    assert_names_field(refused, "catalog")
    read = api.send("GET", "/datasets/ds/catalog", version="#1")
    assert read.status_code == 200 and read.json() == catalog


def test_deep_notes_and_labels_are_refused(api: Api) -> None:
    assert_names_field(
        api.send("PUT", "/datasets/ds/notes", f'{{"draft_number": 1, "notes": {{"x": {nested(100)}}}}}'),
        "notes",
    )
    labels = f'{{"draft_number": 1, "labels": {{"a.jpg": {{"CLASSIFICATION": {nested(100)}}}}}}}'
    assert_names_field(api.send("PUT", "/datasets/ds/labels", labels), "labels")


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/datasets/ds/segments", '{"draft_number": 1, "name": "seg\\udc80"}', "name"),
        ("POST", "/datasets/ds/data/delete", '{"draft_number": 1, "paths": ["a\\ud800.jpg"]}', "paths"),
        ("PUT", "/datasets/ds/labels", '{"draft_number": 1, "labels": {"a\\ud800.jpg": {}}}', "labels"),
        ("PUT", "/datasets/ds/notes", '{"draft_number": 1, "notes": {"x": "\\udfff"}}', "notes"),
        ("POST", "/datasets/ds/drafts", '{"title": "t\\ud800"}', "title"),
        ("POST", "/datasets", '{"name": "ds2", "alias": "\\ud83d"}', "alias"),
    ],
    ids=["segment", "delete-paths", "label-paths", "notes", "draft-title", "alias"],
)
def test_lone_surrogates_are_refused(api: Api, method: str, path: str, body: str, field: str) -> None:
    assert_names_field(api.send(method, path, body), field)


def test_refused_notes_were_not_stored(api: Api) -> None:
    api.send("PUT", "/datasets/ds/notes", '{"draft_number": 1, "notes": {"x": "\\udfff"}}')
    read = api.send("GET", "/datasets/ds/notes", version="#1")
    assert read.status_code == 200 and "x" not in read.json()


def test_a_name_with_a_trailing_newline_is_refused(api: Api) -> None:
    assert_names_field(api.send("POST", "/datasets", {"name": "trailing\n"}), "name")
    assert_names_field(api.send("POST", "/datasets/ds/branches", {"name": "feature\n"}), "name")
    with pytest.raises(InvalidArgument):
        check_name("dataset", "trailing\n")
    assert check_name("dataset", f"ok-{uuid.uuid4().hex[:6]}.v1")


def test_integers_beyond_the_database_columns_are_refused(api: Api) -> None:
    # draft numbers are INTEGER columns: 2**31 made PostgreSQL fail the query (a 500)
    assert_names_field(api.send("GET", f"/datasets/ds/drafts/{2**31}"), "draft_number")
    assert_names_field(api.send("GET", "/datasets/ds/segments", version=f"#{2**63 - 2}"), "version")
    assert api.send("GET", f"/datasets/ds/drafts/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("timestamp", ["yesterday", [1], {"t": 1}])
def test_a_timestamp_that_is_not_a_number_is_a_400_naming_it(api: Api, timestamp: object) -> None:
    body = b"timestamped"
    item = {"remotePath": "t.bin", "key": "k", "checksum": hashlib.sha1(body).hexdigest(), "size": len(body)}
    answer = api.send(
        "POST",
        "/datasets/ds/uploads/confirm",
        {"draft_number": 1, "files": [{**item, "timestamp": timestamp}]},
    )
    assert_names_field(answer, "timestamp")
    assert api.send("GET", "/datasets/ds/data", version="#1").json()["data"] == []


def test_an_embedded_timestamp_that_is_not_a_number_fails_that_file_only(tmp_path) -> None:
    """Embedded calls are not parsed by the API: the service judges each file on its own."""
    from tensorbay_core.service import open_service

    service = open_service(f"sqlite:///{tmp_path}/db.sqlite", str(tmp_path))
    user = service.ensure_user("u")
    service.create_dataset(user, "ds")
    service.create_draft(user, "ds", "draft")
    body = b"timestamped"
    item = {"remotePath": "t.bin", "key": "k", "checksum": hashlib.sha1(body).hexdigest(), "size": len(body)}
    good = {**item, "remotePath": "good.bin", "timestamp": 1.5}
    failed, other = service.confirm_uploads(user, "ds", 1, [{**item, "timestamp": "yesterday"}, good])[
        "results"
    ]
    assert failed["status"] == "failed" and "timestamp" in failed["error"]
    assert other["remotePath"] == "good.bin" and "timestamp" not in other.get("error", "")
    service.store.dispose()


def test_a_delete_of_many_paths_is_sent_in_batches(gas_server, tmp_path) -> None:
    """A team server refuses lists over 1,000 items; the SDK splits a big delete, and the
    service deletes each batch in chunks SQLite can bind."""
    from tensorbay_core import GAS
    from tensorbay_core.dataset import Data, Dataset

    gas = GAS(gas_server.new_user(), url=gas_server.url)
    gas.create_dataset("Many")
    (tmp_path / "one.bin").write_bytes(b"one")
    dataset = Dataset("Many")
    dataset.create_segment().append(Data(str(tmp_path / "one.bin")))
    client = gas.upload_dataset(dataset, quiet=True)
    client.get_segment("").delete_data(["one.bin", *(f"missing-{i}.bin" for i in range(2500))])
    assert list(client.get_segment("").list_data_paths()) == []
