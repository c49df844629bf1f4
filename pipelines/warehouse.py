"""The one way into the DuckDB warehouse.

DuckDB lets one process at a time hold the file for writing, and a holder outside Dagster (a
notebook, the duckdb CLI) is invisible to Dagster's pools. :func:`connect` therefore retries while
another process holds the lock, and sets the session time zone to UTC so timestamps reach polars
and pandera as UTC. Every connection opens with the memory limit, thread count and spill folder of
:func:`settings.duckdb_config` (``AUXO_XERO_DUCKDB_*``). No connection is ever opened at import time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import settings

SCHEMAS = ("raw_auxo", "raw_xero", "staging", "plans", "sync", "recon")
LOCK_WAIT_SECONDS = 120.0


def is_lock_conflict(exc: BaseException) -> bool:
    """Another process holds the warehouse file (DuckDB's error, or a dlt step failure wrapping it)."""
    text = f"{exc} {exc!r}"
    return "Could not set lock" in text or "Conflicting lock" in text


@contextmanager
def connect(path: Path | None = None, *, read_only: bool = False,
            wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse (default: ``settings.warehouse_path()``), closed on exit."""
    path = Path(path) if path else settings.warehouse_path()
    config = _duckdb_config()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not is_lock_conflict(exc) or time.monotonic() >= deadline:
                if is_lock_conflict(exc):
                    raise RuntimeError(
                        f"the warehouse {path} is held by another process for longer than {wait_seconds:.0f} s "
                        "— close the other DuckDB session (notebook, duckdb CLI) and run again"
                    ) from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    try:
        con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        yield con
    finally:
        con.close()


def dlt_credentials(path: Path | None = None) -> Any:
    """Credentials for dlt's duckdb destination that open the warehouse with the same DuckDB settings.

    dlt opens its own connection; ``global_config`` is applied by dlt (``SET GLOBAL``) on each
    connection it opens, so a dlt load stays within the same memory limit and threads as
    :func:`connect`. Built when called (it reads the environment), never at import.
    """
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    return DuckDbCredentials(str(Path(path) if path else settings.warehouse_path()), global_config=_duckdb_config())


def _duckdb_config() -> dict[str, str | int]:
    """:func:`settings.duckdb_config`, with its spill folder created."""
    config = settings.duckdb_config()
    Path(str(config["temp_directory"])).mkdir(parents=True, exist_ok=True)
    return config


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The statements of a ``with`` block as one transaction: committed at its end, rolled back on an error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> tuple | None:
    """The first row of a query, with the result fully consumed.

    DuckDB 2.0 keeps a result open after ``execute(...).fetchone()`` and then refuses ``con.sql()``
    on that connection ("connection has an unfinished result"); ``fetchall`` closes it.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = fetch_one(con, "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                    [schema, table])
    return bool(row and row[0])


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """``frame`` queryable as ``name`` on ``con`` for the length of a ``with`` block."""
    con.register(name, frame)
    try:
        yield
    finally:
        con.unregister(name)
