"""dlt source for Auxo: one resource per list endpoint in ``settings.RESOURCES``.

Incremental on ``updated_at`` (Auxo's ``updated_since`` filter is inclusive and its keyset paging
never skips a record changing mid-read), merged on ``(connection_id, id)``. Money arrives as
decimal strings and is loaded as ``Decimal``; voided and deleted records stay visible.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import dlt
from dlt.sources import DltResource

from pipelines.auxo.client import AuxoClient
from pipelines.auxo.settings import INITIAL_UPDATED_SINCE, RESOURCES, AuxoResource


def _parse_timestamp(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 20 and value.endswith("Z") and value[4] == "-" and "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _resource(spec: AuxoResource, client_factory: Callable[[], AuxoClient], connection_id: str) -> DltResource:
    if spec.single:

        def current():
            record = client_factory().get(spec.path)
            yield {**record, "updated_at": _parse_timestamp(record.get("updated_at")), "connection_id": connection_id}

        return dlt.resource(current, name=spec.name, table_name=spec.name, primary_key=("connection_id",),
                            write_disposition="replace")

    def changed(updated=dlt.sources.incremental("updated_at", initial_value=INITIAL_UPDATED_SINCE)):
        client = client_factory()
        since = updated.start_value if updated.start_value != INITIAL_UPDATED_SINCE else None
        for page in client.pages(spec.path, updated_since=since):
            yield [{**record, "updated_at": _parse_timestamp(record.get("updated_at")),
                    "connection_id": connection_id} for record in page]

    return dlt.resource(changed, name=spec.name, table_name=spec.name, primary_key=("connection_id", "id"),
                        write_disposition="merge", columns={"updated_at": {"dedup_sort": "desc"}})


@dlt.source(name="auxo", max_table_nesting=2)
def auxo_source(client_factory: Callable[[], AuxoClient], connection_id: str = "default") -> list[DltResource]:
    """Auxo Workshop's records for one account. ``client_factory`` builds the client at run time."""
    return [_resource(spec, client_factory, connection_id) for spec in RESOURCES]

