"""Reconciliation: recon.* views and the checks that fail loudly when the books drift.

``recon/views`` (``assets.py``) re-reads both systems after the day's writes (``refresh.py``) and
creates the views from ``sql/*.sql`` (``tables.py``; ``models.py`` the columns they read from other
domains' tables); ``checks.py`` holds the checks — on the views,
and the blocking one on the mapped accounts that the sinks wait for. ``recon/month_report``
(``month_asset.py``) is the month-end books check: the month's rows of those views read
(``month_data.py``), made into a report (``month_report.py``, pure) and rendered to one HTML file
(``month_html.py``, charts in ``month_charts.py``). README, "Reconciliation",
shows the views with example queries; docs/runbook.md is what to do when a check fails.
"""

import dagster as dg

from assets.recon.assets import recon_views
from assets.recon.checks import CHECKS as _CHECKS
from assets.recon.month_asset import month_report

ASSETS: list[dg.AssetsDefinition] = [recon_views, month_report]
CHECKS: list[dg.AssetChecksDefinition] = list(_CHECKS)
