"""Output a person reads, and JSON a program reads.

Columns are aligned, sizes human with ``-l``; colour comes from ``click.style``, which
``click.echo`` strips when the output is not a terminal, so pipes and files get plain text.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import click

_UNITS = ("B", "K", "M", "G", "T", "P")


def json_option(function: click.decorators.FC) -> click.decorators.FC:
    """``--json``: a listing as JSON instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")(function)


def echo_json(value: Any) -> None:
    """One JSON document on stdout."""
    click.echo(json.dumps(value, indent=2, sort_keys=True))


def human_size(size: int) -> str:
    """``1234567`` -> ``1.2M``, as ``ls -lh`` writes it."""
    value = float(size)
    for unit in _UNITS[:-1]:
        if value < 1024:
            return f"{int(value)}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}{_UNITS[-1]}"


def file_count(count: int) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} file" if count == 1 else f"{count} files"


def when(timestamp: float) -> str:
    """A timestamp in local time, to the second."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def table(rows: Sequence[Sequence[str]], colours: Sequence[str | None] = ()) -> None:
    """Rows with aligned columns (the last column is not padded); ``colours`` per column."""
    if not rows:
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            padded = cell if i == len(row) - 1 else cell.ljust(widths[i])
            colour = colours[i] if i < len(colours) else None
            cells.append(click.style(padded, fg=colour) if colour else padded)
        click.echo("  ".join(cells).rstrip())
