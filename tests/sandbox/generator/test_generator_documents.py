"""Each kind of messy document is present, and consistent with Auxo's rules."""

from __future__ import annotations

from datetime import date

import polars as pl

from sandbox.generator.plants import SYNCED_PLANTS, WINDOW_PLANTS, lock_date


def _window(workshop, frame: pl.DataFrame, column: str = "created_us") -> pl.DataFrame:
    return frame.filter(pl.col(column) >= workshop.timeline.at(workshop.timeline.window_start_date, 0))


def test_every_planted_case_is_present_once(workshop) -> None:
    planted = workshop.invoices.filter(pl.col("planted").is_not_null())
    assert sorted(planted["planted"]) == sorted([*SYNCED_PLANTS, *WINDOW_PLANTS])
    synced = planted.filter(pl.col("planted").is_in(list(SYNCED_PLANTS)))
    assert synced["synced"].all() and (synced["invoice_date"] > lock_date(workshop.timeline)).all()
    window = planted.filter(pl.col("planted").is_in(list(WINDOW_PLANTS)))
    assert (window["phase"] == "window").all()


def test_stocked_job_ordered_and_direct_parts_in_the_window(workshop) -> None:
    window_invoices = _window(workshop, workshop.invoices)["idx"]
    lines = workshop.lines.filter(pl.col("invoice_idx").is_in(window_invoices.implode()) & (pl.col("kind") == "part"))
    assert {"stock", "job_po", "direct"} <= set(lines["supply"])
    stocked = dict(zip(workshop.parts["idx"], workshop.parts["stocked"], strict=True))
    for row in lines.iter_rows(named=True):
        if row["supply"] == "stock":
            assert stocked[row["part_idx"]]
        if row["supply"] == "direct":
            assert not stocked[row["part_idx"]] and row["cogs_amount"] is None


def test_job_ordered_parts_come_from_a_po_of_the_same_job_received_before_the_invoice(workshop) -> None:
    job_lines = workshop.lines.filter(pl.col("supply") == "job_po").join(
        workshop.invoices.select(invoice_idx="idx", invoice_created="created_us"), on="invoice_idx").join(
        workshop.orders.select(purchase_order_id="id", order_invoice="invoice_idx", order_kind="kind",
                               received="received_us"), on="purchase_order_id")
    assert job_lines.height > 0
    assert (job_lines["order_invoice"] == job_lines["invoice_idx"]).all() and (job_lines["order_kind"] == "job").all()
    assert (job_lines["received"] < job_lines["invoice_created"]).all()


def test_gst_inclusive_invoices_keep_freight_and_discount_exclusive(workshop) -> None:
    invoice = workshop.invoices.filter(pl.col("planted") == "inclusive_freight_discount").row(0, named=True)
    lines = workshop.lines.filter(pl.col("invoice_idx") == invoice["idx"])
    assert invoice["inclusive"] and {"freight", "discount"} <= set(lines["kind"])
    for row in lines.iter_rows(named=True):
        assert row["includes_gst"] == (row["kind"] in ("labour", "part", "sundry"))
    assert lines.filter(pl.col("kind") == "discount")["line_amount"].max() < 0


def test_deposits_part_payments_and_credits(workshop) -> None:
    deposits = workshop.payments.filter(pl.col("kind") == "deposit")
    applied = deposits.filter(pl.col("invoice_idx").is_not_null())
    assert applied.height > 0 and deposits.filter(pl.col("invoice_idx").is_null()).height > 0  # one still on its job
    part = workshop.invoices.filter(pl.col("planted") == "part_payment_in_window").row(0, named=True)
    assert 0 < part["amount_paid"] < part["total"] and part["status"] == "issued"
    credited = workshop.invoices.filter(pl.col("planted") == "credit_in_window").row(0, named=True)
    assert credited["amount_credited"] > 0 and credited["locked"]
    assert (workshop.invoices["balance"] >= 0).all()  # never paid or credited beyond the total


