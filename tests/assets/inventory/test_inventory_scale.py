"""The inventory plans at a large workshop's scale: a year of history, one busy day planned.

The warehouse holds what the ``large`` profile makes in a year (docs/generator.md): 20,000 parts,
5,000 invoices a day with 20,000 part lines (7.3M lines in all), 1,000 purchase orders a day and
their receipts in the cost history, 40 stock adjustments a day. One day is planned the way the asset
does it — read from DuckDB, plan, validate, build the plan frame: only the day's documents (and the
cost history of its parts) are read, whatever the history holds. ``INVENTORY_SCALE_DAYS`` sets the
history (default 90 days, to keep the suite fast; 365 is the ``large`` year). Run with ``-s`` to see
the times; they are figures, not assertions (bench/ measures speed: ``bench --only compute``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date, timedelta

import duckdb
import pytest

from assets.inventory import tables
from assets.inventory.adjustments import plan_stock_adjustment_journals
from assets.inventory.bills import plan_purchase_order_bills
from assets.inventory.cogs import plan_cogs_journals
from assets.inventory.inputs import Window
from assets.staging.auxo import AUXO_STAGING
from assets.staging.build import stage
from assets.staging.xero import XERO_STAGING
from pipelines.sync.plan import plan_frame
from tests.assets.inventory.factories import MAPPINGS

pytestmark = pytest.mark.slow

DAYS = int(os.environ.get("INVENTORY_SCALE_DAYS", "90"))
FIRST = date(2025, 3, 1)
DAY = FIRST + timedelta(days=DAYS - 1)  # the busiest day is the last one: the whole history is before it
INVOICES_PER_DAY, PART_LINES_PER_INVOICE, PARTS = 5_000, 4, 20_000
ORDERS_PER_DAY, LINES_PER_ORDER, ADJUSTMENTS_PER_DAY = 1_000, 5, 40

BUILD = f"""
insert into staging.auxo_sync_settings (connection_id, send_purchase_orders, create_inventory_journals, sync_start_date)
values ('default', true, true, DATE '{FIRST}');
insert into staging.auxo_sync_setting_history values
  ('default', 'create_inventory_journals', true, TIMESTAMPTZ '{FIRST - timedelta(days=1)} 00:00:00+00'),
  ('default', 'send_purchase_orders', true, TIMESTAMPTZ '{FIRST - timedelta(days=1)} 00:00:00+00');
insert into staging.auxo_parts by name
select 'default' as connection_id, 'prt_' || i as id, 'P-' || i as part_number, 'Part ' || i as description,
       i % 10 < 7 as stocked, 10.00 as sell_price, 5.00 as average_cost, 10 as quantity_on_hand, false as archived
