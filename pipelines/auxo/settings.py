"""What the pipeline reads from Auxo (contract: docs/auxo-api.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class AuxoResource:
    """One Auxo endpoint loaded into ``raw_auxo.<name>``.

    Lists are read incrementally on ``updated_at`` and merged on ``(connection_id, id)``; single
    objects (``account``, ``sync_settings``) are replaced on every run.
    """

    name: str
    path: str
    description: str
    single: bool = False


RESOURCES: tuple[AuxoResource, ...] = (
    AuxoResource("account", "account", "The Auxo account: name, timezone, document prefixes.", single=True),
    AuxoResource("sync_settings", "sync-settings",
                 "Auxo's sync settings (send purchase orders, inventory journals) with the history of every switch.",
                 single=True),
    AuxoResource("customers", "customers", "Auxo customers with their linked Xero ContactID."),
    AuxoResource("suppliers", "suppliers", "Auxo suppliers with their linked Xero ContactID."),
    AuxoResource("vehicles", "vehicles", "Vehicles (registration, make, model, owner)."),
    AuxoResource("parts", "parts", "Parts: stocked flag, sell price, current average cost."),
    AuxoResource("part_cost_history", "part-cost-history",
                 "Every change of a part's average cost, so the cost at any moment is known."),
    AuxoResource("jobs", "jobs", "Workshop jobs."),
    AuxoResource("invoices", "invoices", "Invoices with their lines, totals, balance and Xero sync status."),
    AuxoResource("invoice_credits", "invoice-credits", "Credits raised in Auxo against invoices."),
    AuxoResource("payments", "payments", "Payments and job deposits, from Auxo or entered in Xero."),
    AuxoResource("purchase_orders", "purchase-orders", "Purchase orders with lines, freight and rounding."),
    AuxoResource("stock_adjustments", "stock-adjustments", "Stock adjustments and stocktake lines."),
)

INITIAL_UPDATED_SINCE = datetime(2000, 1, 1, tzinfo=UTC)
