"""A workshop's documents over the whole timeline: jobs, invoices and their lines, purchase
orders, payments and deposits, credits, stock adjustments and stocktakes.

Everything is drawn column-wise: one row per invoice, then one row per line, then per payment.
Amounts use the sandbox's own rules on whole columns (``cents``). Planted cases (``plants``) are
applied to the invoice rows *before* lines and payments are drawn, so each planted invoice is
consistent everywhere (an "unpaid" plant never gets a payment).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sandbox.generator import cents
from sandbox.generator.profiles import Profile
from sandbox.generator.randomness import auxo_ids, stream
from sandbox.generator.timeline import US_PER_DAY, US_PER_HOUR, Timeline, local_date

QTY = 10_000
MINUTE = 60_000_000
LABOUR_RATE = 13_000  # cents per hour, GST-exclusive
KINDS = ("labour", "part", "sundry", "freight", "discount")
SUPPLIES = ("stock", "job_po", "direct")
LINE_KIND, SUPPLY = pl.Enum(KINDS), pl.Enum(SUPPLIES)  # small categorical columns, not 10M strings
ADDED_AFTER_SYNC = "Additional consumables (added after sync)"
PATTERNS = ("counter", "account", "part", "unpaid")


@dataclass
class Documents:
    invoices: pl.DataFrame
    lines: pl.DataFrame
    jobs: pl.DataFrame
    orders: pl.DataFrame
    order_lines: pl.DataFrame
    payments: pl.DataFrame
    credits: pl.DataFrame
    credit_lines: pl.DataFrame
    adjustments: pl.DataFrame = field(default_factory=pl.DataFrame)


def _business_hours(rng: np.random.Generator, n: int, start_hour: float = 7.5, hours: float = 10.0) -> np.ndarray:
    return (start_hour * US_PER_HOUR + rng.random(n) * hours * US_PER_HOUR).astype(np.int64)


def _phase(timeline: Timeline, day_index: np.ndarray) -> np.ndarray:
    sync = timeline.day_index(timeline.sync_start_date)
    window = timeline.day_index(timeline.window_start_date)
    return np.where(day_index < sync, "pre_sync", np.where(day_index < window, "synced", "window"))


# ---------------------------------------------------------------- invoices (one row each)


def invoice_rows(profile: Profile, timeline: Timeline, customers: pl.DataFrame, vehicles: pl.DataFrame,
                 seed: int) -> pl.DataFrame:
    """One row per invoice (and its job), in time order, with what will happen to it drawn as flags."""
    rng = stream(seed, "invoices")
    per_day = np.maximum(1, np.round(profile.invoices_per_day * (0.9 + 0.2 * rng.random(timeline.days)))).astype(np.int64)
    day = np.repeat(np.arange(timeline.days), per_day)
    n = len(day)
    created = timeline.moment_us(day, _business_hours(rng, n))
    order = np.argsort(created, kind="stable")
    day, created = day[order], created[order]
    phase = _phase(timeline, day)
    case = customers["case"].to_numpy()
    eligible = {
        "pre_sync": np.flatnonzero(case != "duplicate_second"),
        "synced": np.flatnonzero(case == "linked"),  # the archived one is only archived later, unused meanwhile
        "window": np.flatnonzero(np.isin(case, ["linked", "exact", "normalised", "duplicate_name", "create"])),
    }
    customer = np.empty(n, dtype=np.int64)
    for name, pool in eligible.items():
        mask = phase == name
        customer[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
    by_owner = vehicles.group_by("customer_idx").agg(first=pl.col("idx").min(), count=pl.len()).sort("customer_idx")
    first_vehicle = np.full(customers.height, -1, np.int64)
    vehicle_count = np.zeros(customers.height, np.int64)
    first_vehicle[by_owner["customer_idx"].to_numpy()] = by_owner["first"].to_numpy()
    vehicle_count[by_owner["customer_idx"].to_numpy()] = by_owner["count"].to_numpy()
    vehicle = first_vehicle[customer] + (rng.random(n) * vehicle_count[customer]).astype(np.int64)
    pattern = np.array(PATTERNS)[rng.choice(len(PATTERNS), n, p=[0.50, 0.22, 0.04, 0.24])]
    void = (rng.random(n) < 0.005) & (phase != "synced")
    return pl.DataFrame({
        "idx": np.arange(n), "day": day, "phase": phase, "created_us": created,
        "job_created_us": created - (0.5 * US_PER_HOUR + rng.random(n) * 70 * US_PER_HOUR).astype(np.int64),
        "customer_idx": customer, "vehicle_idx": vehicle,
        "inclusive": customers["kind"].to_numpy()[customer] == "individual",
        "has_job_po": rng.random(n) < profile.job_order_share, "void": void,
        "pattern": np.where(void, "unpaid", pattern), "deposit": (rng.random(n) < 0.03) & ~void,
        "credit": (rng.random(n) < 0.01) & np.isin(pattern, ["account", "unpaid"]) & ~void,
        "freight": rng.random(n) < 0.06, "discount": rng.random(n) < 0.06, "sundry": rng.random(n) < 0.3,
        "second_labour": rng.random(n) < 0.15, "part_lines": rng.poisson(profile.part_lines_per_invoice, n),
        "planted": np.full(n, None, dtype=object),
    }, schema_overrides={"planted": pl.String})


# ---------------------------------------------------------------- lines


def invoice_lines(invoices: pl.DataFrame, parts: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Labour, part, sundry, freight and discount lines, priced with the sandbox's line rules.

    Lines are laid out invoice by invoice, kinds in that order, by index arithmetic (no sort).
    """
    rng = stream(seed, "lines")
    as_int = lambda name: invoices[name].to_numpy().astype(np.int64)  # noqa: E731
    has_job_po = invoices["has_job_po"].to_numpy()
    counts = np.stack([1 + as_int("second_labour"), np.maximum(as_int("part_lines"), has_job_po.astype(np.int64)),
                       as_int("sundry"), as_int("freight"), as_int("discount")], axis=1)
    flat = counts.ravel()
    invoice = np.repeat(np.arange(invoices.height), counts.sum(axis=1))
    kind_no = np.repeat(np.tile(np.arange(len(KINDS)), invoices.height), flat)
    n = len(invoice)
    ordinal = np.arange(n) - np.repeat(np.cumsum(flat) - flat, flat)
    is_part = kind_no == 1
    parts_at = np.flatnonzero(is_part)
    # parts: mostly stocked, popular ones more often; a job with a job PO orders its first part
    stocked_mask = parts["stocked"].to_numpy()
    pop = parts["popularity"].to_numpy()
    stocked_ids, other_ids = np.flatnonzero(stocked_mask), np.flatnonzero(~stocked_mask)
    job_po = has_job_po[invoice[parts_at]]
    wants_direct = (invoices["planted"] == "direct_part_in_window").fill_null(False).to_numpy()[invoice[parts_at]]
    first = ordinal[parts_at] == 0
    non_stocked = (rng.random(len(parts_at)) < 0.15) | (first & (job_po | wants_direct))
    chosen = np.empty(len(parts_at), np.int64)
    chosen[~non_stocked] = rng.choice(stocked_ids, int((~non_stocked).sum()), p=pop[stocked_ids] / pop[stocked_ids].sum())
    chosen[non_stocked] = rng.choice(other_ids, int(non_stocked.sum()), p=pop[other_ids] / pop[other_ids].sum())
    part = np.full(n, -1, np.int64)
    part[parts_at] = chosen
    supply_code = np.zeros(n, np.int8)  # 0 none, 1 stock, 2 job_po, 3 direct
    supply_code[parts_at] = np.where(non_stocked, np.where(job_po, 2, 3),
                                     np.where(job_po & (rng.random(len(parts_at)) < 0.1), 2, 1))
    qty = np.full(n, QTY, np.int64)
    labour_at = np.flatnonzero(kind_no == 0)
    qty[labour_at] = rng.choice([5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000], len(labour_at))
    fluid = parts["fluid"].to_numpy()[chosen]
    qty[parts_at] = np.where(fluid, rng.choice([10_000, 40_000, 45_000, 50_000, 55_000, 60_000], len(parts_at)),
                             rng.choice([1, 1, 1, 1, 2, 2, 4], len(parts_at)) * QTY)
    price = np.full(n, LABOUR_RATE, np.int64)
    price[parts_at] = parts["sell_price"].to_numpy()[chosen]
    for kind, low, high in ((2, 500, 3_000), (3, 800, 4_500), (4, -6_000, -500)):
        at = np.flatnonzero(kind_no == kind)
        price[at] = rng.integers(low, high, len(at))
    includes = invoices["inclusive"].to_numpy()[invoice] & (kind_no <= 2)
    unit = np.where(includes, cents.div_round(price * 11, 10), price)
    amount, gst, total = cents.line_amounts(qty, unit, includes)
    lines = pl.DataFrame({
        "invoice_idx": invoice, "kind_no": kind_no, "ordinal": ordinal,
        "kind": pl.Series(KINDS, dtype=LINE_KIND).gather(kind_no), "part_idx": pl.Series(part).replace(-1, None),
        "supply": pl.Series([None, *SUPPLIES], dtype=SUPPLY).gather(supply_code),
        "quantity": qty, "unit_price": unit, "includes_gst": includes, "line_amount": amount, "gst": gst,
        "line_total": total, "added_after_sync": np.zeros(n, bool),
    })
    lines = pl.concat([lines, _line_added_after_sync(invoices)])
    return lines.with_columns(idx=pl.int_range(pl.len()))


