"""Daily partitions by business date (the organisation's local date).

A partition is a day of documents: invoices, credits, payments, purchase orders and stock
movements dated that day in Australia/Sydney (``AUXO_XERO_TIMEZONE``). Extraction is not
partitioned — it reads whatever changed since the last run — so re-running an old day plans from
the newest data. Backfills of a date range run as one run.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import dagster as dg

PARTITIONS_START = "2025-07-01"  # the start of the 2025-26 Australian financial year
TIMEZONE = os.environ.get("AUXO_XERO_TIMEZONE", "Australia/Sydney")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone=TIMEZONE, end_offset=1)
# the month-end report (recon/month_report): calendar months of the same days, the current one included
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=PARTITIONS_START, timezone=TIMEZONE, end_offset=1)
single_run = dg.BackfillPolicy.single_run()


def window_dates(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The business dates ``[first, last]`` a (possibly multi-day) partitioned run covers."""
    window = context.partition_time_window
    start: datetime = window.start
    end: datetime = window.end
    return start.date(), (end - timedelta(days=1)).date()
