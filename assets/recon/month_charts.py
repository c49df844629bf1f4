"""The month report's charts, drawn with matplotlib (Agg, no display) and returned as PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` rather than pyplot: no global state, so two
reports drawn in one process (the asset in a run, the CLI, a test) cannot draw into each other.
Amounts are Decimal everywhere else; they become floats here only to place a bar.
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from assets.recon.month_report import (
    BEFORE_SYNC,
    NEEDS_ATTENTION,
    NOT_YET,
    TIES_OUT,
    AccountSeries,
    Month,
)

GREEN, RED, GREY, LIGHT, INK = "#2e7d32", "#c62828", "#e0e0e0", "#f5f5f5", "#212121"
AUXO, XERO = "#5c6bc0", "#26a69a"
STATUS_COLOUR = {TIES_OUT: GREEN, NEEDS_ATTENTION: RED, BEFORE_SYNC: LIGHT, NOT_YET: LIGHT}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DPI = 96


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def money(value: object) -> str:
    return f"{value:,.2f}"


def heat_map(month: Month, calendar: pl.DataFrame) -> bytes:
    """The month as a calendar: each day green (ties out) or red (needs attention) with its difference, and
    how many documents are not in step that day — or "unexplained" when none is."""
    first_weekday = month.first.weekday()
    weeks = (first_weekday + len(month.days()) + 6) // 7
    figure = Figure(figsize=(8.4, 0.55 + 1.05 * weeks))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 7)
    axes.set_ylim(weeks + 0.45, 0)
    axes.axis("off")
    for column, name in enumerate(WEEKDAYS):
        axes.text(column + 0.5, 0.22, name, ha="center", va="center", fontsize=10, color="#616161")
    for row in calendar.iter_rows(named=True):
        day: date = row["day"]
        offset = first_weekday + (day - month.first).days
        column, week = offset % 7, offset // 7
        top = 0.45 + week
        colour = STATUS_COLOUR.get(row["status"], GREY)
        axes.add_patch(Rectangle((column + 0.04, top + 0.04), 0.92, 0.92, facecolor=colour, edgecolor="white"))
        strong = row["status"] in (TIES_OUT, NEEDS_ATTENTION)
        ink = "white" if strong else "#757575"
        axes.text(column + 0.1, top + 0.22, str(day.day), fontsize=11, fontweight="bold", color=ink, va="center")
        if strong:
            axes.text(column + 0.5, top + 0.55, money(row["difference"]), fontsize=9.5, ha="center", va="center",
                      color=ink)
            if row["documents_not_in_step"]:
                count = row["documents_not_in_step"]
                axes.text(column + 0.5, top + 0.8, f"{count} not in step", fontsize=8, ha="center",
                          va="center", color=ink)
            elif row["unexplained"]:
                axes.text(column + 0.5, top + 0.8, "unexplained", fontsize=8, ha="center", va="center",
                          color=ink, fontweight="bold")
    return _png(figure)


def account_chart(month: Month, series: AccountSeries) -> bytes:
    """One account: Auxo's movement and Xero's, side by side per day; a red dot where they differ."""
    frame = series.days
    days = [d.day for d in frame["day"].to_list()]
    auxo = [float(v) for v in frame["auxo_movement"].to_list()]
    xero = [float(v) for v in frame["xero_movement"].to_list()]
    differs = [d.day for d, diff in zip(frame["day"].to_list(), frame["difference"].to_list(), strict=True)
               if diff != 0]
    figure = Figure(figsize=(8.4, 2.5))
    axes = figure.add_subplot()
    width = 0.4
    axes.bar([d - width / 2 for d in days], auxo, width, color=AUXO, label="Auxo")
    axes.bar([d + width / 2 for d in days], xero, width, color=XERO, label="Xero")
    axes.axhline(0, color="#9e9e9e", linewidth=0.8)
    top = max([abs(v) for v in (*auxo, *xero)] or [1.0]) or 1.0
    for day in differs:
        axes.plot(day, top * 1.08, "o", color=RED, markersize=6)
    if differs:
        axes.plot([], [], "o", color=RED, label="differs")
    axes.set_xlim(0.3, len(days) + 0.7)
    axes.set_xticks(days)
    axes.set_xticklabels([str(d) for d in days], fontsize=7)
    axes.tick_params(axis="y", labelsize=8)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlabel(month.title, fontsize=8)
    return _png(figure)


def budget_chart(budget: pl.DataFrame, day_limit: int | None) -> bytes:
    """The API calls of the runs that synced the month, per day they ran: Xero's by stage, and Auxo's."""
    figure = Figure(figsize=(8.4, 2.6))
    axes = figure.add_subplot()
    if budget.is_empty():
        axes.text(0.5, 0.5, "No run has synced a day of this month yet", ha="center", va="center",
                  transform=axes.transAxes, fontsize=10, color="#616161")
        axes.set_xticks([])
        axes.set_yticks([])
    else:
        labels = [f"{d:%d %b}" for d in budget["ran_on"].to_list()]
        positions = list(range(len(labels)))
        bottom = [0] * len(labels)
        for column, colour, name in (("xero_extract", "#80cbc4", "Xero: extract"),
                                     ("xero_writes", XERO, "Xero: writes"),
                                     ("xero_re_read", "#00695c", "Xero: re-read")):
            values = budget[column].fill_null(0).to_list()
            axes.bar([p - 0.2 for p in positions], values, 0.38, bottom=bottom, color=colour, label=name)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.bar([p + 0.2 for p in positions], budget["auxo_total"].fill_null(0).to_list(), 0.38, color=AUXO,
                 label="Auxo")
        axes.set_xticks(positions)
        axes.set_xticklabels(labels, fontsize=8)
        most = max(bottom)
        if day_limit:
            if most > day_limit / 2:
                axes.axhline(day_limit, color=RED, linewidth=1, linestyle="--", label=f"Xero's day limit ({day_limit:,})")
            axes.set_title(f"Xero calls a day: at most {most:,} of {day_limit:,} ({most / day_limit:.1%})",
                           fontsize=10, loc="left")
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="y", labelsize=8)
        axes.set_xlim(-0.7, len(labels) - 0.3)
    return _png(figure)

