"""Xero's OAuth 2.0 scopes as the sandbox enforces them: which scopes exist, which are retired for
new apps, and which scope each Accounting API resource needs.

Apps created on or after 2 March 2026 get granular scopes only: ``accounting.transactions`` (and
``.read``) and ``accounting.reports.read`` are retired, replaced by ``accounting.invoices``,
``accounting.payments``, ``accounting.banktransactions``, ``accounting.manualjournals`` and
``accounting.classicexpenses`` (each with ``.read``). Older apps may use both until September 2027
(developer.xero.com/faq/granular-scopes; team reference §1.1). A GET needs the resource's scope or
its ``.read`` variant; any write needs the full scope.
"""

from __future__ import annotations

from datetime import date

GRANULAR_FROM = date(2026, 3, 2)
IDENTITY_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
OFFLINE_ACCESS = "offline_access"


def _with_read(*names: str) -> frozenset[str]:
    return frozenset({*names, *(f"{name}.read" for name in names)})


GRANULAR = _with_read("accounting.invoices", "accounting.payments", "accounting.banktransactions",
                      "accounting.manualjournals", "accounting.classicexpenses")
UNCHANGED = _with_read("accounting.contacts", "accounting.settings", "accounting.attachments") | {
    "accounting.journals.read", "accounting.budgets.read"}
RETIRED = frozenset({"accounting.transactions", "accounting.transactions.read", "accounting.reports.read"})
# what a retired broad scope still grants an older app
BROAD = {"accounting.transactions": ("accounting.invoices", "accounting.payments", "accounting.banktransactions",
                                     "accounting.manualjournals", "accounting.classicexpenses")}
KNOWN = IDENTITY_SCOPES | GRANULAR | UNCHANGED | RETIRED

# resource (first path segment, lower case) -> the scopes any one of which covers it
RESOURCE_SCOPES: dict[str, tuple[str, ...]] = {
    "contacts": ("accounting.contacts",),
    "contactgroups": ("accounting.contacts",),
    "invoices": ("accounting.invoices",),
    "creditnotes": ("accounting.invoices",),
    "purchaseorders": ("accounting.invoices",),
    "items": ("accounting.invoices", "accounting.settings"),
    "payments": ("accounting.payments",),
    "prepayments": ("accounting.payments",),
    "overpayments": ("accounting.payments",),
    "batchpayments": ("accounting.payments",),
    "banktransactions": ("accounting.banktransactions",),
    "banktransfers": ("accounting.banktransactions",),
    "manualjournals": ("accounting.manualjournals",),
    "organisation": ("accounting.settings",),
    "organisations": ("accounting.settings",),
    "accounts": ("accounting.settings",),
    "taxrates": ("accounting.settings",),
    "trackingcategories": ("accounting.settings",),
    "currencies": ("accounting.settings",),
}


def is_new_app(created: date) -> bool:
    return created >= GRANULAR_FROM


def refused(scopes: list[str], created: date) -> str | None:
    """Why Xero refuses to grant these scopes to an app created on ``created``, or None."""
    if not scopes:
        return "scope is required"
    unknown = [s for s in scopes if s not in KNOWN]
    if unknown:
        return f"unknown scope: {' '.join(unknown)}"
    retired = [s for s in scopes if s in RETIRED]
    if retired and is_new_app(created):
        return (f"{' '.join(retired)} is not available to apps created on or after 2 March 2026: "
                "use the granular scopes (accounting.invoices, accounting.payments, accounting.banktransactions, "
                "accounting.manualjournals)")
    return None


def app_scopes(created: date) -> list[str]:
    """Every accounting scope an app of that age may have (a Custom Connection's default grant)."""
    chosen = sorted(s for s in GRANULAR | UNCHANGED if not s.endswith(".read") and s not in (
        "accounting.classicexpenses", "accounting.attachments"))
    return chosen if is_new_app(created) else ["accounting.transactions", *chosen]


def _effective(granted: set[str]) -> set[str]:
    effective = set(granted)
    for broad, parts in BROAD.items():
        if broad in granted:
            effective |= set(parts)
        if f"{broad}.read" in granted:
            effective |= {f"{part}.read" for part in parts}
    return effective


def needed(resource: str, method: str) -> str | None:
    """The scope to name in a refusal (the first covering one; ``.read`` for a GET)."""
    options = RESOURCE_SCOPES.get(resource.lower())
    if not options:
        return None
    return f"{options[0]}.read" if method.upper() == "GET" else options[0]


def allows(granted: list[str] | set[str], resource: str, method: str) -> bool:
    """Whether a token with ``granted`` may call ``method`` on ``resource``."""
    options = RESOURCE_SCOPES.get(resource.lower())
    if options is None:
        return True
    effective = _effective(set(granted))
    read = method.upper() in ("GET", "HEAD")
    return any(s in effective or (read and f"{s}.read" in effective) for s in options)
