"""Opening a state folder: create the schema, credentials and demo organisation exactly once.

Several processes may open a new folder at the same moment (a served copy, Dagster workers,
tests), so initialisation runs under an exclusive file lock and checks a marker inside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path

from sandbox.xero import jsonio, webhooks
from sandbox.xero.seed_org import new_credentials, seed_demo_organisation
from sandbox.xero.store import Store, Tx

SCHEMA_VERSION = "1"
_lock = threading.Lock()
_stores: dict[Path, Store] = {}

DEFAULT_CONFIG = {
    "rate_limits": {"enabled": False, "tier": "standard", "concurrent": 5, "per_minute": 60, "per_day": 5000,
                    "app_per_minute": 10000},
    "idempotency_ttl_seconds": 360,
    # the sandbox's one Xero app, as registered in the developer portal (identity.app_config)
    "app": {
        "name": "Auxo Xero Sync",
        "created": None,  # YYYY-MM-DD; None = today on the sandbox clock (a new app: granular scopes only)
        "redirect_uris": ["http://localhost/callback", "http://127.0.0.1/callback"],  # loopback: any port
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "scopes": None,  # a Custom Connection's scopes; None = every accounting scope the app's age allows
        "auto_approve": False,  # True: /identity/connect/authorize consents at once, to every organisation
    },
}


@contextlib.contextmanager
def _file_lock(state_dir: Path) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "init.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_state(state_dir: Path) -> Store:
    """The store of ``state_dir``, initialised on first use (once per process and folder)."""
    key = Path(state_dir).resolve()
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = Store(key, on_new_file=_initialise)
            _initialise(store)
            _stores[key] = store
        return store


def forget() -> None:
    """Drop cached stores (tests that delete a state folder)."""
    with _lock:
        _stores.clear()


def _initialise(store: Store) -> None:
    with store.initialising(), _file_lock(store.state_dir):
        store.create_schema()
        with store.write() as tx:
            if tx.meta("schema_version") == SCHEMA_VERSION:
                return
            creds = new_credentials()
            for key, value in creds.items():
                tx.set_meta(key, value)
            tx.set_meta("config", jsonio.dumps(DEFAULT_CONFIG))
            seed_demo_organisation(tx, creds["tenant_id"])
            tx.set_meta("schema_version", SCHEMA_VERSION)


def reset(store: Store) -> None:
    """Back to a freshly seeded demo organisation; credentials and refresh tokens survive, so
    connected clients keep working."""
    with store.write() as tx:
        app = read_config(tx)["app"]  # the app's registration survives, like its credentials
        for table in ("docs", "idempotency", "request_log", "rate_calls"):
            tx.conn.execute(f"DELETE FROM {table}")
        webhooks.on_reset(tx)
        # a reset is a new organisation: its clock and its timestamps start again from real time
        tx.conn.execute(
            "DELETE FROM meta WHERE key IN ('clock', 'config', 'last_write_ms') OR key LIKE 'next_number:%'")
        tx.set_meta("config", jsonio.dumps({**DEFAULT_CONFIG, "app": app}))
        seed_demo_organisation(tx, str(tx.meta("tenant_id")))


def config(store: Store) -> dict:
    with store.read() as tx:
        return read_config(tx)


def read_config(tx: Tx) -> dict:
    stored = tx.meta_json("config", {}) or {}
    merged = {**DEFAULT_CONFIG, **stored}
    merged["rate_limits"] = {**DEFAULT_CONFIG["rate_limits"], **(stored.get("rate_limits") or {})}
    merged["app"] = {**DEFAULT_CONFIG["app"], **(stored.get("app") or {})}
    return merged
