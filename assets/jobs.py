"""The job that syncs a day, and the schedule that runs it every night."""


from datetime import datetime, timedelta

import dagster as dg

from assets.partitions import TIMEZONE

SYNC_JOB_NAME = "sync_day"
MONTH_REPORT_JOB_NAME = "month_report"
MONTH_REPORT = dg.AssetKey(["recon", "month_report"])

sync_day = dg.define_asset_job(
    SYNC_JOB_NAME,
    # every daily asset; the month-end report has monthly partitions and runs on its own
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(MONTH_REPORT),
    description="Extract both systems, plan what must change for the day, write it to Xero and Auxo, "
                "and reconcile. Re-running a day never writes anything twice.",
)


month_report = dg.define_asset_job(
    MONTH_REPORT_JOB_NAME,
    selection=dg.AssetSelection.assets(MONTH_REPORT),  # monthly partitions (assets.partitions)
    description="Write the month-end books check (an HTML file under the data folder) from the recon views. "
                "Reads only; sends nothing to Xero or Auxo.",
)


@dg.schedule(cron_schedule="0 2 * * *", job=sync_day, execution_timezone=TIMEZONE,
             description="Every night at 02:00 (organisation time), sync the day that just ended.")
def nightly_sync(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    scheduled: datetime = context.scheduled_execution_time
    yesterday = (scheduled - timedelta(days=1)).strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=yesterday, partition_key=yesterday)
