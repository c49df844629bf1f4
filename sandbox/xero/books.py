"""Lookups every document needs: accounts, tax rates, tracking, the organisation and lock dates.

Loaded once per transaction (``tx.cache``): never across requests, so an admin change made by
another process is seen by the next request.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sandbox.xero import dates, errors
from sandbox.xero.store import Tx

# Accounts a document line may not post to (Xero posts to them itself).
DOCUMENT_FORBIDDEN_SYSTEM = {"DEBTORS", "CREDITORS", "GST", "RETAINEDEARNINGS", "HISTORICAL",
                             "TRACKINGTRANSFERS", "UNPAIDEXPCLM", "WAGEPAYABLES"}
CLASS_FLAG = {"ASSET": "CanApplyToAssets", "EQUITY": "CanApplyToEquity", "EXPENSE": "CanApplyToExpenses",
              "LIABILITY": "CanApplyToLiabilities", "REVENUE": "CanApplyToRevenue"}


def new_id() -> str:
    return str(uuid.uuid4())


def accounts(tx: Tx) -> dict[str, dict]:
    """Accounts by code."""
    if "accounts" not in tx.cache:
        docs = tx.all("Account")
        tx.cache["accounts"] = {doc["Code"]: doc for doc in docs}
        tx.cache["accounts_by_id"] = {doc["AccountID"].lower(): doc for doc in docs}
    return tx.cache["accounts"]


def account_by_id(tx: Tx, account_id: str) -> dict | None:
    accounts(tx)
    return tx.cache["accounts_by_id"].get(str(account_id).lower())


def forget_accounts(tx: Tx) -> None:
    tx.cache.pop("accounts", None)
    tx.cache.pop("accounts_by_id", None)


def resolve_account(tx: Tx, code: object, account_id: object) -> tuple[dict | None, str]:
    """The account a line or payment names (``AccountID`` wins over ``Code``) and the code to
    quote in messages."""
    if account_id:
        found = account_by_id(tx, str(account_id))
        return found, (found or {}).get("Code", str(account_id))
    if code not in (None, ""):
        return accounts(tx).get(str(code)), str(code)
    return None, ""


def is_active(account: dict) -> bool:
    return account.get("Status", "ACTIVE") == "ACTIVE"


def tax_rates(tx: Tx) -> dict[str, dict]:
    if "tax_rates" not in tx.cache:
        tx.cache["tax_rates"] = {doc["TaxType"]: doc for doc in tx.all("TaxRate")}
    return tx.cache["tax_rates"]


def tax_rate_percent(tx: Tx, tax_type: str | None) -> Decimal:
    rate = tax_rates(tx).get(tax_type or "")
    return Decimal(rate["EffectiveRate"]) if rate else Decimal(0)


def check_tax_type(tx: Tx, tax_type: str, account: dict | None, messages: list[str]) -> None:
    """Xero refuses a tax rate that does not exist or does not apply to the account's class."""
    rate = tax_rates(tx).get(tax_type)
    if rate is None or rate.get("Status") != "ACTIVE":
        messages.append(errors.TAX_TYPE_INVALID.format(tax=tax_type))
        return
    if account is not None and not rate.get(CLASS_FLAG.get(account.get("Class", ""), ""), True):
        messages.append(errors.TAX_NOT_ALLOWED.format(tax=tax_type, code=account["Code"]))


def tracking_categories(tx: Tx) -> list[dict]:
    if "tracking" not in tx.cache:
        tx.cache["tracking"] = tx.all("TrackingCategory")
    return tx.cache["tracking"]


def organisation(tx: Tx) -> dict:
    if "organisation" not in tx.cache:
        tx.cache["organisation"] = tx.all("Organisation")[0]
    return tx.cache["organisation"]


def lock_date(tx: Tx) -> date | None:
    """The later of PeriodLockDate and EndOfYearLockDate: nothing on or before it may change."""
    org = organisation(tx)
    found = [dates.date_of(org.get(key)) for key in ("PeriodLockDate", "EndOfYearLockDate")]
    found = [value for value in found if value]
    return max(found) if found else None


def check_lock(tx: Tx, when: date | None, messages: list[str], *, seeding: bool = False) -> None:
    locked = None if seeding else lock_date(tx)
    if locked and when and when <= locked:
        message = errors.LOCK_DATE.format(date=dates.long_date(locked))
        if message not in messages:
            messages.append(message)


def today(tx: Tx) -> date:
    from sandbox.xero.clock import org_today

    return org_today(tx.now_ms)
