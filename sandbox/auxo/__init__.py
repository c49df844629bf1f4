"""The Auxo Workshop sandbox: the API this project defines for Auxo (docs/auxo-api.md), served from
file-backed state, with an admin surface to act as a person using Auxo (docs/sandboxes.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def credentials(state_dir: Path) -> dict[str, str]:
    """The API key of the sandbox in ``state_dir`` (initialising it when new)."""
    from sandbox.auxo.store import Store

    return {"api_key": Store(Path(state_dir)).api_key()}


def request_log(state_dir: Path) -> list[dict[str, Any]]:
    """Every API request recorded so far, oldest first (``GET /admin/requests`` in Python)."""
    from sandbox.auxo.store import Store

    return Store(Path(state_dir)).requests()


def clear_request_log(state_dir: Path) -> None:
    from sandbox.auxo.store import Store

    Store(Path(state_dir)).clear_requests()


def seed(state_dir: Path, payload: dict[str, Any]) -> dict[str, int]:
    """Seed records (``POST /admin/seed`` in Python); see ``sandbox.auxo.seeding.seed_records``."""
    from sandbox.auxo.seeding import seed_records
    from sandbox.auxo.store import Store

    return seed_records(Store(Path(state_dir)), payload)


def reset(state_dir: Path) -> None:
    """Back to an empty workshop (the API key stays)."""
    from sandbox.auxo.store import Store
    from sandbox.auxo.store import reset as reset_store

    reset_store(Store(Path(state_dir)))
