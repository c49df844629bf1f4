"""The problems of a run, grouped by cause, for the command line's summary.

One group per cause (status and error code), one line per document, and what to do once per group.
A message several documents share (the invoice a group of COGS journals waits for, a lock date) is
printed once above them instead of on every line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

# what a cause is called in the summary; unknown codes fall back to the status and the code
CAUSES = {
    "period_locked": "Held, not sent: dated in a period Xero has locked",
    "duplicate_number": "Refused: the number is already used by another document",
    "contact_archived": "Refused: the customer or supplier is archived",
    "waiting_for_dependency": "Waiting for another document that is not in Xero yet",
    "invalid_account": "Refused: an account code is missing or archived",
    "invalid_tax_type": "Refused: a tax type does not suit its account",
    "amount_exceeds_due": "Refused: more than what is still owing",
    "already_paid": "Refused: the invoice is already paid",
    "document_not_authorised": "Refused: the invoice is not approved",
    "document_locked": "Refused: the document can no longer be changed",
    "duplicate_contact": "Refused: another contact has this name or number",
    "unknown_contact": "Refused: the contact does not exist",
    "auth": "Refused: the connection's credentials",
    "temporary": "Not sent yet: a temporary API problem (retried next run)",
    "daily_limit": "Not sent yet: the day's API calls are used up",
}
MAX_LINES_PER_GROUP = 12


@dataclass(frozen=True)
class Problem:
    """One row of ``sync.sync_errors``."""

    business_date: date | None
    target: str
    description: str
    status: str
    code: str | None
    message: str | None
    hint: str | None


@dataclass
class ProblemGroup:
    cause: str
    hint: str
    # message shared by the documents under it ("" when each says nothing more) -> their lines
    by_message: dict[str, list[str]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(lines) for lines in self.by_message.values())


def cause_of(problem: Problem) -> str:
    title = CAUSES.get(problem.code or "")
    if title is None:
        status = {"failed": "Refused", "held": "Held", "blocked": "Waiting"}.get(problem.status, problem.status)
        title = f"{status} ({(problem.code or 'no code').replace('_', ' ')})"
    if title.startswith("Refused") and problem.target:
        title = title.replace("Refused", f"Refused by {problem.target.capitalize()}", 1)
    return title


def document_line(problem: Problem) -> str:
    """``<date>  <description>``: what the document is, said once."""
    day = problem.business_date.isoformat() if problem.business_date else "(no date)"
    return f"{day}  {problem.description}"


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """Problems grouped by cause (refused, held, waiting; then first appearance), documents under their
    shared message."""
    groups: dict[tuple[str, str, str], ProblemGroup] = {}
    for problem in problems:
        cause = cause_of(problem)
        hint = (problem.hint or "").strip()
        group = groups.setdefault((problem.status, cause, hint), ProblemGroup(cause, hint))
        group.by_message.setdefault((problem.message or "").strip(), []).append(document_line(problem))
    # refusals first (a person acts on them), then held documents, then those waiting for the others
    rank = {"failed": 0, "held": 1, "blocked": 2}
    ordered = sorted(groups.items(), key=lambda item: rank.get(item[0][0], 1))
    return [group for _, group in ordered]


def render_groups(groups: list[ProblemGroup], limit: int = MAX_LINES_PER_GROUP) -> list[str]:
    """The summary's lines (rich markup): a heading per cause, its documents, then what to do."""
    out: list[str] = []
    for group in groups:
        noun = "document" if group.size == 1 else "documents"
        out.append(f"\n[bold yellow]{group.cause}[/bold yellow] — {group.size} {noun}")
        shown = 0
        for message, lines in group.by_message.items():
            if shown >= limit:
                break
            if message and len(lines) == 1:
                out.append(f"  {_escape(lines[0])} [dim]— {_escape(message)}[/dim]")
                shown += 1
                continue
            if message:
                out.append(f"  [dim]{_escape(message.rstrip('.'))}:[/dim]")
            indent = "    " if message else "  "
            for line in lines[: limit - shown]:
                out.append(indent + _escape(line))
                shown += 1
        if group.size > shown:
            out.append(f"  … and {group.size - shown} more (select * from sync.sync_errors)")
        if group.hint:
            out.append(f"  [bold]What to do:[/bold] {_escape(group.hint)}")
    return out


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
