"""Acting as a person using Auxo: what the admin surface does to the workshop.

A test or a demo creates customers and jobs, invoices a job, takes a payment or a deposit,
receives a purchase order, counts stock, edits a customer — through these functions, which apply
the same rules Auxo does (numbers unique, an invoice locked once a payment or credit is matched,
average cost moving with each receipt, deposits applied when the job is invoiced).
"""

from __future__ import annotations

from datetime import date, timedelta

from sandbox.auxo.fields import Fields, invalid
from sandbox.auxo.money import format_money, format_quantity, parse_money, parse_quantity
from sandbox.auxo.rules import (
    LINE_KINDS,
    SUPPLIES,
    RuleError,
    adjustment_value,
    ensure_editable,
    ensure_within_balance,
    price_line,
    price_purchase_order,
    weighted_average_cost,
)
from sandbox.auxo.store import Record, Transaction, local_date, new_id
from sandbox.auxo.writes import CONTACT_FIELDS, address_from, reprice_invoice

CONTACT_RESOURCES = ("customers", "suppliers")
PAYMENT_METHODS = ("cash", "eftpos", "card", "bank_transfer", "cheque")


def _account(tx: Transaction) -> Record:
    return tx.require("account", "account")


def _mark_edited(tx: Transaction, record: Record) -> Record:
    """A business edit: ``edited_at`` moves and a synced record needs syncing again."""
    status = record.get("sync_status")
    return {**record, "edited_at": tx.now(),
            "sync_status": "pending" if status in ("synced", "error") else status}


def _number(tx: Transaction, resource: str, prefix: str, width: int = 6) -> str:
    while True:  # skip numbers already taken (seeded data, or typed by hand)
        candidate = f"{prefix}{tx.next_sequence(resource):0{width}d}"
        if tx.find(resource, candidate) is None:
            return candidate


# ---------------------------------------------------------------- contacts, vehicles, parts


def create_contact(tx: Transaction, resource: str, body: Fields) -> Record:
    kind = "business" if resource == "suppliers" else body.choice("kind", ("individual", "business"), default="individual")
    record: Record = {"id": new_id(resource), "kind": kind}
    for name in CONTACT_FIELDS:
        record[name] = body.text(name, required=name == "name")
    record["addresses"] = [address_from(entry) for entry in body.objects("addresses", required=False) or []]
    now = tx.now()
    record.update(archived=body.boolean("archived", default=False), xero_contact_id=None, sync_status="pending",
                  sync_error=None, synced_at=None, created_at=None, edited_at=now)
    return tx.put(resource, record)


def edit_contact(tx: Transaction, resource: str, record_id: str, body: Fields) -> Record:
    record = tx.require(resource, record_id)
    updated = dict(record)
    for name in CONTACT_FIELDS:
        if body.has(name):
            updated[name] = body.text(name, required=name == "name")
    if body.has("addresses"):
        updated["addresses"] = [address_from(entry) for entry in body.objects("addresses") or []]
    if body.has("archived"):
        updated["archived"] = body.boolean("archived")
    if updated == record:
        return record
    return tx.put(resource, _mark_edited(tx, updated))


def create_vehicle(tx: Transaction, body: Fields) -> Record:
    customer = tx.require("customers", body.text("customer_id"), "customer")
    registration = "".join((body.text("registration") or "").split()).upper()
    year = body.raw.get("year")
    if year is not None and not isinstance(year, int):
        raise invalid("year", "year must be an integer")
    return tx.put("vehicles", {"id": new_id("vehicles"), "registration": registration, "make": body.text("make"),
                               "model": body.text("model"), "year": year, "customer_id": customer["id"],
                               "created_at": None})


def create_part(tx: Transaction, body: Fields) -> Record:
    cost = body.money("average_cost")
    part = tx.put("parts", {
        "id": new_id("parts"), "part_number": body.text("part_number"), "description": body.text("description"),
        "stocked": body.boolean("stocked"), "sell_price": body.money_text("sell_price"),
        "average_cost": format_money(cost), "quantity_on_hand": body.quantity_text("quantity_on_hand", default=0),
        "archived": False, "created_at": None,
    })
    _cost_entry(tx, part, None, cost, "opening", None, None)
    return part


