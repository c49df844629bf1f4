"""API efficiency: the calls a run made, per endpoint, against the fewest the APIs allow.

Calls come from the sandboxes' request logs (``bench.bench_sync``), records read from the run's
dlt loads. The minimum, per endpoint:

- **reads** of a paged collection: for each pass over it (the run's extraction, and the re-read
  after the writes that ``recon/views`` does), ``max(1, ceil(records / 1000))`` — one call even
  when nothing changed; a pass is a request for page 1 (Xero) or without a cursor (Auxo).
  Collections read whole every run (accounts, tax rates, tracking categories, the organisation,
  Auxo's account and settings): one call a run;
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
from urllib.parse import parse_qs

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


def _first_page(system: str, query: str) -> bool:
    params = parse_qs(query)
    if system == "xero":
        return params.get("page", ["1"])[0] == "1"
    return "cursor" not in params


def analyse(run: dict[str, Any], system: str) -> dict[str, Any]:
    """Per-endpoint rows and totals for ``system`` ("xero" or "auxo") of one ``bench_sync`` run."""
    calls = run[f"{system}_calls"]
    loads = run["records_read"][system]
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
                passes = sum(1 for c in group if c["status"] != 429 and _first_page(system, c["query"]))
                records = [loads[i]["tables"].get(table, 0) if i < len(loads) else 0 for i in range(passes)]
                row.update(units=sum(records), passes=passes,
                           minimum=sum(max(1, math.ceil(n / PAGE)) for n in records))
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
