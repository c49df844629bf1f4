"""Seeding both sandboxes from one generated workshop, and the one-call entry point for the CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from sandbox.auxo.seeding import finish_seeding, seed_records
from sandbox.auxo.store import Store, reset
from sandbox.generator import auxo_records
from sandbox.generator.profiles import get_profile, with_synced_days
from sandbox.generator.workshop import Workshop, generate

CHUNK = 100_000  # records serialised and written at a time (keeps memory flat at the large profile)


def _chunks(workshop: Workshop, resource: str) -> Iterator[Workshop]:
    """The workshop with the resource's own frame cut into slices (and its lines with it)."""
    frame_name = {"invoices": "invoices", "payments": "payments", "jobs": "jobs", "part-cost-history": "cost_history",
                  "purchase-orders": "orders"}.get(resource)
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


def seed_auxo(workshop: Workshop, state_dir: Path) -> dict[str, int]:
    """Replace the Auxo sandbox's workshop in ``state_dir`` with ``workshop``'s records."""
    store = Store(Path(state_dir))
    reset(store)
    counts = seed_records(store, auxo_records.singletons(workshop))
    with store.bulk_load():
        for resource, build in auxo_records.RESOURCE_BUILDERS.items():
            counts[resource] = sum(store.seed_rows(resource, build(chunk).iter_rows())
                                   for chunk in _chunks(workshop, resource))
    for resource in auxo_records.RESOURCE_BUILDERS:
        finish_seeding(store, resource)
    store.close()
    return counts


def seed_xero(workshop: Workshop, state_dir: Path) -> dict[str, Any]:
    """Replace the Xero sandbox's books in ``state_dir`` with the organisation as the integration
    left it: the seed payload, the period lock date, then the later Xero-side actions, each at its
    own moment on the sandbox clock (through the admin surface, as a person in Xero would)."""
    import httpx

    import sandbox.xero
    from sandbox.embedded import transport
    from sandbox.generator.xero_payloads import later_actions, organisation_settings, xero_payload

    state_dir = Path(state_dir)
    sandbox.xero.reset(state_dir)
    counts = sandbox.xero.seed(state_dir, xero_payload(workshop))
    with httpx.Client(transport=transport("xero", state_dir), base_url="http://xero.sandbox/admin") as admin:
        _ok(admin.put("/organisation", json=organisation_settings(workshop)))
        for moment, action, body in later_actions(workshop):
            _ok(admin.put("/clock", json={"set": moment, "freeze": True}))
            _ok(admin.post(f"/actions/{action}", json=body))
        _ok(admin.put("/clock", json={"reset": True}))
    return counts


def _ok(response: Any) -> None:
    if response.status_code >= 300:
        raise RuntimeError(f"Xero sandbox refused {response.request.method} {response.request.url.path}: "
                           f"{response.text[:500]}")


def seed_sandboxes(workshop: Workshop, xero_state_dir: Path, auxo_state_dir: Path) -> dict[str, Any]:
    """Seed both sandboxes consistently from one workshop; returns counts and seconds taken."""
    started = time.perf_counter()
    auxo = seed_auxo(workshop, auxo_state_dir)
    auxo_seconds = time.perf_counter() - started
    xero = seed_xero(workshop, xero_state_dir)
    return {"auxo": auxo, "xero": xero, "auxo_seconds": round(auxo_seconds, 2),
            "xero_seconds": round(time.perf_counter() - started - auxo_seconds, 2)}


def seed(profile: str, seed: int, end_date: date | None, xero_state: Path, auxo_state: Path,
         expected_dir: Path | None, *, synced_days: int | None = None) -> dict[str, Any]:
    """Generate ``profile`` with ``seed`` up to ``end_date`` (``synced_days`` already synced, or the
    profile's own number), seed both sandboxes, and write the expected outcome of a correct sync to
    ``expected_dir`` (when given). What the CLI calls."""
    from sandbox.generator.expected import write_expected

    chosen = get_profile(profile)
    if synced_days is not None:
        chosen = with_synced_days(chosen, synced_days)
    started = time.perf_counter()
    workshop = generate(chosen, seed, end_date)
    generated = time.perf_counter() - started
    report = seed_sandboxes(workshop, xero_state, auxo_state)
    if expected_dir is not None:
        write_expected(workshop, expected_dir)
    return {"profile": profile, "seed": seed, "synced_days": chosen.synced_days, **{k: workshop.meta[k] for k in ("start_date", "sync_start_date",
                                                                              "window_start_date", "end_date")},
            "generate_seconds": round(generated, 2), **report}
