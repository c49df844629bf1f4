"""The command line's problem summary: grouped by cause, one line per document, what to do once."""

from datetime import date

from assets.summary import Problem, document_line, group_problems, render_groups

DAY = date(2026, 11, 27)
ARCHIVED = "The contact with the specified contact details has been archived."
ARCHIVED_HINT = "The customer or supplier is archived in Xero. Restore the contact in Xero, then re-run the day."
WAITING_HINT = "This document waits for another one that has not reached Xero yet; it follows once that is fixed."
INVOICE = "invoice INV-100341 (2026-11-27, 2343.39 GST inclusive)"


def cogs(line: str) -> Problem:
    return Problem(DAY, "xero", f"COGS for invoice INV-100341, line {line}: 1 × T2-101330 Tyre @ 174.90 (174.90)",
                   "blocked", "waiting_for_dependency", f"It waits for {INVOICE} (failed: {ARCHIVED})", WAITING_HINT)


PROBLEMS = [
    Problem(DAY, "xero", INVOICE, "failed", "contact_archived", ARCHIVED, ARCHIVED_HINT),
    cogs("lin_1"), cogs("lin_2"), cogs("lin_3"),
    Problem(date(2026, 11, 22), "xero", "invoice INV-100361 (2026-11-22, 1198.58 GST exclusive)", "held",
            "period_locked", "dated 2026-11-22, on or before Xero's lock date 2026-11-23", "Move the lock date."),
]


def text() -> str:
    return "\n".join(render_groups(group_problems(PROBLEMS)))


def test_problems_are_grouped_by_cause_with_what_to_do_once_per_group():
    groups = group_problems(PROBLEMS)
    assert [(g.cause, g.size) for g in groups] == [
        ("Refused by Xero: the customer or supplier is archived", 1),
        ("Held, not sent: dated in a period Xero has locked", 1),
        ("Waiting for another document that is not in Xero yet", 3)]
    rendered = text()
    assert rendered.count("What to do:") == 3
    assert rendered.count(WAITING_HINT) == 1


def test_each_document_is_one_line_and_a_shared_message_is_said_once():
    rendered = text()
    lines = rendered.splitlines()
    for problem in PROBLEMS:
        mine = [line for line in lines if line.strip().startswith(document_line(problem))]
        assert len(mine) == 1 and mine[0].count(problem.description) == 1, problem.description
    assert rendered.count(f"It waits for {INVOICE}") == 1  # above the three journals, not on each
    assert sum("COGS for invoice INV-100341" in line for line in lines) == 3


def test_a_long_group_is_cut_with_where_to_see_the_rest():
    many = [cogs(f"lin_{n}") for n in range(30)]
    rendered = "\n".join(render_groups(group_problems(many), limit=5))
    assert rendered.count("COGS for invoice") == 5 and "… and 25 more" in rendered
