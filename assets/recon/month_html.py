"""The month report as one self-contained HTML file: inline CSS, charts as base64 PNG, no script and
no address outside the file, so it opens the same from a mail attachment as from the data folder."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from html import escape

import polars as pl

from assets.recon import month_charts
from assets.recon.month_report import DAY_STATUS_TEXT, NEEDS_ATTENTION, MonthReport

# recon.documents' kinds, as a bookkeeper names them
KINDS = {"invoice": "invoice", "credit_note": "credit note", "payment": "payment", "deposit": "deposit",
         "bill": "bill", "cogs_journal": "COGS journal", "stock_journal": "stock journal", "contact": "contact"}

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121; margin: 0;
       background: #fafafa; }
main { max-width: 960px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
h1 { font-size: 1.6rem; margin: 0 0 4px; } h2 { font-size: 1.2rem; margin: 32px 0 8px;
     border-bottom: 1px solid #e0e0e0; padding-bottom: 4px; } h3 { font-size: 1rem; margin: 18px 0 6px; }
p.sub { color: #616161; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { border: 1px solid #e0e0e0; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
.card b { display: block; font-size: 1.3rem; } .card span { color: #616161; font-size: .82rem; }
.card.bad b { color: #c62828; } .card.good b { color: #2e7d32; }
figure.chart { margin: 8px 0 12px; } figure.chart img { max-width: 100%; height: auto; display: block; }
figure.chart figcaption { color: #616161; font-size: .82rem; }
table { border-collapse: collapse; font-size: .85rem; margin: 6px 0 12px; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eeeeee; vertical-align: top; }
th { background: #f5f5f5; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td:not(:last-child), th { white-space: nowrap; }
.todo { background: #fff8e1; border-left: 4px solid #f9a825; padding: 6px 10px; margin: 6px 0; }
.ok { color: #2e7d32; } .muted { color: #757575; }
"""


def _img(png: bytes, name: str, alt: str, caption: str = "") -> str:
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (f'<figure class="chart" data-chart="{escape(name)}"><img alt="{escape(alt)}" '
            f'src="data:image/png;base64,{data}">{cap}</figure>')


def heat_map_data_uri(report: MonthReport) -> str:
    """The heat-map as a ``data:`` URI (the asset's metadata shows it inline)."""
    return "data:image/png;base64," + base64.b64encode(month_charts.heat_map(report.month, report.calendar)).decode()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return month_charts.money(value)
    return str(value)


def _table(frame: pl.DataFrame, headings: dict[str, str], numeric: frozenset[str] | set[str] = frozenset()) -> str:
    head = "".join(f'<th class="num">{escape(t)}</th>' if c in numeric else f"<th>{escape(t)}</th>"
                   for c, t in headings.items())
    rows = []
    for row in frame.select(list(headings)).iter_rows(named=True):
        cells = "".join(f'<td class="num">{escape(_text(row[c]))}</td>' if c in numeric
                        else f"<td>{escape(_text(row[c]))}</td>" for c in headings)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _card(value: object, label: str, tone: str = "") -> str:
    text = f"{value:,}" if isinstance(value, int) else str(value)
    return f'<div class="card {tone}"><b>{escape(text)}</b><span>{escape(label)}</span></div>'


