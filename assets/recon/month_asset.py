"""``recon/month_report``: the month-end books check, one HTML file per connection and month.

Monthly partitions (organisation time, from the same start as the daily ones); not part of the
``sync_day`` job: it runs on its own (``month_report`` job, ``auxo-xero report --month``). It only
reads — the ``recon.*`` views for the month's days and the run metadata of the runs that synced them
— and writes ``<data folder>/reports/<connection>/<YYYY-MM>.html``.
"""


import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.jobs import MONTH_REPORT
from assets.partitions import TIMEZONE, monthly_partitions
from assets.plans import WRITER_POOL
from assets.recon.assets import VIEWS
from assets.recon.month_data import ReportError, month_calls, read_month
from assets.recon.month_html import heat_map_data_uri, render_html
from assets.recon.month_report import Month, MonthReport, build_report
from assets.resources import ConnectionResource, WarehouseResource
from pipelines import settings

DESCRIPTION = """\
The month-end books check, in pictures: one self-contained HTML file per month (no network needed to
open it) under the data folder, reports/<connection>/<YYYY-MM>.html. A calendar of the month (each
day green when it ties out, red with its difference when not), each account's movement in Auxo
against Xero per day, the documents not in step grouped by cause with what to do, the API calls the
month's runs used per day, and the ledger's figures. Reads the recon views for the month's days only;
writes nothing to Xero or Auxo."""


def report_path(connection_id: str, month: Month) -> Path:
    """``<data folder>/reports/<connection>/<YYYY-MM>.html``."""
    folder = re.sub(r"[^A-Za-z0-9._-]", "_", connection_id) or "default"
    return settings.data_home() / "reports" / folder / f"{month.label}.html"


def xero_day_limit() -> int | None:
    """The organisation tier's calls a day (None when the tier setting is not one Xero has)."""
    from pipelines.connections import XeroSettings
    from pipelines.xero.budget import TierError

    try:
        return XeroSettings().limits().per_day
    except TierError:
        return None


def month_of(partition_key: str) -> Month:
    return Month.containing(date.fromisoformat(partition_key))


def write_report(report: MonthReport, path: Path, now: datetime) -> Path:
    """Render ``report`` to ``path`` (written whole, then moved into place: never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".html.partial")
    partial.write_text(render_html(report, now), encoding="utf-8")
    os.replace(partial, path)
    return path


def report_metadata(report: MonthReport, path: Path) -> dict[str, object]:
    """The headline numbers, the heat-map inline (markdown with a data URI) and where the file is."""
    metadata: dict[str, object] = dict(report.headline)
    metadata["heat_map"] = dg.MetadataValue.md(
        f"![{report.month.title}: green days tie out, red days need attention]({heat_map_data_uri(report)})")
    metadata["report"] = dg.MetadataValue.path(str(path))
    metadata["report_link"] = dg.MetadataValue.url(path.as_uri())
    return metadata


@dg.asset(key=MONTH_REPORT, deps=[VIEWS], partitions_def=monthly_partitions, pool=WRITER_POOL, group_name="recon",
          kinds={"html"}, description=DESCRIPTION)
def month_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                 connection: ConnectionResource) -> dg.MaterializeResult:
    month = month_of(context.partition_key)
    now = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE))
    if not warehouse.database_path().exists():
        raise dg.Failure(description=f"recon/month_report {month.label}: there is no warehouse at "
                                     f"{warehouse.database_path()} yet. Sync a day first (auxo-xero sync --date "
                                     "YYYY-MM-DD), then write the report again.")
    calls = month_calls(context.instance, month, TIMEZONE)
    with warehouse.connect(read_only=True) as con:
        try:
            frames = read_month(con, connection.id(), month, calls, xero_day_limit())
        except ReportError as exc:
            raise dg.Failure(description=f"recon/month_report {month.label}: {exc}.") from exc
    report = build_report(month, connection.id(), frames, today=now.date())
    path = write_report(report, report_path(connection.id(), month), now)
    context.log.info(f"{month.title}: {report.days_tying_out} days tie out, {report.days_needing_attention} need "
                     f"attention; {report.documents_not_in_step} documents not in step; report {path}")
    return dg.MaterializeResult(metadata=report_metadata(report, path))
