"""dlt source for Xero: one resource per collection in ``settings.RESOURCES``.

Incremental collections are read with ``If-Modified-Since`` from the last ``UpdatedDateUTC`` seen
(minus a one-second overlap: Xero's filter is second-accurate) and merged on their id, so a re-run
reads only what changed. ``/Date()/`` values are parsed before dlt sees the cursor, money arrives as
``Decimal``, and voided, deleted and archived records are loaded like any other, so they are seen.
Every row carries ``connection_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.sources import DltResource

from pipelines.xero.client import XeroClient
from pipelines.xero.dates import convert_dates
from pipelines.xero.settings import INITIAL_MODIFIED_SINCE, OVERLAP_SECONDS, RESOURCES, XeroResource


def _tag(records: list[dict[str, Any]], connection_id: str) -> list[dict[str, Any]]:
    return [{**record, "connection_id": connection_id} for record in records]


def read_changed(client: XeroClient, spec: XeroResource, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    """Pages of ``spec`` changed since ``since``; re-read once if paging may have skipped a record.

    Xero pages by offset in ``UpdatedDateUTC`` order, so a record changed *during* a multi-page
    read jumps to the end and shifts the rest back by one: a record could slip between two pages.
    When a multi-page read saw a change made after it started, it is read once more (the merge
    makes the second copy harmless).
    """
    started = datetime.now(UTC) - timedelta(seconds=2)
    modified_since = since - timedelta(seconds=OVERLAP_SECONDS) if since else None
    pages = 0
    newest: datetime | None = None
    for raw in client.pages(spec.endpoint, spec.collection, params=spec.params, modified_since=modified_since,
                            ordered=spec.ordered):
        pages += 1
        page: list[dict[str, Any]] = convert_dates(raw)  # type: ignore[assignment]
        yield page
        stamps = [r["UpdatedDateUTC"] for r in page if isinstance(r.get("UpdatedDateUTC"), datetime)]
        if stamps:
            newest = max([*stamps, newest] if newest else stamps)
    if pages > 1 and newest is not None and newest >= started:
        for raw in client.pages(spec.endpoint, spec.collection, params=spec.params,
                                modified_since=modified_since, ordered=spec.ordered):
            yield convert_dates(raw)  # type: ignore[misc]


def _resource(spec: XeroResource, client_factory: Callable[[], XeroClient], connection_id: str) -> DltResource:
    hints: dict[str, Any] = {
        "name": spec.name,
        "table_name": spec.name,
        "primary_key": ("connection_id", spec.primary_key),
    }
    if spec.incremental:

        def changed(updated=dlt.sources.incremental("UpdatedDateUTC", initial_value=INITIAL_MODIFIED_SINCE)):
            client = client_factory()
            since = updated.start_value if updated.start_value != INITIAL_MODIFIED_SINCE else None
            for page in read_changed(client, spec, since):
                yield _tag(page, connection_id)

        return dlt.resource(changed, write_disposition="merge",
                            columns={"UpdatedDateUTC": {"dedup_sort": "desc"}}, **hints)

    def everything():
        client = client_factory()
        body = client.get(spec.endpoint, params=spec.params or None)
        yield _tag(convert_dates(body.get(spec.collection, [])), connection_id)  # type: ignore[arg-type]

    return dlt.resource(everything, write_disposition="replace", **hints)


@dlt.source(name="xero", max_table_nesting=2)
def xero_source(client_factory: Callable[[], XeroClient], connection_id: str = "default") -> list[DltResource]:
    """Xero's accounting data for one organisation. ``client_factory`` builds the client at run time."""
    resources = []
    for spec in RESOURCES:
        resource = _resource(spec, client_factory, connection_id)
        resource.__doc__ = spec.description
        resources.append(resource)
    return resources