def test_purchase_orders_with_freight_and_one_cent_rounding(workshop) -> None:
    orders = workshop.orders
    assert set(orders.filter(pl.col("planted").is_not_null())["rounding"]) == {1, -1, 0}
    assert orders.filter(pl.col("planted") == "freight_rounding_up")["freight"][0] > 0
    sums = workshop.order_lines.group_by("order_idx").agg(amount=pl.col("line_amount").sum(), gst=pl.col("gst").sum())
    check = orders.join(sums, left_on="idx", right_on="order_idx")
    assert (check["subtotal"] == check["amount"] + check["freight"]).all()
    assert (check["total"] == check["subtotal"] + check["gst"] + check["rounding"]).all()
    assert check["rounding"].abs().max() <= 1


def test_a_stocktake_falls_in_the_window(workshop) -> None:
    takes = _window(workshop, workshop.adjustments).filter(pl.col("kind") == "stocktake")
    assert takes.height >= 2 and takes["stocktake_number"].n_unique() == 1


def test_the_locked_period_and_the_number_already_used_in_xero(workshop) -> None:
    locked = workshop.invoices.filter(pl.col("planted") == "locked_period").row(0, named=True)
    assert locked["invoice_date"] <= date.fromisoformat(workshop.meta["period_lock_date"])
    assert locked["phase"] == "window"  # entered late, dated back
    from sandbox.generator.xero_payloads import xero_payload

    payload = xero_payload(workshop)
    clash = workshop.invoices.filter(pl.col("planted") == "number_clash")["number"][0]
    made_in_xero = [i for i in payload["Invoices"] if i["InvoiceNumber"] == clash]
    assert len(made_in_xero) == 1 and made_in_xero[0]["Type"] == "ACCREC"


def test_average_cost_moves_only_with_receipts_as_a_weighted_average(workshop) -> None:
    from sandbox.auxo.rules import weighted_average_cost

    history = workshop.cost_history.sort("part_idx", "effective_us", "idx")
    receipts = history.filter(pl.col("reason") == "receipt")
    assert receipts.height > 0
    lines = workshop.order_lines.select(purchase_order_line_id="id", qty="quantity", unit_cost="unit_cost")
    for row in receipts.join(lines, on="purchase_order_line_id").iter_rows(named=True):
        before = row["quantity_on_hand"] - row["qty"]
        assert row["average_cost"] == weighted_average_cost(before, row["previous_average_cost"], row["qty"],
                                                            row["unit_cost"])
    # COGS uses the cost in force when the invoice was created
    costed = workshop.lines.filter(pl.col("cogs_amount").is_not_null()).join(
        workshop.invoices.select(invoice_idx="idx", t="created_us"), on="invoice_idx").head(50)
    for row in costed.iter_rows(named=True):
        entries = history.filter((pl.col("part_idx") == row["part_idx"]) & (pl.col("effective_us") <= row["t"]))
        assert row["unit_cost"] == entries["average_cost"][-1]


def test_settings_toggles_stop_journals_and_bills_from_that_moment(workshop, tables) -> None:
    from sandbox.generator.plants import journals_off_moments, send_orders_off_moment
    from sandbox.generator.timeline import us_to_text

    off_at, on_at = journals_off_moments(workshop.timeline)
    off = tables["cogs_journals"].filter(pl.col("state") == "setting_off")
    created = workshop.invoices.filter(pl.col("id").is_in(off["invoice_id"].implode()))["created_us"]
    planted = workshop.invoices.filter(pl.col("planted") == "journals_off")["id"][0]
    assert planted in set(off["invoice_id"]) and ((created >= off_at) & (created < on_at)).all()
    on = tables["cogs_journals"].filter(pl.col("state") == "to_create")["invoice_id"]
    outside = workshop.invoices.filter(pl.col("id").is_in(on.implode()))["created_us"]
    assert ((outside < off_at) | (outside >= on_at)).all()
    bills = tables["bills"]
    stopped = bills.filter(pl.col("state") == "setting_off")
    assert stopped.height >= 1 and (stopped["received_at"] >= us_to_text(send_orders_off_moment(workshop.timeline))).all()
    assert (bills.filter(pl.col("state") == "to_create")["received_at"] < us_to_text(
        send_orders_off_moment(workshop.timeline))).all()
