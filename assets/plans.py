"""What every plan asset shares: where plans are stored and what the UI shows about them."""

import dagster as dg
import polars as pl

from assets.metadata import markdown_table

WRITER_POOL = "duckdb_writer"


def plan_metadata(plan: pl.DataFrame, plan_asset: str) -> dict[str, object]:
    """Row counts by target/entity/operation, a preview, and the SQL that shows the plan in DuckDB."""
    counts = (plan.group_by("target", "entity", "operation").len().sort("target", "entity", "operation")
              if not plan.is_empty() else pl.DataFrame())
    return {
        "dagster/row_count": plan.height,
        "writes_planned": plan.height,
        "by_kind": markdown_table(counts),
        "preview": markdown_table(plan.select("business_date", "target", "entity", "operation", "description")
                                  if not plan.is_empty() else plan),
        "review_sql": dg.MetadataValue.md(
            f"```sql\nselect * from plans.write_plan where plan_asset = '{plan_asset}' order by business_date;\n"
            f"-- and what happened to each write:\nselect l.* from sync.write_ledger l\n"
            f"  join plans.write_plan p using (idempotency_key) where p.plan_asset = '{plan_asset}';\n```"),
    }
