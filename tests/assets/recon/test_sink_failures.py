"""The sinks' failures name the cause and the fix; their metadata links each plan to its ledger rows."""

from __future__ import annotations

import dagster as dg
import pytest

from assets.sinks import _by_plan, explain_failure, explained
from pipelines.http import ApiError, AuthError, DailyLimitReached, RetryableApiError
from pipelines.sync.ledger import Ledger
from tests.assets.recon.conftest import Books


@pytest.mark.parametrize(("error", "says"), [
    (AuthError("401 AuthenticationUnsuccessful"), "Reconnect it (docs/runbook.md"),
    (DailyLimitReached("day limit reached"), "the first run after midnight UTC sends it"),
    (RetryableApiError("503 after 6 attempts"), "could not be reached, even after retrying"),
    (ApiError("HTTP 418"), "answered in a way the sync does not understand"),
    (RuntimeError("the warehouse x is held by another process for longer than 120 s — close the other DuckDB "
                  "session (notebook, duckdb CLI) and run again"), "close the other DuckDB session"),
])
def test_a_failure_a_person_can_act_on_says_what_to_do(error: Exception, says: str) -> None:
    failure = explain_failure(error, "Xero")
    assert failure is not None and says in failure.description
    with pytest.raises(dg.Failure) as raised, explained("Xero"):
        raise error
    assert raised.value.__cause__ is error


def test_other_failures_are_left_alone() -> None:
    assert explain_failure(ValueError("a bug"), "Xero") is None
    with pytest.raises(ValueError), explained("Auxo"):
        raise ValueError("a bug")


def test_writes_by_plan_counts_each_plans_rows_by_status(books: Books) -> None:
    for ref, status in (("invoice:a", "confirmed"), ("invoice:b", "failed"), ("payment:c", "confirmed")):
        books.write(ref, status, plan_asset="payment_push" if ref.startswith("payment") else "invoice_push")
    keys = [key for (key,) in books.con.execute("select idempotency_key from sync.write_ledger").fetchall()]
    table = _by_plan(Ledger(books.con, "default"), keys)
    assert table.sort("plan_asset").to_dicts() == [
        {"plan_asset": "invoice_push", "confirmed": 1, "failed": 1},
        {"plan_asset": "payment_push", "confirmed": 1, "failed": 0},
    ]
