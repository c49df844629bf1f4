"""A generated workshop's Auxo records straight into ``raw_auxo.*``, in dlt's own layout.

Extracting a year of a ``large`` workshop through the Auxo API and dlt takes over an hour (dlt
normalises about 1,500 records a second here, and the year holds 7M records with 11M lines), so
the benchmarks load the history the way dlt would have left it, without the API:

- the records are the generator's own Auxo API bodies (``sandbox.generator.auxo_records``: the JSON
  the Auxo sandbox stores and serves), decoded with polars;
- each resource becomes ``raw_auxo.<resource>`` with nested objects flattened as ``a__b`` and
  lists of objects as child tables ``raw_auxo.<resource>__<field>`` carrying ``_dlt_id``,
  ``_dlt_parent_id``, ``_dlt_root_id`` and ``_dlt_list_idx``; all-null fields are left out and ISO
  timestamps typed ``TIMESTAMPTZ``, as dlt does; every row gets ``connection_id``;
- the project's own staging specs then build ``staging.*`` from these tables (``stage_all``).

``tests``-grade proof that it matches: :func:`compare_with_extraction` (run by ``python -m bench
--only loader``) stages a ``demo`` workshop both ways — through the real API + dlt extraction and
through this loader — and compares every staging table row for row.

After the bulk load, :func:`prime_auxo_cursor` runs the project's real dlt source once over the
singletons and the newest record of each resource, so dlt's incremental cursors stand where a
nightly run would have left them and the next real extraction reads only what changed since.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sandbox.generator import auxo_records
from sandbox.generator.workshop import Workshop

LOAD_ID = "bench-direct-load"
CHUNK = 100_000
_ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_FRAMES = {"invoices": "invoices", "payments": "payments", "jobs": "jobs", "part-cost-history": "cost_history",
           "purchase-orders": "orders"}


def _chunks(workshop: Workshop, resource: str) -> Iterator[Workshop]:
    """The workshop with the resource's frame cut in slices (its lines with it), to keep memory flat."""
    from dataclasses import replace

    frame_name = _FRAMES.get(resource)
    if frame_name is None:
        yield workshop
        return
    frame = getattr(workshop, frame_name)
    for start in range(0, max(frame.height, 1), CHUNK):
        part = frame.slice(start, CHUNK)
        changes: dict[str, Any] = {frame_name: part}
        if resource == "invoices":
            changes["lines"] = workshop.lines.filter(pl.col("invoice_idx").is_between(start, start + CHUNK - 1))
        elif resource == "purchase-orders":
            changes["order_lines"] = workshop.order_lines.filter(pl.col("order_idx").is_between(
                part["idx"].min(), part["idx"].max()))
        yield replace(workshop, **changes)


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """dlt's type detection on what the JSON gave: ISO timestamps become timestamps; nulls go."""
    keep = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Null or frame[name].null_count() == frame.height:
            continue
        column = pl.col(name)
        if dtype == pl.String:
            sample = frame[name].drop_nulls().head(1)
            if sample.len() and _ISO_TS.match(sample[0]):
                column = column.str.to_datetime(time_zone="UTC", time_unit="us")
        keep.append(column)
    return frame.select(keep)


