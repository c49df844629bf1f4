"""Sandbox write speed: 50-document writes to the in-process Xero sandbox, per write endpoint.

    .venv/bin/python -m bench --only sandbox                              # via the bench command
    .venv/bin/python -m bench.bench_sandbox --profile demo                # on its own
    .venv/bin/python -m bench.bench_sandbox --state /tmp/copy-of-a-state  # an existing state (a copy!)

A Xero sandbox state of the profile's size is seeded with the project's generator and seeding code
(``sandbox.generator.generate`` + ``seed_xero``, as the bench set-up seeds it), or ``--state``
names an existing state folder, which is written to (pass a copy, e.g. of a workshop's
``xero-pristine``). Then, through the real ``XeroClient`` over the embedded transport (the sync's
own path: token, headers, Idempotency-Key, JSON), each write endpoint the sync uses gets one
warm-up call and ``--rounds`` timed calls of ``--batch`` documents: PUT Contacts (create),
POST Contacts (update), PUT Invoices, PUT ManualJournals, PUT CreditNotes, PUT Payments (paying
the invoices this benchmark created). Every element must come back ``OK``, so what is timed is
the sandbox's real work (the client's own 60-a-minute pacing lifted, see :func:`measure`). Figures: ms per call (median, p95, the warm-up call apart — it loads the
request spec once per process), against the 50 ms target, and the state's size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

TARGET_MS = 50.0
BATCH = 50
ROUNDS = 10
SEED = 42


def seed_state(profile: str, state: Path) -> dict[str, Any]:
    """A Xero sandbox state of ``profile`` size, seeded as the bench set-up seeds it."""
    from sandbox.embedded import forget_apps
    from sandbox.generator import generate, get_profile, seed_xero

    started = time.perf_counter()
    workshop = generate(get_profile(profile), SEED)
    seed_xero(workshop, state)
    forget_apps()
    return {"seed_seconds": round(time.perf_counter() - started, 1)}


def state_size(state: Path) -> dict[str, int]:
    import sqlite3

    path = state / "xero.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        counts = dict(conn.execute("SELECT kind, count(*) FROM docs GROUP BY kind").fetchall())
    size = sum(p.stat().st_size for p in state.glob("xero.sqlite3*"))
    return {"documents": sum(counts.values()), "contacts": counts.get("Contact", 0),
            "invoices": counts.get("Invoice", 0), "manual_journals": counts.get("ManualJournal", 0),
            "payments": counts.get("Payment", 0), "megabytes": round(size / 1e6)}


def _client(state: Path):
    import sandbox.xero
    from pipelines.xero.auth import XeroCredentials
    from pipelines.xero.client import XeroClient, XeroEndpoints
    from sandbox.embedded import transport

    creds = sandbox.xero.credentials(state)
    url = "http://xero.sandbox"
    return XeroClient(XeroCredentials(creds["client_id"], creds["client_secret"]), tenant_id=creds["tenant_id"],
                      endpoints=XeroEndpoints(f"{url}/api.xro/2.0", f"{url}/connect/token", f"{url}/connections"),
                      transport=transport("xero", state))


def _codes(client: Any) -> dict[str, str]:
    """Account codes to write against: a revenue account, a bank account, two journal accounts."""
    accounts = [a for a in client.get("Accounts")["Accounts"] if a.get("Status") == "ACTIVE"]
    revenue = [a["Code"] for a in accounts if a.get("Type") == "REVENUE" and a.get("Code")]
    bank = [a["Code"] for a in accounts if a.get("Type") == "BANK" and a.get("Code")]
    expense = [a["Code"] for a in accounts if a.get("Type") in ("EXPENSE", "DIRECTCOSTS") and a.get("Code")]
    if not (revenue and bank and len(expense) >= 2):
        raise RuntimeError("the state's chart of accounts lacks a REVENUE, a BANK or two EXPENSE accounts "
                           "with codes: seed it with the generator (sandbox.generator.seed_xero)")
    return {"revenue": revenue[0], "bank": bank[0], "debit": expense[0], "credit": expense[1],
            "date": _open_date(client.organisation())}


def _open_date(organisation: dict[str, Any]) -> str:
    """The day after the organisation's lock dates (documents may not be dated on or before them)."""
    from datetime import timedelta

    from sandbox.xero.dates import parse_date

    locks = [parse_date(organisation[f]) for f in ("PeriodLockDate", "EndOfYearLockDate") if organisation.get(f)]
    day = max(locks) + timedelta(days=1) if locks else parse_date("2026-01-01")
    return day.isoformat()[:10]


def _tag() -> str:
    return uuid.uuid4().hex[:10]


def _contact(tag: str) -> dict[str, Any]:
    return {"Name": f"Bench Contact {tag}", "EmailAddress": f"bench-{tag}@example.com",
            "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "0400000000"}]}


def _invoice(tag: str, contact_id: str, codes: dict[str, str]) -> dict[str, Any]:
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Date": codes["date"], "DueDate": codes["date"],
            "Reference": f"BENCH-{tag}", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Bench part", "Quantity": "2", "UnitAmount": "45.50",
                           "AccountCode": codes["revenue"], "TaxType": "OUTPUT"},
                          {"Description": "Bench labour", "Quantity": "1", "UnitAmount": "120.00",
                           "AccountCode": codes["revenue"], "TaxType": "OUTPUT"}]}


def _journal(tag: str, codes: dict[str, str]) -> dict[str, Any]:
    return {"Narration": f"Bench journal {tag}", "Date": codes["date"], "Status": "POSTED", "LineAmountTypes": "NoTax",
            "JournalLines": [{"LineAmount": "103.67", "AccountCode": codes["debit"], "Description": "Bench"},
                             {"LineAmount": "-103.67", "AccountCode": codes["credit"], "Description": "Bench"}]}


