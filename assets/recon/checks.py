"""The checks that fail loudly when the books drift, each with the offending rows in its metadata.

On ``recon/views``, for the days of the run (every day when a check is run on its own):

- ``every_document_in_xero_once`` — every Auxo document the sync is responsible for is in Xero
  exactly once. ERROR for a duplicate or a document missing with no recorded reason (a sync gap);
  WARN when every missing one has a reason a person must act on (refused, held, waiting).
- ``totals_equal_to_the_cent`` — documents in both systems agree: total, GST, amount due, status,
  and for journals the amount and accounts. ERROR; WARN when the only difference is an allocation
  still waiting.
- ``every_journal_balances`` — Xero's posted manual journals, and the journals the sync has
  planned, have debits equal to credits. ERROR.
- ``no_write_stuck_in_sent`` — no ledger row is left ``sent`` (sent with no answer recorded: the
  run died mid-call). ERROR: re-run its day, the sink looks the document up before resending.
- ``receivables_and_clearing_tie_out`` — Accounts Receivable and Payment Clearing move in Xero as in
  Auxo, day by day. WARN where the day's unsynced documents explain it, ERROR where nothing does.

On ``staging/xero_accounts``, **blocking** (the sinks wait for it and do not run if it fails):

- ``mapped_accounts_active_in_xero`` — every account and tax type in mappings/ exists and is active in
  Xero, payment accounts accept payments, the deposit account is a bank account.
"""


from datetime import timedelta
from typing import Any

import dagster as dg
import duckdb
import polars as pl

from assets.metadata import markdown_table
from assets.plans import WRITER_POOL
from assets.recon.assets import VIEWS
from assets.resources import ConnectionResource, MappingsResource, WarehouseResource
from assets.window import Window
from mappings import check_against_xero
from pipelines import warehouse as warehouse_helpers
from pipelines.sync import ledger
from pipelines.sync.ledger import Ledger
from pipelines.sync.store import days_predicate

DOCUMENTS_ONCE = "every_document_in_xero_once"
TOTALS_TO_THE_CENT = "totals_equal_to_the_cent"
JOURNALS_BALANCE = "every_journal_balances"
NOTHING_STUCK_IN_SENT = "no_write_stuck_in_sent"
MONEY_ACCOUNTS_TIE_OUT = "receivables_and_clearing_tie_out"
MAPPED_ACCOUNTS_ACTIVE = "mapped_accounts_active_in_xero"

XERO_ACCOUNTS = dg.AssetKey(["staging", "xero_accounts"])
XERO_TAX_RATES = dg.AssetKey(["staging", "xero_tax_rates"])

# causes (recon.documents.cause) that mean the sync itself went wrong, not a document a person must fix
SYNC_GAPS = ("duplicated", "not_planned", "missing_in_xero", "not_extracted")


def run_days(context: dg.AssetCheckExecutionContext, con: duckdb.DuckDBPyConnection,
             connection_id: str) -> Window | None:
    """The business days of the run (a partition or a range) plus the earlier days its writes were dated
    (documents caught up); None when run without a partition (every day is checked)."""
    try:
        window = context.partition_time_window
    except Exception:  # no partition: a check executed on its own checks every day
        return None
    first, last = window.start.date(), (window.end - timedelta(days=1)).date()
    return Window(first, last).with_catch_up(Ledger(con, connection_id).days_written(context.run.run_id))


def _where(column: str, window: Window | None) -> tuple[str, list[Any]]:
    if window is None:
        return "true", []
    return days_predicate(window.first, window.last, window.earlier_days, column=column)


def _span(window: Window | None) -> str:
    return "every day" if window is None else window.describe()


def _query(con: duckdb.DuckDBPyConnection, sql: str, connection_id: str, window: Window | None,
           column: str = "business_date") -> pl.DataFrame:
    where, params = _where(column, window)
    return con.sql(sql.format(where=where), params=[connection_id, *params]).pl()