def line_id() -> pl.Expr:
    """An invoice line's id, from its ``idx`` (formatted where it is needed: ten million of them
    at the large profile are not worth holding as strings)."""
    return auxo_ids("lin", "idx", 9)


def _line_added_after_sync(invoices: pl.DataFrame) -> pl.DataFrame:
    """The planted Auxo edit of a synced invoice: a consumables line added in the window."""
    edited = invoices.filter(pl.col("planted") == "auxo_edited_after_sync")
    includes = edited["inclusive"].to_numpy()
    unit = np.where(includes, 2_200, 2_000)
    amount, gst, total = cents.line_amounts(np.full(edited.height, QTY), unit, includes)
    return edited.select(
        invoice_idx="idx", kind_no=pl.lit(2, pl.Int64), ordinal=pl.lit(99, pl.Int64),
        kind=pl.lit("sundry", LINE_KIND), part_idx=pl.lit(None, pl.Int64), supply=pl.lit(None, SUPPLY),
        quantity=pl.lit(QTY, pl.Int64), unit_price=pl.Series(unit), includes_gst=pl.Series(includes),
        line_amount=pl.Series(amount), gst=pl.Series(gst), line_total=pl.Series(total),
        added_after_sync=pl.lit(True))


def describe_lines(lines: pl.DataFrame, parts: pl.DataFrame) -> pl.DataFrame:
    """Lines with their ``description`` (added where a description is shown: millions of copies
    of part names are not worth holding while generating)."""
    by_kind = pl.Series(["Labour", "", "Workshop consumables", "Freight", "Discount"]).gather(lines["kind_no"])
    of_part = parts["description"].gather(lines["part_idx"].fill_null(0))
    return lines.with_columns(description=pl.when(pl.col("added_after_sync")).then(pl.lit(ADDED_AFTER_SYNC))
                              .when(pl.col("kind_no") == 1).then(of_part).otherwise(by_kind))