def _cost_entry(tx: Transaction, part: Record, previous: int | None, cost: int, reason: str,
                order_id: str | None, line_id: str | None) -> Record:
    stamp = part["updated_at"]
    return tx.put("part-cost-history", {
        "id": new_id("part-cost-history"), "part_id": part["id"], "effective_at": stamp,
        "average_cost": format_money(cost), "previous_average_cost": None if previous is None else format_money(previous),
        "quantity_on_hand": part["quantity_on_hand"], "reason": reason, "purchase_order_id": order_id,
        "purchase_order_line_id": line_id, "created_at": stamp,
    })


def _move_stock(tx: Transaction, part_id: str, change4: int) -> Record:
    part = tx.require("parts", part_id, "part")
    on_hand = parse_quantity(part["quantity_on_hand"]) + change4
    return tx.put("parts", {**part, "quantity_on_hand": format_quantity(on_hand)})


# ---------------------------------------------------------------- jobs and invoices


def create_job(tx: Transaction, body: Fields) -> Record:
    customer = tx.require("customers", body.text("customer_id"), "customer")
    vehicle_id = body.text("vehicle_id", required=False)
    if vehicle_id:
        tx.require("vehicles", vehicle_id, "vehicle")
    now = tx.now()
    return tx.put("jobs", {"id": new_id("jobs"), "number": _number(tx, "jobs", "J-"), "customer_id": customer["id"],
                           "vehicle_id": vehicle_id, "status": "open",
                           "description": body.text("description", required=False) or "Service",
                           "opened_at": now, "completed_at": None, "created_at": None})


def _lines(tx: Transaction, entries: list[Fields], gst_mode: str, job_id: str | None) -> list[Record]:
    lines = []
    for entry in entries:
        kind = entry.choice("kind", LINE_KINDS[:-1])
        part_id = entry.text("part_id", required=kind == "part")
        supply = entry.choice("supply", SUPPLIES) if kind == "part" else None
        description = entry.text("description", required=False)
        if part_id:
            part = tx.require("parts", part_id, "part")
            description = description or part["description"]
            unit_price = entry.money_text("unit_price", required=False) or part["sell_price"]
        else:
            unit_price = entry.money_text("unit_price")
        if kind == "discount" and parse_money(unit_price) > 0:
            unit_price = format_money(-parse_money(unit_price))
        order_id = entry.text("purchase_order_id", required=False)
        if supply == "job_po" and order_id:
            order = tx.require("purchase-orders", order_id, "purchase order")
            if order["job_id"] != job_id:
                raise invalid(entry._name("purchase_order_id"), "a job_po part must come from a PO linked to this job")
        lines.append(price_line({
            "id": new_id("lines"), "kind": kind, "description": description or kind.capitalize(), "part_id": part_id,
            "supply": supply, "purchase_order_id": order_id if supply == "job_po" else None,
            "quantity": entry.quantity_text("quantity", default=10_000), "unit_price": unit_price,
            "tax_code": entry.choice("tax_code", ("GST", "FRE"), default="GST"), "xero_cogs_journal_id": None,
        }, gst_mode))
    return lines


