"""How big a workshop the generator makes.

``tiny`` is for unit tests (a handful of each kind, every planted case present at least once),
``demo`` a small workshop over a few weeks, ``medium`` the history benchmark: 10k customers, 8k
existing Xero contacts, 500 invoices with 2k part lines, 50 purchase orders and ~400 payments a
day, a month already synced by default (``auxo-xero sandbox seed --history-days N`` sets it),
``large`` the benchmark: 100k customers, 80k existing Xero contacts, 5k invoices with 20k part
lines, 1k purchase orders and 4k payments a day, a year of history.

Every profile has the same three periods, oldest first:

* ``pre_sync_days``: Auxo history from before the Xero connection (``sync_status`` ``not_required``;
  it gives parts their cost history and customers their past);
* ``synced_days``: already synced — the Auxo records carry Xero ids and the Xero sandbox holds
  the matching documents, so Xero-side actions can be planted on them;
* ``window_days``: not synced yet, ending on ``end_date``: what ``auxo-xero demo`` backfills.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Days already synced a workshop can be given (``with_synced_days``). The fewest: the period lock
# date is 3 days before the window and the planted "locked period" invoice is dated the day before
# it, in scope, so 4 synced days; the synced plants sit after the lock date. The most: two years.
MIN_SYNCED_DAYS = 4
MAX_SYNCED_DAYS = 730


@dataclass(frozen=True)
class Profile:
    name: str
    customers: int
    suppliers: int
    parts: int
    xero_contacts: int  # existing Xero contacts in total (matching cases plus unrelated ones)
    pre_sync_days: int
    synced_days: int
    window_days: int
    invoices_per_day: int
    part_lines_per_invoice: float
    stock_orders_per_day: int
    job_order_share: float  # invoices whose job had parts ordered on a job PO (a job PO each)
    stocktake_every_days: int
    adjustments_per_day: int
    # contact cases, as shares of customers (each at least 1)
    linked_share: float = 0.30
    exact_share: float = 0.10
    normalised_share: float = 0.20
    name_only_share: float = 0.02
    ambiguous_share: float = 0.005
    archived_match_share: float = 0.01
    duplicate_name_share: float = 0.005

    @property
    def days(self) -> int:
        return self.pre_sync_days + self.synced_days + self.window_days

    def cases(self, share: float) -> int:
        return max(1, round(self.customers * share))


PROFILES: dict[str, Profile] = {
    "tiny": Profile(
        name="tiny", customers=60, suppliers=6, parts=40, xero_contacts=70, pre_sync_days=2, synced_days=4,
        window_days=3, invoices_per_day=8, part_lines_per_invoice=2.0, stock_orders_per_day=2,
        job_order_share=0.15, stocktake_every_days=4, adjustments_per_day=1, linked_share=0.35,
        exact_share=0.1, normalised_share=0.15,
    ),
    "demo": Profile(
        name="demo", customers=400, suppliers=25, parts=300, xero_contacts=350, pre_sync_days=0, synced_days=21,
        window_days=7, invoices_per_day=15, part_lines_per_invoice=2.5, stock_orders_per_day=2,
        job_order_share=0.12, stocktake_every_days=14, adjustments_per_day=1,
    ),
    "medium": Profile(
        name="medium", customers=10_000, suppliers=200, parts=2_000, xero_contacts=8_000, pre_sync_days=0,
        synced_days=30, window_days=2, invoices_per_day=500, part_lines_per_invoice=4.0,
        stock_orders_per_day=25, job_order_share=0.05, stocktake_every_days=28, adjustments_per_day=4,
    ),
    "large": Profile(
        name="large", customers=100_000, suppliers=2_000, parts=20_000, xero_contacts=80_000, pre_sync_days=361,
        synced_days=4, window_days=1, invoices_per_day=5_000, part_lines_per_invoice=4.0,
        stock_orders_per_day=500, job_order_share=0.10, stocktake_every_days=28, adjustments_per_day=40,
    ),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}: expected one of {', '.join(PROFILES)}") from None


def with_synced_days(profile: Profile, days: int) -> Profile:
    """``profile`` with ``days`` already synced (the documents in both systems, the Xero ids in
    Auxo) instead of its own number; the other periods as they are."""
    if not MIN_SYNCED_DAYS <= days <= MAX_SYNCED_DAYS:
        raise ValueError(f"{days} synced days: give {MIN_SYNCED_DAYS} to {MAX_SYNCED_DAYS} (the planted period-lock "
                         f"case needs {MIN_SYNCED_DAYS} synced days before the window)")
    return replace(profile, synced_days=days)