def documents_not_once(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window | None) -> pl.DataFrame:
    return _query(con, """
        select business_date, document_kind, auxo_number, party, state, cause, reason, what_to_do, xero_matches
        from recon.documents
        where connection_id = ? and {where} and auxo_id is not null and state in ('not_in_xero', 'duplicated')
        order by business_date, document_kind, auxo_number""", connection_id, window)


def documents_different(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window | None) -> pl.DataFrame:
    return _query(con, """
        select business_date, document_kind, auxo_number, party, auxo_total, xero_total, total_difference,
               gst_difference, amount_due_difference, cause, reason, what_to_do, xero_id
        from recon.documents
        where connection_id = ? and {where} and auxo_id is not null and state = 'different'
        order by business_date, document_kind, auxo_number""", connection_id, window)


def unbalanced_journals(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window | None) -> pl.DataFrame:
    """Posted Xero journals, and journals the sync still means to send, whose lines do not sum to 0."""
    posted = _query(con, """
        select j.date as business_date, 'xero' as where_, j.narration, j.manual_journal_id as id,
               sum(l.line_amount) as debits_minus_credits
        from staging.xero_manual_journals j
        join staging.xero_manual_journal_lines l using (connection_id, manual_journal_id)
        where j.connection_id = ? and {where} and j.status = 'POSTED'
        group by all having sum(l.line_amount) <> 0""", connection_id, window, column="j.date")
    planned = _query(con, """
        with lines as (
            select business_date, description, idempotency_key,
                   unnest(from_json(json_extract(payload, '$.JournalLines'), '[{{"LineAmount": "VARCHAR"}}]')) as line
            from sync.writes
            where connection_id = ? and {where} and entity = 'manual_journal'
              and open)
        select business_date, 'plan' as where_, description as narration, idempotency_key as id,
               sum(line.LineAmount::decimal(18, 2)) as debits_minus_credits
        from lines group by all having sum(line.LineAmount::decimal(18, 2)) <> 0""", connection_id, window)
    return pl.concat([posted.cast({"debits_minus_credits": pl.Decimal(18, 2)}),
                      planned.cast({"debits_minus_credits": pl.Decimal(18, 2)})]).rename({"where_": "in"})


