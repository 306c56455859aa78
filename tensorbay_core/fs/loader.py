"""Training loaders over ``tb://``: a map-style ``SegmentFiles`` and a streaming ``SegmentStream``.

Both pin the version to its commit when they are made, so every worker reads the same data
whatever happens to the branch. They hold only picklable values (the pinned path, the
storage options, the file list): a worker process, forked or spawned, opens its own
connection on first use, and nothing opened in the parent (an SQLite connection, an HTTP
session, a file) is used across a fork.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from ..label import Label
from .filesystem import TensorBayFileSystem
from .location import strip_protocol

#: Turns a file's bytes into what a sample holds (an image, an array); must be picklable
#: (a module-level function) for spawned workers.
Decode = Callable[[bytes], Any]


class _Reader:
    """What both loaders share: the pinned path, the options, a per-process filesystem."""

    def __init__(
        self, url: str, *, storage_options: dict[str, Any] | None = None, decode: Decode | None = None
    ) -> None:
        self.storage_options = dict(storage_options or {})
        self.decode = decode
        self._fs: TensorBayFileSystem | None = None
        self._pid = -1
        self.path = self.filesystem().pin(strip_protocol(url))

    def filesystem(self) -> TensorBayFileSystem:
        """This process's filesystem, opened on first use in each process."""
        if self._fs is None or self._pid != os.getpid():
            self._fs = TensorBayFileSystem(**self.storage_options)
            self._pid = os.getpid()
        return self._fs

    def sample(self, name: str, label: dict[str, Any]) -> tuple[Any, Label]:
        """``(bytes or decoded object, Label)`` of one file; the bytes are checked by SHA-1."""
        data = self.filesystem().cat_file(name)
        return (self.decode(data) if self.decode else data), Label.loads(label)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fs"], state["_pid"] = None, -1
        return state


class SegmentFiles(_Reader):
    """Map-style dataset of the files under a ``tb://`` path (a segment or a folder of one).

    ``len()`` and random ``ds[i] -> (data, Label)``: the file list (names and labels) is read
    once, when it is made; the bytes are read by whichever process asks for them.
    """

    def __init__(
        self, url: str, *, storage_options: dict[str, Any] | None = None, decode: Decode | None = None
    ) -> None:
        super().__init__(url, storage_options=storage_options, decode=decode)
        self.files = [(info["name"], info["label"]) for info in self.filesystem().iter_files(self.path)]

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[Any, Label]:
        name, label = self.files[index]
        return self.sample(name, label)


class SegmentStream(_Reader):
    """Iterable dataset of the files under a ``tb://`` path, streamed page by page.

    Iterating lists and reads as it goes; nothing is listed up front. ``shard(i, n)`` (or,
    in a PyTorch ``DataLoader`` worker, the worker's number) makes it yield every n-th file
    from the i-th, so workers share the files without overlap.
    """

    def __init__(
        self, url: str, *, storage_options: dict[str, Any] | None = None, decode: Decode | None = None
    ) -> None:
        super().__init__(url, storage_options=storage_options, decode=decode)
        self._shard: tuple[int, int] | None = None

    def shard(self, index: int, count: int) -> SegmentStream:
        """This stream cut to files ``index``, ``index + count``, ...: one worker's part."""
        if not 0 <= index < count:
            raise ValueError(f"shard index {index} must be in 0..{count - 1}")
        part = SegmentStream.__new__(SegmentStream)
        part.__dict__.update(self.__getstate__())
        part._shard = (index, count)
        return part

    def _my_shard(self) -> tuple[int, int]:
        if self._shard is not None:
            return self._shard
        torch_data = sys.modules.get("torch.utils.data")
        worker = torch_data.get_worker_info() if torch_data is not None else None
        return (worker.id, worker.num_workers) if worker is not None else (0, 1)

    def __iter__(self) -> Iterator[tuple[Any, Label]]:
        index, count = self._my_shard()
        for number, info in enumerate(self.filesystem().iter_files(self.path)):
            if number % count == index:
                yield self.sample(info["name"], info["label"])
