"""Benchmark: the sink's own bookkeeping, apart from the Xero sandbox's time.

    PYTHONPATH=$PWD .venv/bin/python -m bench.bench_sink [--contacts 2000] [--invoices 2000]
    .venv/bin/python -m bench --only sink

Sends ``--contacts`` contact creates and ``--invoices`` invoice creates (each with its Auxo
write-back, as the plans make them) through the real :class:`~pipelines.sync.sink.Sink` into a
fresh embedded Xero sandbox, on a fresh DuckDB file. ``bench.instrument`` times the embedded
transport, so the wall time splits into the sandbox's share and the rest (the sink's ledger
bookkeeping, payload building and the HTTP client). No Auxo client is given: the write-backs are
recorded in the ledger (the bookkeeping measured) and left for the Auxo stage, whose cost is the
Auxo sandbox's. Prints one line, ``BENCH-RESULT <json>``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DAY = date(2026, 11, 2)
BASE = "http://xero.sandbox"


def plan(contacts: int, invoices: int) -> Any:
    from pipelines.sync.plan import PlannedWrite, plan_frame, ref_placeholder

    writes = []
    for c in range(contacts):
        writes.append(PlannedWrite("c1", "xero", "contact", "create", f"contact:customer:cus_{c}", f"cus_{c}", None,
                                   {"Name": f"Bench Sink Customer {c:05d}"}, f"Contact {c}", priority=10,
                                   writeback={"resource": "customers", "id": f"cus_{c}"}))
    for i in range(invoices):
        ref = f"contact:customer:cus_{i % max(contacts, 1)}"
        number = f"BS-{i:06d}"
        writes.append(PlannedWrite(
            "c1", "xero", "invoice", "create", f"invoice:{number}", number, DAY,
            {"Type": "ACCREC", "InvoiceNumber": number, "Reference": f"R{i}", "Date": DAY, "DueDate": DAY,
             "Status": "AUTHORISED", "LineAmountTypes": "Exclusive", "Contact": {"ContactID": ref_placeholder(ref)},
             "LineItems": [{"Description": "Labour", "Quantity": Decimal("1"), "UnitAmount": Decimal("100.00"),
                            "AccountCode": "200", "TaxType": "OUTPUT"}]},
            f"Invoice {number}", depends_on=(ref,), priority=20, writeback={"resource": "invoices", "id": number}))
    return plan_frame(writes)


def measure(contacts: int, invoices: int, work: Path) -> dict[str, Any]:
    import duckdb

    import sandbox.xero
    from bench import instrument
    from pipelines.http import RetryPolicy
    from pipelines.sync.sink import Sink
    from pipelines.xero.auth import XeroCredentials
    from pipelines.xero.client import XeroClient, XeroEndpoints
    from sandbox.embedded import transport

    instrument.install()
    instrument.unpace_xero_client()
    state = work / "xero"
    creds = sandbox.xero.credentials(state)
    client = XeroClient(XeroCredentials(creds["client_id"], creds["client_secret"]), tenant_id=creds["tenant_id"],
                        endpoints=XeroEndpoints(f"{BASE}/api.xro/2.0", f"{BASE}/connect/token", f"{BASE}/connections"),
                        transport=transport("xero", state), retry=RetryPolicy(attempts=3, base_delay=0, sleep=lambda _: None))
    frame = plan(contacts, invoices)
    con = duckdb.connect(str(work / "w.duckdb"))
    try:
        before = instrument.snapshot().get("xero", {"seconds": 0.0, "calls": 0})
        started = time.perf_counter()
        report = Sink(con, connection_id="c1", xero=client).run(frame)
        wall = time.perf_counter() - started
        after = instrument.snapshot().get("xero", {"seconds": 0.0, "calls": 0})
        ledger_rows = dict(con.execute("select target, count(*) from sync.write_ledger group by 1").fetchall())
    finally:
        con.close()
    sandbox_s = after["seconds"] - before["seconds"]
    return {"contacts": contacts, "invoices": invoices, "wall_s": round(wall, 2),
            "sandbox_s": round(sandbox_s, 2), "sink_s": round(wall - sandbox_s, 2),
            "xero_calls": int(after["calls"] - before["calls"]), "batches": report.sent_batches,
            "counts": report.counts, "ledger_rows": ledger_rows,
            "by_endpoint": {k: v for k, v in instrument.by_endpoint().items() if k.startswith("xero")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--work", type=Path, help="a folder for the sandbox and the DuckDB file (default: temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sink-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print("BENCH-RESULT " + json.dumps(measure(args.contacts, args.invoices, work), default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
