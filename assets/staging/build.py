"""Typing raw tables into staging tables, declaratively.

dlt lands what the APIs send, so a column exists only once some record carried it, and a whole
table only once some record arrived. A :class:`StagedTable` says which raw columns make which typed
staging column; :func:`staging_select` turns it into SQL that fills a missing raw column (or a
missing table) with typed NULLs, so staging always has the same shape for the plans and for
pandera to validate.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import duckdb
import pandera.polars as pa
import polars as pl

from pipelines.warehouse import transaction

_COLUMN_REF = re.compile(r"\{(\w+)\.(\w+)\}")

# the staging types, in DuckDB and in the pandera models
MONEY = "DECIMAL(18,2)"
QTY = "DECIMAL(18,4)"
TS = "TIMESTAMPTZ"
Money = pl.Decimal(18, 2)
Qty = pl.Decimal(18, 4)
Timestamp = pl.Datetime("us", "UTC")


class StagingModel(pa.DataFrameModel):
    """Staging tables have exactly the columns their spec selects."""

    class Config:
        strict = True


@dataclass(frozen=True)
class StagedTable:
    """One staging table.

    ``sources`` maps an alias to a raw table (``schema.table``); the first is the driving table and
    the others are joined with ``joins`` (SQL using the aliases). ``columns`` maps each staging
    column to ``(expression, duckdb type)``; in an expression ``{alias.column}`` names a raw column
    and becomes ``NULL`` when that raw column does not exist yet.
    """

    name: str
    sources: dict[str, str]
    columns: dict[str, tuple[str, str]]
    model: type[pa.DataFrameModel]
    joins: str = ""
    where: str = ""
    description: str = ""
    depends_on: tuple[str, ...] = field(default=())

    @property
    def qualified(self) -> str:
        return f"staging.{self.name}"


def _existing_columns(con: duckdb.DuckDBPyConnection, qualified: str) -> set[str] | None:
    schema, table = qualified.split(".", 1)
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {row[0] for row in rows} if rows else None


def staging_select(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> str:
    """The SELECT producing ``spec``'s rows from whatever raw tables and columns exist now."""
    available = {alias: _existing_columns(con, table) for alias, table in spec.sources.items()}
    driving = next(iter(spec.sources))

    missing_table = any(cols is None for cols in available.values())

    def resolve(expr: str) -> str:
        def replace(match: re.Match[str]) -> str:
            alias, column = match.group(1), match.group(2)
            cols = available.get(alias)
            present = not missing_table and cols is not None and column in cols
            return f'{alias}."{column}"' if present else "NULL"

        return _COLUMN_REF.sub(replace, expr)

    select = ",\n  ".join(f'CAST({resolve(expr)} AS {dtype}) AS "{name}"' for name, (expr, dtype) in spec.columns.items())
    if missing_table:
        # a raw table is missing: nothing has arrived yet, so staging is empty but typed
        return f"SELECT {select} FROM (SELECT 1) AS _none WHERE false"
    source = f"{spec.sources[driving]} AS {driving}"
    sql = f"SELECT\n  {select}\nFROM {source}"
    if spec.joins:
        sql += f"\n{resolve(spec.joins)}"
    if spec.where:
        sql += f"\nWHERE {resolve(spec.where)}"
    return sql