def invoice_totals(lines: pl.DataFrame, invoice_count: int) -> pl.DataFrame:
    """Subtotal, GST and total per invoice, and what Xero holds (lines added after the sync aside).

    Lines come invoice by invoice (the few added after a sync at the end), so a contiguous
    ``reduceat`` does the sums in integers, without a group-by over millions of rows.
    """
    owner = lines["invoice_idx"].to_numpy()
    added = lines["added_after_sync"].to_numpy()
    main = np.flatnonzero(~added)
    starts = np.searchsorted(owner[main], np.arange(invoice_count))
    out = {"invoice_idx": np.arange(invoice_count)}
    for name in ("line_amount", "gst", "line_total"):
        values = lines[name].to_numpy()
        synced = np.add.reduceat(values[main], starts) if len(main) else np.zeros(invoice_count, np.int64)
        extra = np.zeros(invoice_count, np.int64)
        np.add.at(extra, owner[added], values[added])
        out[name] = synced + extra
        out[f"xero_{name}"] = synced
    return pl.DataFrame(out).select("invoice_idx", subtotal="line_amount", gst="gst", total="line_total",
                                    xero_total="xero_line_total", xero_gst="xero_gst")


# ---------------------------------------------------------------- purchase orders


def purchase_orders(profile: Profile, timeline: Timeline, invoices: pl.DataFrame, lines: pl.DataFrame,
                    parts: pl.DataFrame, suppliers: pl.DataFrame, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Job POs (one per invoice with job-ordered parts, received before the invoice) and stock POs."""
    rng = stream(seed, "orders")
    base_cost = parts["base_cost"].to_numpy()
    # job POs
    job_lines = lines.filter(pl.col("supply") == "job_po").select("invoice_idx", "part_idx", "quantity", line_idx="idx")
    job_orders = job_lines.select("invoice_idx").unique(maintain_order=True).join(
        invoices.select(invoice_idx="idx", job_created="job_created_us", invoiced="created_us"), on="invoice_idx")
    m = job_orders.height
    gap = job_orders["invoiced"].to_numpy() - job_orders["job_created"].to_numpy()
    ordered = job_orders["job_created"].to_numpy() + (gap * 0.1).astype(np.int64)
    received = ordered + (gap * (0.3 + 0.5 * rng.random(m))).astype(np.int64)
    job_orders = job_orders.with_columns(kind=pl.lit("job"), created_us=ordered, received_us=received,
                                         supplier_idx=rng.integers(0, suppliers.height, m))
    # stock POs
    per_day = np.full(timeline.days, profile.stock_orders_per_day)
    day = np.repeat(np.arange(timeline.days), per_day)
    s = len(day)
    created = timeline.moment_us(day, _business_hours(rng, s, 8.0, 8.0))
    received_stock = created + ((1 + 3 * rng.random(s)) * US_PER_DAY).astype(np.int64)
    stock_orders = pl.DataFrame({"invoice_idx": np.full(s, -1), "kind": "stock", "created_us": created,
                                 "received_us": received_stock, "supplier_idx": rng.integers(0, suppliers.height, s)})
    # orders synced before the window came from suppliers linked to Xero by then
    linked = np.flatnonzero(suppliers["case"].to_numpy() == "linked")
    window_start = timeline.at(timeline.window_start_date, 0.0)
    job_orders = _early_from_linked(job_orders, linked, window_start, rng)
    stock_orders = _early_from_linked(stock_orders, linked, window_start, rng)
    orders = pl.concat([job_orders.select(stock_orders.columns), stock_orders]).sort("created_us", "invoice_idx")
    orders = orders.with_columns(idx=pl.int_range(pl.len())).with_columns(
        id=auxo_ids("po", "idx", 8), number=pl.format("PO-{}", (pl.col("idx") + 100_001).cast(pl.String)))
    n_orders = orders.height
    orders = orders.with_columns(
        freight=np.where(rng.random(n_orders) < np.where(orders["kind"].to_numpy() == "job", 0.3, 0.4),
                         rng.integers(800, 6_000, n_orders), 0),
        rounding=np.where(rng.random(n_orders) < 0.05, rng.choice([-1, 1], n_orders), 0),
        planted=pl.lit(None, pl.String),
    )
    # lines: the job's parts, or 2–8 popular stocked parts
    job_index = orders.filter(pl.col("kind") == "job").select(order_idx="idx", invoice_idx="invoice_idx")
    job_po_lines = job_lines.join(job_index, on="invoice_idx").select("order_idx", "part_idx", "quantity", "line_idx")
    stock_index = orders.filter(pl.col("kind") == "stock")["idx"].to_numpy()
    per_order = rng.integers(2, 9, len(stock_index))
    owner = np.repeat(stock_index, per_order)
    stocked = np.flatnonzero(parts["stocked"].to_numpy())
    pop = parts["popularity"].to_numpy()[stocked]
    stock_po_lines = pl.DataFrame({
        "order_idx": owner, "part_idx": rng.choice(stocked, len(owner), p=pop / pop.sum()),
        "quantity": rng.integers(6, 49, len(owner)) * QTY, "line_idx": np.full(len(owner), -1),
    })
    order_lines = pl.concat([job_po_lines, stock_po_lines]).sort("order_idx", "line_idx", "part_idx")
    k = order_lines.height
    unit_cost = (base_cost[order_lines["part_idx"].to_numpy()] * (0.92 + 0.16 * rng.random(k))).astype(np.int64)
    amount, gst, _ = cents.line_amounts(order_lines["quantity"].to_numpy(), unit_cost, np.zeros(k, bool))
    order_lines = order_lines.with_columns(unit_cost=unit_cost, line_amount=amount, gst=gst).with_columns(
        idx=pl.int_range(pl.len())).with_columns(id=auxo_ids("pol", "idx", 9))
    return orders, order_lines


def _early_from_linked(orders: pl.DataFrame, linked: np.ndarray, window_start: int,
                       rng: np.random.Generator) -> pl.DataFrame:
    early = (orders["created_us"] < window_start).to_numpy()
    supplier = orders["supplier_idx"].to_numpy().copy()
    supplier[early] = linked[rng.integers(0, len(linked), int(early.sum()))]
    return orders.with_columns(supplier_idx=supplier)


def price_orders(orders: pl.DataFrame, order_lines: pl.DataFrame, timeline: Timeline) -> pl.DataFrame:
    """Freight GST and totals (``total = lines + freight + GST per line + rounding adjustment``);
    orders due after the end of the timeline are not received yet."""
    orders = orders.with_columns(
        received_us=pl.when(pl.col("received_us") <= timeline.end_us()).then(pl.col("received_us")).otherwise(None))
    sums = order_lines.group_by("order_idx").agg(lines_amount=pl.col("line_amount").sum(), lines_gst=pl.col("gst").sum())
    orders = orders.join(sums, left_on="idx", right_on="order_idx", how="left", maintain_order="left").with_columns(
        freight_gst=pl.Series(cents.div_round(orders["freight"].to_numpy(), 10)))
    return orders.with_columns(
        subtotal=pl.col("lines_amount") + pl.col("freight"), gst=pl.col("lines_gst") + pl.col("freight_gst"),
    ).with_columns(total=pl.col("subtotal") + pl.col("gst") + pl.col("rounding")).drop("lines_amount", "lines_gst")


# ---------------------------------------------------------------- payments, deposits, credits


def payments_and_credits(invoices: pl.DataFrame, timeline: Timeline, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Deposits (applied when the job is invoiced), counter and account payments, part payments,
    and credits — never more than the balance, never after the end of the timeline."""
    rng = stream(seed, "payments")
    end = timeline.end_us()
    live = invoices.filter(~pl.col("void"))
    n = live.height
    total = live["total"].to_numpy()
    created = live["created_us"].to_numpy()
    has_deposit = live["deposit"].to_numpy() & (total >= 4_000)
    deposit = np.where(has_deposit, np.maximum(2_000, total * 3 // 10 // 1_000 * 1_000), 0)
    has_credit = live["credit"].to_numpy() & (total >= 1_000)
    credit_ex = np.where(has_credit, np.maximum(500, live["subtotal"].to_numpy() // 10 // 100 * 100), 0)
    inclusive = live["inclusive"].to_numpy()
    credit_unit = np.where(inclusive, cents.div_round(credit_ex * 11, 10), credit_ex)
    credit_amount, credit_gst, credit_total = cents.line_amounts(np.full(n, QTY), credit_unit, inclusive)
    forced_credit_soon = live["planted"].to_numpy() == "credit_in_window"
    credit_at = np.where(forced_credit_soon, created + US_PER_HOUR,
                         created + ((1 + 4 * rng.random(n)) * US_PER_DAY).astype(np.int64))
    has_credit &= credit_at <= end
    credit_total = np.where(has_credit, credit_total, 0)
    balance = total - deposit - credit_total
    pattern = live["pattern"].to_numpy()
    counter_at = created + (2 + 18 * rng.random(n)).astype(np.int64) * MINUTE
    later_at = created + ((7 + 23 * rng.random(n)) * US_PER_DAY).astype(np.int64)
    share = rng.integers(40, 71, n)  # per cent paid at the counter
    first_part = np.clip(balance * share // 100 // 1_000 * 1_000, 1_000, np.maximum(balance - 100, 1_000))
    method = np.array(["eftpos", "card", "cash"])[rng.choice(3, n, p=[0.6, 0.25, 0.15])]
    inv_idx = live["idx"].to_numpy()
    blocks = [
        pl.DataFrame({"invoice_idx": inv_idx, "kind": "deposit", "amount": deposit,
                      "created_us": live["job_created_us"].to_numpy() + 5 * MINUTE, "method": "card"})
        .filter(pl.col("amount") > 0),
        pl.DataFrame({"invoice_idx": inv_idx, "kind": "payment", "amount": balance, "created_us": counter_at,
                      "method": method}).filter((pl.Series(pattern) == "counter") & (pl.col("amount") > 0)),
        pl.DataFrame({"invoice_idx": inv_idx, "kind": "payment", "amount": balance, "created_us": later_at,
                      "method": "bank_transfer"}).filter((pl.Series(pattern) == "account") & (pl.col("amount") > 0)),
        pl.DataFrame({"invoice_idx": inv_idx, "kind": "payment", "amount": np.minimum(first_part, balance),
                      "created_us": counter_at, "method": method}).filter((pl.Series(pattern) == "part") & (pl.col("amount") > 0)),
        pl.DataFrame({"invoice_idx": inv_idx, "kind": "payment", "amount": balance - np.minimum(first_part, balance),
                      "created_us": later_at, "method": "bank_transfer"})
        .filter((pl.Series(pattern) == "part") & (pl.col("amount") > 0)),
    ]
    payments = pl.concat(blocks).filter(pl.col("created_us") <= end).join(
        invoices.select(invoice_idx="idx", customer_idx="customer_idx", invoice_created_us="created_us"),
        on="invoice_idx", how="left")
    payments = payments.with_columns(
        applied_us=pl.when(pl.col("kind") == "deposit").then(pl.col("invoice_created_us")).otherwise(None),
        deleted_us=pl.lit(None, pl.Int64),
    ).drop("invoice_created_us")
    credit_rows = pl.DataFrame({"invoice_idx": inv_idx, "created_us": credit_at, "line_amount": credit_amount,
                                "gst": credit_gst, "total": credit_total, "unit_price": credit_unit,
                                "includes_gst": inclusive, "customer_idx": live["customer_idx"].to_numpy()}
                               ).filter(pl.Series(has_credit))
    credit_rows = credit_rows.sort("created_us", "invoice_idx").with_columns(idx=pl.int_range(pl.len())).with_columns(
        id=auxo_ids("crd", "idx", 7), number=pl.format("CR-{}", (pl.col("idx") + 1).cast(pl.String).str.zfill(6)),
        line_id=auxo_ids("lcr", "idx", 7))
    return payments, credit_rows


# ---------------------------------------------------------------- open jobs, adjustments


def open_jobs(profile: Profile, timeline: Timeline, customers: pl.DataFrame, vehicles: pl.DataFrame,
              seed: int) -> pl.DataFrame:
    """Jobs still in the workshop at the end: created in the window, not invoiced; some took a deposit."""
    rng = stream(seed, "open-jobs")
    n = max(2, profile.invoices_per_day // 20 * profile.window_days)
    window_days = np.arange(timeline.day_index(timeline.window_start_date), timeline.days)
    day = rng.choice(window_days, n)
    usable = np.flatnonzero(np.isin(customers["case"].to_numpy(), ["linked", "exact", "normalised", "create"]))
    customer = usable[rng.integers(0, len(usable), n)]
    first = vehicles.group_by("customer_idx").agg(pl.col("idx").min()).sort("customer_idx")
    vehicle_of = dict(zip(first["customer_idx"].to_list(), first["idx"].to_list(), strict=True))
    deposit = rng.random(n) < 0.3
    deposit[0] = True  # at least one unapplied deposit in every profile
    return pl.DataFrame({
        "created_us": timeline.moment_us(day, _business_hours(rng, n)), "customer_idx": customer,
        "vehicle_idx": [vehicle_of[c] for c in customer.tolist()],
        "deposit": np.where(deposit, rng.integers(5, 30, n) * 1_000, 0),
    })


def stock_adjustments(profile: Profile, timeline: Timeline, parts: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Manual adjustments every day and a stocktake every few days (one falls on the window's first day)."""
    rng = stream(seed, "adjustments")
    stocked = np.flatnonzero(parts["stocked"].to_numpy())
    pop = parts["popularity"].to_numpy()[stocked]
    days = np.repeat(np.arange(timeline.days), profile.adjustments_per_day)
    n = len(days)
    change = rng.choice([-3, -2, -1, -1, -1, 1, 1, 2], n) * QTY
    reason = np.where(change < 0, np.array(["Damaged", "Used in workshop", "Warranty return"])[rng.integers(0, 3, n)],
                      np.array(["Found in store", "Supplier bonus stock"])[rng.integers(0, 2, n)])
    manual = pl.DataFrame({"day": days, "created_us": timeline.moment_us(days, _business_hours(rng, n)),
                           "part_idx": rng.choice(stocked, n, p=pop / pop.sum()), "quantity": change,
                           "kind": "adjustment", "reason": reason, "stocktake": -1})
    window_start = timeline.day_index(timeline.window_start_date)
    take_days = [d for d in range(timeline.days) if (window_start - d) % profile.stocktake_every_days == 0]
    counted = max(2, len(stocked) * 3 // 100)
    takes = []
    for number, d in enumerate(take_days, start=1):
        chosen = np.sort(rng.choice(stocked, counted, replace=False))
        takes.append(pl.DataFrame({
            "day": np.full(counted, d), "created_us": np.full(counted, timeline.moment_us(np.array([d]),
                                                                                          np.array([16 * US_PER_HOUR]))[0]),
            "part_idx": chosen, "quantity": rng.choice([-3, -2, -1, -1, 1, 1, 2], counted) * QTY,
            "kind": "stocktake", "reason": "Stocktake variance", "stocktake": number}))
    frame = pl.concat([manual, *takes]).sort("created_us", "stocktake", "part_idx")
    return frame.with_columns(idx=pl.int_range(pl.len())).with_columns(
        id=auxo_ids("adj", "idx", 8), number=pl.format("ADJ-{}", (pl.col("idx") + 1).cast(pl.String).str.zfill(6)),
        stocktake_id=pl.when(pl.col("stocktake") > 0).then(auxo_ids("stk", "stocktake", 4)).otherwise(None),
        stocktake_number=pl.when(pl.col("stocktake") > 0)
        .then(pl.format("ST-{}", pl.col("stocktake").cast(pl.String).str.zfill(4))).otherwise(None),
        adjustment_date=local_date("created_us"),
    )