def invoice_job(tx: Transaction, job_id: str, body: Fields) -> Record:
    """Invoice a job: lines priced, stock issued, the job's deposits applied."""
    job = tx.require("jobs", job_id, "job")
    if job["status"] in ("invoiced", "cancelled"):
        raise RuleError("job_closed", f"Job {job['number']} is {job['status']}.", {"job_id": job_id})
    account = _account(tx)
    gst_mode = body.choice("gst_mode", ("inclusive", "exclusive"), default=account["default_gst_mode"])
    now = tx.now()
    invoice_date = body.date("invoice_date", default=local_date(now))
    number = body.text("number", required=False) or _number(tx, "invoices", account["invoice_prefix"])
    vehicle = tx.get("vehicles", job["vehicle_id"])
    lines = _lines(tx, body.objects("lines") or [], gst_mode, job_id)
    if not lines:
        raise invalid("lines", "an invoice needs at least one line")
    terms = body.raw.get("due_days", 0 if gst_mode == "inclusive" else 30)
    invoice: Record = {
        "id": new_id("invoices"), "number": number, "invoice_date": invoice_date,
        "due_date": (date.fromisoformat(invoice_date) + timedelta(days=int(terms))).isoformat(),
        "customer_id": job["customer_id"], "job_id": job["id"], "vehicle_id": job["vehicle_id"],
        "vehicle_registration": vehicle["registration"] if vehicle else None, "gst_mode": gst_mode,
        "status": "issued", "lines": lines, "xero_allocations": [], "xero_invoice_id": None,
        "sync_status": "pending", "sync_error": None, "synced_at": None, "issued_at": now, "voided_at": None,
        "created_at": None, "edited_at": now,
    }
    invoice = tx.put("invoices", reprice_invoice(tx, invoice))
    for line in lines:
        if line["kind"] == "part" and line["supply"] in ("stock", "job_po"):
            _move_stock(tx, line["part_id"], -parse_quantity(line["quantity"]))
    for deposit in tx.children("payments", job["id"]):
        if deposit["kind"] == "deposit" and deposit["status"] == "active" and not deposit["invoice_id"]:
            ensure_within_balance(invoice, parse_money(deposit["amount"]))
            tx.put("payments", {**deposit, "invoice_id": invoice["id"], "applied_at": now,
                                "sync_status": "pending" if deposit["sync_status"] == "synced" else deposit["sync_status"]})
            invoice = tx.put("invoices", reprice_invoice(tx, invoice))
    tx.put("jobs", {**job, "status": "invoiced", "completed_at": job["completed_at"] or now})
    return invoice


def edit_invoice(tx: Transaction, invoice_id: str, body: Fields) -> Record:
    invoice = tx.require("invoices", invoice_id, "invoice")
    ensure_editable(invoice)
    updated = dict(invoice)
    if body.has("number"):
        updated["number"] = body.text("number")
    for name in ("invoice_date", "due_date"):
        if body.has(name):
            updated[name] = body.date(name)
    if body.has("gst_mode"):
        updated["gst_mode"] = body.choice("gst_mode", ("inclusive", "exclusive"))
    if body.has("lines"):
        keep = [line for line in invoice["lines"] if line["kind"] == "xero_adjustment"]
        updated["lines"] = _lines(tx, body.objects("lines") or [], updated["gst_mode"], invoice["job_id"]) + keep
    else:
        updated["lines"] = [price_line(line, updated["gst_mode"]) for line in invoice["lines"]]
    return tx.put("invoices", reprice_invoice(tx, _mark_edited(tx, updated)))


def void_invoice(tx: Transaction, invoice_id: str) -> Record:
    invoice = tx.require("invoices", invoice_id, "invoice")
    ensure_editable(invoice)
    return tx.put("invoices", reprice_invoice(tx, _mark_edited(tx, {**invoice, "status": "void", "voided_at": tx.now()})))


# ---------------------------------------------------------------- payments, deposits, credits


def _payment(tx: Transaction, kind: str, body: Fields, customer_id: str, invoice_id: str | None,
             job_id: str | None, amount: int) -> Record:
    return tx.put("payments", {
        "id": new_id("payments"), "kind": kind, "source": "auxo", "status": "active",
        "payment_date": body.date("payment_date", default=tx.today()), "amount": format_money(amount),
        "method": body.choice("method", PAYMENT_METHODS, default="eftpos"),
        "reference": body.text("reference", required=False), "customer_id": customer_id, "invoice_id": invoice_id,
        "job_id": job_id, "applied_at": None, "deleted_at": None, "deleted_source": None, "xero_payment_id": None,
        "sync_status": "pending", "sync_error": None, "synced_at": None, "created_at": None,
    })


def take_payment(tx: Transaction, invoice_id: str, body: Fields) -> Record:
    invoice = tx.require("invoices", invoice_id, "invoice")
    amount = body.money("amount", default=parse_money(invoice["balance"]))
    ensure_within_balance(invoice, amount)
    payment = _payment(tx, "payment", body, invoice["customer_id"], invoice["id"], invoice["job_id"], amount)
    tx.put("invoices", reprice_invoice(tx, invoice))
    return payment


