"""Where local state lives.

Everything the project keeps on disk sits under one data folder: the DuckDB warehouse, the
sandboxes' state, dlt's working state and the Dagster instance. It is ``.data/`` in the project
root unless ``AUXO_XERO_HOME`` points elsewhere. Paths are always absolute, so ``dagster dev``,
pytest and the CLI agree on the files whatever their working directory.

Nothing here opens a file or a connection: these are plain path computations, safe at import time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOME_ENV = "AUXO_XERO_HOME"


def data_home() -> Path:
    """The data folder: ``$AUXO_XERO_HOME`` or ``<project>/.data``, absolute."""
    raw = os.environ.get(HOME_ENV, "").strip()
    return Path(raw).expanduser().resolve() if raw else PROJECT_ROOT / ".data"


def warehouse_path() -> Path:
    """The DuckDB file holding ``raw_*``, ``staging``, ``plans``, ``sync`` and ``recon`` schemas."""
    override = os.environ.get("AUXO_XERO_WAREHOUSE", "").strip()
    return Path(override).expanduser().resolve() if override else data_home() / "warehouse.duckdb"


def sandbox_state_dir(system: str) -> Path:
    """State folder of the embedded sandbox for ``system`` ("xero" or "auxo")."""
    if system not in ("xero", "auxo"):
        raise ValueError(f"unknown sandbox {system!r}: expected 'xero' or 'auxo'")
    return data_home() / "sandbox" / system


def dlt_dir() -> Path:
    """dlt's working folder (pipeline state and load packages)."""
    return data_home() / "dlt"


def dagster_home() -> Path:
    """The persistent Dagster instance folder (``DAGSTER_HOME``)."""
    return data_home() / "dagster"


def webhook_events_path() -> Path:
    """The events Xero's webhooks delivered (``auxo-xero webhooks``): a SQLite file, not the warehouse."""
    return data_home() / "webhooks" / "xero-events.sqlite3"


def secrets_dir() -> Path:
    """Where rotated OAuth tokens are persisted (never committed, never logged)."""
    return data_home() / "secrets"


# DuckDB's resources. Sized for a 2-core, 4 GB worker: DuckDB's own default (80 % of RAM, one thread per
# core) would let one step take the worker's memory; with a limit it spills to the temp folder instead.
MEMORY_LIMIT_ENV = "AUXO_XERO_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "AUXO_XERO_DUCKDB_THREADS"
TEMP_DIR_ENV = "AUXO_XERO_DUCKDB_TEMP_DIR"
DEFAULT_MEMORY_LIMIT = "2GB"
DEFAULT_THREADS = 2
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


def duckdb_memory_limit() -> str:
    """DuckDB's ``memory_limit``: ``$AUXO_XERO_DUCKDB_MEMORY_LIMIT`` (e.g. ``2GB``, ``1536MB``), default 2GB."""
    raw = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_MEMORY_LIMIT
    match = _MEMORY.match(raw)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{MEMORY_LIMIT_ENV}={raw!r} is not a memory size: set it to a positive number with a "
                         "unit, e.g. 2GB or 1536MB, or unset it for the default 2GB")
    return f"{match.group(1)}{match.group(2).upper()}"


def duckdb_threads() -> int:
    """DuckDB's ``threads``: ``$AUXO_XERO_DUCKDB_THREADS``, a whole number of at least 1 (default 2)."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return DEFAULT_THREADS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{THREADS_ENV}={raw!r} is not a thread count: set it to a whole number of at least 1 "
                         f"(the worker's cores), or unset it for the default {DEFAULT_THREADS}")
    return int(raw)


def duckdb_temp_dir() -> Path:
    """Where DuckDB spills what exceeds its memory limit: ``$AUXO_XERO_DUCKDB_TEMP_DIR`` or ``<data>/duckdb-spill``."""
    raw = os.environ.get(TEMP_DIR_ENV, "").strip()
    if not raw:
        return data_home() / "duckdb-spill"
    path = Path(raw).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{TEMP_DIR_ENV}={raw!r} is a file, not a folder: point it at a folder DuckDB may spill "
                         "into, or unset it for <data folder>/duckdb-spill")
    return path


def duckdb_config() -> dict[str, str | int]:
    """The settings every DuckDB connection of the project opens with (validated; nothing is created here)."""
    return {"memory_limit": duckdb_memory_limit(), "threads": duckdb_threads(),
            "temp_directory": str(duckdb_temp_dir())}
