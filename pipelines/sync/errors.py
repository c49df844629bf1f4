"""Failures, classified for the people who fix them.

Every failed write gets an error class that decides what happens next, a code, the target's own
message, and a plain-language hint a bookkeeper can act on:

* ``retryable`` — 429, 5xx, timeouts, lost connections: retried with backoff, and again next run;
* ``daily_limit`` — Xero's calls for the day are used up: the run stops cleanly, the next resumes;
* ``needs_person`` — the target refused the document (validation): kept with Xero's text and a
  hint, not retried until the input changes;
* ``blocked`` — waiting for a document it depends on (a contact, an invoice) that failed;
* ``held`` — dated on or before the lock date: held instead of sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RETRYABLE = "retryable"
DAILY_LIMIT = "daily_limit"
NEEDS_PERSON = "needs_person"
BLOCKED = "blocked"
HELD = "held"
ERROR_CLASSES = (RETRYABLE, DAILY_LIMIT, NEEDS_PERSON, BLOCKED, HELD)


@dataclass(frozen=True)
class Classified:
    error_class: str
    code: str
    message: str
    hint: str


# what a person does once the cause of a refusal is fixed: a document changed in Auxo is a new write,
# sent by any run of its day; one left as it was goes again only when asked to (--resend-refused)
AFTER_FIX = "then re-run the day (with --resend-refused if the fix was made in Xero)"

# (pattern on Xero's message, code, hint). First match wins.
_XERO_RULES: tuple[tuple[str, str, str], ...] = (
    (r"must be unique", "duplicate_number",
     f"Xero already has a document with this number. Renumber one of them, {AFTER_FIX}."),
    (r"has been archived.*un-archived", "contact_archived",
     f"The customer or supplier is archived in Xero. Restore the contact in Xero (or link another one), {AFTER_FIX}."),
    (r"period lock date|lock date|locked period|end of year lock", "period_locked",
     "The document's date is in a period Xero has locked. Ask the bookkeeper to move the lock date, or date the "
     "document after it."),
    (r"Account code '.*' (is not a valid code|has been archived)|not a valid code for this document", "invalid_account",
     "An account code in mappings/ is missing or archived in Xero. Fix mappings/accounts.yaml or restore the "
     f"account, {AFTER_FIX}."),
    (r"TaxType code .* cannot be used|tax type|TaxType", "invalid_tax_type",
     "A tax type in mappings/tax.yaml does not suit the account in Xero. Fix the mapping or the account's tax "
     f"settings, {AFTER_FIX}."),
    (r"exceeds the amount outstanding|amount outstanding|greater than amount outstanding", "amount_exceeds_due",
     "The payment or credit is more than what is still owing in Xero. Check for a payment entered in both systems."),
    (r"already been paid off", "already_paid",
     "The invoice is already fully paid in Xero. Check for a payment entered in both systems."),
    (r"can only be made against Authorised", "document_not_authorised",
     f"The invoice is not approved (AUTHORISED) in Xero, so it cannot take payments. Approve it, {AFTER_FIX}."),
    (r"total debits .* must equal total credits", "journal_unbalanced",
     "The journal's debits and credits differ. This is a bug in the plan; report it with the journal's ledger row."),
    (r"has been reconciled", "reconciled",
     "The transaction is reconciled against a bank statement line in Xero, so Xero will not delete it. Unreconcile "
     f"it in Xero (the bank account → Account Transactions → Unreconcile), {AFTER_FIX}."),
    (r"prepayment has been allocated", "prepayment_allocated",
     "The prepayment is still allocated to an invoice in Xero. The next run removes the allocations it can see; "
     f"remove any other in Xero, {AFTER_FIX}."),
    (r"cannot be edited|not of valid status for modification", "document_locked",
     "The document has a payment or credit in Xero and can no longer be changed there. Undo them in Xero first, or "
     "leave the difference to the adjustment line."),
    (r"not of valid status for creation", "invalid_status", "The document was sent with a status Xero does not accept."),
    (r"line items must be specified", "missing_lines", "The document has no lines; add them in Auxo."),
    (r"contact name .* already assigned|contact number", "duplicate_contact",
     "Another Xero contact already has this name or number. Link the Auxo record to it from the review queue, "
     "or rename one of them."),
    (r"Contact must contain at least|Contact must be specified|contact.*(not found|does not exist)", "unknown_contact",
     "The document's contact does not exist in Xero. Check the contact link of the Auxo customer or supplier."),
)

_AUXO_HINTS = {
    "not_found": "The record no longer exists in Auxo.",
    "invoice_void": "The invoice is void in Auxo; nothing more is recorded against it.",
    "invoice_locked": "The invoice has payments or credits in Auxo; remove them before voiding.",
    "amount_exceeds_balance": "The amount is more than the invoice's balance in Auxo. Check for a payment entered in both "
                              "systems.",
    "xero_id_mismatch": "The Auxo record is already linked to a different Xero document. Check which link is right.",
    "duplicate": "Another Auxo record already carries this Xero id.",
    "stale": "The record was edited in Auxo after the change was read; the newer edit wins and will sync next run.",
    "invalid": "Auxo refused a field of the write; see the message.",
}


def classify_xero_validation(messages: list[str]) -> Classified:
    """A Xero validation failure (400 element or ``summarizeErrors=false`` element)."""
    text = "; ".join(dict.fromkeys(m for m in messages if m)) or "Xero refused the document without saying why"
    for pattern, code, hint in _XERO_RULES:
        if re.search(pattern, text, re.IGNORECASE):
            return Classified(NEEDS_PERSON, code, text, hint)
    return Classified(NEEDS_PERSON, "validation", text,
                      f"Xero refused the document; its message says why. Fix it, {AFTER_FIX}.")


def classify_auxo_error(code: str, message: str) -> Classified:
    return Classified(NEEDS_PERSON, code or "auxo_error", message,
                      _AUXO_HINTS.get(code, "Auxo refused the write; its message says why."))


def retryable(message: str) -> Classified:
    return Classified(RETRYABLE, "temporary", message,
                      "A temporary problem talking to the API. The next run retries it; nothing to do.")


def daily_limit(message: str) -> Classified:
    return Classified(DAILY_LIMIT, "daily_limit", message,
                      "Xero's calls for today are used up (1,000 a day on the Starter tier, 5,000 on the others: "
                      "XERO_TIER). The next run (after midnight UTC) sends the rest.")


def auth_failure(message: str) -> Classified:
    return Classified(NEEDS_PERSON, "auth", message,
                      "The connection's credentials were refused. Reconnect the app (docs/runbook.md), then re-run "
                      "the day with --resend-refused.")


def blocked(message: str) -> Classified:
    return Classified(BLOCKED, "waiting_for_dependency", message,
                      "This document waits for another one that has not reached Xero yet; it follows once that is "
                      "fixed.")


def held(message: str) -> Classified:
    return Classified(HELD, "period_locked", message,
                      "Dated in a period Xero has locked: held, not sent. Move the lock date in Xero, or re-date the "
                      "document, then re-run the day.")
