"""``plans.invoice_exceptions``: what the money plans deliberately did not do, or did and must tell.

A person reads this table (and the plan assets' metadata, and the asset checks that warn on it):
an Auxo edit not sent because Xero already has money matched to the invoice, a payment entered
in both systems, a number already used in Xero, a document voided or a payment deleted in Xero
and mirrored into Auxo. Each plan asset replaces its own rows for the days it planned, exactly as
``plans.write_plan`` is replaced (undated rows wholesale): :class:`assets.findings.FindingsTable`.
"""

from __future__ import annotations

from assets.findings import FindingsTable

TABLE = "plans.invoice_exceptions"

# reason -> what happened (for the docs and the UI)
REASONS = {
    "edit_blocked": "edited in Auxo after a payment or credit was matched in Xero: not sent to Xero",
    "number_clash": "its number is already used by another Xero invoice: Xero refuses it (sync error)",
    "totals_cannot_match": "no set of Xero lines gives Auxo's total and GST to the cent: not sent",
    "payment_in_both_systems": "the same payment was entered in Auxo and in Xero: neither copied, one must go",
    "payment_exceeds_amount_due": "more than the invoice's amount due in Xero: not sent",
    "missing_invoice": "its invoice is not in Auxo's data: not sent",
    "deposit_deleted": "a deposit deleted in Auxo after it reached Xero: remove the prepayment in Xero",
    "credit_voided": "a credit voided in Auxo after it reached Xero: void the credit note in Xero",
    "xero_invoice_voided": "voided or deleted in Xero: the Auxo invoice is voided too",
    "xero_payment_deleted": "a payment deleted (or a deposit's prepayment voided) in Xero: deleted in Auxo too",
    "xero_credit_note_voided": "a credit note of an Auxo credit was voided in Xero: Auxo cannot follow, check it",
    "xero_allocation_removed": "a Xero credit allocation Auxo recorded was removed in Xero: Auxo cannot follow",
}

EXCEPTIONS = FindingsTable(TABLE, reasons=REASONS)
