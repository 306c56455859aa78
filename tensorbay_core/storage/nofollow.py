"""Opening a resolved path without following any symlink on the way.

A path is resolved (``os.path.realpath``) and checked to lie inside a root, then opened. In
between, a directory on it can be swapped for a symlink that leads elsewhere; a plain
``open`` would follow it. ``open_nofollow`` walks the path from ``/`` one component at a
time with ``O_NOFOLLOW``: the resolved path holds no symlink, so meeting one means it was
swapped in, and the open fails with ``ELOOP``. ``open_directory`` does the same for the
folder a write or delete works in (making missing folders on the way), so the name is then
created, renamed or removed relative to that descriptor and nowhere else.
"""

from __future__ import annotations

import contextlib
import os

#: How each directory on the way is opened: only to look up the next name in it.
_DIRECTORY = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
#: The file itself: never through a symlink; never waiting for a writer (a FIFO).
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_directory(path: str, create: bool = False, base: int | None = None) -> int:
    """A descriptor of the directory at ``path`` (absolute and already resolved; or, with
    ``base``, relative to that directory descriptor), reached through no symlink (``OSError``
    with ``ENOTDIR`` if one is met); with ``create``, missing directories are made on the way.
    The descriptor is the caller's to close (never ``base`` itself)."""
    if base is None and not os.path.isabs(path):
        raise ValueError(f"{path!r} is not an absolute path")
    parts = [p for p in path.split(os.sep) if p]
    if base is None:
        fd, owned = os.open(os.sep, _DIRECTORY), True
    elif not parts:
        return os.open(".", _DIRECTORY, dir_fd=base)
    else:
        fd, owned = base, False
    try:
        for part in parts:
            inner = _step(fd, part, create)
            if owned:
                os.close(fd)
            fd, owned = inner, True
    except BaseException:
        if owned:
            os.close(fd)
        raise
    return fd


def _step(directory: int, name: str, create: bool) -> int:
    """The folder ``name`` in ``directory``, not a symlink; made first if missing and ``create``."""
    try:
        return os.open(name, _DIRECTORY, dir_fd=directory)
    except FileNotFoundError:
        if not create:
            raise
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, dir_fd=directory)
    return os.open(name, _DIRECTORY, dir_fd=directory)


def open_nofollow(path: str, base: int | None = None) -> int:
    """A read-only descriptor of the file at ``path`` (as for ``open_directory``), reached
    through no symlink: ``OSError`` (``ELOOP`` for a link at the file, ``ENOTDIR`` for one
    on the way) if one is met. The descriptor is non-blocking: check with ``fstat`` that it
    is a regular file before reading."""
    folder, name = os.path.split(path)
    directory = open_directory(folder, base=base)
    try:
        return os.open(name, _FILE, dir_fd=directory)
    finally:
        os.close(directory)
