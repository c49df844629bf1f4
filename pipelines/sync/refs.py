"""The refs that name documents across plans: one place, so every domain names a document alike.

A plan row's ``ref`` says which document a write is about; another plan depends on it by the same
ref (a payment on ``invoice:<id>``, a COGS journal on its invoice, an invoice on its contact). A
``$ref`` placeholder is filled with the id the ref's write got in the *same* system, so writes to
the Auxo record of a contact have refs of their own (``auxo:contact:...``).
"""

from __future__ import annotations


def contact_ref(kind: str, auxo_id: str) -> str:
    """The Xero contact of an Auxo customer or supplier: ``contact:customer:<id>``."""
    if kind not in ("customer", "supplier"):
        raise ValueError(f"contact kind must be customer or supplier, not {kind!r}")
    return f"contact:{kind}:{auxo_id}"


def auxo_record_ref(kind: str, auxo_id: str) -> str:
    """A write to the Auxo contact record itself: ``auxo:contact:<kind>:<id>``."""
    return f"auxo:{contact_ref(kind, auxo_id)}"


def invoice_ref(auxo_id: str) -> str:
    return f"invoice:{auxo_id}"


def credit_note_ref(auxo_id: str) -> str:
    return f"credit_note:{auxo_id}"


def payment_ref(auxo_id: str) -> str:
    return f"payment:{auxo_id}"


def prepayment_ref(auxo_id: str) -> str:
    return f"prepayment:{auxo_id}"


def credit_allocation_ref(auxo_id: str) -> str:
    return f"credit_allocation:{auxo_id}"


def prepayment_allocation_ref(auxo_id: str) -> str:
    return f"prepayment_allocation:{auxo_id}"


def prepayment_allocation_removal_ref(xero_allocation_id: str) -> str:
    """Removing one allocation of a prepayment in Xero (a deleted deposit): ``prepayment_unallocation:<id>``."""
    return f"prepayment_unallocation:{xero_allocation_id}"


def cogs_ref(invoice_line_id: str) -> str:
    return f"cogs:{invoice_line_id}"


def cogs_reversal_ref(credit_line_id: str) -> str:
    return f"cogs_reversal:{credit_line_id}"


def cogs_void_reversal_ref(invoice_line_id: str) -> str:
    """The journal reversing ``cogs:<line>`` because its invoice was voided: ``cogs_void:<invoice line id>``."""
    return f"cogs_void:{invoice_line_id}"


def bill_ref(purchase_order_id: str) -> str:
    return f"bill:{purchase_order_id}"


def stock_journal_ref(adjustment_id: str) -> str:
    return f"stock_journal:{adjustment_id}"
