"""The month-end books check: one month of the ``recon.*`` views as a report a bookkeeper reads.

Pure functions: the frames read for the month (``month_data.py``) go in, a :class:`MonthReport`
comes out; ``month_html.py`` renders it. Every figure is the views' own, for the month's days only:

- the calendar: each day's verdict (``recon.day_summary``) and its difference — the sum, over the
  accounts the views tie out, of how far Xero's movement is from Auxo's (``recon.account_movements``,
  ``|difference|``), so a day is 0.00 exactly when every account ties out. The difference is
  *unexplained* on a day with no document out of step (the rule of the
  ``receivables_and_clearing_tie_out`` check): nothing the sync knows of accounts for it, so
  something was made or edited in Xero by hand;
- per account, Auxo's movement against Xero's per day (``recon.account_movements``);
- the documents not in step (``recon.unsynced_documents``), grouped by cause;
- the API calls of the runs that synced the month's days, by the day they ran (Dagster's run
  metadata: the extraction, the sinks and the re-read of ``recon/views`` each record theirs);
- the ledger's figures for the writes dated in the month (``sync.writes``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

# the accounts recon.account_movements ties out, in the order a bookkeeper reads them
ACCOUNT_ROLES: dict[str, str] = {
    "accounts_receivable": "Accounts Receivable",
    "payment_clearing": "Payment Clearing",
    "cogs": "COGS",
    "stock_on_hand": "Stock on Hand",
    "work_in_progress": "Work in Progress",
    "stock_adjustment": "Stock Adjustment",
}

# recon.documents' causes (assets/recon/sql/documents.sql), as a heading over their documents
CAUSE_TITLES: dict[str, str] = {
    "refused": "Refused by Xero or Auxo",
    "held": "Held: dated in a period Xero has locked",
    "contact_review": "Waiting for a person: a contact to match in the review queue",
    "waiting_for_dependency": "Waiting for another document that is not in Xero yet",
    "number_clash": "Made in Xero: its number clashes with an Auxo invoice",
    "differs": "In both systems, but different",
    "allocation_waiting": "Different until an allocation is written",
    "duplicated": "In Xero more than once",
    "missing_in_xero": "Recorded in Auxo as synced, but not in Xero",
    "not_extracted": "Written to Xero, not read back yet",
    "answer_lost": "Sent, but the answer was lost",
    "retrying": "Not written yet: a temporary API problem",
    "daily_limit": "Not sent: Xero's calls for the day ran out",
    "planned": "Planned, not sent yet",
    "plan_exception": "Could not be planned",
    "not_planned": "Not planned",
    "only_in_xero": "Made in Xero; no Auxo document accounts for it",
}

# a day in the calendar
TIES_OUT, NEEDS_ATTENTION, NO_DOCUMENTS, BEFORE_SYNC, NOT_YET = (
    "ties_out", "needs_attention", "no_documents", "before_sync_start", "not_yet")
DAY_STATUS_TEXT = {TIES_OUT: "ties out", NEEDS_ATTENTION: "needs attention", NO_DOCUMENTS: "nothing dated this day",
                   BEFORE_SYNC: "before the sync start", NOT_YET: "not yet"}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Month:
    """A calendar month of business dates, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    @classmethod
    def of(cls, year: int, month: int) -> Month:
        days = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, days))

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls.of(day.year, day.month)

    @property
    def label(self) -> str:
        """``2026-11``: the file name and the CLI's ``--month``."""
        return f"{self.first:%Y-%m}"

    @property
    def title(self) -> str:
        return f"{self.first:%B %Y}"

    @property
    def partition_key(self) -> str:
        """The key of the month's partition of ``recon/month_report`` (its first day)."""
        return self.first.isoformat()

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def parse_month(text: str) -> Month:
    """``2026-11`` → that month; a :class:`ValueError` that says the format otherwise."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month: use YYYY-MM, e.g. 2026-11")
    return Month.of(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class MonthFrames:
    """What the report reads for one month and connection (see ``month_data.read_month``)."""

    days: pl.DataFrame          # recon.day_summary: day, verdict, not_in_xero, different, duplicated, only_in_xero, ...
    accounts: pl.DataFrame      # recon.account_movements: day, account_role, account_code, account_name, movements
    unsynced: pl.DataFrame      # recon.unsynced_documents: business_date, document_kind, document, party, state, cause, ...
    writes: pl.DataFrame        # sync.writes by target, state and attempts: target, state, attempts, writes
    calls: pl.DataFrame         # per run and stage: run_id, ran_on, stage, system, calls, calls_left, first_day, last_day
    sync_start: date | None     # recon.sync_starts
    day_limit: int | None = None  # Xero's calls a day for the organisation's tier


@dataclass(frozen=True)
class AccountSeries:
    role: str
    title: str
    code: str
    name: str
    days: pl.DataFrame  # day, auxo_movement, xero_movement, difference (Decimal), one row per day of the month

    @property
    def label(self) -> str:
        return f"{self.title} — {self.code} {self.name}".strip()

    @property
    def days_differing(self) -> int:
        return self.days.filter(pl.col("difference") != 0).height


@dataclass(frozen=True)
class ProblemGroup:
    cause: str
    title: str
    what_to_do: list[str]
    documents: pl.DataFrame  # business_date, document_kind, document, party, reason, message


@dataclass(frozen=True)
class LedgerFigures:
    """The writes dated in the month: sent at least once, confirmed, refused, sent more than once or
    retrying, waiting (held or blocked), still open (planned or sent without an answer)."""

    sent: int
    confirmed: int
    refused: int
    retried: int
    waiting: int
    open: int
    total: int


@dataclass
class MonthReport:
    month: Month
    connection_id: str
    calendar: pl.DataFrame  # day, status, difference, unexplained (Decimal), documents_not_in_step
    accounts: list[AccountSeries]
    problems: list[ProblemGroup]
    budget: pl.DataFrame    # ran_on, xero_extract, xero_writes, xero_re_read, xero_total, auxo_total, xero_calls_left
    runs: pl.DataFrame      # run_id, ran_on, first_day, last_day, xero_calls, auxo_calls
    ledger: LedgerFigures
    day_limit: int | None
    sync_start: date | None
    headline: dict[str, object] = field(default_factory=dict)

    @property
    def days_tying_out(self) -> int:
        return self.calendar.filter(pl.col("status") == TIES_OUT).height

    @property
    def days_needing_attention(self) -> int:
        return self.calendar.filter(pl.col("status") == NEEDS_ATTENTION).height

    @property
    def documents_not_in_step(self) -> int:
        return sum(group.documents.height for group in self.problems)

    @property
    def total_difference(self) -> Decimal:
        return _decimal_sum(self.calendar["difference"])

    @property
    def unexplained_difference(self) -> Decimal:
        return _decimal_sum(self.calendar["unexplained"])


def _decimal_sum(values: pl.Series) -> Decimal:
    total = sum((Decimal(str(v)) for v in values.to_list() if v is not None), ZERO)
    return total.quantize(ZERO)


def day_calendar(month: Month, frames: MonthFrames, today: date) -> pl.DataFrame:
    """One row per day of the month: its status and difference (see the module docstring)."""
    summary = {row["day"]: row for row in frames.days.iter_rows(named=True)}
    differences: dict[date, Decimal] = {}
    for row in frames.accounts.iter_rows(named=True):
        amount = abs(Decimal(str(row["difference"] or 0)))
        differences[row["day"]] = differences.get(row["day"], ZERO) + amount
    rows = []
    for day in month.days():
        found = summary.get(day)
        if found is not None:
            status = TIES_OUT if found["verdict"] == "ties out" else NEEDS_ATTENTION
            not_in_step = sum(int(found[c] or 0) for c in ("not_in_xero", "different", "duplicated", "only_in_xero"))
        else:
            not_in_step = 0
            if frames.sync_start is not None and day < frames.sync_start:
                status = BEFORE_SYNC
            elif day > today:
                status = NOT_YET
            else:
                status = NO_DOCUMENTS
        difference = differences.get(day, ZERO).quantize(ZERO)
        rows.append((day, status, difference, ZERO if not_in_step else difference, not_in_step))
    return pl.DataFrame(rows, schema={"day": pl.Date, "status": pl.String, "difference": pl.Decimal(18, 2),
                                      "unexplained": pl.Decimal(18, 2), "documents_not_in_step": pl.Int64},
                        orient="row")


def account_series(month: Month, accounts: pl.DataFrame) -> list[AccountSeries]:
    """Per account the views tie out, its movements on every day of the month (0 on a quiet day)."""
    all_days = pl.DataFrame({"day": month.days()}, schema={"day": pl.Date})
    out = []
    known = [role for role in ACCOUNT_ROLES if role in set(accounts["account_role"].to_list())]
    for role in known:
        rows = accounts.filter(pl.col("account_role") == role)
        codes = rows.drop_nulls("account_code")["account_code"].unique().sort().to_list()
        names = rows.drop_nulls("account_name")["account_name"].unique().sort().to_list()
        daily = (rows.group_by("day").agg(pl.col("auxo_movement").sum(), pl.col("xero_movement").sum(),
                                          pl.col("difference").sum()))
        days = (all_days.join(daily, on="day", how="left")
                .with_columns(pl.col(c).fill_null(0).cast(pl.Decimal(18, 2))
                              for c in ("auxo_movement", "xero_movement", "difference"))
                .sort("day"))
        out.append(AccountSeries(role, ACCOUNT_ROLES[role], ", ".join(codes), ", ".join(names), days))
    return out


def problem_groups(unsynced: pl.DataFrame) -> list[ProblemGroup]:
    """The documents not in step, one group per cause (largest first), each with what to do once."""
    if unsynced.is_empty():
        return []
    frame = unsynced.with_columns(pl.col("cause").fill_null(pl.col("state")).fill_null("unknown"))
    groups = []
    for (cause,), rows in frame.group_by("cause", maintain_order=True):
        todo = [t for t in dict.fromkeys(rows["what_to_do"].to_list()) if t]
        documents = rows.select("business_date", "document_kind", "document", "party", "reason", "message") \
            .sort("business_date", "document", nulls_last=True)
        groups.append(ProblemGroup(str(cause), CAUSE_TITLES.get(str(cause), str(cause).replace("_", " ")),
                                   todo, documents))
    return sorted(groups, key=lambda g: (-g.documents.height, g.cause))


def ledger_figures(writes: pl.DataFrame) -> LedgerFigures:
    """The ledger's figures from ``sync.writes`` counted by state and attempts (skipped versions left out)."""
    rows = writes.filter(pl.col("state") != "skipped")

    def count(expr: pl.Expr) -> int:
        return int(rows.filter(expr)["writes"].sum() or 0)

    return LedgerFigures(
        sent=count(pl.col("attempts") > 0),
        confirmed=count(pl.col("state") == "confirmed"),
        refused=count(pl.col("state") == "refused"),
        retried=count((pl.col("attempts") > 1) | (pl.col("state") == "retrying")),
        waiting=count(pl.col("state").is_in(["held", "blocked"])),
        open=count(pl.col("state").is_in(["planned", "sent"])),
        total=count(pl.lit(True)),
    )


