"""Reconciliation: recon.* views and the checks that fail loudly when the books drift.

``recon/views`` (``assets.py``) re-reads both systems after the day's writes (``refresh.py``) and
creates the views from ``sql/*.sql`` (``tables.py``; ``models.py`` the columns they read from other
domains' tables); ``checks.py`` holds the checks — on the views,
and the blocking one on the mapped accounts that the sinks wait for. README, "Reconciliation",
shows the views with example queries; docs/runbook.md is what to do when a check fails.
"""

import dagster as dg

from assets.recon.assets import recon_views
from assets.recon.checks import CHECKS as _CHECKS

ASSETS: list[dg.AssetsDefinition] = [recon_views]
CHECKS: list[dg.AssetChecksDefinition] = list(_CHECKS)
