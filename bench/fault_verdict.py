"""Duplicated and missing documents in both systems, counted in the sandboxes against the generator.

The faults benchmark's verdict (and a check any test can reuse): after a sync, every document the
generator's expected outcome (``sandbox.generator.expected``, written beside the seeded sandboxes)
says must be in a system is there **once**, and nothing the sync writes is there twice. Counted
from the sandboxes' own documents, never from the ledger, so a ledger that believes it wrote once
cannot hide a second copy:

Xero (``/admin/documents``): ACCREC invoices by ``InvoiceNumber``; credit notes by
``CreditNoteNumber``; payments and prepayments by ``Reference`` (``Auxo PAY <id>`` / ``Auxo DEP
<id>``); COGS journals by the Auxo line each one names (or its known id); stock journals by
narration, date and amounts; bills by ``Reference`` (the purchase order number); the contacts the
sync creates by name. Deleted (and, for bills and journals, voided or drafted) documents do not count.

Auxo (its API): the Xero id written back to each invoice, payment, credit, purchase order, stock
adjustment, COGS line and new contact (missing when not written, or not the id of the one document
in Xero); no Xero id on two Auxo records; payments entered in Xero once each; Xero credit
allocations and Xero-edited totals (the adjustment line) once each.

``duplicated`` counts a key found more often than expected (anywhere, not only among the expected
keys); ``missing`` a key expected and not found (or found with the wrong link); ``unexpected`` (not
part of the verdict) a document that must not exist but does — a document the sync must hold back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

SENT_OUTCOMES = ("to_create", "existing", "to_update")
POSTED = ("existing", "to_create")
XERO_KINDS = ("Invoices", "CreditNotes", "Payments", "Prepayments", "ManualJournals", "Contacts")
AUXO_RESOURCES = ("customers", "suppliers", "invoices", "invoice-credits", "payments", "purchase-orders",
                  "stock-adjustments")
EXPECTED = ("invoices", "credit_notes", "payments", "cogs_journals", "stock_journals", "bills",
            "contacts_to_create", "xero_actions")
LINE_ID = re.compile(r"\blin_\d+\b")


# ---------------------------------------------------------------- reading the sandboxes


def read_documents(xero_state: Path, auxo_state: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every document of the kinds checked, from both sandboxes (Xero's admin surface, Auxo's API)."""
    import httpx

    import sandbox.auxo
    from sandbox.embedded import transport

    xero: dict[str, list[dict[str, Any]]] = {}
    with httpx.Client(transport=transport("xero", Path(xero_state)), base_url="http://xero.sandbox/admin",
                      timeout=120) as admin:
        for kind in XERO_KINDS:
            response = admin.get(f"/documents/{kind}")
            response.raise_for_status()
            xero[kind] = response.json()[kind]
    auxo: dict[str, list[dict[str, Any]]] = {}
    key = sandbox.auxo.credentials(Path(auxo_state))["api_key"]
    with httpx.Client(transport=transport("auxo", Path(auxo_state)), base_url="http://auxo.sandbox/api/v1",
                      headers={"X-Api-Key": key}, timeout=120) as api:
        for resource in AUXO_RESOURCES:
            records: list[dict[str, Any]] = []
            cursor = None
            while True:
                page = api.get(f"/{resource}", params={"limit": 1000, **({"cursor": cursor} if cursor else {})})
                page.raise_for_status()
                body = page.json()
                records += body["data"]
                cursor = body.get("next_cursor")
                if not cursor:
                    break
            auxo[resource] = records
    return {"xero": xero, "auxo": auxo}


def load_expected(folder: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(Path(folder) / f"{name}.parquet") for name in EXPECTED}


# ---------------------------------------------------------------- counting


def _cents(value: object) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def _day(value: object) -> str:
    """A Xero date (``/Date(ms+0000)/`` or ISO) as YYYY-MM-DD."""
    text = str(value)
    found = re.search(r"/Date\((-?\d+)", text)
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, tz=UTC).date().isoformat()
    return text[:10]


def _rows(frame: pl.DataFrame, column: str | None = None, values: Iterable[str] | None = None) -> list[dict]:
    if column is not None and values is not None:
        frame = frame.filter(pl.col(column).is_in(list(values)))
    return list(frame.iter_rows(named=True))


