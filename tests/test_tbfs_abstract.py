"""fsspec's own abstract tests for the read side (``get``) against ``tb://``, in both modes.

``tb://`` is read-only, so the scenarios those tests build by writing through the filesystem
are published as committed datasets instead (same trees, same bytes); the write-side
classes (put, copy, pipe, open for writing, mv) do not apply.
"""

from __future__ import annotations

from hashlib import md5
from pathlib import Path

import pytest
from fsspec.tests.abstract import AbstractFixtures, AbstractGetTests

from tensorbay_core import GAS
from tensorbay_core.fs import TensorBayFileSystem
from tests.sdk_data import publish

#: Every scenario is one dataset with one segment; fs_path is that segment.
SEGMENT = "Scenario/seg"

BULK_0 = ["file1", "file2", "subdir/subfile1", "subdir/subfile2", "subdir/nesteddir/nestedfile"]
GLOB_EDGE = ["file1", "file2"] + [
    f"subdir{i}/{name}" for i in range(2) for name in ("subfile1", "subfile2", "nesteddir/nestedfile")
]
SAME_PREFIX = ["subdir.txt", "subdir/subfile.txt"]


def _scenario(gas: GAS, root: Path, files: dict[str, bytes]) -> str:
    publish(gas, "Scenario", {f"seg/source/{path}": content for path, content in files.items()}, root)
    return f"{SEGMENT}/source"


class _PublishedFirst(TensorBayFileSystem):
    """For a test that builds its tree through the filesystem: the tree is published first,
    and ``mkdir``/``touch`` only check that what they would make is there."""

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: object) -> None:
        assert self.isdir(path)

    def touch(self, path: str, truncate: bool = True, **kwargs: object) -> None:
        assert self.isfile(path)


class TestTbGet(AbstractFixtures, AbstractGetTests):  # type: ignore[misc]
    @pytest.fixture
    def fs(self, gas_options: dict[str, str]) -> TensorBayFileSystem:
        return TensorBayFileSystem(skip_instance_cache=True, **gas_options)

    @pytest.fixture
    def fs_join(self):  # type: ignore[no-untyped-def]
        return lambda *parts: "/".join(part.rstrip("/") for part in parts)

    @pytest.fixture
    def fs_path(self) -> str:
        return SEGMENT

    @pytest.fixture
    def supports_empty_directories(self) -> bool:
        return False  # a folder is a prefix of remote paths, so it is never empty

    @pytest.fixture
    def fs_bulk_operations_scenario_0(self, gas: GAS, tmp_path: Path) -> str:
        return _scenario(gas, tmp_path, dict.fromkeys(BULK_0, b""))

    @pytest.fixture
    def fs_glob_edge_cases_files(self, gas: GAS, tmp_path: Path) -> str:
        return _scenario(gas, tmp_path, dict.fromkeys(GLOB_EDGE, b""))

    @pytest.fixture
    def fs_dir_and_file_with_same_name_prefix(self, gas: GAS, tmp_path: Path) -> str:
        return _scenario(gas, tmp_path, dict.fromkeys(SAME_PREFIX, b""))

    @pytest.fixture
    def fs_10_files_with_hashed_names(self, gas: GAS, tmp_path: Path) -> str:
        hashed = {f"{md5(str(i).encode()).hexdigest()}.txt": str(i).encode() for i in range(10)}
        return _scenario(gas, tmp_path, hashed)

    def test_get_directory_recursive(  # type: ignore[no-untyped-def]
        self, gas_options, gas, tmp_path, fs_join, fs_path, local_fs, local_join, local_target
    ):
        publish(gas, "Scenario", {"seg/src/file": b""}, tmp_path)
        fs = _PublishedFirst(skip_instance_cache=True, **gas_options)
        super().test_get_directory_recursive(fs, fs_join, fs_path, local_fs, local_join, local_target)
