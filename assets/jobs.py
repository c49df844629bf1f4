"""The job that syncs a day, and the schedule that runs it every night."""


from datetime import datetime, timedelta

import dagster as dg

from assets.partitions import TIMEZONE

SYNC_JOB_NAME = "sync_day"

sync_day = dg.define_asset_job(
    SYNC_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Extract both systems, plan what must change for the day, write it to Xero and Auxo, "
                "and reconcile. Re-running a day never writes anything twice.",
)


@dg.schedule(cron_schedule="0 2 * * *", job=sync_day, execution_timezone=TIMEZONE,
             description="Every night at 02:00 (organisation time), sync the day that just ended.")
def nightly_sync(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    scheduled: datetime = context.scheduled_execution_time
    yesterday = (scheduled - timedelta(days=1)).strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=yesterday, partition_key=yesterday)