def stage(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> pl.DataFrame:
    """Build, validate (all failures at once) and replace ``staging.<name>``; the validated frame."""
    frame = con.sql(staging_select(con, spec)).pl()
    validated = spec.model.validate(frame, lazy=True)
    con.execute(f"CREATE OR REPLACE TABLE {spec.qualified} AS SELECT * FROM validated")
    return validated


# --- incremental staging -------------------------------------------------------------------------
# A run stages only the root records its extraction loaded. dlt merges the incremental collections
# on their primary key: a changed root row is re-inserted stamped with the new ``_dlt_load_id`` and
# its child rows (``parent__child``, which carry no load id) are replaced. Every staging spec is one
# root raw table, optionally joined with its own child tables, so the root keys of the root rows in
# loads newer than the table's watermark are exactly the staging rows that may have changed: they
# are deleted from the staging table and the select restricted to those root rows (joins included:
# their current children) is validated and inserted. Voids and deletions are rows with a status in
# both systems (Auxo ``status = void | deleted``, Xero ``VOIDED | DELETED``), so they merge like any edit.
# ``staging._state`` keeps per table the fingerprint of its definition and ``staging._absorbed`` the
# load ids whose root rows it holds (a set, not a watermark: not every load id is dlt's timestamp,
# e.g. the benchmark's direct loads).
# A table is rebuilt when it is missing, its fingerprint differs (the spec, the model, or the raw
# columns it resolves against changed), its root raw table is replaced on every load (dlt
# ``replace``: Xero's accounts, tax rates, ... and Auxo's single records; all small), or a rebuild
# is asked for (``auxo-xero sync --restage``, run tag ``auxo-xero/restage``).

STATE_TABLE = "staging._state"
ABSORBED_TABLE = "staging._absorbed"


def root_alias(spec: StagedTable) -> str:
    """The alias of the root raw table (the one that is not a dlt child table ``parent__child``)."""
    roots = [alias for alias, table in spec.sources.items() if "__" not in table.split(".", 1)[1]]
    if len(roots) != 1:
        raise ValueError(f"staging.{spec.name}: expected one root raw table among {spec.sources}, found {roots}; "
                         "incremental staging needs it (fix the spec in assets/staging/)")
    return roots[0]


def root_key(spec: StagedTable) -> tuple[str, ...]:
    """The staging columns carrying the root record's merge key: ``(connection_id, <record id>)``."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    from pipelines.xero.settings import RESOURCES as XERO

    alias = root_alias(spec)
    schema, table = spec.sources[alias].split(".", 1)
    column = NamingConvention().normalize_identifier  # dlt's own names for the raw columns
    pk = next((column(r.primary_key) for r in XERO if r.name == table), None) if schema == "raw_xero" else "id"
    wanted = {f"{{{alias}.connection_id}}", f"{{{alias}.{pk}}}"}
    return tuple(name for name, (expr, _) in spec.columns.items() if expr.strip() in wanted)


def fingerprint(select: str, spec: StagedTable) -> str:
    """sha256 of the generated SQL (``select``, :func:`staging_select`) and of the model's columns and checks."""
    schema = spec.model.to_schema()
    parts = [select]
    for name, column in schema.columns.items():
        parts.append(f"{name}|{column.dtype}|{column.nullable}|{column.unique}|{[str(c) for c in column.checks]}")
    parts.append(str([str(c) for c in schema.checks]) + str(getattr(schema, "unique", None)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _state(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> str | None:
    """The fingerprint ``staging.<name>`` was built with, or None when it has no state."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (table_name VARCHAR PRIMARY KEY, fingerprint VARCHAR, "
                "staged_at TIMESTAMPTZ)")
    con.execute(f"CREATE TABLE IF NOT EXISTS {ABSORBED_TABLE} (table_name VARCHAR, load_id VARCHAR)")
    rows = con.execute(f"SELECT fingerprint FROM {STATE_TABLE} WHERE table_name = ?", [spec.name]).fetchall()
    return rows[0][0] if rows else None


def _new_loads(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> str:
    """SQL: the root table's load ids not absorbed yet (dlt's load ids, or any other a direct load used)."""
    root = root_alias(spec)
    return (f"(SELECT DISTINCT _dlt_load_id FROM {spec.sources[root]} WHERE _dlt_load_id NOT IN "
            f"(SELECT load_id FROM {ABSORBED_TABLE} WHERE table_name = '{spec.name}'))")


def _save_state(con: duckdb.DuckDBPyConnection, spec: StagedTable, print_: str, loads: list[str],
                *, rebuilt: bool) -> None:
    con.execute(f"INSERT OR REPLACE INTO {STATE_TABLE} VALUES (?, ?, now())", [spec.name, print_])
    if rebuilt:
        con.execute(f"DELETE FROM {ABSORBED_TABLE} WHERE table_name = ?", [spec.name])
    if loads:
        con.executemany(f"INSERT INTO {ABSORBED_TABLE} VALUES (?, ?)", [[spec.name, load] for load in loads])


def _loads_present(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> list[str]:
    raw = spec.sources[root_alias(spec)]
    if _existing_columns(con, raw) is None:
        return []
    return [row[0] for row in con.execute(f"SELECT DISTINCT _dlt_load_id FROM {raw}").fetchall()]


def replaced_on_every_load(spec: StagedTable) -> bool:
    """Whether the root raw table is loaded with dlt ``replace`` (rows that vanish leave no trace)."""
    from pipelines.auxo.settings import RESOURCES as AUXO
    from pipelines.xero.settings import RESOURCES as XERO

    replaced = ({f"raw_auxo.{r.name}" for r in AUXO if r.single}
                | {f"raw_xero.{r.name}" for r in XERO if not r.incremental})
    return spec.sources[root_alias(spec)] in replaced


@dataclass(frozen=True)
class Staged:
    """What :func:`stage_incremental` did: ``rebuilt`` or merged, and the rows it validated and wrote."""

    rows: int
    rebuilt: bool
    reason: str


def _rebuild_reason(con: duckdb.DuckDBPyConnection, spec: StagedTable, state: str | None, print_: str,
                    rebuild: bool) -> str | None:
    if rebuild:
        return "asked"
    if _existing_columns(con, spec.qualified) is None or state is None:
        return "missing"
    if state != print_:
        return "definition changed"
    if replaced_on_every_load(spec):
        return "raw table replaced on every load"
    if len(root_key(spec)) != 2:  # (connection_id, record id)
        return "no record key"
    return None


def stage_incremental(con: duckdb.DuckDBPyConnection, spec: StagedTable, *, rebuild: bool = False) -> Staged:
    """Merge into ``staging.<name>`` the root records of the loads it has not absorbed yet (validated).

    Rebuilds (as :func:`stage`) when asked, when the table or its state is missing, when its
    fingerprint changed, or when its root raw table is replaced on every load.
    """
    state = _state(con, spec)
    select = staging_select(con, spec)
    print_ = fingerprint(select, spec)
    reason = _rebuild_reason(con, spec, state, print_, rebuild)
    if reason is not None:
        with transaction(con):
            frame = stage(con, spec)
            _save_state(con, spec, print_, _loads_present(con, spec), rebuilt=True)
        return Staged(frame.height, rebuilt=True, reason=reason)
    if "WHERE false" in select:  # a raw table is missing: nothing to merge
        return Staged(0, rebuilt=False, reason="no new load")
    loads = [row[0] for row in con.execute(_new_loads(con, spec)).fetchall()]
    if not loads:
        return Staged(0, rebuilt=False, reason="no new load")
    root = root_alias(spec)
    listed = ", ".join("'" + load.replace("'", "''") + "'" for load in loads)
    new_roots = f"{root}._dlt_load_id IN ({listed})"
    sql = f"{select}\n{'AND' if spec.where else 'WHERE'} {new_roots}"
    validated = spec.model.validate(con.sql(sql).pl(), lazy=True)
    keys = root_key(spec)
    changed = con.sql(f"SELECT DISTINCT {', '.join(_key_exprs(spec, keys))} FROM {spec.sources[root]} AS {root} "
                      f"WHERE {new_roots}").pl()
    key_cols = ", ".join(f'"{k}"' for k in keys)
    with transaction(con):
        con.execute(f"DELETE FROM {spec.qualified} WHERE ({key_cols}) IN (SELECT ({key_cols}) FROM changed)")
        con.execute(f"INSERT INTO {spec.qualified} BY NAME SELECT * FROM validated")
        _save_state(con, spec, print_, loads, rebuilt=False)
    return Staged(validated.height, rebuilt=False, reason=f"{changed.height} records changed")


def _key_exprs(spec: StagedTable, keys: tuple[str, ...]) -> list[str]:
    """The root key columns as selected from the root raw table alone."""
    def raw(match: re.Match[str]) -> str:
        return f'{match.group(1)}."{match.group(2)}"'

    return [f'CAST({_COLUMN_REF.sub(raw, spec.columns[k][0])} AS {spec.columns[k][1]}) AS "{k}"' for k in keys]