def take_deposit(tx: Transaction, job_id: str, body: Fields) -> Record:
    job = tx.require("jobs", job_id, "job")
    if job["status"] in ("invoiced", "cancelled"):
        raise RuleError("job_closed", f"Job {job['number']} is {job['status']}.", {"job_id": job_id})
    amount = body.money("amount")
    if amount <= 0:
        raise invalid("amount", "a deposit must be positive")
    return _payment(tx, "deposit", body, job["customer_id"], None, job["id"], amount)


def delete_payment(tx: Transaction, payment_id: str) -> Record:
    payment = tx.require("payments", payment_id, "payment")
    if payment["status"] == "deleted":
        return payment
    status = "pending" if payment["sync_status"] in ("synced", "error") else payment["sync_status"]
    payment = tx.put("payments", {**payment, "status": "deleted", "deleted_at": tx.now(), "deleted_source": "auxo",
                                  "sync_status": status})
    if payment["invoice_id"]:
        tx.put("invoices", reprice_invoice(tx, tx.require("invoices", payment["invoice_id"])))
    return payment


def credit_invoice(tx: Transaction, invoice_id: str, body: Fields) -> Record:
    invoice = tx.require("invoices", invoice_id, "invoice")
    lines = _lines(tx, body.objects("lines") or [], invoice["gst_mode"], invoice["job_id"])
    total = sum(parse_money(line["line_total"]) for line in lines)
    ensure_within_balance(invoice, total)
    account = _account(tx)
    credit = tx.put("invoice-credits", {
        "id": new_id("invoice-credits"), "number": _number(tx, "invoice-credits", account["credit_prefix"]),
        "invoice_id": invoice["id"], "customer_id": invoice["customer_id"],
        "credit_date": body.date("credit_date", default=tx.today()), "gst_mode": invoice["gst_mode"],
        "reason": body.text("reason", required=False) or "Credit", "lines": lines,
        "subtotal": format_money(sum(parse_money(line["line_amount"]) for line in lines)),
        "gst": format_money(sum(parse_money(line["gst"]) for line in lines)), "total": format_money(total),
        "status": "issued", "xero_credit_note_id": None, "sync_status": "pending", "sync_error": None,
        "synced_at": None, "created_at": None,
    })
    tx.put("invoices", reprice_invoice(tx, invoice))
    return credit


# ---------------------------------------------------------------- purchase orders and stock


def create_purchase_order(tx: Transaction, body: Fields) -> Record:
    supplier = tx.require("suppliers", body.text("supplier_id"), "supplier")
    kind = body.choice("kind", ("stock", "job"))
    job_id = body.text("job_id", required=kind == "job")
    if job_id:
        tx.require("jobs", job_id, "job")
    lines = []
    for entry in body.objects("lines") or []:
        part = tx.require("parts", entry.text("part_id"), "part")
        lines.append({"id": new_id("lines"), "part_id": part["id"],
                      "description": entry.text("description", required=False) or part["description"],
                      "quantity": entry.quantity_text("quantity"),
                      "unit_cost": entry.money_text("unit_cost", required=False) or part["average_cost"],
                      "tax_code": "GST"})
    if not lines:
        raise invalid("lines", "a purchase order needs at least one line")
    account = _account(tx)
    order = price_purchase_order({
        "id": new_id("purchase-orders"), "number": body.text("number", required=False)
        or _number(tx, "purchase-orders", account["purchase_order_prefix"]),
        "kind": kind, "job_id": job_id, "supplier_id": supplier["id"], "supplier_reference": None,
        "order_date": body.date("order_date", default=tx.today()), "status": "ordered", "received_at": None,
        "received_date": None, "lines": lines, "freight": body.money_text("freight", default=0),
        "rounding_adjustment": body.money_text("rounding_adjustment", default=0), "xero_bill_id": None,
        "sync_status": "pending", "sync_error": None, "synced_at": None, "created_at": None,
    })
    return tx.put("purchase-orders", order)