from range({PARTS}) t(i);
insert into staging.auxo_part_cost_history by name
select 'default' as connection_id, 'pch_' || lpad(i::varchar, 9, '0') as id, 'prt_' || (i * 7919 % {PARTS}) as part_id,
       TIMESTAMPTZ '{FIRST} 00:00:00+00' + to_microseconds((i * 86400000000 // {ORDERS_PER_DAY * LINES_PER_ORDER})::BIGINT)
         as effective_at,
       (5 + (i % 900) / 10)::DECIMAL(18, 2) as average_cost, 'receipt' as reason, null as purchase_order_id
from range({DAYS * ORDERS_PER_DAY * LINES_PER_ORDER}) t(i)
union all
select 'default', 'pch_open_' || i, 'prt_' || i, TIMESTAMPTZ '2024-01-01 00:00:00+00', 5.00, 'opening', null
from range({PARTS}) t(i);
insert into staging.auxo_invoices by name
select 'default' as connection_id, 'inv_' || i as id, 'INV-' || i as number,
       DATE '{FIRST}' + (i // {INVOICES_PER_DAY})::INTEGER as invoice_date, 'c' as customer_id, 'exclusive' as gst_mode,
       'issued' as status, 0 as subtotal, 0 as gst, 0 as total, 'pending' as sync_status,
       TIMESTAMPTZ '{FIRST} 00:00:00+00' + to_microseconds((i * 86400000000 // {INVOICES_PER_DAY})::BIGINT) as created_at
from range({DAYS * INVOICES_PER_DAY}) t(i);
insert into staging.auxo_invoice_lines by name
select 'default' as connection_id, 'inv_' || (i // {PART_LINES_PER_INVOICE}) as document_id, 'lin_' || i as line_id,
       i % {PART_LINES_PER_INVOICE} as line_no, 'part' as kind, 'Part' as description,
       'prt_' || (i * 104729 % {PARTS}) as part_id,
       case i % 10 when 0 then 'job_po' when 1 then 'direct' else 'stock' end as supply,
       (1 + i % 4)::DECIMAL(18, 4) as quantity, 0 as line_amount, 0 as gst, 0 as line_total
from range({DAYS * INVOICES_PER_DAY * PART_LINES_PER_INVOICE}) t(i);
insert into staging.auxo_purchase_orders by name
select 'default' as connection_id, 'po_' || i as id, 'PO-' || i as number,
       case when i % 2 = 0 then 'stock' else 'job' end as kind, 'sup_' || (i % 2000) as supplier_id,
       'received' as status, TIMESTAMPTZ '{FIRST} 00:00:00+00' + to_microseconds((i * 86400000000 // {ORDERS_PER_DAY})::BIGINT)
         as received_at, DATE '{FIRST}' + (i // {ORDERS_PER_DAY})::INTEGER as received_date,
       10.00 as freight, 1.00 as freight_gst, 0.00 as rounding_adjustment,
       {LINES_PER_ORDER} * 20.00 + 10.00 as subtotal, {LINES_PER_ORDER} * 2.00 + 1.00 as gst,
       {LINES_PER_ORDER} * 22.00 + 11.00 as total, 'pending' as sync_status
from range({DAYS * ORDERS_PER_DAY}) t(i);
insert into staging.auxo_purchase_order_lines by name
select 'default' as connection_id, 'po_' || (i // {LINES_PER_ORDER}) as purchase_order_id, 'pol_' || i as line_id,
       i % {LINES_PER_ORDER} as line_no, 'prt_' || (i % {PARTS}) as part_id, 'Part' as description,
       2::DECIMAL(18, 4) as quantity, 10.00 as unit_cost, 20.00 as line_amount, 2.00 as gst, 'GST' as tax_code
from range({DAYS * ORDERS_PER_DAY * LINES_PER_ORDER}) t(i);
insert into staging.auxo_stock_adjustments by name
select 'default' as connection_id, 'adj_' || i as id, 'ADJ-' || i as number, 'adjustment' as kind,
       'prt_' || (i % {PARTS}) as part_id, DATE '{FIRST}' + (i // {ADJUSTMENTS_PER_DAY})::INTEGER as adjustment_date,
       -1 as quantity_change, 5.00 as unit_cost, -5.00 as value, 'Damaged' as reason, 'pending' as sync_status,
       TIMESTAMPTZ '{FIRST} 00:00:00+00' + to_microseconds((i * 86400000000 // {ADJUSTMENTS_PER_DAY})::BIGINT) as created_at
from range({DAYS * ADJUSTMENTS_PER_DAY}) t(i);
"""


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path_factory.mktemp("scale") / "warehouse.duckdb"))
    connection.execute("SET TimeZone='UTC'")
    connection.execute("CREATE SCHEMA staging")
    for spec in (*AUXO_STAGING, *XERO_STAGING):
        stage(connection, spec)
    started = time.perf_counter()
    connection.execute(BUILD)
    print(f"\nbuilt {DAYS} days of staging in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{name} {connection.execute(f'select count(*) from staging.{name}').fetchall()[0][0]:,}"
                      for name in ("auxo_invoice_lines", "auxo_part_cost_history", "auxo_purchase_order_lines")))
    yield connection
    connection.close()


@pytest.mark.parametrize("kind", ["cogs", "bills", "adjustments"])
def test_a_busy_day_reads_and_plans_only_its_own_documents(con, kind):
    window = Window(DAY, DAY)
    read, planner = {"cogs": (tables.read_cogs_inputs, plan_cogs_journals),
                     "bills": (tables.read_bill_inputs, plan_purchase_order_bills),
                     "adjustments": (tables.read_adjustment_inputs, plan_stock_adjustment_journals)}[kind]
    started = time.perf_counter()
    inputs = read(con, "default", window)
    loaded = time.perf_counter()
    plan = planner(inputs, MAPPINGS, window)
    planned = time.perf_counter()
    frame = plan_frame(plan.writes)
    done = time.perf_counter()
    print(f"\n{kind}: {frame.height:,} writes — read {loaded - started:.2f} s, plan {planned - loaded:.2f} s, "
          f"plan frame {done - planned:.2f} s, total {done - started:.2f} s")
    expected = {"cogs": INVOICES_PER_DAY * PART_LINES_PER_INVOICE * 9 // 10, "bills": ORDERS_PER_DAY,
                "adjustments": ADJUSTMENTS_PER_DAY}[kind]
    assert frame.height == expected
    read_documents = getattr(inputs, {"cogs": "invoices", "bills": "purchase_orders",
                                      "adjustments": "adjustments"}[kind])
    day_documents = {"cogs": INVOICES_PER_DAY, "bills": ORDERS_PER_DAY, "adjustments": ADJUSTMENTS_PER_DAY}[kind]
    assert read_documents.height == day_documents  # the day's, not the history's
