"""Four clients in four processes change one dataset at once (issue "Exactly-once", findings
3 and 4): on one ``gas serve`` over PostgreSQL, on two ``gas serve`` processes sharing one
PostgreSQL database and home, and embedded, four processes on one TENSORBAY_HOME (SQLite).

Each race starts its four calls together (``processes.Racers``); the assertions say what
the service guarantees whatever the interleaving: one commit per draft and the branch at
it, distinct draft numbers, every uploaded path recorded once and byte-exact, segments
created without an error, uploads with no open draft sharing one draft. Never a 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tensorbay_core import GAS
from tensorbay_core.client.dataset import DatasetClient
from tensorbay_core.dataset import Data, Dataset

from .processes import Outcome, Racers
from .servers.gas import GasServer, fresh_postgres_database

RACERS = 4
#: Commits and drafts race this many rounds: one lost race hides in a single round.
ROUNDS = 3
SEGMENT = "s"


@dataclass(frozen=True)
class Client:
    """How one racer connects: an access key and a server URL, or an embedded home."""

    access_key: str
    url: str = ""
    home: str | None = None


_connected: dict[Client, GAS] = {}


def connect(client: Client) -> GAS:
    """This process's GAS for ``client`` (made once: a racer runs many rounds)."""
    if client not in _connected:
        _connected[client] = GAS(client.access_key, client.url, home=client.home)
    return _connected[client]


@dataclass(frozen=True)
class Shared:
    """Four clients of one user's datasets, and the database behind them."""

    clients: list[Client]
    db_url: str

    def gas(self) -> GAS:
        """The test's own client (of the first server)."""
        return connect(self.clients[0])

    def rows(self, query: str, **params: Any) -> list[Any]:
        """Rows straight from the database, for what the API cannot show (orphan rows)."""
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(query), params).all())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def racers() -> Iterator[Racers]:
    pool = Racers(RACERS)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def pg_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GasServer, GasServer]]:
    """Two ``gas serve`` processes on one PostgreSQL database and one home (one storage)."""
    pg = fresh_postgres_database()
    if pg is None:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL races need it")
    db_url, drop = pg
    home = tmp_path_factory.mktemp("races-home")
    root = tmp_path_factory.mktemp("races-roots")
    servers = (GasServer(db_url, home, root), GasServer(db_url, home, root))
    try:
        for server in servers:  # one after the other: the first one makes the schema and keys
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
        drop()