def _credit_note(tag: str, contact_id: str, codes: dict[str, str]) -> dict[str, Any]:
    return {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id}, "Date": codes["date"], "Status": "AUTHORISED",
            "Reference": f"BENCH-{tag}", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Bench credit", "Quantity": "1", "UnitAmount": "10.00",
                           "AccountCode": codes["revenue"], "TaxType": "OUTPUT"}]}


def _payment(invoice: dict[str, Any], codes: dict[str, str]) -> dict[str, Any]:
    return {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": codes["bank"]}, "Date": codes["date"],
            "Amount": str(invoice["AmountDue"]), "Reference": f"BENCH-{invoice['InvoiceID'][:8]}"}


def _timed(client: Any, method: str, endpoint: str, docs: list[dict[str, Any]]) -> tuple[float, list[dict[str, Any]]]:
    started = time.perf_counter()
    out = client.write(method, endpoint, endpoint, docs, idempotency_key=f"bench-sandbox-{uuid.uuid4()}")
    seconds = time.perf_counter() - started
    bad = [o for o in out if o.get("StatusAttributeString") != "OK"]
    if bad or len(out) != len(docs):
        from pipelines.xero.client import validation_messages

        raise RuntimeError(f"{method} {endpoint}: {len(bad)} of {len(docs)} element(s) not OK ({len(out)} answered),"
                           f" e.g. {validation_messages(bad[0]) if bad else out[:1]}")
    return seconds, out


def _figures(times: list[float], first: float, batch: int) -> dict[str, Any]:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    median = statistics.median(ms)
    return {"calls": len(ms), "documents_per_call": batch, "median_ms": round(median, 1), "p95_ms": round(p95, 1),
            "max_ms": round(ms[-1], 1), "first_call_ms": round(first * 1000, 1),
            "ms_per_document": round(median / batch, 2), "met": p95 <= TARGET_MS}


def measure(state: Path, *, rounds: int = ROUNDS, batch: int = BATCH) -> dict[str, Any]:
    """Time ``rounds`` calls of ``batch`` documents per write endpoint on the state in ``state``.

    The client's own 60-a-minute pacing is lifted (as in the other sync benchmarks; the sandbox's
    rate limits are off by default): otherwise the 61st call waits out the minute."""
    from bench.instrument import unpace_xero_client

    unpace_xero_client()
    client = _client(state)
    try:
        codes = _codes(client)
        endpoints: dict[str, Any] = {}
        created_contacts: list[dict[str, Any]] = []
        invoices: list[dict[str, Any]] = []

        def run(name: str, method: str, endpoint: str, make) -> None:
            times, first = [], 0.0
            for call in range(rounds + 1):
                seconds, out = _timed(client, method, endpoint, make(call))
                if call == 0:
                    first = seconds
                else:
                    times.append(seconds)
                if name == "PUT Contacts":
                    created_contacts.extend(out)
                if name == "PUT Invoices":
                    invoices.extend(out)
            endpoints[name] = _figures(times, first, batch)

        run("PUT Contacts", "PUT", "Contacts", lambda _c: [_contact(_tag()) for _ in range(batch)])
        run("POST Contacts", "POST", "Contacts",
            lambda c: [{"ContactID": doc["ContactID"], "EmailAddress": f"bench-{_tag()}@example.com"}
                       for doc in created_contacts[c * batch % len(created_contacts):][:batch]])
        contact_id = created_contacts[0]["ContactID"]
        run("PUT Invoices", "PUT", "Invoices", lambda _c: [_invoice(_tag(), contact_id, codes) for _ in range(batch)])
        run("PUT ManualJournals", "PUT", "ManualJournals", lambda _c: [_journal(_tag(), codes) for _ in range(batch)])
        run("PUT CreditNotes", "PUT", "CreditNotes",
            lambda _c: [_credit_note(_tag(), contact_id, codes) for _ in range(batch)])
        run("PUT Payments", "PUT", "Payments",
            lambda c: [_payment(inv, codes) for inv in invoices[c * batch:(c + 1) * batch]])
    finally:
        client.close()
    return {"target_ms": TARGET_MS, "batch": batch, "rounds": rounds, "endpoints": endpoints,
            "met": all(e["met"] for e in endpoints.values())}


def run_benchmark(profile: str, work: Path, *, state: Path | None = None, rounds: int = ROUNDS,
                  batch: int = BATCH) -> dict[str, Any]:
    """Seed (or take) a state, measure it, and say how big it was."""
    setup: dict[str, Any] = {}
    if state is None:
        state = work / f"sandbox-{profile}" / "xero"
        if state.exists():
            import shutil

            shutil.rmtree(state)
        setup = seed_state(profile, state)
    result = {"profile": profile if setup else f"given state ({state})", "state": state_size(state), **setup}
    result.update(measure(state, rounds=rounds, batch=batch))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo", help="generator profile to seed (without --state)")
    parser.add_argument("--state", type=Path, help="an existing Xero sandbox state folder (written to: use a copy)")
    parser.add_argument("--work", type=Path, help="where to seed the state (default: a temporary folder)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--batch", type=int, default=BATCH)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as temp:
        work = args.work or Path(temp)
        os.environ.setdefault("AUXO_XERO_HOME", str(work / "home"))
        result = run_benchmark(args.profile, work, state=args.state, rounds=args.rounds, batch=args.batch)
    for name, fig in result["endpoints"].items():
        print(f"{name:20s} median {fig['median_ms']:7.1f} ms  p95 {fig['p95_ms']:7.1f} ms  "
              f"first {fig['first_call_ms']:7.1f} ms  {'✓' if fig['met'] else '✗'}", flush=True)
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