def receive_purchase_order(tx: Transaction, order_id: str, body: Fields) -> Record:
    """Receive every line: on hand goes up and the average cost moves (weighted average)."""
    order = tx.require("purchase-orders", order_id, "purchase order")
    if order["status"] != "ordered":
        raise RuleError("invalid_status", f"Purchase order {order['number']} is {order['status']}.",
                        {"purchase_order_id": order_id})
    for line in order["lines"]:
        part = tx.require("parts", line["part_id"], "part")
        previous = parse_money(part["average_cost"])
        received = parse_quantity(line["quantity"])
        cost = weighted_average_cost(parse_quantity(part["quantity_on_hand"]), previous, received,
                                     parse_money(line["unit_cost"]))
        part = tx.put("parts", {**part, "average_cost": format_money(cost),
                                "quantity_on_hand": format_quantity(parse_quantity(part["quantity_on_hand"]) + received)})
        _cost_entry(tx, part, previous, cost, "receipt", order["id"], line["id"])
    now = tx.now()
    return tx.put("purchase-orders", {**order, "status": "received", "received_at": now,
                                      "received_date": body.date("received_date", default=local_date(now)),
                                      "supplier_reference": body.text("supplier_reference", required=False)})


def _adjustment(tx: Transaction, part_id: str, change4: int, reason: str, kind: str,
                stocktake: tuple[str, str] | None, when: str) -> Record:
    part = tx.require("parts", part_id, "part")
    unit_cost = parse_money(part["average_cost"])
    _move_stock(tx, part_id, change4)
    return tx.put("stock-adjustments", {
        "id": new_id("stock-adjustments"), "number": _number(tx, "stock-adjustments", "ADJ-"), "kind": kind,
        "stocktake_id": stocktake[0] if stocktake else None, "stocktake_number": stocktake[1] if stocktake else None,
        "part_id": part_id, "adjustment_date": when, "quantity_change": format_quantity(change4),
        "unit_cost": format_money(unit_cost), "value": format_money(adjustment_value(change4, unit_cost)),
        "reason": reason, "xero_journal_id": None, "sync_status": "pending", "sync_error": None, "synced_at": None,
        "created_at": None,
    })


def adjust_stock(tx: Transaction, body: Fields) -> Record:
    change = body.quantity("quantity_change")
    if change == 0:
        raise invalid("quantity_change", "the change cannot be zero")
    return _adjustment(tx, body.text("part_id"), change, body.text("reason", required=False) or "Adjustment",
                       "adjustment", None, body.date("adjustment_date", default=tx.today()))


def stocktake(tx: Transaction, body: Fields) -> list[Record]:
    """Counted quantities in; one ``stocktake`` adjustment out per part whose count differs."""
    stocktake_id = new_id("stocktakes")
    number = f"ST-{tx.next_sequence('stocktakes'):04d}"
    when = body.date("adjustment_date", default=tx.today())
    records = []
    for entry in body.objects("counts") or []:
        part = tx.require("parts", entry.text("part_id"), "part")
        change = entry.quantity("counted_quantity") - parse_quantity(part["quantity_on_hand"])
        if change:
            records.append(_adjustment(tx, part["id"], change, "Stocktake variance", "stocktake",
                                       (stocktake_id, number), when))
    return records


# ---------------------------------------------------------------- settings


def set_sync_settings(tx: Transaction, body: Fields) -> Record:
    settings = tx.require("sync-settings", "sync-settings")
    history = list(settings["history"])
    now = tx.now()
    updated = dict(settings)
    for name in ("send_purchase_orders", "create_inventory_journals"):
        value = body.boolean(name, required=False)
        if value is not None and value != settings[name]:
            updated[name] = value
            history.append({"setting": name, "value": value, "changed_at": now})
    if body.has("sync_start_date"):
        updated["sync_start_date"] = body.date("sync_start_date")
    updated["history"] = history
    return tx.put("sync-settings", updated) if updated != settings else settings


def update_account(tx: Transaction, body: Fields) -> Record:
    account = _account(tx)
    updated = dict(account)
    for name in ("name", "abn", "invoice_prefix", "credit_prefix", "purchase_order_prefix"):
        if body.has(name):
            updated[name] = body.text(name)
    if body.has("default_gst_mode"):
        updated["default_gst_mode"] = body.choice("default_gst_mode", ("inclusive", "exclusive"))
    return tx.put("account", updated) if updated != account else account

