"""A dataset version as one index file: a row per file with its path, size, checksum, label.

The index names every file by its pinned ``tb://`` URL (version resolved to a commit), so a
table built from it reads the same bytes whenever it is used. Rows are written as the
listing streams in: ``.jsonl`` (a JSON object per line, the label as JSON) or ``.parquet``
(needs pyarrow; the label as JSON text), never the whole listing in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import InvalidArgument
from .filesystem import TensorBayFileSystem
from .location import PROTOCOL, strip_protocol

#: Rows per Parquet row group.
BATCH = 10_000


def _rows(url: str, storage_options: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    fs = TensorBayFileSystem(**(storage_options or {}))
    for info in fs.iter_files(fs.pin(strip_protocol(url))):
        yield {
            "path": f"{PROTOCOL}://{info['name']}",
            "size": info["size"],
            "checksum": info["checksum"],
            "label": info["label"],
        }


def export_index(url: str, out_path: str, *, storage_options: dict[str, Any] | None = None) -> int:
    """Write the index of every file under ``url`` (a dataset, a segment or a folder of one)
    to ``out_path`` (``.jsonl`` or ``.parquet``); returns the number of rows."""
    if out_path.endswith(".jsonl"):
        return _write_jsonl(_rows(url, storage_options), out_path)
    if out_path.endswith(".parquet"):
        return _write_parquet(_rows(url, storage_options), out_path)
    raise InvalidArgument(f"cannot write an index to {out_path!r}: name it *.jsonl or *.parquet")


def _write_jsonl(rows: Iterator[dict[str, Any]], out_path: str) -> int:
    count = 0
    with open(out_path, "w", encoding="utf-8") as fp:
        for row in rows:
            fp.write(json.dumps(row, sort_keys=True) + "\n")
            count += 1
    return count


def _write_parquet(rows: Iterator[dict[str, Any]], out_path: str) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidArgument("writing a Parquet index needs pyarrow: pip install pyarrow") from None
    schema = pa.schema(
        [("path", pa.string()), ("size", pa.int64()), ("checksum", pa.string()), ("label", pa.string())]
    )
    count = 0
    with pq.ParquetWriter(out_path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append({**row, "label": json.dumps(row["label"], sort_keys=True)})
            if len(batch) == BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema))
                count, batch = count + len(batch), []
        if batch or not count:
            writer.write_table(pa.Table.from_pylist(batch, schema))
            count += len(batch)
    return count
