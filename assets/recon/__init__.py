"""Reconciliation: recon.* views and the checks that fail loudly when the books drift."""

import dagster as dg

ASSETS: list[dg.AssetsDefinition] = []
CHECKS: list[dg.AssetChecksDefinition] = []