def render_html(report: MonthReport, generated_at: datetime) -> str:
    """The whole report (see ``month_report`` for what each figure is)."""
    h = report.headline
    charts = 0
    parts = [f"<h1>Books check — {escape(report.month.title)}</h1>",
             f'<p class="sub">Connection <b>{escape(report.connection_id)}</b> · Auxo against Xero, day by day, '
             f"from the reconciliation views · written {escape(generated_at.strftime('%Y-%m-%d %H:%M %Z'))}"
             + (f" · sync start {report.sync_start}" if report.sync_start else "") + "</p>"]
    attention = report.days_needing_attention
    parts.append('<div class="cards">'
                 + _card(report.days_tying_out, "days tie out", "good")
                 + _card(attention, "days need attention", "bad" if attention else "good")
                 + _card(report.documents_not_in_step, "documents not in step",
                         "bad" if report.documents_not_in_step else "good")
                 + _card(month_charts.money(report.total_difference), "difference (sum of |Xero − Auxo|)",
                         "bad" if report.total_difference else "good")
                 + _card(month_charts.money(report.unexplained_difference), "of it unexplained",
                         "bad" if report.unexplained_difference else "good")
                 + _card(h["writes_confirmed"], "writes confirmed")
                 + _card(h["xero_api_calls"], "Xero API calls")
                 + "</div>")

    # 1. the calendar
    parts.append('<h2 id="calendar">The month at a glance</h2>')
    parts.append(_img(month_charts.heat_map(report.month, report.calendar), "heat-map",
                      f"Calendar of {report.month.title}: green days tie out, red days need attention",
                      "Green: every document in step and every account ties out. Red: something does not; the "
                      "amount is the day's difference summed over the accounts below (|Xero − Auxo|). "
                      "'Unexplained': no document of the day is out of step, so nothing the sync knows of "
                      "accounts for it — look in Xero for something made or edited by hand. Grey: before the "
                      "sync start, nothing dated, or not yet."))
    charts += 1
    red = report.calendar.filter(pl.col("status") == NEEDS_ATTENTION)
    if not red.is_empty():
        parts.append(_table(red.with_columns(pl.col("status").replace(DAY_STATUS_TEXT)),
                            {"day": "Day", "status": "Verdict", "difference": "Difference",
                             "unexplained": "Unexplained", "documents_not_in_step": "Documents not in step"},
                            {"difference", "unexplained", "documents_not_in_step"}))

    # 2. the accounts
    parts.append('<h2 id="accounts">Accounts: Auxo against Xero, per day</h2>')
    if not report.accounts:
        parts.append('<p class="muted">No account movement in this month.</p>')
    for series in report.accounts:
        parts.append(f'<h3 data-account="{escape(series.role)}">{escape(series.label)}</h3>')
        parts.append(_img(month_charts.account_chart(report.month, series), f"account-{series.role}",
                          f"{series.title}: Auxo's and Xero's movement per day"))
        charts += 1
        differing = series.days.filter(pl.col("difference") != 0)
        if differing.is_empty():
            parts.append('<p class="ok">Ties out every day.</p>')
        else:
            parts.append(_table(differing, {"day": "Day", "auxo_movement": "Auxo", "xero_movement": "Xero",
                                            "difference": "Xero − Auxo"},
                                {"auxo_movement", "xero_movement", "difference"}))

    # 3. documents not in step
    parts.append('<h2 id="documents">Documents not in step, by cause</h2>')
    if not report.problems:
        parts.append('<p class="ok">Every document of the month is in step.</p>')
    for group in report.problems:
        parts.append(f'<h3 data-cause="{escape(group.cause)}">{escape(group.title)} — '
                     f"{group.documents.height} document{'s' if group.documents.height != 1 else ''}</h3>")
        for todo in group.what_to_do:
            parts.append(f'<div class="todo"><b>What to do:</b> {escape(todo)}</div>')
        documents = group.documents.with_columns(pl.col("document_kind").replace(KINDS))
        parts.append(_table(documents, {"business_date": "Day", "document_kind": "Kind",
                                              "document": "Document", "party": "Customer / supplier",
                                              "reason": "Why"}))

    # 4. the API budget
    parts.append('<h2 id="budget">API calls used</h2>')
    parts.append(_img(month_charts.budget_chart(report.budget, report.day_limit), "api-budget",
                      "API calls of the runs that synced this month, per day they ran",
                      "The runs that synced or reconciled a day of this month, by the day they ran (organisation "
                      "time): Xero's calls by stage (extraction, writes, the re-read before reconciling) against "
                      "Xero's day limit, and Auxo's. A run over days of two months counts in both reports."))
    charts += 1
    if not report.runs.is_empty():
        parts.append(_table(report.runs, {"ran_on": "Ran on", "first_day": "First day", "last_day": "Last day",
                                          "xero_calls": "Xero calls", "auxo_calls": "Auxo calls",
                                          "run_id": "Dagster run"}, {"xero_calls", "auxo_calls"}))
        left = report.budget["xero_calls_left"].drop_nulls()
        if not left.is_empty():
            parts.append(f'<p class="muted">Fewest Xero calls left for the day that Xero reported: '
                         f"{int(left.min()):,}.</p>")

    # 5. the ledger
    ledger = report.ledger
    parts.append('<h2 id="ledger">The ledger: writes dated in the month</h2>')
    parts.append('<div class="cards">' + _card(ledger.sent, "sent") + _card(ledger.confirmed, "confirmed", "good")
                 + _card(ledger.refused, "refused", "bad" if ledger.refused else "")
                 + _card(ledger.retried, "retried (sent more than once, or retrying)")
                 + _card(ledger.waiting, "waiting (held or blocked)") + _card(ledger.open, "not answered yet")
                 + "</div>")
    parts.append('<p class="muted">From <code>sync.writes</code> (skipped versions left out; contacts carry no '
                 "date and are not counted). Each write is sent once; a resend happens only after the target "
                 "was asked and the write was not there.</p>")
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Books check {escape(report.month.label)} — {escape(report.connection_id)}</title>"
            f"<style>{CSS}</style></head>\n"
            f'<body data-charts="{charts}" data-month="{escape(report.month.label)}"><main>\n{body}\n</main></body></html>\n')