STAGES = ("extract", "writes", "re_read")


def api_budget(calls: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per day a run ran: Xero's calls by stage and Auxo's (and the fewest Xero calls left it was told);
    per run: the days it synced and its calls."""
    budget_schema = {"ran_on": pl.Date, **{f"xero_{s}": pl.Int64 for s in STAGES}, "xero_total": pl.Int64,
                     "auxo_total": pl.Int64, "xero_calls_left": pl.Int64}
    runs_schema = {"run_id": pl.String, "ran_on": pl.Date, "first_day": pl.Date, "last_day": pl.Date,
                   "xero_calls": pl.Int64, "auxo_calls": pl.Int64}
    if calls.is_empty():
        return pl.DataFrame(schema=budget_schema), pl.DataFrame(schema=runs_schema)
    xero = pl.col("system") == "xero"
    budget = (calls.group_by("ran_on").agg(
        *[pl.col("calls").filter(xero & (pl.col("stage") == s)).sum().alias(f"xero_{s}") for s in STAGES],
        pl.col("calls").filter(xero).sum().alias("xero_total"),
        pl.col("calls").filter(~xero).sum().alias("auxo_total"),
        pl.col("calls_left").filter(xero).min().alias("xero_calls_left"))
        .sort("ran_on").cast(budget_schema))
    runs = (calls.group_by("run_id").agg(
        pl.col("ran_on").min(), pl.col("first_day").min(), pl.col("last_day").max(),
        pl.col("calls").filter(xero).sum().alias("xero_calls"),
        pl.col("calls").filter(~xero).sum().alias("auxo_calls"))
        .sort("ran_on", "run_id").cast(runs_schema))
    return budget, runs


def build_report(month: Month, connection_id: str, frames: MonthFrames, today: date) -> MonthReport:
    """The month's report from its frames (``today``: days after it are 'not yet', not 'nothing dated')."""
    budget, runs = api_budget(frames.calls)
    report = MonthReport(
        month=month, connection_id=connection_id, calendar=day_calendar(month, frames, today),
        accounts=account_series(month, frames.accounts), problems=problem_groups(frames.unsynced),
        budget=budget, runs=runs, ledger=ledger_figures(frames.writes), day_limit=frames.day_limit,
        sync_start=frames.sync_start)
    report.headline = headline(report)
    return report


def headline(report: MonthReport) -> dict[str, object]:
    """The figures a person reads first (the asset's metadata, the report's top line)."""
    ledger = report.ledger
    return {
        "month": report.month.label,
        "days_tying_out": report.days_tying_out,
        "days_needing_attention": report.days_needing_attention,
        "documents_not_in_step": report.documents_not_in_step,
        "difference_total": str(report.total_difference),
        "difference_unexplained": str(report.unexplained_difference),
        "accounts_differing": sum(1 for a in report.accounts if a.days_differing),
        "writes_sent": ledger.sent,
        "writes_confirmed": ledger.confirmed,
        "writes_refused": ledger.refused,
        "writes_retried": ledger.retried,
        "xero_api_calls": int(report.runs["xero_calls"].sum() or 0),
        "auxo_api_calls": int(report.runs["auxo_calls"].sum() or 0),
    }