def stuck_in_sent(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    """Writes sent with no answer recorded (the ledger's ``sent`` state)."""
    if not ledger.exists(con):
        return pl.DataFrame(schema={"business_date": pl.Date, "target": pl.String, "entity": pl.String,
                                    "description": pl.String, "sent_at": pl.Datetime("us", "UTC"),
                                    "attempts": pl.Int32, "run_id": pl.String})
    return Ledger(con, connection_id).in_state("sent").select(
        "business_date", "target", "entity", "description", "sent_at", "attempts", "run_id")


def money_accounts_differing(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window | None) -> pl.DataFrame:
    """Receivables and clearing rows that differ, with how many of the day's documents are not in step."""
    return _query(con, """
        select m.day, m.account_code, m.account_name, m.auxo_movement, m.xero_movement, m.difference,
               (select count(*) from recon.unsynced_documents u
                where u.connection_id = m.connection_id and u.business_date = m.day
                  and u.state in ('not_in_xero', 'different', 'duplicated', 'only_in_xero')) as unsynced_that_day
        from recon.account_movements m
        where m.connection_id = ? and {where}
          and m.account_role in ('accounts_receivable', 'payment_clearing') and m.difference <> 0
        order by m.day, m.account_code""", connection_id, window, column="m.day")


def _sql(text: str) -> dg.MetadataValue:
    return dg.MetadataValue.md(f"```sql\n{text.strip()}\n```")


@dg.asset_check(asset=VIEWS, name=DOCUMENTS_ONCE, pool=WRITER_POOL,
                description="Every Auxo document of the day (invoice, credit, payment, deposit, bill, inventory "
                            "journal) is in Xero exactly once. Fails with the documents that are not: ERROR for a "
                            "duplicate or a document missing with no recorded reason, WARN when each has a reason a "
                            "person must act on (refused by Xero, held in a locked period, waiting for a contact).")
def every_document_in_xero_once(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                                connection: ConnectionResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        window = run_days(context, con, connection.id())
        rows = documents_not_once(con, connection.id(), window)
    gaps = rows.filter(pl.col("cause").is_in(SYNC_GAPS))
    return dg.AssetCheckResult(
        check_name=DOCUMENTS_ONCE, passed=rows.is_empty(),
        severity=dg.AssetCheckSeverity.ERROR if gaps.height else dg.AssetCheckSeverity.WARN,
        description=None if rows.is_empty() else (
            f"{rows.height} documents not in Xero exactly once ({gaps.height} with no recorded reason): "
            "see the table and recon.unsynced_documents"),
        metadata={"days": _span(window), "documents_not_once": rows.height, "sync_gaps": gaps.height,
                  "documents": markdown_table(rows, limit=40),
                  "sql": _sql("select * from recon.unsynced_documents where state in ('not_in_xero', 'duplicated') "
                              "order by business_date;")})


@dg.asset_check(asset=VIEWS, name=TOTALS_TO_THE_CENT, pool=WRITER_POOL,
                description="Documents in both systems agree to the cent: total, GST, amount due (or credit left to "
                            "allocate) and status, and each inventory journal's amount and accounts. Fails with the "
                            "documents that differ (Xero minus Auxo): ERROR, or WARN when the only difference is an "
                            "allocation still waiting for another document.")
def totals_equal_to_the_cent(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                             connection: ConnectionResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        window = run_days(context, con, connection.id())
        rows = documents_different(con, connection.id(), window)
    real = rows.filter(pl.col("cause") == "differs")
    return dg.AssetCheckResult(
        check_name=TOTALS_TO_THE_CENT, passed=rows.is_empty(),
        severity=dg.AssetCheckSeverity.ERROR if real.height else dg.AssetCheckSeverity.WARN,
        description=None if rows.is_empty() else f"{rows.height} documents differ between Auxo and Xero",
        metadata={"days": _span(window), "documents_different": rows.height,
                  "total_difference": str(rows["total_difference"].fill_null(0).sum()) if rows.height else "0.00",
                  "documents": markdown_table(rows, limit=40),
                  "sql": _sql("select * from recon.documents where state = 'different' order by business_date;")})


@dg.asset_check(asset=VIEWS, name=JOURNALS_BALANCE, pool=WRITER_POOL,
                description="Every manual journal posted in Xero on the day, and every journal the sync still means "
                            "to send, has debits equal to credits. Fails with the journals that do not balance.")
def every_journal_balances(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                           connection: ConnectionResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        window = run_days(context, con, connection.id())
        rows = unbalanced_journals(con, connection.id(), window)
    return dg.AssetCheckResult(
        check_name=JOURNALS_BALANCE, passed=rows.is_empty(), severity=dg.AssetCheckSeverity.ERROR,
        metadata={"days": _span(window), "unbalanced_journals": rows.height,
                  "journals": markdown_table(rows, limit=40)})


@dg.asset_check(asset=VIEWS, name=NOTHING_STUCK_IN_SENT, pool=WRITER_POOL,
                description="No write is left 'sent' in sync.write_ledger (sent, with no answer recorded: a run died "
                            "mid-call). Fails with those rows; re-run their days — the sink looks each one up in the "
                            "target first and confirms it, or sends it again if it is not there.")
def no_write_stuck_in_sent(warehouse: WarehouseResource, connection: ConnectionResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        rows = stuck_in_sent(con, connection.id())
    days = sorted({str(d) for d in rows["business_date"].to_list() if d is not None})
    return dg.AssetCheckResult(
        check_name=NOTHING_STUCK_IN_SENT, passed=rows.is_empty(), severity=dg.AssetCheckSeverity.ERROR,
        description=None if rows.is_empty() else (
            f"{rows.height} writes sent with no answer recorded; re-run "
            + (", ".join(days) if days else "today") + " (nothing is written twice)"),
        metadata={"writes_stuck_in_sent": rows.height, "days_to_rerun": ", ".join(days) or "-",
                  "writes": markdown_table(rows, limit=40)})


@dg.asset_check(asset=VIEWS, name=MONEY_ACCOUNTS_TIE_OUT, pool=WRITER_POOL,
                description="Accounts Receivable and Payment Clearing move in Xero exactly as Auxo's invoices, "
                            "credits and payments say, day by day. Fails with the days and accounts that differ: WARN "
                            "where the day has documents not in Xero that explain it (recon.unsynced_documents), "
                            "ERROR where nothing does.")
def receivables_and_clearing_tie_out(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                                     connection: ConnectionResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        window = run_days(context, con, connection.id())
        rows = money_accounts_differing(con, connection.id(), window)
    unexplained = rows.filter(pl.col("unsynced_that_day") == 0)
    return dg.AssetCheckResult(
        check_name=MONEY_ACCOUNTS_TIE_OUT, passed=rows.is_empty(),
        severity=dg.AssetCheckSeverity.ERROR if unexplained.height else dg.AssetCheckSeverity.WARN,
        metadata={"days": _span(window), "days_accounts_differing": rows.height,
                  "unexplained": unexplained.height, "differences": markdown_table(rows, limit=40),
                  "sql": _sql("select * from recon.account_movements where difference <> 0 order by day;")})


def xero_chart(con: duckdb.DuckDBPyConnection, connection_id: str) -> tuple[list[dict], list[dict]]:
    """Xero's accounts and tax rates as staged, in the shape ``mappings.check_against_xero`` takes."""
    accounts = con.execute(
        "select code, name, type, status, enable_payments from staging.xero_accounts where connection_id = ?",
        [connection_id]).fetchall()
    taxes = con.execute("select tax_type, status, effective_rate from staging.xero_tax_rates where connection_id = ?",
                        [connection_id]).fetchall() \
        if warehouse_helpers.table_exists(con, "staging", "xero_tax_rates") else []
    return ([{"Code": c, "Name": n, "Type": t, "Status": s or "ACTIVE", "EnablePaymentsToAccount": bool(p)}
             for c, n, t, s, p in accounts],
            [{"TaxType": t, "Status": s or "ACTIVE", **({"EffectiveRate": r} if r is not None else {})}
             for t, s, r in taxes])


@dg.asset_check(asset=XERO_ACCOUNTS, name=MAPPED_ACCOUNTS_ACTIVE, blocking=True, pool=WRITER_POOL,
                additional_deps=[XERO_TAX_RATES],
                description="Blocks the writes: every account code and tax type in mappings/ exists and is active in "
                            "Xero's chart of accounts, payment accounts accept payments, and job deposits go to a bank "
                            "account. When it fails nothing is sent; fix mappings/ (or restore the account in Xero) "
                            "and run the day again.")
def mapped_accounts_active_in_xero(warehouse: WarehouseResource, mappings: MappingsResource,
                                   connection: ConnectionResource) -> dg.AssetCheckResult:
    settings = mappings.load()
    with warehouse.connect() as con:
        accounts, taxes = xero_chart(con, connection.id())
    problems = (["Xero's chart of accounts is not loaded: run the extraction (raw/xero/accounts) first"]
                if not accounts else check_against_xero(settings, accounts, taxes))
    return dg.AssetCheckResult(
        check_name=MAPPED_ACCOUNTS_ACTIVE, passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        description=None if not problems else (
            f"{len(problems)} mapping problems: nothing is written until they are fixed. " + problems[0]),
        metadata={"problems": len(problems),
                  "details": markdown_table(pl.DataFrame({"problem": problems}, schema={"problem": pl.String})),
                  "mappings_folder": str(settings.folder), "accounts_in_xero": len(accounts)})


CHECKS = [every_document_in_xero_once, totals_equal_to_the_cent, every_journal_balances, no_write_stuck_in_sent,
          receivables_and_clearing_tie_out, mapped_accounts_active_in_xero]
