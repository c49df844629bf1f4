"""Extraction: dlt loads both systems into ``raw_auxo.*`` and ``raw_xero.*``.

Each dlt resource is one asset (``raw/xero/invoices``...). Extraction is incremental by
modification time and not partitioned: every run reads what changed since the last one, whatever
day is being synced. The dlt source is built fresh in each run (dagster-io/dagster#34052) and the
pipeline is built at run time, so the warehouse path is the one configured when the run starts.
"""


import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.common.runtime.collector import LogCollector

from assets.resources import AuxoApiResource, ConnectionResource, XeroApiResource
from pipelines import settings, warehouse
from pipelines.auxo.settings import RESOURCES as AUXO_RESOURCES
from pipelines.auxo.source import auxo_source
from pipelines.xero.settings import RESOURCES as XERO_RESOURCES
from pipelines.xero.source import xero_source

WRITER_POOL = "duckdb_writer"
# parquet load files: dlt's default INSERT ... VALUES files took 16 GB to load 190k Xero documents
# into DuckDB (0.9 GB as parquet, and 25x faster) - bench/README.md
LOADER_FILE_FORMAT = "parquet"


class RawTranslator(DagsterDltTranslator):
    """Asset keys ``raw/<system>/<resource>`` with no phantom upstream assets."""

    def __init__(self, system: str, descriptions: dict[str, str]) -> None:
        super().__init__()
        self.system = system
        self.descriptions = descriptions

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        name = data.resource.name
        return spec.replace_attributes(
            key=dg.AssetKey(["raw", self.system, name]), deps=[], group_name="extract",
            description=f"{self.descriptions.get(name, '')} Loaded incrementally into raw_{self.system}.{name}.",
        )


def dlt_pipeline(system: str) -> dlt.Pipeline:
    """The dlt pipeline into the configured warehouse (built when called, never frozen at import)."""
    return dlt.pipeline(
        pipeline_name=f"auxo_xero_{system}",
        pipelines_dir=str(settings.dlt_dir()),
        destination=dlt.destinations.duckdb(warehouse.dlt_credentials()),
        dataset_name=f"raw_{system}",
        progress=LogCollector(log_period=10, logger=logging.getLogger("auxo_xero.extract"), dump_system_stats=False),
    )


def load(system: str, source: Any) -> Any:
    """Run ``source`` into ``raw_<system>`` outside Dagster's dlt resource, loaded as the assets load."""
    return dlt_pipeline(system).run(source, loader_file_format=LOADER_FILE_FORMAT)


@contextmanager
def retry_when_warehouse_busy() -> Iterator[None]:
    """dlt found the warehouse locked by another process: ask Dagster to retry the step shortly."""
    try:
        yield
    except Exception as exc:
        if warehouse.is_lock_conflict(exc):
            raise dg.RetryRequested(max_retries=10, seconds_to_wait=3) from exc
        raise


def _unused_client() -> Any:
    raise RuntimeError("the import-time dlt source only describes assets; runs build their own")


def _run(context: dg.AssetExecutionContext, dlt_resource: DagsterDltResource, source: Any,
         system: str, client: Any) -> Iterator[Any]:
    try:
        with retry_when_warehouse_busy():
            results = list(dlt_resource.run(context=context, dlt_source=source, dlt_pipeline=dlt_pipeline(system),
                                            loader_file_format=LOADER_FILE_FORMAT))
    finally:
        client.close()
    calls = {f"{method} {endpoint}": n for (method, endpoint), n in sorted(client.calls.items())}
    for result in results:
        yield dg.MaterializeResult(asset_key=result.asset_key, metadata={
            **(result.metadata or {}), "api_calls": dg.MetadataValue.json(calls), "api_calls_total": sum(calls.values())})


XERO_TRANSLATOR = RawTranslator("xero", {r.name: r.description for r in XERO_RESOURCES})
AUXO_TRANSLATOR = RawTranslator("auxo", {r.name: r.description for r in AUXO_RESOURCES})


@dlt_assets(dlt_source=xero_source(_unused_client), dlt_pipeline=dlt_pipeline("xero"), name="extract_xero",
            dagster_dlt_translator=XERO_TRANSLATOR, pool=WRITER_POOL)
def xero_raw(context: dg.AssetExecutionContext, dlt: DagsterDltResource, xero: XeroApiResource,
             connection: ConnectionResource) -> Iterator[Any]:
    """Load what changed in Xero since the last run."""
    client = xero.client()
    yield from _run(context, dlt, xero_source(lambda: client, connection.id()), "xero", client)


@dlt_assets(dlt_source=auxo_source(_unused_client), dlt_pipeline=dlt_pipeline("auxo"), name="extract_auxo",
            dagster_dlt_translator=AUXO_TRANSLATOR, pool=WRITER_POOL)
def auxo_raw(context: dg.AssetExecutionContext, dlt: DagsterDltResource, auxo: AuxoApiResource,
             connection: ConnectionResource) -> Iterator[Any]:
    """Load what changed in Auxo since the last run."""
    client = auxo.client()
    yield from _run(context, dlt, auxo_source(lambda: client, connection.id()), "auxo", client)
