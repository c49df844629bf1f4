"""Invoices, credits, payments and deposits, both directions.

``plans/invoice_push``, ``plans/credit_push`` and ``plans/payment_push`` plan the day's Auxo
documents into Xero; ``plans/xero_changes_to_auxo`` plans what people did in Xero back into Auxo.
The logic is pure polars/Python: ``lines.py`` (lines to the cent, the GST-inclusive conversion),
``invoices.py``, ``credits.py``, ``payments.py``, ``xero_changes.py``, checked by ``models.py``
(pandera); ``books.py`` reads the inputs. docs/invoices.md explains it for the data team.
"""

import dagster as dg

from assets.invoices.assets import ASSETS as _ASSETS
from assets.invoices.assets import CHECKS as _CHECKS

ASSETS: list[dg.AssetsDefinition] = list(_ASSETS)
CHECKS: list[dg.AssetChecksDefinition] = list(_CHECKS)
