"""Where local state lives.

Everything the project keeps on disk sits under one data folder: the DuckDB warehouse, the
sandboxes' state, dlt's working state and the Dagster instance. It is ``.data/`` in the project
root unless ``AUXO_XERO_HOME`` points elsewhere. Paths are always absolute, so ``dagster dev``,
pytest and the CLI agree on the files whatever their working directory.

Nothing here opens a file or a connection: these are plain path computations, safe at import time.
"""

from __future__ import annotations

import os
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


def secrets_dir() -> Path:
    """Where rotated OAuth tokens are persisted (never committed, never logged)."""
    return data_home() / "secrets"
