"""Inventory accounting: COGS journals, purchase orders as bills, stock adjustment journals."""

import dagster as dg

ASSETS: list[dg.AssetsDefinition] = []
CHECKS: list[dg.AssetChecksDefinition] = []