def flatten(rows: pl.DataFrame, table: str, ids: pl.Series, root_ids: pl.Series | None = None,
            level: int = 0) -> dict[str, pl.DataFrame]:
    """``{table name: frame}`` for ``rows`` (decoded records) and their nested lists, dlt-style."""
    scalars: dict[str, pl.Series] = {}
    children: dict[str, pl.DataFrame] = {}

    def take(prefix: str, column: pl.Series) -> None:
        if isinstance(column.dtype, pl.Struct):
            for field in column.struct.fields:
                take(f"{prefix}__{field}", column.struct.field(field))
        elif isinstance(column.dtype, pl.List):
            inner = column.dtype.inner
            if inner == pl.Null or column.list.len().sum() == 0:
                return
            children[prefix] = column.to_frame("item")
        else:
            scalars[prefix] = column

    for name in rows.columns:
        take(name, rows[name])
    own = _typed(pl.DataFrame(scalars)).with_columns(_dlt_id=ids)
    if root_ids is not None:
        own = own.with_columns(_dlt_root_id=root_ids)
    tables = {table: own}
    for field, frame in children.items():
        exploded = (frame.with_columns(_dlt_parent_id=ids, _dlt_root_id=root_ids if root_ids is not None else ids)
                    .with_row_index("_parent_row").explode("item").drop_nulls("item")
                    .with_columns(_dlt_list_idx=pl.int_range(pl.len()).over("_parent_row").cast(pl.Int64)))
        child_ids = pl.Series(f"{table}__{field}-" + pl.Series(range(exploded.height)).cast(pl.String)
                              + "-" + exploded["_dlt_parent_id"]) if exploded.height else pl.Series([], dtype=pl.String)
        item = exploded["item"]
        decoded = item.struct.unnest() if isinstance(item.dtype, pl.Struct) else item.to_frame("value")
        nested = flatten(decoded, f"{table}__{field}", child_ids, exploded["_dlt_root_id"], level + 1)
        first = nested[f"{table}__{field}"].with_columns(_dlt_parent_id=exploded["_dlt_parent_id"],
                                                         _dlt_list_idx=exploded["_dlt_list_idx"])
        tables.update(nested)
        tables[f"{table}__{field}"] = first
    return tables


def append_frame(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame) -> None:
    qualified = f'{schema}."{table}"'
    existing = {row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table]).fetchall()}
    con.register("bench_frame", frame)
    try:
        if not existing:
            con.execute(f"create table {qualified} as select * from bench_frame")
            return
        for name, dtype in con.execute("select column_name, column_type from (describe select * from bench_frame)"
                                       ).fetchall():
            if name not in existing:
                con.execute(f'alter table {qualified} add column "{name}" {dtype}')
        con.execute(f"insert into {qualified} by name select * from bench_frame")
    finally:
        con.unregister("bench_frame")


def load_auxo_raw(con: duckdb.DuckDBPyConnection, workshop: Workshop, connection_id: str = "default", *,
                  before: datetime | None = None, after: datetime | None = None) -> dict[str, int]:
    """Append the workshop's Auxo records (``updated_at`` in ``[after, before)``) to ``raw_auxo.*``.

    Returns the records loaded per raw table (nested tables included)."""
    import uuid

    con.execute("create schema if not exists raw_auxo")
    batch = uuid.uuid4().hex[:8]  # row ids unique across loads into the same tables
    counts: dict[str, int] = {}
    for resource, build in auxo_records.RESOURCE_BUILDERS.items():
        table = resource.replace("-", "_")
        for number, chunk in enumerate(_chunks(workshop, resource)):
            records = build(chunk)
            if records.is_empty():
                continue
            stamps = records["updated_at"].str.to_datetime(time_zone="UTC", time_unit="us")
            keep = pl.lit(True)
            if before is not None:
                keep = keep & (stamps < before)
            if after is not None:
                keep = keep & (stamps >= after)
            records = records.filter(keep) if (before or after) else records
            if records.is_empty():
                continue
            decoded = records["body"].str.json_decode(infer_schema_length=None).struct.unnest()
            ids = pl.Series(f"{table}-{batch}-{number}-" + pl.Series(range(records.height)).cast(pl.String))
            for name, frame in flatten(decoded, table, ids).items():
                if name == table:
                    frame = frame.with_columns(connection_id=pl.lit(connection_id), _dlt_load_id=pl.lit(LOAD_ID))
                append_frame(con, "raw_auxo", name, frame)
                counts[name] = counts.get(name, 0) + frame.height
            del records, decoded
    return counts


def stage_all(con: duckdb.DuckDBPyConnection, systems: tuple[str, ...] = ("auxo", "xero")) -> dict[str, float]:
    """Build every staging table of ``systems`` with the project's specs (validated); seconds per table."""
    import time

    from assets.staging.auxo import AUXO_STAGING
    from assets.staging.build import stage
    from assets.staging.xero import XERO_STAGING

    con.execute("create schema if not exists staging")
    seconds = {}
    for spec in (*(AUXO_STAGING if "auxo" in systems else ()), *(XERO_STAGING if "xero" in systems else ())):
        started = time.perf_counter()
        stage(con, spec)
        seconds[spec.name] = time.perf_counter() - started
    return seconds


