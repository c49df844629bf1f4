"""Contacts: match Auxo customers and suppliers to Xero contacts, create, and keep them in step."""

import dagster as dg

ASSETS: list[dg.AssetsDefinition] = []
CHECKS: list[dg.AssetChecksDefinition] = []
