"""The organisations (tenants) a sandbox user can connect the app to.

The seeded organisation lives in the state folder itself. Further ones (``POST
/admin/organisations``) are real organisations too, each its own state folder under
``organisations/`` with its own books and tenant id, so an API call for one never sees the other's
documents; the identity (app, tokens, connections) stays in the main folder.
"""

from __future__ import annotations

import threading

from sandbox.xero import books
from sandbox.xero.store import Store, Tx

_META = "organisations"
_lock = threading.Lock()


def _extra(store: Store, tx: Tx | None = None) -> list[dict]:
    if tx is not None:  # inside a transaction of the main store (connections are per thread)
        return list(tx.meta_json(_META, []) or [])
    with store.read() as own:
        return list(own.meta_json(_META, []) or [])


def _name(store: Store, tx: Tx | None = None) -> str:
    if tx is not None:
        return str(books.organisation(tx)["Name"])
    with store.read() as own:
        return str(books.organisation(own)["Name"])


def listing(store: Store, tx: Tx | None = None) -> list[dict]:
    """``[{"tenant_id", "name"}]``, the seeded organisation first; ``tx``: an open transaction of ``store``."""
    main = {"tenant_id": store.credentials()["tenant_id"], "name": _name(store, tx)}
    return [main, *({"tenant_id": o["tenant_id"], "name": _name(store_for(store, o["tenant_id"], tx))}
                    for o in _extra(store, tx))]


def store_for(store: Store, tenant_id: str, tx: Tx | None = None) -> Store:
    """The store holding ``tenant_id``'s books (KeyError for an unknown tenant)."""
    from sandbox.xero.state import open_state

    if tenant_id.lower() == store.credentials()["tenant_id"].lower():
        return store
    for org in _extra(store, tx):
        if org["tenant_id"].lower() == tenant_id.lower():
            return open_state(store.state_dir / org["folder"])
    raise KeyError(tenant_id)


def add(store: Store, name: str) -> dict:
    """A further organisation with the demo chart of accounts, named ``name``."""
    from sandbox.xero.state import open_state

    with _lock:
        folder = f"organisations/{len(_extra(store)) + 2}"
        other = open_state(store.state_dir / folder)
        tenant_id = other.credentials()["tenant_id"]
        with other.write() as tx:
            org = books.organisation(tx)
            tx.put("Organisation", {**org, "Name": name, "LegalName": name})
        with store.write(documents=False) as tx:
            tx.set_meta_json(_META, [*(tx.meta_json(_META, []) or []), {"tenant_id": tenant_id, "folder": folder}])
    return {"tenant_id": tenant_id, "name": name}
