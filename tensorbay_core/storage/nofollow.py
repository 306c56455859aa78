"""Opening a resolved path without following any symlink on the way.

A path is resolved (``os.path.realpath``) and checked to lie inside a root, then opened. In
between, a directory on it can be swapped for a symlink that leads elsewhere; a plain
``open`` would follow it. ``open_nofollow`` walks the path from ``/`` one component at a
time with ``O_NOFOLLOW``: the resolved path holds no symlink, so meeting one means it was
swapped in, and the open fails with ``ELOOP``.
"""

from __future__ import annotations

import os

#: How each directory on the way is opened: only to look up the next name in it.
_DIRECTORY = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
#: The file itself: never through a symlink; never waiting for a writer (a FIFO).
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_nofollow(real_path: str) -> int:
    """A read-only descriptor of ``real_path`` (absolute, already resolved); ``OSError``
    (``ELOOP``) if a symlink is met anywhere on it. The descriptor is non-blocking:
    check with ``fstat`` that it is a regular file before reading."""
    if not os.path.isabs(real_path):
        raise ValueError(f"{real_path!r} is not an absolute path")
    *directories, name = [part for part in real_path.split(os.sep) if part]
    fd = os.open(os.sep, _DIRECTORY)
    try:
        for directory in directories:
            inner = os.open(directory, _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(name, _FILE, dir_fd=fd)
    finally:
        os.close(fd)
