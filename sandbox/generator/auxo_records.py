"""The workshop as Auxo API records: one JSON body per record, built column-wise.

Each function returns ``id, updated_at, ref, natural_key, body`` — the rows the Auxo sandbox
stores (``sandbox.auxo.seeding.seed_rows``) — with bodies in exactly the shape of
``sandbox/auxo/openapi.yaml`` (the tests read them back through the API and validate them).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from sandbox.auxo.store import KEY_FIELDS, REF_FIELDS
from sandbox.generator.cents import money, quantity
from sandbox.generator.documents import describe_lines, line_id
from sandbox.generator.timeline import local_date, timestamp, us_to_text
from sandbox.generator.workshop import Workshop

NULL = pl.lit(None, pl.String)


def _ts(column: str) -> pl.Expr:
    return timestamp(column)


def _date(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.dt.strftime("%Y-%m-%d")


def _part_id(column: str) -> pl.Expr:
    return pl.lit("prt_") + pl.col(column).cast(pl.String).str.zfill(6)


def _rows(resource: str, frame: pl.DataFrame, fields: dict[str, pl.Expr], updated: str = "updated_at") -> pl.DataFrame:
    """``fields`` in order as the body; the store's ref and natural key taken from the same values."""
    body = frame.select(**fields)
    refs = REF_FIELDS.get(resource, ())
    ref = pl.coalesce([pl.col(f) for f in refs]) if refs else NULL
    key = pl.col(KEY_FIELDS[resource]) if resource in KEY_FIELDS else NULL
    return body.select(id=pl.col("id"), updated_at=pl.col(updated), ref=ref, natural_key=key,
                       body=pl.struct(pl.all()).struct.json_encode())


