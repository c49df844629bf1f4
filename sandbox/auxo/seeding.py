"""Filling the sandbox with a workshop's records (the generator's way in, and ``POST /admin/seed``).

Seeded records are stored as given — ids, timestamps, totals and all — because they stand for
history that already happened in Auxo. Only the bookkeeping moves: the last timestamp handed out
(so later writes stay strictly increasing) and the number sequences (so the next invoice number a
person creates follows the seeded ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sandbox.auxo.store import RESOURCES, SINGLETONS, Store, canonical_timestamp, dumps, row_columns

NUMBERED = ("invoices", "invoice-credits", "purchase-orders", "jobs", "stock-adjustments")

SeedRow = Sequence[Any]  # (id, updated_at, ref, natural_key, body json)


def seed_rows(store: Store, resource: str, rows: Iterable[SeedRow]) -> int:
    """The fast path: rows already serialised (the generator builds them column-wise)."""
    count = store.seed_rows(resource, rows)
    finish_seeding(store, resource)
    return count


def finish_seeding(store: Store, resource: str) -> None:
    """After seeding ``resource``: its number sequence continues after the highest seeded number."""
    if resource in NUMBERED:
        _advance_sequence(store, resource)


def seed_records(store: Store, payload: dict[str, Any]) -> dict[str, int]:
    """Seed from ``{"account": {...}, "sync-settings": {...}, "<resource>": [record, ...]}``.

    Singletons are merged into the current ones; records must carry ``id`` and ``updated_at``
    (``created_at`` defaults to it).
    """
    unknown = set(payload) - set(RESOURCES) - set(SINGLETONS)
    if unknown:
        raise ValueError(f"unknown resources: {', '.join(sorted(unknown))}")
    counts: dict[str, int] = {}
    for resource in SINGLETONS:
        if resource in payload:
            current = store.get(resource, resource) or {}
            record = {**current, **payload[resource]}
            record["updated_at"] = canonical_timestamp(record.get("updated_at") or current["updated_at"])
            counts[resource] = seed_rows(store, resource, [(resource, record["updated_at"], None, None, dumps(record))])
    for resource in RESOURCES:
        records = payload.get(resource)
        if not records:
            continue
        rows = []
        for record in records:
            stamp = canonical_timestamp(record["updated_at"])
            record = {**record, "updated_at": stamp, "created_at": record.get("created_at") or stamp}
            ref, key = row_columns(resource, record)
            rows.append((record["id"], stamp, ref, key, dumps(record)))
        counts[resource] = seed_rows(store, resource, rows)
    return counts


def _advance_sequence(store: Store, resource: str) -> None:
    """Move the resource's number sequence past the highest seeded number."""
    rows = store.connection().execute(
        "SELECT max(CAST(ltrim(substr(natural_key, length(rtrim(natural_key, '0123456789')) + 1), '0') AS INTEGER)) "
        "FROM records WHERE resource = ?", (resource,)).fetchone()
    highest = int(rows[0] or 0)
    with store.transaction() as tx:
        if highest > int(tx.meta(f"seq:{resource}") or 0):
            tx.set_meta(f"seq:{resource}", str(highest))
