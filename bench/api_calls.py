"""API efficiency: the calls a run made, per endpoint, against the fewest the APIs allow.

Calls come from the sandboxes' request logs (``bench.bench_sync``); the records each read of a
paged collection returned are counted in the client as they arrive (``bench.instrument``). The
minimum, per endpoint:

- **reads** of a paged collection: for each pass over it (the run's extraction, and the re-read
  after the writes that ``recon/views`` does), ``max(1, ceil(records returned / 1000))`` — one
  call even when nothing changed. Records that come back although unchanged (Xero's
  ``If-Modified-Since`` is second-accurate, so the sync reads the last second before its cursor
  again) count as returned: the minimum is for what the API sent. Collections read whole every run
  (accounts, tax rates, tracking categories, the organisation, Auxo's account and settings): one
  call a run;
- **writes** to a batch endpoint: ``ceil(documents / 50)`` per endpoint and operation (Auxo: 100
  items a call); to a per-document endpoint (``CreditNotes/{id}/Allocations``,
  ``Prepayments/{id}/Allocations``, ``Payments/{id}``: Xero takes one document there): one call
  per document.

The **baseline** is what the peers do: the same reads, and one call per document written.
``POST /connect/token`` (Xero's identity server, outside the organisation's limits) is listed but
not counted.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

XERO_BATCH = 50
AUXO_BATCH = 100
PAGE = 1000
XERO_DAY_LIMIT = 5000
TARGET_RATIO = 1.05


def _resources(system: str) -> dict[str, tuple[str, bool]]:
    """endpoint -> (raw table, paged incremental)."""
    if system == "xero":
        from pipelines.xero.settings import RESOURCES as XERO

        return {r.endpoint: (r.name, r.incremental and r.paged) for r in XERO}
    from pipelines.auxo.settings import RESOURCES as AUXO

    return {r.path: (r.name, not r.single) for r in AUXO}


def combine(*runs: dict[str, Any]) -> dict[str, Any]:
    """Several ``bench_sync`` reports (the sync part and the recon part of a day) as one."""
    return {"xero_calls": [c for r in runs for c in r["xero_calls"]],
            "auxo_calls": [c for r in runs for c in r["auxo_calls"]],
            "passes": [p for r in runs for p in r.get("passes", [])],
            "records_read": {s: [load for r in runs for load in r["records_read"][s]] for s in ("xero", "auxo")}}


def analyse(run: dict[str, Any], system: str) -> dict[str, Any]:
    """Per-endpoint rows and totals for ``system`` ("xero" or "auxo") of ``bench_sync`` runs."""
    calls = run[f"{system}_calls"]
    passes: dict[str, list[int]] = defaultdict(list)
    for entry in run.get("passes", []):
        if entry["system"] == system:
            passes[entry["endpoint"]].append(entry["records"])
    resources = _resources(system)
    batch = XERO_BATCH if system == "xero" else AUXO_BATCH
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for call in calls:
        groups[(call["method"], call["endpoint"])].append(call)
    rows = []
    for (method, endpoint), group in sorted(groups.items()):
        made = len(group)
        row: dict[str, Any] = {"system": system, "method": method, "endpoint": endpoint, "calls": made,
                               "throttled": sum(1 for c in group if c["status"] == 429)}
        if endpoint.startswith("/connect") or endpoint.startswith("/connections"):
            row.update(kind="identity", minimum=None, baseline=None, units=None)
        elif method == "GET":
            table, paged = resources.get(endpoint, (None, False))
            row["kind"] = "read"
            if table is None:  # a lookup by the write path (a document of unknown outcome)
                row.update(minimum=0, units=0)
            elif paged:
                returned = passes.get(endpoint, [])
                row.update(units=sum(returned), passes=len(returned),
                           minimum=sum(max(1, math.ceil(n / PAGE)) for n in returned))
            else:
                row.update(units=None, minimum=1)
            row["baseline"] = row["minimum"]
        else:
            documents = sum(c["documents"] for c in group if c["status"] != 429)
            per_document = "{id}" in endpoint
            row.update(kind="write", units=documents, baseline=documents,
                       minimum=documents if per_document else math.ceil(documents / batch))
        row["ratio"] = round(made / row["minimum"], 3) if row.get("minimum") else None
        rows.append(row)
    counted = [r for r in rows if r["kind"] in ("read", "write")]
    totals: dict[str, Any] = {}
    for kind in ("read", "write", "all"):
        chosen = [r for r in counted if kind == "all" or r["kind"] == kind]
        made = sum(r["calls"] for r in chosen)
        minimum = sum(r["minimum"] for r in chosen)
        baseline = sum(r["baseline"] for r in chosen)
        totals[kind] = {"calls": made, "minimum": minimum, "baseline": baseline,
                        "ratio": round(made / minimum, 3) if minimum else None,
                        "saved_vs_baseline": round(baseline / made, 1) if made else None}
    totals["throttled"] = sum(r["throttled"] for r in rows)
    if system == "xero":
        totals["share_of_day_limit"] = round(totals["all"]["calls"] / XERO_DAY_LIMIT, 3)
    return {"rows": rows, "totals": totals}