def _check(system: str, kind: str, found: Counter, must: Counter, forbidden: Iterable[Any] = (),
           wrong: Iterable[Any] = (), limit: int = 50) -> dict[str, Any]:
    """One kind of document: keys found more often than expected, expected and not found (or
    ``wrong``: there, but not as expected), and forbidden yet present."""
    duplicated = sorted((str(k), n) for k, n in found.items() if n > max(must.get(k, 1), 1))
    wrong = sorted({str(k) for k in wrong})
    missing = sorted({str(k) for k, n in must.items() if found.get(k, 0) < n} | set(wrong))
    unexpected = sorted(str(k) for k in set(forbidden) if found.get(k, 0) > 0)
    return {"system": system, "kind": kind, "expected": sum(must.values()), "found": sum(found.values()),
            "duplicated": len(duplicated), "missing": len(missing), "unexpected": len(unexpected),
            "duplicated_keys": [f"{k} ×{n}" for k, n in duplicated[:limit]], "missing_keys": missing[:limit],
            "unexpected_keys": unexpected[:limit]}


def _xero_checks(xero: dict[str, list[dict]], exp: dict[str, pl.DataFrame]) -> list[dict[str, Any]]:
    checks = []
    invoices = exp["invoices"]
    accrec = [d for d in xero["Invoices"] if d.get("Type") == "ACCREC" and d.get("Status") != "DELETED"]
    found = Counter(d.get("InvoiceNumber") for d in accrec)
    present = [*_rows(invoices, "outcome", SENT_OUTCOMES), *_rows(invoices.filter(pl.col("planted") == "number_clash"))]
    forbidden = [r["number"] for r in _rows(invoices, "outcome", ("not_sent_void", "waiting", "error"))
                 if r["planted"] != "number_clash"]
    checks.append(_check("xero", "ACCREC invoices (InvoiceNumber)", found,
                         Counter(r["number"] for r in present), forbidden))

    notes = [d for d in xero["CreditNotes"] if d.get("Type", "ACCRECCREDIT") == "ACCRECCREDIT"
             and d.get("Status") != "DELETED"]
    checks.append(_check("xero", "credit notes (CreditNoteNumber)", Counter(d.get("CreditNoteNumber") for d in notes),
                         Counter(r["number"] for r in _rows(exp["credit_notes"], "state", POSTED))))

    paid = [d for d in xero["Payments"] if d.get("Status") != "DELETED"]
    paid += [d for d in xero["Prepayments"] if d.get("Status") not in ("DELETED", "VOIDED")]

    def reference(row: dict) -> str:
        return f"{'Auxo DEP' if row['kind'] == 'deposit' else 'Auxo PAY'} {row['payment_id']}"

    payments = exp["payments"]
    seeded = {r["xero_payment_id"]: reference(r) for r in _rows(payments) if r["xero_payment_id"]}
    found = Counter()
    for d in paid:  # the sync's own by its Reference; those in Xero before the sync by their id
        key = seeded.get(d.get("PaymentID") or d.get("PrepaymentID"))
        if key is None and str(d.get("Reference") or "").startswith("Auxo "):
            key = d["Reference"]
        if key is not None:
            found[key] += 1
    checks.append(_check("xero", "payments and prepayments (Reference)", found,
                         Counter(reference(r) for r in _rows(payments, "state", ("to_create", "existing",
                                                                                  "to_allocate"))),
                         [reference(r) for r in _rows(payments, "state", ("blocked", "deleted_in_xero"))]))

    posted = [j for j in xero["ManualJournals"] if j.get("Status") == "POSTED"]
    cogs = [j for j in posted if str(j.get("Narration", "")).startswith("COGS for invoice ")]
    found = Counter()
    expected_cogs = exp["cogs_journals"]
    known = {r["xero_journal_id"]: r["line_id"] for r in _rows(expected_cogs) if r["xero_journal_id"]}
    unaccounted = 0
    for journal in cogs:
        lines = set(LINE_ID.findall(" ".join(str(x.get("Description", "")) for x in journal.get("JournalLines", []))))
        if journal.get("ManualJournalID") in known:
            lines.add(known[journal["ManualJournalID"]])
        if not lines:
            unaccounted += 1
        for line in lines:
            found[line] += 1
    check = _check("xero", "COGS journals (line named)", found,
                   Counter(r["line_id"] for r in _rows(expected_cogs, "state", POSTED)),
                   [r["line_id"] for r in _rows(expected_cogs, "state", ("blocked", "setting_off"))])
    if unaccounted:  # a COGS journal naming no line cannot be told apart: counted as a duplicate
        check["duplicated"] += unaccounted
        check["duplicated_keys"].append(f"{unaccounted} COGS journals naming no Auxo line")
    checks.append(check)

    def shape(narration: str, day: str, amount: int) -> str:
        return f"{narration} | {day} | {amount}"

    stock = [j for j in posted if str(j.get("Narration", "")).startswith(("Stock adjustment ", "Stocktake "))]
    found = Counter(shape(j["Narration"], _day(j.get("Date")),
                          max(abs(_cents(x.get("LineAmount", 0))) for x in j.get("JournalLines") or [{}]))
                    for j in stock)
    expected_stock = exp["stock_journals"]
    checks.append(_check("xero", "stock journals (narration, date, amount)", found,
                         Counter(shape(r["narration"], str(r["adjustment_date"]), r["amount"])
                                 for r in _rows(expected_stock, "state", POSTED)),
                         [shape(r["narration"], str(r["adjustment_date"]), r["amount"])
                          for r in _rows(expected_stock, "state", ("setting_off",))]))

    bills = [d for d in xero["Invoices"] if d.get("Type") == "ACCPAY" and d.get("Status") not in ("DELETED", "VOIDED")]
    checks.append(_check("xero", "bills (Reference)", Counter(d.get("Reference") for d in bills),
                         Counter(r["number"] for r in _rows(exp["bills"], "state", POSTED)),
                         [r["number"] for r in _rows(exp["bills"], "state", ("setting_off",))]))

    names = set(exp["contacts_to_create"]["name"].to_list())
    contacts = [c for c in xero["Contacts"] if c.get("Name") in names]
    checks.append(_check("xero", "contacts created (Name)", Counter(c["Name"] for c in contacts),
                         Counter(names)))
    return checks


