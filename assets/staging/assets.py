"""Staging assets: one per staged table, built together per system."""


import re
from collections.abc import Iterator

import dagster as dg
import duckdb
import pandera.errors

from assets.metadata import markdown_table
from assets.resources import WarehouseResource
from assets.staging.build import Staged, StagedTable, stage_incremental

WRITER_POOL = "duckdb_writer"
# a run with this tag set to "true" rebuilds every staging table from all of raw (``auxo-xero sync --restage``)
RESTAGE_TAG = "auxo-xero/restage"
_RAW_TABLE = re.compile(r"raw_(xero|auxo)\.(\w+)")


def _raw_deps(spec: StagedTable) -> list[dg.AssetKey]:
    keys = []
    for table in spec.sources.values():
        match = _RAW_TABLE.fullmatch(table)
        if match:
            system, name = match.groups()
            keys.append(dg.AssetKey(["raw", system, name.split("__")[0]]))
    return list(dict.fromkeys(keys))


def stage_checked(con: duckdb.DuckDBPyConnection, spec: StagedTable, *, rebuild: bool = False) -> Staged:
    """:func:`stage_incremental`, with raw data that breaks the staging contract reported as a step failure."""
    try:
        return stage_incremental(con, spec, rebuild=rebuild)
    except pandera.errors.SchemaErrors as exc:
        raise dg.Failure(
            description=f"staging.{spec.name}: {len(exc.failure_cases)} values break the staging "
                        "contract; the raw data from the API is not what the pipeline expects. "
                        "See the failure cases below; fix the source record or the staging spec.",
            metadata={"failure_cases": markdown_table(exc.failure_cases)},
        ) from exc
    except duckdb.ConversionException as exc:
        raw = ", ".join(spec.sources.values())
        first_line = str(exc).splitlines()[0]  # DuckDB adds the SQL line and a caret under it
        raise dg.Failure(
            description=f"staging.{spec.name}: a value from the API has the wrong type ({first_line}). The record is "
                        f"in {raw} as the API sent it; fix the source record or the staging spec, then run again.",
        ) from exc


def staging_assets(system: str, tables: tuple[StagedTable, ...]) -> dg.AssetsDefinition:
    """A multi-asset materialising ``staging.<table>`` for every table of ``system``."""
    by_key = {dg.AssetKey(["staging", spec.name]): spec for spec in tables}

    @dg.multi_asset(
        name=f"stage_{system}",
        specs=[dg.AssetSpec(key, deps=_raw_deps(spec), description=spec.description, group_name="staging",
                            kinds={"duckdb", "polars"}, skippable=True)
               for key, spec in by_key.items()],
        can_subset=True,
        pool=WRITER_POOL,
    )
    def _stage(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        rebuild = context.run.tags.get(RESTAGE_TAG, "").lower() == "true"
        with warehouse.connect() as con:
            for key in context.selected_asset_keys:
                spec = by_key[key]
                staged = stage_checked(con, spec, rebuild=rebuild)
                total = con.execute(f"SELECT count(*) FROM {spec.qualified}").fetchall()[0][0]
                yield dg.MaterializeResult(asset_key=key, metadata={
                    "dagster/row_count": total, "staged_rows": staged.rows, "rebuilt": staged.rebuilt, "why": staged.reason,
                    "table": f"staging.{spec.name}"})

    return _stage
