"""The Xero OAuth 2.0 scopes the sync needs: one list, and which endpoint needs which.

Xero apps created on or after 2 March 2026 get *granular* scopes only: the broad
``accounting.transactions`` is retired and split into ``accounting.invoices``,
``accounting.payments``, ``accounting.banktransactions`` and ``accounting.manualjournals`` (each with
a ``.read`` variant); ``accounting.contacts`` and ``accounting.settings`` stay; a refresh token
needs ``offline_access`` (developer.xero.com/faq/granular-scopes, /documentation/oauth2/scopes;
docs/runbook.md has the table per feature).

The sync reads and writes contacts, invoices and bills, credit notes and their allocations,
payments, prepayments (a deposit is a ``RECEIVE-PREPAYMENT`` bank transaction, allocated through
``/Prepayments``) and manual journals, and only reads the organisation's settings (accounts, tax
rates, tracking categories, the organisation itself): so it asks for the full scope of the first
five and ``accounting.settings.read``.
"""

from __future__ import annotations

OFFLINE_ACCESS = "offline_access"

# endpoint (the first path segment under /api.xro/2.0) -> the granular scope that covers it
ENDPOINT_SCOPES: dict[str, str] = {
    "Contacts": "accounting.contacts",
    "Invoices": "accounting.invoices",  # ACCREC invoices and ACCPAY bills
    "CreditNotes": "accounting.invoices",  # and /CreditNotes/{id}/Allocations
    "Payments": "accounting.payments",
    "Prepayments": "accounting.payments",  # and /Prepayments/{id}/Allocations
    "BankTransactions": "accounting.banktransactions",  # deposits: RECEIVE-PREPAYMENT
    "ManualJournals": "accounting.manualjournals",
    "Accounts": "accounting.settings",
    "TaxRates": "accounting.settings",
    "TrackingCategories": "accounting.settings",
    "Organisation": "accounting.settings",
    "Currencies": "accounting.settings",
}
READ_ONLY = frozenset({"accounting.settings"})  # the sync never writes these: it asks for ``.read``

# what the sync asks for (space-separated in requests); offline_access is added for the
# authorization-code flow only: a Custom Connection (client credentials) never gets a refresh token
SYNC_SCOPES: tuple[str, ...] = tuple(dict.fromkeys(
    f"{scope}.read" if scope in READ_ONLY else scope for scope in ENDPOINT_SCOPES.values()))
DEFAULT_SCOPES = " ".join(SYNC_SCOPES)


def authorization_code_scopes(scopes: str = DEFAULT_SCOPES) -> str:
    """The scopes of a standard (web) app's consent: the sync's plus ``offline_access``."""
    names = [name for name in scopes.split() if name != OFFLINE_ACCESS]
    return " ".join([OFFLINE_ACCESS, *names])


def client_credentials_scopes(scopes: str = DEFAULT_SCOPES) -> str:
    """The scopes of a Custom Connection's token request: never ``offline_access``."""
    return " ".join(name for name in scopes.split() if name != OFFLINE_ACCESS)


def endpoint_of(path: str) -> str:
    """``Invoices`` for ``Invoices/{id}`` or ``CreditNotes/{id}/Allocations``'s ``CreditNotes``."""
    return path.strip("/").split("/")[0]


def needed_scope(method: str, endpoint: str) -> str | None:
    """The scope a call needs: the ``.read`` variant is enough for a GET."""
    name = endpoint_of(endpoint)
    scope = next((s for key, s in ENDPOINT_SCOPES.items() if key.lower() == name.lower()), None)
    if scope is None:
        return None
    return f"{scope}.read" if method.upper() == "GET" else scope


def covers(granted: set[str] | frozenset[str], method: str, endpoint: str) -> bool:
    """Whether ``granted`` lets the app make this call (unknown endpoints: assume so)."""
    scope = needed_scope(method, endpoint)
    if scope is None:
        return True
    full = scope.removesuffix(".read")
    return full in granted or (scope.endswith(".read") and scope in granted)


def missing_scope_message(method: str, endpoint: str, *, custom_connection: bool) -> str:
    """What to tell a person whose connection lacks the scope of this call."""
    scope = needed_scope(method, endpoint) or "the scope of this endpoint"
    full = scope.removesuffix(".read")
    wanted = f"{full} (or {scope})" if scope != full else full
    if custom_connection:
        fix = ("add it to the Custom Connection in the Xero developer portal (developer.xero.com → My Apps → "
               "the app → Configuration → scopes) and have the organisation authorise the connection again; "
               "if XERO_SCOPES is set, add it there too")
    else:
        fix = ("add it to the app in the Xero developer portal (developer.xero.com → My Apps → the app), "
               "make sure XERO_SCOPES includes it (the default does), then reconnect with "
               "`auxo-xero connect xero` — an existing connection never gains scopes")
    return f"Xero refused {method} {endpoint_of(endpoint)}: the connection lacks the scope {wanted}; {fix}"