def _writeback(kind: str, records: list[dict], field: str, want: dict[str, str | None]) -> dict[str, Any]:
    """Auxo ``records`` must carry in ``field`` the Xero id ``want`` names (any id when None); no
    Xero id may be on two of them."""
    by_id = {r["id"]: r for r in records}
    found = Counter(r[field] for r in records if r.get(field))
    wrong = [key for key, xero_id in want.items()
             if by_id.get(key, {}).get(field) and xero_id and by_id[key][field] != xero_id]
    linked = Counter({key: 1 for key in want if by_id.get(key, {}).get(field)})
    check = _check("auxo", kind, linked, Counter(dict.fromkeys(want, 1)), wrong=wrong)
    twice = _check("auxo", kind, found, Counter())
    check["duplicated"], check["duplicated_keys"] = twice["duplicated"], twice["duplicated_keys"]
    return check


def _auxo_checks(auxo: dict[str, list[dict]], xero: dict[str, list[dict]],
                 exp: dict[str, pl.DataFrame]) -> list[dict[str, Any]]:
    checks = []
    xero_invoice = {}
    for d in xero["Invoices"]:
        if d.get("Type") == "ACCREC" and d.get("Status") != "DELETED":
            xero_invoice.setdefault(d["InvoiceNumber"], []).append(d["InvoiceID"])
    invoices = auxo["invoices"]
    number_to_id = {r["number"]: r["id"] for r in invoices}
    sent = _rows(exp["invoices"], "outcome", SENT_OUTCOMES)
    want = {number_to_id.get(r["number"], r["invoice_id"]): (ids[0] if len(ids := xero_invoice.get(r["number"], []))
                                                             == 1 else None) for r in sent}
    checks.append(_writeback("invoices: Xero id written back", invoices, "xero_invoice_id", want))

    payments = auxo["payments"]
    ours = [p for p in payments if p.get("source") != "xero"]
    want_pay = {r["payment_id"]: None for r in _rows(exp["payments"], "state", ("to_create", "existing",
                                                                              "to_allocate"))}
    checks.append(_writeback("payments: Xero id written back", ours, "xero_payment_id", want_pay))

    from_xero = [p for p in payments if p.get("source") == "xero"]
    actions = exp["xero_actions"]
    paid = [r["xero_payment_id"] or r["xero_id"] for r in _rows(actions, "action", ("xero_payment",))]
    checks.append(_check("auxo", "payments entered in Xero (Xero payment id)",
                         Counter(p.get("xero_payment_id") for p in from_xero), Counter(paid)))

    by_number = {r["number"]: r for r in invoices}
    allocations = Counter(a.get("xero_allocation_id") for r in invoices for a in r.get("xero_allocations") or [])
    allocated = Counter()
    must = Counter()
    for row in _rows(actions, "action", ("xero_credit_allocation",)):
        invoice = by_number.get(row["invoice_number"], {})
        must[row["invoice_number"]] = 1
        allocated[row["invoice_number"]] = sum(1 for a in invoice.get("xero_allocations") or []
                                               if a.get("xero_credit_note_id") == row["xero_id"]
                                               or _cents(a.get("amount", 0)) == row["amount"])
    check = _check("auxo", "Xero credit allocations (per invoice)", allocated, must)
    twice = _check("auxo", "", allocations, Counter())
    check["duplicated"] += twice["duplicated"]
    check["duplicated_keys"] += twice["duplicated_keys"]
    checks.append(check)

    adjusted = Counter({r["number"]: sum(1 for line in r.get("lines") or [] if line.get("kind") == "xero_adjustment")
                        for r in invoices})
    checks.append(_check("auxo", "Xero-edited totals: adjustment lines (per invoice)", +adjusted,
                         Counter(r["invoice_number"] for r in _rows(actions, "action", ("xero_edited_total",)))))

    credits = auxo["invoice-credits"]
    checks.append(_writeback("credits: Xero id written back", credits, "xero_credit_note_id",
                             {r["credit_id"]: None for r in _rows(exp["credit_notes"], "state", POSTED)}))
    checks.append(_writeback("purchase orders: Xero bill id written back", auxo["purchase-orders"], "xero_bill_id",
                             {r["purchase_order_id"]: None for r in _rows(exp["bills"], "state", POSTED)}))
    checks.append(_writeback("stock adjustments: Xero journal id written back", auxo["stock-adjustments"],
                             "xero_journal_id", {r["adjustment_id"]: None
                                                 for r in _rows(exp["stock_journals"], "state", POSTED)
                                                 if r["kind"] != "stocktake"}))
    lines = [{"id": line["id"], "xero_cogs_journal_id": line.get("xero_cogs_journal_id")}
             for r in invoices for line in r.get("lines") or []]
    checks.append(_writeback("COGS lines: Xero journal id written back", lines, "xero_cogs_journal_id",
                             {r["line_id"]: None for r in _rows(exp["cogs_journals"], "state", POSTED)}))

    xero_contact = Counter(c["Name"] for c in xero["Contacts"])
    ids = {c["Name"]: c["ContactID"] for c in xero["Contacts"]}
    for kind in ("customer", "supplier"):
        created = _rows(exp["contacts_to_create"].filter(pl.col("auxo_kind") == kind))
        checks.append(_writeback(f"{kind}s created in Xero: Xero id written back", auxo[f"{kind}s"],
                                 "xero_contact_id", {r["auxo_id"]: ids[r["name"]] if xero_contact[r["name"]] == 1
                                                     else None for r in created}))
    return checks


def verdict(documents: dict[str, dict[str, list[dict[str, Any]]]],
            expected: Path | dict[str, pl.DataFrame]) -> dict[str, Any]:
    """Every check, and the totals: ``ok`` when nothing is duplicated and nothing missing in either system."""
    exp = load_expected(expected) if isinstance(expected, Path) else expected
    checks = _xero_checks(documents["xero"], exp) + _auxo_checks(documents["auxo"], documents["xero"], exp)
    duplicated = sum(c["duplicated"] for c in checks)
    missing = sum(c["missing"] for c in checks)
    by_system = {system: {"duplicated": sum(c["duplicated"] for c in checks if c["system"] == system),
                          "missing": sum(c["missing"] for c in checks if c["system"] == system),
                          "unexpected": sum(c["unexpected"] for c in checks if c["system"] == system),
                          "documents_checked": sum(c["found"] for c in checks if c["system"] == system)}
                 for system in ("xero", "auxo")}
    return {"ok": duplicated == 0 and missing == 0, "duplicated": duplicated, "missing": missing,
            "unexpected": sum(c["unexpected"] for c in checks), "by_system": by_system, "checks": checks}


__all__ = ["load_expected", "read_documents", "verdict"]
