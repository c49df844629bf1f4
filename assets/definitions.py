"""Everything Dagster loads: assets, checks, resources, the job and its schedule."""

import dagster as dg
from dagster_dlt import DagsterDltResource

from assets import contacts, inventory, invoices, recon
from assets.automation import SENSORS
from assets.extract import auxo_raw, xero_raw
from assets.jobs import month_report, nightly_sync, sync_day
from assets.resources import (
    AuxoApiResource,
    ConnectionResource,
    MappingsResource,
    WarehouseResource,
    XeroApiResource,
)
from assets.sinks import SyncModeResource, build_sink_assets
from assets.staging import STAGING_ASSETS

DOMAINS = (contacts, invoices, inventory)
PLAN_ASSETS = [asset for domain in DOMAINS for asset in domain.ASSETS]

defs = dg.Definitions(
    assets=[xero_raw, auxo_raw, *STAGING_ASSETS, *PLAN_ASSETS,
            *build_sink_assets([key for a in PLAN_ASSETS for key in a.keys if key.path[0] == "plans"]),
            *recon.ASSETS],
    asset_checks=[check for domain in (*DOMAINS, recon) for check in domain.CHECKS],
    jobs=[sync_day, month_report],
    schedules=[nightly_sync],
    sensors=SENSORS,
    resources={
        "dlt": DagsterDltResource(),
        "warehouse": WarehouseResource(),
        "xero": XeroApiResource(),
        "auxo": AuxoApiResource(),
        "mappings": MappingsResource(),
        "connection": ConnectionResource(),
        "sync_mode": SyncModeResource(),
    },
    executor=dg.in_process_executor,
)
