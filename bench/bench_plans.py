"""Compute: time and peak memory of each plan asset's work on staged data, without Dagster.

Each plan asset runs in a process of its own (``python -m bench.bench_plans --worker ...``) so its
peak memory is its own: the process's maximum resident set (``ru_maxrss``), which counts polars'
and DuckDB's native memory as well as Python's. What a plan asset does, and what is timed:

- ``read``: its inputs from staging (and the ledger) in DuckDB, as the asset reads them;
- ``plan``: the pure planner (matching, diffs, the invoice / credit / payment push sets, COGS,
  bill and stock journals), including the pandera validation the planner does itself;
- ``validate``: the plan rows as a validated plan frame (``plan_frame``: ``PlanModel``) and, for
  contacts, the match / review / change models;
- ``store``: only where a later plan reads it (``plans.contact_matches`` for ``contact_sync``).

The warehouse is a copy of the benchmark's staged warehouse, so nothing here changes the data the
end-to-end benchmark runs on. A watchdog stops a worker whose memory passes ``--memory-cap-gb``
(default 8 GB) so a shared machine is never pushed into swapping or the OOM killer.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

PLAN_ASSETS = ("contact_matches", "contact_sync", "invoice_push", "credit_push", "payment_push",
               "xero_changes_to_auxo", "cogs_journal_set", "purchase_order_bills", "stock_adjustment_journals")
DAY_TARGET_SECONDS = 5.0
MATCHING_TARGET_SECONDS = 2.0
MEMORY_TARGET_GB = 2.0


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


class _Phases:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._started
        self._started = now


def run_plan(name: str, con: Any, connection_id: str, first: date, last: date) -> dict[str, Any]:
    """Do ``name``'s work once; phase timings and the number of writes planned."""
    import polars as pl

    from assets.contacts import tables as contact_tables
    from assets.contacts.matching import match_contacts
    from assets.contacts.models import ContactChangeModel, ContactMatchModel, ContactReviewModel
    from assets.contacts.sync_plan import plan_contact_sync
    from assets.inventory import adjustments, bills, cogs
    from assets.inventory import tables as inventory_tables
    from assets.inventory.inputs import Window as InventoryWindow
    from assets.invoices import credits, invoices, payments, xero_changes
    from assets.invoices.books import Window
    from assets.invoices.tables import load_books
    from mappings import load_mappings
    from pipelines.sync.plan import plan_frame

    settings = load_mappings()
    phases = _Phases()  # the clock starts once everything is imported
    out: dict[str, Any] = {}
    if name == "contact_matches":
        inputs = contact_tables.read_match_inputs(con, connection_id)
        phases.lap("read")
        result = match_contacts(*inputs)
        phases.lap("plan")
        matches = ContactMatchModel.validate(result.matches, lazy=True)
        review = ContactReviewModel.validate(result.review, lazy=True)
        phases.lap("validate")
        contact_tables.write_matches(con, connection_id, matches, review)
        phases.lap("store")
        out["rows"] = {"auxo_contacts": inputs[0].height, "xero_contacts": inputs[1].height,
                       **{f"decision_{k}": v for k, v in result.matches.group_by("decision").len().iter_rows()}}
        out["writes"] = 0
    elif name == "contact_sync":
        inputs = contact_tables.read_sync_inputs(con, connection_id)
        phases.lap("read")
        plan = plan_contact_sync(connection_id, inputs, settings.fields.contact_fields,
                                 create_in_xero=settings.sync.contacts.create_in_xero,
                                 pull_from_xero=settings.sync.contacts.pull_edits_from_xero)
        phases.lap("plan")
        ContactChangeModel.validate(plan.changes, lazy=True)
        frame = plan_frame(plan.writes)
        phases.lap("validate")
        out["writes"] = frame.height
    elif name in ("invoice_push", "credit_push", "payment_push", "xero_changes_to_auxo"):
        books = load_books(con, connection_id)
        phases.lap("read")
        window = Window(first, last)
        planners = {"invoice_push": lambda: invoices.plan_invoice_push(books, settings, window),
                    "credit_push": lambda: credits.plan_credit_push(books, settings, window),
                    "payment_push": lambda: payments.plan_payment_push(books, settings, window),
                    "xero_changes_to_auxo": lambda: xero_changes.plan_xero_changes(books)}
        plan = planners[name]()
        phases.lap("plan")
        frame = plan_frame(plan.writes)
        phases.lap("validate")
        out["writes"] = frame.height
        out["rows"] = {"auxo_invoices": books.invoices.height, "auxo_invoice_lines": books.invoice_lines.height,
                       "auxo_payments": books.payments.height}
    else:
        window = InventoryWindow(first, last)
        read, planner = {"cogs_journal_set": (inventory_tables.read_cogs_inputs, cogs.plan_cogs_journals),
                         "purchase_order_bills": (inventory_tables.read_bill_inputs, bills.plan_purchase_order_bills),
                         "stock_adjustment_journals": (inventory_tables.read_adjustment_inputs,
                                                       adjustments.plan_stock_adjustment_journals)}[name]
        inputs = read(con, connection_id, window)
        phases.lap("read")
        plan = planner(inputs, settings, window, backfill=False)
        phases.lap("plan")
        frame = plan_frame(plan.writes)
        phases.lap("validate")
        out["writes"] = frame.height
    if "frame" in locals() and not frame.is_empty():
        out["by_entity"] = {f"{t} {e} {o}": n for t, e, o, n in
                            frame.group_by("target", "entity", "operation").len().sort("len").iter_rows()}
        del frame
    out["phases"] = {k: round(v, 3) for k, v in phases.seconds.items()}
    out["seconds"] = round(sum(phases.seconds.values()), 3)
    _ = pl  # polars is imported for its thread pool size below
    return out