@pytest.fixture(params=["postgres", "postgres-two-servers", "sqlite-embedded"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Shared:
    if request.param == "sqlite-embedded":
        home = str(tmp_path / "home")
        return Shared([Client("Accesskey-embedded", home=home)] * RACERS, f"sqlite:///{home}/tensorbay.db")
    first, second = request.getfixturevalue("pg_servers")
    key = first.new_user()
    urls = [first.url] * RACERS if request.param == "postgres" else [first.url, second.url] * (RACERS // 2)
    return Shared([Client(key, url) for url in urls], first.db_url)


def new_dataset(shared: Shared) -> tuple[str, DatasetClient]:
    name = f"Raced-{uuid.uuid4().hex[:8]}"
    return name, shared.gas().create_dataset(name)


def describe(outcomes: list[Outcome]) -> str:
    return "\n".join(f"racer {i}: {o}" for i, o in enumerate(outcomes))


def no_crash(outcomes: list[Outcome]) -> None:
    crashed = [o for o in outcomes if o.crashed]
    assert not crashed, f"a racer got a 500 or an unexpected exception:\n{describe(outcomes)}"


def write_files(folder: Path, count: int) -> dict[str, bytes]:
    """``count`` small files of distinct contents; ``{remote path: bytes}``."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {f"{i:03d}.bin": f"file {i} of {folder.name}\n".encode() * (1 + i % 7) for i in range(count)}
    for path, body in contents.items():
        (folder / path).write_bytes(body)
    return contents


def read_segment(client: DatasetClient) -> dict[str, bytes]:
    """Every data of the segment at the client's version, read back."""
    found: dict[str, bytes] = {}
    for data in client.get_segment(SEGMENT).list_data():
        assert data.path not in found, f"{data.path} is listed twice"
        with data.open() as fp:
            found[data.path] = fp.read()
    return found


# -- what each racer does (module level: the racers import them by name) ---------------------


def commit_draft(ready: Callable[[], None], client: Client, name: str, draft: int) -> str:
    dataset = connect(client).get_dataset(name)
    dataset.checkout(draft_number=draft)
    ready()
    return dataset.commit("raced commit")


def create_draft(ready: Callable[[], None], client: Client, name: str, title: str) -> int:
    dataset = connect(client).get_dataset(name)
    ready()
    return dataset.create_draft(title)


def create_segments(
    ready: Callable[[], None], client: Client, name: str, draft: int, names: list[str]
) -> None:
    dataset = connect(client).get_dataset(name)
    dataset.checkout(draft_number=draft)
    ready()
    for segment in names:
        dataset.create_segment(segment)


def local_dataset(name: str, folder: str, paths: list[str]) -> Dataset:
    dataset = Dataset(name)
    segment = dataset.create_segment(SEGMENT)
    for path in paths:
        segment.append(Data(str(Path(folder) / path)))
    return dataset


def upload(
    ready: Callable[[], None], client: Client, name: str, folder: str, paths: list[str], draft: int | None
) -> int | None:
    gas = connect(client)
    dataset = local_dataset(name, folder, paths)
    gas.get_dataset(name)
    ready()
    return gas.upload_dataset(dataset, draft, jobs=2, quiet=True).draft_number


# -- the races ---------------------------------------------------------------------------------


def test_one_of_four_commits_of_a_draft_wins(shared: Shared, racers: Racers) -> None:
    name, dataset = new_dataset(shared)
    for round_ in range(ROUNDS):
        draft = dataset.create_draft(f"round {round_}")
        outcomes = racers.race(commit_draft, [(c, name, draft) for c in shared.clients])
        no_crash(outcomes)
        winners = [o.value for o in outcomes if o.ok]
        assert len(winners) == 1, f"round {round_}: not exactly one commit\n{describe(outcomes)}"
        losers = {o.error for o in outcomes if not o.ok}
        assert losers <= {"StatusError", "Conflict"}, describe(outcomes)
        [branch] = dataset.list_branches()
        assert branch["commitId"] == winners[0]
    history = [c["commitId"] for c in dataset.list_commits(revision="main")]
    assert len(history) == ROUNDS
    rows = shared.rows(
        "SELECT c.id FROM commits c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = :name", name=name
    )
    assert sorted(r.id for r in rows) == sorted(history), "commit rows that no branch reaches"


def test_four_new_drafts_get_distinct_numbers(shared: Shared, racers: Racers) -> None:
    name, dataset = new_dataset(shared)
    for round_ in range(ROUNDS):
        outcomes = racers.race(
            create_draft, [(c, name, f"r{round_} #{i}") for i, c in enumerate(shared.clients)]
        )
        no_crash(outcomes)
        assert all(o.ok for o in outcomes), describe(outcomes)
        first = round_ * RACERS + 1
        assert sorted(o.value for o in outcomes) == list(range(first, first + RACERS)), describe(outcomes)
    numbers = [d["number"] for d in dataset.list_drafts(status="ALL")]
    assert numbers == list(range(1, ROUNDS * RACERS + 1))


def test_four_creators_of_the_same_segments(shared: Shared, racers: Racers) -> None:
    name, dataset = new_dataset(shared)
    draft = dataset.create_draft("segments")
    names = [f"segment-{i}" for i in range(8)]
    outcomes = racers.race(create_segments, [(c, name, draft, names) for c in shared.clients])
    no_crash(outcomes)
    assert all(o.ok for o in outcomes), describe(outcomes)
    assert dataset.list_segment_names() == names


def test_four_uploads_of_the_same_files_into_one_draft(
    shared: Shared, racers: Racers, tmp_path: Path
) -> None:
    """Every racer uploads files 0-9; files 10-39 each come from two racers, in other orders."""
    name, dataset = new_dataset(shared)
    draft = dataset.create_draft("same files")
    contents = write_files(tmp_path / "files", 40)
    paths = sorted(contents)
    shares = [paths[:10] + [paths[10 + (10 * i + k) % 30] for k in range(20)] for i in range(RACERS)]
    args = [
        (c, name, str(tmp_path / "files"), share, draft)
        for c, share in zip(shared.clients, shares, strict=True)
    ]
    outcomes = racers.race(upload, args)
    no_crash(outcomes)
    assert all(o.ok for o in outcomes), describe(outcomes)
    assert read_segment(dataset) == contents
    dataset.commit("same files")
    assert read_segment(dataset) == contents


def test_four_uploads_with_no_open_draft_share_one(shared: Shared, racers: Racers, tmp_path: Path) -> None:
    name, dataset = new_dataset(shared)
    expected: dict[str, bytes] = {}
    args = []
    for i, client in enumerate(shared.clients):
        folder = tmp_path / f"racer{i}"
        contents = write_files(folder, 5)
        renamed = {f"{i}-{path}": body for path, body in contents.items()}
        for path, body in renamed.items():
            (folder / path).write_bytes(body)
        expected.update(renamed)
        args.append((client, name, str(folder), sorted(renamed), None))
    outcomes = racers.race(upload, args)
    no_crash(outcomes)
    assert all(o.ok for o in outcomes), describe(outcomes)
    assert len({o.value for o in outcomes}) == 1, f"the uploads opened several drafts\n{describe(outcomes)}"
    assert [d["number"] for d in dataset.list_drafts()] == [outcomes[0].value]
    dataset.checkout(draft_number=outcomes[0].value)
    dataset.commit("four uploads")
    assert read_segment(dataset) == expected
