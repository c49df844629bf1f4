"""Inventory accounting: per-part COGS journals, purchase orders as bills, stock adjustment journals.

``plans/cogs_journal_set``, ``plans/purchase_order_bills`` and ``plans/stock_adjustment_journals``
plan the day's journals and bills (rows 5, 8 and 9 of DESIGN.md); ``recon/inventory_movements_by_day``
is the view that proves Xero's inventory accounts move as Auxo's stock does. The logic is pure
polars: ``toggles.py`` (Auxo's settings as they stood at each document's moment), ``cost_at.py``
(a part's average cost at a moment), ``cogs.py``, ``bills.py``, ``adjustments.py``, checked by
``models.py`` (pandera); ``tables.py`` reads the inputs; ``recon.py`` holds the SQL view.
docs/inventory.md explains it for the data team.
"""

import dagster as dg

from assets.inventory.assets import ASSETS as _ASSETS
from assets.inventory.assets import CHECKS as _CHECKS

ASSETS: list[dg.AssetsDefinition] = list(_ASSETS)
CHECKS: list[dg.AssetChecksDefinition] = list(_CHECKS)