def worker(args: argparse.Namespace) -> int:
    import polars as pl

    from pipelines import warehouse

    baseline = _rss_gb()
    with warehouse.connect(Path(args.warehouse)) as con:
        imported = _rss_gb()
        result = run_plan(args.asset, con, args.connection_id, date.fromisoformat(args.first),
                          date.fromisoformat(args.last))
    result.update(asset=args.asset, peak_rss_gb=round(_rss_gb(), 3), rss_before_gb=round(max(baseline, imported), 3),
                  polars_threads=pl.thread_pool_size())
    print("BENCH-RESULT " + json.dumps(result))
    return 0


def measure(asset: str, warehouse: Path, first: date, last: date, *, connection_id: str = "default",
            memory_cap_gb: float = 8.0, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one plan asset's work in a fresh process; its figures (or why it did not finish)."""
    from bench.processes import run_python

    started = time.perf_counter()
    _, stdout, stderr, verdict = run_python(
        "-m", "bench.bench_plans", "--worker", "--asset", asset, "--warehouse", str(warehouse), "--first",
        first.isoformat(), "--last", last.isoformat(), "--connection-id", connection_id, cap_gb=memory_cap_gb,
        env=env)
    wall = time.perf_counter() - started
    for line in stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return {**json.loads(line.removeprefix("BENCH-RESULT ")), "process_seconds": round(wall, 2)}
    return {"asset": asset, "failed": verdict.get("killed") or (stderr.strip().splitlines() or ["no output"])[-1][:400],
            "max_sampled_gb": round(verdict.get("max_sampled_gb", 0.0), 2), "process_seconds": round(wall, 2)}


def measure_all(warehouse: Path, first: date, last: date, **kwargs: Any) -> list[dict[str, Any]]:
    return [measure(asset, warehouse, first, last, **kwargs) for asset in PLAN_ASSETS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--asset", choices=PLAN_ASSETS)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--first", required=True)
    parser.add_argument("--last", required=True)
    parser.add_argument("--connection-id", default="default")
    parser.add_argument("--memory-cap-gb", type=float, default=8.0)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    assets = [args.asset] if args.asset else list(PLAN_ASSETS)
    for asset in assets:
        print(json.dumps(measure(asset, Path(args.warehouse), date.fromisoformat(args.first),
                                 date.fromisoformat(args.last), connection_id=args.connection_id,
                                 memory_cap_gb=args.memory_cap_gb)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