class _NewestRecords:
    """Stands in for ``AuxoClient`` in one priming run: the singletons, and per resource the newest
    record before the cut-off (the one a nightly run would have read last)."""

    def __init__(self, singletons: dict[str, dict], newest: dict[str, list[dict]]) -> None:
        self.singletons = singletons
        self.newest = newest

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.singletons[path]

    def pages(self, resource: str, *, updated_since: datetime | None = None, **_: Any) -> Iterator[list[dict]]:
        if self.newest.get(resource):
            yield self.newest[resource]

    def close(self) -> None:
        pass


def newest_records(workshop: Workshop, before: datetime) -> dict[str, list[dict]]:
    """Per Auxo resource, the newest record (API body) with ``updated_at`` before ``before``."""
    import json

    newest: dict[str, list[dict]] = {}
    for resource, build in auxo_records.RESOURCE_BUILDERS.items():
        best: tuple[datetime, str] | None = None
        for chunk in _chunks(workshop, resource):
            records = build(chunk)
            if records.is_empty():
                continue
            stamps = records.with_columns(
                ts=pl.col("updated_at").str.to_datetime(time_zone="UTC", time_unit="us")).filter(pl.col("ts") < before)
            if stamps.is_empty():
                continue
            row = stamps.sort("ts").row(-1, named=True)
            if best is None or row["ts"] > best[0]:
                best = (row["ts"], row["body"])
        if best is not None:
            newest[resource] = [json.loads(best[1])]
    return newest


def prime_auxo_cursor(workshop: Workshop, before: datetime, connection_id: str = "default") -> None:
    """Run the project's dlt Auxo source once over the singletons and the newest record of each
    resource before ``before``: dlt's tables, schema and incremental cursors then stand where a
    nightly run would have left them (the bulk of the history is loaded by :func:`load_auxo_raw`)."""
    from assets.extract import load
    from pipelines.auxo.source import auxo_source

    stub = _NewestRecords(auxo_records.singletons(workshop), newest_records(workshop, before))
    load("auxo", auxo_source(lambda: stub, connection_id))  # type: ignore[arg-type, return-value]


def compare_with_extraction(home: Path, profile: str = "demo") -> dict[str, Any]:
    """Stage ``profile``'s Auxo records both ways — the real API + dlt extraction, and
    :func:`load_auxo_raw` — and compare every Auxo staging table row for row."""
    import os

    os.environ["AUXO_XERO_HOME"] = str(home)
    from assets.extract import load
    from assets.resources import build_auxo_client
    from assets.staging.auxo import AUXO_STAGING
    from pipelines import settings, warehouse
    from pipelines.auxo.source import auxo_source
    from sandbox.embedded import forget_apps
    from sandbox.generator import generate, seed_auxo

    forget_apps()
    workshop = generate(profile, 42)
    seed_auxo(workshop, settings.sandbox_state_dir("auxo"))
    client = build_auxo_client()
    load("auxo", auxo_source(lambda: client))
    client.close()
    direct = home / "direct.duckdb"
    differences: dict[str, str] = {}
    with warehouse.connect() as extracted, warehouse.connect(direct) as loaded:
        stage_all(extracted, ("auxo",))
        load_auxo_raw(loaded, workshop)
        loaded.execute("create schema if not exists raw_auxo")
        for table in ("account", "sync_settings", "sync_settings__history"):  # singletons: from the extraction
            frame = extracted.sql(f"select * from raw_auxo.{table}").pl()  # noqa: F841 - read by DuckDB
            loaded.execute(f"create table raw_auxo.{table} as select * from frame")
        stage_all(loaded, ("auxo",))
        for spec in AUXO_STAGING:
            a = extracted.sql(f"select * from staging.{spec.name}").pl()
            b = loaded.sql(f"select * from staging.{spec.name}").pl()
            if a.height != b.height or not a.sort(a.columns).equals(b.sort(b.columns)):
                differences[spec.name] = f"{a.height} rows extracted, {b.height} loaded directly"
    forget_apps()
    return {"profile": profile, "tables": len(AUXO_STAGING), "differences": differences}
