"""Invoices, credits, payments and deposits, both directions."""

import dagster as dg

ASSETS: list[dg.AssetsDefinition] = []
CHECKS: list[dg.AssetChecksDefinition] = []
