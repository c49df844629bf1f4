"""Contacts: match Auxo customers and suppliers to Xero contacts, create, and keep them in step.

``plans/contact_matches`` decides per Auxo contact (link, review, create); ``plans/contact_sync``
plans the writes (create in Xero, link in Auxo, field edits both ways). The logic is pure polars:
``matching.py`` (normalise, match), ``values.py`` + ``changes.py`` (compare, decide),
``payloads.py`` + ``sync_plan.py`` (writes); ``links.py`` tells every other plan which Xero
contact an Auxo record is. docs/contacts.md explains it for the data team.
"""

import dagster as dg

from assets.contacts.assets import contact_matches, contact_sync, no_xero_contact_linked_twice

ASSETS: list[dg.AssetsDefinition] = [contact_matches, contact_sync]
CHECKS: list[dg.AssetChecksDefinition] = [no_xero_contact_linked_twice]
