"""Metadata a person reads in the Dagster UI."""

from __future__ import annotations

import dagster as dg
import polars as pl


def markdown_table(frame: pl.DataFrame, limit: int = 20) -> dg.MetadataValue:
    """The first ``limit`` rows of ``frame`` as a Markdown table (the UI renders it)."""
    if frame.is_empty():
        return dg.MetadataValue.md("_none_")
    shown = frame.head(limit)
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "| " + " | ".join("---" for _ in shown.columns) + " |"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown.iter_rows()]
    more = [f"\n_…and {frame.height - limit} more_"] if frame.height > limit else []
    return dg.MetadataValue.md("\n".join([header, rule, *rows, *more]))


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")[:200]