def _contacts(resource: str, frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.with_columns(updated_us=pl.max_horizontal("edited_us", "synced_us"))
    address = pl.struct(type=pl.lit("street"), line1=pl.col("line1"), line2=NULL, suburb=pl.col("suburb"),
                        state=pl.col("state"), postcode=pl.col("postcode"), country=pl.lit("Australia"))
    return _rows(resource, frame, {
        "id": pl.col("id"), "kind": pl.col("kind"), "name": pl.col("name"), "first_name": pl.col("first_name"),
        "last_name": pl.col("last_name"), "contact_person": pl.col("contact_person"), "email": pl.col("email"),
        "phone": pl.col("phone"), "mobile": pl.col("mobile"), "abn": pl.col("abn"),
        "addresses": pl.concat_list(address), "archived": pl.col("archived"), "xero_contact_id": pl.col("xero_contact_id"),
        "sync_status": pl.col("sync_status"), "sync_error": NULL, "synced_at": _ts("synced_us"),
        "created_at": _ts("created_us"), "edited_at": _ts("edited_us"), "updated_at": _ts("updated_us"),
    })


def customers(w: Workshop) -> pl.DataFrame:
    return _contacts("customers", w.customers)


def suppliers(w: Workshop) -> pl.DataFrame:
    return _contacts("suppliers", w.suppliers)


def vehicles(w: Workshop) -> pl.DataFrame:
    frame = w.vehicles.join(w.customers.select(customer_idx="idx", created_us="created_us"), on="customer_idx",
                            how="left", maintain_order="left")
    return _rows("vehicles", frame, {
        "id": pl.col("id"), "registration": pl.col("registration"), "make": pl.col("make"), "model": pl.col("model"),
        "year": pl.col("year"), "customer_id": pl.col("customer_id"), "created_at": _ts("created_us"),
        "updated_at": _ts("created_us"),
    })


def parts(w: Workshop) -> pl.DataFrame:
    return _rows("parts", w.parts, {
        "id": pl.col("id"), "part_number": pl.col("part_number"), "description": pl.col("description"),
        "stocked": pl.col("stocked"), "sell_price": money("sell_price"), "average_cost": money("average_cost"),
        "quantity_on_hand": quantity("quantity_on_hand"), "archived": pl.lit(False), "created_at": _ts("created_us"),
        "updated_at": _ts("updated_us"),
    })


def part_cost_history(w: Workshop) -> pl.DataFrame:
    return _rows("part-cost-history", w.cost_history, {
        "id": pl.col("id"), "part_id": _part_id("part_idx"), "effective_at": _ts("effective_us"),
        "average_cost": money("average_cost"), "previous_average_cost": money("previous_average_cost"),
        "quantity_on_hand": quantity("quantity_on_hand"), "reason": pl.col("reason"),
        "purchase_order_id": pl.col("purchase_order_id"), "purchase_order_line_id": pl.col("purchase_order_line_id"),
        "created_at": _ts("effective_us"), "updated_at": _ts("effective_us"),
    })


def jobs(w: Workshop) -> pl.DataFrame:
    frame = w.jobs.with_columns(vehicle_id=pl.lit("veh_") + pl.col("vehicle_idx").cast(pl.String).str.zfill(8))
    return _rows("jobs", frame, {
        "id": pl.col("id"), "number": pl.col("number"),
        "customer_id": pl.lit("cus_") + pl.col("customer_idx").cast(pl.String).str.zfill(8),
        "vehicle_id": pl.col("vehicle_id"), "status": pl.col("status"), "description": pl.lit("Service and repairs"),
        "opened_at": _ts("created_us"), "completed_at": _ts("completed_us"), "created_at": _ts("created_us"),
        "updated_at": _ts("updated_us"),
    })


def _line_struct() -> pl.Expr:
    return pl.struct(
        id=line_id(), kind=pl.col("kind"), description=pl.col("description"),
        part_id=pl.when(pl.col("part_idx").is_not_null()).then(_part_id("part_idx")).otherwise(NULL),
        supply=pl.col("supply"), purchase_order_id=pl.col("purchase_order_id"), quantity=quantity("quantity"),
        unit_price=money("unit_price"), price_includes_gst=pl.col("includes_gst"), line_amount=money("line_amount"),
        gst=money("gst"), line_total=money("line_total"), tax_code=pl.lit("GST"),
        xero_cogs_journal_id=pl.col("xero_cogs_journal_id"),
    )


def invoices(w: Workshop) -> pl.DataFrame:
    lines = describe_lines(w.lines, w.parts).group_by("invoice_idx", maintain_order=True).agg(lines=_line_struct())
    frame = w.invoices.join(lines, left_on="idx", right_on="invoice_idx", how="left", maintain_order="left").join(
        w.jobs.select(pl.col("invoice_idx").alias("idx"), job_id="id"), on="idx", how="left", maintain_order="left").join(
        w.vehicles.select(vehicle_idx="idx", registration="registration", vehicle_id="id"), on="vehicle_idx", how="left",
        maintain_order="left")
    return _rows("invoices", frame, {
        "id": pl.col("id"), "number": pl.col("number"), "invoice_date": _date("invoice_date"),
        "due_date": _date(pl.col("invoice_date") + pl.duration(days=pl.when(pl.col("inclusive")).then(0).otherwise(30))),
        "customer_id": pl.lit("cus_") + pl.col("customer_idx").cast(pl.String).str.zfill(8), "job_id": pl.col("job_id"),
        "vehicle_id": pl.col("vehicle_id"), "vehicle_registration": pl.col("registration"),
        "gst_mode": pl.when(pl.col("inclusive")).then(pl.lit("inclusive")).otherwise(pl.lit("exclusive")),
        "status": pl.col("status"), "lines": pl.col("lines"), "subtotal": money("subtotal"), "gst": money("gst"),
        "total": money("total"), "amount_paid": money("amount_paid"), "amount_credited": money("amount_credited"),
        "balance": money("balance"), "locked": pl.col("locked"), "xero_allocations": pl.lit([], pl.List(pl.Null)),
        "xero_invoice_id": pl.col("xero_invoice_id"), "sync_status": pl.col("sync_status"), "sync_error": NULL,
        "synced_at": _ts("synced_us"), "issued_at": _ts("created_us"), "voided_at": _ts("voided_us"),
        "created_at": _ts("created_us"), "edited_at": _ts("edited_us"), "updated_at": _ts("updated_us"),
    })


def invoice_credits(w: Workshop) -> pl.DataFrame:
    frame = w.credits.join(w.invoices.select(invoice_idx="idx", invoice_id="id", inclusive="inclusive"),
                           on="invoice_idx", how="left", maintain_order="left").with_columns(
        updated_us=pl.max_horizontal("created_us", "synced_us"))
    line = pl.struct(
        id=pl.col("line_id"), kind=pl.lit("sundry"), description=pl.lit("Goodwill credit"), part_id=NULL, supply=NULL,
        purchase_order_id=NULL, quantity=pl.lit("1"), unit_price=money("unit_price"),
        price_includes_gst=pl.col("includes_gst"), line_amount=money("line_amount"), gst=money("gst"),
        line_total=money("total"), tax_code=pl.lit("GST"), xero_cogs_journal_id=NULL)
    return _rows("invoice-credits", frame, {
        "id": pl.col("id"), "number": pl.col("number"), "invoice_id": pl.col("invoice_id"),
        "customer_id": pl.lit("cus_") + pl.col("customer_idx").cast(pl.String).str.zfill(8),
        "credit_date": _date(local_date("created_us")),
        "gst_mode": pl.when(pl.col("inclusive")).then(pl.lit("inclusive")).otherwise(pl.lit("exclusive")),
        "reason": pl.lit("Goodwill"), "lines": pl.concat_list(line), "subtotal": money("line_amount"), "gst": money("gst"),
        "total": money("total"), "status": pl.lit("issued"), "xero_credit_note_id": pl.col("xero_credit_note_id"),
        "sync_status": pl.col("sync_status"), "sync_error": NULL, "synced_at": _ts("synced_us"),
        "created_at": _ts("created_us"), "updated_at": _ts("updated_us"),
    })


def payments(w: Workshop) -> pl.DataFrame:
    frame = w.payments.join(w.invoices.select(invoice_idx="idx", invoice_id="id"), on="invoice_idx", how="left",
                            maintain_order="left").with_columns(
        updated_us=pl.max_horizontal("created_us", "synced_us", "applied_us"))
    return _rows("payments", frame, {
        "id": pl.col("id"), "kind": pl.col("kind"), "source": pl.lit("auxo"), "status": pl.lit("active"),
        "payment_date": _date(local_date("created_us")), "amount": money("amount"), "method": pl.col("method"),
        "reference": NULL, "customer_id": pl.lit("cus_") + pl.col("customer_idx").cast(pl.String).str.zfill(8),
        "invoice_id": pl.col("invoice_id"), "job_id": pl.col("job_id"), "applied_at": _ts("applied_us"),
        "deleted_at": NULL, "deleted_source": NULL, "xero_payment_id": pl.col("xero_payment_id"),
        "sync_status": pl.col("sync_status"), "sync_error": NULL, "synced_at": _ts("synced_us"),
        "created_at": _ts("created_us"), "updated_at": _ts("updated_us"),
    })


def purchase_orders(w: Workshop) -> pl.DataFrame:
    lines = w.order_lines.join(w.parts.select(part_idx="idx", description="description"), on="part_idx", how="left",
                               maintain_order="left").group_by("order_idx", maintain_order=True).agg(lines=pl.struct(
        id=pl.col("id"), part_id=_part_id("part_idx"), description=pl.col("description"),
        quantity=quantity("quantity"), unit_cost=money("unit_cost"), line_amount=money("line_amount"), gst=money("gst"),
        tax_code=pl.lit("GST")))
    frame = w.orders.join(lines, left_on="idx", right_on="order_idx", how="left", maintain_order="left").join(
        w.jobs.filter(pl.col("invoice_idx").is_not_null()).select("invoice_idx", job_id="id"), on="invoice_idx",
        how="left", maintain_order="left").with_columns(
        updated_us=pl.max_horizontal("created_us", "received_us", "synced_us"))
    received = pl.col("received_us").is_not_null()
    return _rows("purchase-orders", frame, {
        "id": pl.col("id"), "number": pl.col("number"), "kind": pl.col("kind"), "job_id": pl.col("job_id"),
        "supplier_id": pl.lit("sup_") + pl.col("supplier_idx").cast(pl.String).str.zfill(6),
        "supplier_reference": pl.when(received).then(pl.lit("SI-") + pl.col("number").str.slice(3)).otherwise(NULL),
        "order_date": _date(local_date("created_us")),
        "status": pl.when(received).then(pl.lit("received")).otherwise(pl.lit("ordered")),
        "received_at": _ts("received_us"), "received_date": _date(local_date("received_us")), "lines": pl.col("lines"),
        "freight": money("freight"), "freight_gst": money("freight_gst"), "rounding_adjustment": money("rounding"),
        "subtotal": money("subtotal"), "gst": money("gst"), "total": money("total"), "xero_bill_id": pl.col("xero_bill_id"),
        "sync_status": pl.col("sync_status"), "sync_error": NULL, "synced_at": _ts("synced_us"),
        "created_at": _ts("created_us"), "updated_at": _ts("updated_us"),
    })


def stock_adjustments(w: Workshop) -> pl.DataFrame:
    frame = w.adjustments.with_columns(updated_us=pl.max_horizontal("created_us", "synced_us"))
    return _rows("stock-adjustments", frame, {
        "id": pl.col("id"), "number": pl.col("number"), "kind": pl.col("kind"), "stocktake_id": pl.col("stocktake_id"),
        "stocktake_number": pl.col("stocktake_number"), "part_id": _part_id("part_idx"),
        "adjustment_date": _date("adjustment_date"), "quantity_change": quantity("quantity"),
        "unit_cost": money("unit_cost"), "value": money("value"), "reason": pl.col("reason"),
        "xero_journal_id": pl.col("xero_journal_id"), "sync_status": pl.col("sync_status"), "sync_error": NULL,
        "synced_at": _ts("synced_us"), "created_at": _ts("created_us"), "updated_at": _ts("updated_us"),
    })


RESOURCE_BUILDERS: dict[str, Callable[[Workshop], pl.DataFrame]] = {
    "customers": customers, "suppliers": suppliers, "vehicles": vehicles, "parts": parts,
    "part-cost-history": part_cost_history, "jobs": jobs, "invoices": invoices, "invoice-credits": invoice_credits,
    "payments": payments, "purchase-orders": purchase_orders, "stock-adjustments": stock_adjustments,
}


def singletons(w: Workshop) -> dict[str, dict]:
    """The account and the sync settings (with the history of every switch)."""
    first = min(w.customers["created_us"].min(), w.parts["created_us"].min())
    history = [{"setting": row["setting"], "value": row["value"], "changed_at": us_to_text(row["changed_us"])}
               for row in w.settings_history.iter_rows(named=True)]
    current = {row["setting"]: row["value"] for row in w.settings_history.iter_rows(named=True)}
    return {
        "account": {"id": w.meta["account_id"], "name": w.meta["workshop_name"], "abn": "53004085616",
                    "timezone": "Australia/Sydney", "currency": "AUD", "invoice_prefix": w.meta["invoice_prefix"],
                    "credit_prefix": "CR-", "purchase_order_prefix": "PO-", "default_gst_mode": "inclusive",
                    "created_at": us_to_text(first), "updated_at": us_to_text(first)},
        "sync-settings": {"send_purchase_orders": current["send_purchase_orders"],
                          "create_inventory_journals": current["create_inventory_journals"],
                          "sync_start_date": w.meta["sync_start_date"], "history": history,
                          "created_at": history[0]["changed_at"], "updated_at": history[-1]["changed_at"]},
    }
