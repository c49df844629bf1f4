"""Everything Dagster loads: assets, checks, resources, the job and its schedule."""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from assets.extract import auxo_raw, xero_raw
from assets.jobs import nightly_sync, sync_day
from assets.resources import (
    AuxoApiResource,
    ConnectionResource,
    MappingsResource,
    WarehouseResource,
    XeroApiResource,
)
from assets.staging import STAGING_ASSETS

defs = dg.Definitions(
    assets=[xero_raw, auxo_raw, *STAGING_ASSETS],
    jobs=[sync_day],
    schedules=[nightly_sync],
    resources={
        "dlt": DagsterDltResource(),
        "warehouse": WarehouseResource(),
        "xero": XeroApiResource(),
        "auxo": AuxoApiResource(),
        "mappings": MappingsResource(),
        "connection": ConnectionResource(),
    },
    executor=dg.in_process_executor,
)
