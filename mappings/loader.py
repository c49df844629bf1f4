"""Typed loading of the YAML files in ``mappings/``.

A bad file stops the pipeline at the boundary with a message naming the file, the key and the fix,
never with a traceback from deep inside a run. ``check_against_xero`` then checks the codes against
the organisation's real chart of accounts and tax rates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

MAPPINGS_DIR = Path(__file__).resolve().parent
MAPPINGS_ENV = "AUXO_XERO_MAPPINGS"

AccountCode = str


class MappingError(ValueError):
    """A mapping file that cannot be used, with where and how to fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected an account code in quotes, e.g. \"200\"")
    text = str(value).strip()
    if not 1 <= len(text) <= 10:
        raise ValueError("an account code has 1 to 10 characters")
    return text


class SalesAccounts(_Strict):
    labour: AccountCode
    part: AccountCode
    sundry: AccountCode
    freight: AccountCode
    discount: AccountCode
    adjustment: AccountCode
    deposit: AccountCode
    _codes = field_validator("*", mode="before")(_code)


class InventoryAccounts(_Strict):
    cogs: AccountCode
    stock_on_hand: AccountCode
    work_in_progress: AccountCode
    stock_adjustment: AccountCode
    _codes = field_validator("*", mode="before")(_code)


class PurchaseAccounts(_Strict):
    freight: AccountCode
    rounding: AccountCode
    _codes = field_validator("*", mode="before")(_code)


class PaymentAccounts(_Strict):
    clearing: AccountCode
    deposit_bank: AccountCode
    _codes = field_validator("*", mode="before")(_code)


class Accounts(_Strict):
    sales: SalesAccounts
    inventory: InventoryAccounts
    purchases: PurchaseAccounts
    payments: PaymentAccounts
    rounding: AccountCode
    _codes = field_validator("rounding", mode="before")(_code)

    def all_codes(self) -> dict[str, str]:
        """``{"sales.labour": "205", ...}``: every mapped code with the key that names it."""
        out: dict[str, str] = {}
        for group in ("sales", "inventory", "purchases", "payments"):
            for key, code in getattr(self, group).model_dump().items():
                out[f"{group}.{key}"] = code
        out["rounding"] = self.rounding
        return out


TaxRole = Literal["taxable", "gst_free", "no_gst"]


class Tax(_Strict):
    gst_rate_percent: Decimal = Field(ge=0, le=100)
    sales: str
    sales_gst_free: str
    purchases: str
    purchases_gst_free: str
    no_gst: str
    auxo_tax_codes: dict[str, TaxRole]

    def sales_tax_type(self, auxo_code: str | None) -> str:
        role = self.auxo_tax_codes.get(auxo_code or "GST", "taxable")
        return {"taxable": self.sales, "gst_free": self.sales_gst_free, "no_gst": self.no_gst}[role]

    def purchase_tax_type(self, auxo_code: str | None) -> str:
        role = self.auxo_tax_codes.get(auxo_code or "GST", "taxable")
        return {"taxable": self.purchases, "gst_free": self.purchases_gst_free, "no_gst": self.no_gst}[role]


class Tracking(_Strict):
    defaults: dict[str, str] = Field(default_factory=dict)
    by_line_kind: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("defaults")
    @classmethod
    def _at_most_two(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 2:
            raise ValueError("Xero allows at most 2 tracking categories on a line")
        return value

    def for_line(self, kind: str) -> list[dict[str, str]]:
        """Xero ``Tracking`` entries for a line of ``kind``."""
        chosen = {**self.defaults, **self.by_line_kind.get(kind, {})}
        if len(chosen) > 2:
            raise MappingError(f"tracking.yaml: line kind {kind!r} ends up with {len(chosen)} categories; "
                               "Xero allows 2 — drop one from defaults or by_line_kind")
        return [{"Name": name, "Option": option} for name, option in chosen.items()]


class PaymentMethods(_Strict):
    methods: dict[str, AccountCode] = Field(default_factory=dict)

    @field_validator("methods", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return {str(k): _code(v) for k, v in (value or {}).items()}


class ContactsSync(_Strict):
    create_in_xero: bool = True
    pull_edits_from_xero: bool = True


class InvoicesSync(_Strict):
    reference_field: str = "vehicle_registration"
    due_days_default: int = Field(default=14, ge=0, le=365)


class LockDatesSync(_Strict):
    hold_documents_on_or_before_lock: bool = True


class ApiSync(_Strict):
    daily_call_reserve: int = Field(default=200, ge=0, le=5000)


class SyncSwitches(_Strict):
    contacts: ContactsSync = ContactsSync()
    invoices: InvoicesSync = InvoicesSync()
    lock_dates: LockDatesSync = LockDatesSync()
    api: ApiSync = ApiSync()


AUXO_SCALAR_FIELDS = ("name", "first_name", "last_name", "contact_person", "email", "phone", "mobile", "abn")
AUXO_ADDRESS_FIELDS = {"postal_address": "postal", "street_address": "street"}
XERO_SCALAR_FIELDS = ("Name", "FirstName", "LastName", "EmailAddress", "TaxNumber")
XERO_PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX")
XERO_ADDRESS_TYPES = ("POBOX", "STREET")
XERO_CONTACT_PERSON = "ContactPersons.0"
FieldCompare = Literal["text", "email", "phone", "digits", "person", "address"]


class ContactField(_Strict):
    """One contact field kept in step: the Auxo field, where it lives in Xero, and its rules."""

    auxo: str
    xero: str
    direction: Literal["both", "to_xero", "to_auxo"] = "both"
    blank_in_auxo_keeps_xero: bool = False

    @field_validator("auxo")
    @classmethod
    def _known_auxo(cls, value: str) -> str:
        known = (*AUXO_SCALAR_FIELDS, *AUXO_ADDRESS_FIELDS)
        if value not in known:
            raise ValueError(f"unknown Auxo contact field {value!r} — use one of {', '.join(known)}")
        return value

    @field_validator("xero")
    @classmethod
    def _known_xero(cls, value: str) -> str:
        head, _, slot = value.partition(".")
        ok = (value in XERO_SCALAR_FIELDS or value == XERO_CONTACT_PERSON
              or (head == "Phones" and slot in XERO_PHONE_TYPES)
              or (head == "Addresses" and slot in XERO_ADDRESS_TYPES))
        if not ok:
            raise ValueError(f"unknown Xero contact field {value!r} — use {', '.join(XERO_SCALAR_FIELDS)}, "
                             f"Phones.<{'|'.join(XERO_PHONE_TYPES)}>, Addresses.<{'|'.join(XERO_ADDRESS_TYPES)}> "
                             f"or {XERO_CONTACT_PERSON}")
        return value

    @model_validator(mode="after")
    def _same_shape(self) -> ContactField:
        address_a, address_x = self.auxo in AUXO_ADDRESS_FIELDS, self.xero.startswith("Addresses.")
        person_a, person_x = self.auxo == "contact_person", self.xero == XERO_CONTACT_PERSON
        if address_a != address_x:
            raise ValueError(f"{self.auxo} and {self.xero} do not fit: an Auxo address maps to "
                             "Addresses.<POBOX|STREET> and nothing else")
        if person_a != person_x:
            raise ValueError(f"{self.auxo} and {self.xero} do not fit: contact_person maps to "
                             f"{XERO_CONTACT_PERSON} and nothing else")
        return self

    @property
    def compare(self) -> FieldCompare:
        """How the two sides' values are compared (a difference in format alone is not a change)."""
        if self.xero.startswith("Addresses."):
            return "address"
        if self.xero.startswith("Phones."):
            return "phone"
        if self.xero == XERO_CONTACT_PERSON:
            return "person"
        return {"EmailAddress": "email", "TaxNumber": "digits"}.get(self.xero, "text")  # type: ignore[return-value]


class Fields(_Strict):
    contact_fields: list[ContactField]

    @field_validator("contact_fields")
    @classmethod
    def _each_once(cls, value: list[ContactField]) -> list[ContactField]:
        for side in ("auxo", "xero"):
            names = [getattr(f, side) for f in value]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{side} field {twice[0]} is mapped more than once — keep one entry for it")
        if not any(f.auxo == "name" and f.xero == "Name" for f in value):
            raise ValueError("the mapping auxo: name → xero: Name is required (every Xero contact has a name) — add it")
        return value


@dataclass(frozen=True)
class Mappings:
    """Everything in ``mappings/``, validated."""

    folder: Path
    accounts: Accounts
    tax: Tax
    tracking: Tracking
    payment_methods: PaymentMethods
    sync: SyncSwitches
    fields: Fields

    def payment_account(self, method: str | None) -> str:
        return self.payment_methods.methods.get((method or "").lower(), self.accounts.payments.clearing)


_FILES: dict[str, type[BaseModel]] = {
    "accounts": Accounts,
    "tax": Tax,
    "tracking": Tracking,
    "payment_methods": PaymentMethods,
    "sync": SyncSwitches,
    "fields": Fields,
}


def mappings_dir() -> Path:
    raw = os.environ.get(MAPPINGS_ENV, "").strip()
    return Path(raw).expanduser().resolve() if raw else MAPPINGS_DIR


def _load_file(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise MappingError(f"{path}: file missing — copy it from the project's mappings/ folder") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML ({exc}) — fix the syntax at the position shown") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected a mapping of keys at the top level, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(top level)"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key — remove it or check its spelling"
            elif error["type"] == "missing":
                message = "required key missing — add it"
            problems.append(f"key {key}: {message}")
        raise MappingError(f"{path}: " + "; ".join(problems)) from None


def load_mappings(folder: Path | None = None) -> Mappings:
    """Load and validate every mapping file in ``folder`` (default: ``$AUXO_XERO_MAPPINGS`` or ``mappings/``)."""
    folder = Path(folder) if folder else mappings_dir()
    loaded = {name: _load_file(folder / f"{name}.yaml", model) for name, model in _FILES.items()}
    return Mappings(folder=folder, **loaded)  # type: ignore[arg-type]


def check_against_xero(mappings: Mappings, accounts: list[dict[str, Any]],
                       tax_rates: list[dict[str, Any]]) -> list[str]:
    """Problems with the mapped codes given Xero's accounts and tax rates (``Code``/``Status``, ``TaxType``/``Status``)."""
    by_code = {a.get("Code"): a for a in accounts if a.get("Code")}
    problems = []
    mapped = {**mappings.accounts.all_codes(),
              **{f"payment_methods.{m}": c for m, c in mappings.payment_methods.methods.items()}}
    for key, code in sorted(mapped.items()):
        file = "payment_methods.yaml" if key.startswith("payment_methods.") else "accounts.yaml"
        account = by_code.get(code)
        if account is None:
            problems.append(f"mappings/{file}: key {key}: account code {code!r} does not exist in Xero — "
                            "use a code from the chart of accounts or create the account")
        elif account.get("Status", "ACTIVE") != "ACTIVE":
            problems.append(f"mappings/{file}: key {key}: account {code} ({account.get('Name')}) is "
                            f"{account.get('Status')} in Xero — restore it or map another account")
    for key, code in mapped.items():
        account = by_code.get(code)
        if key.startswith("payment") and account and account.get("Type") != "BANK" \
                and not account.get("EnablePaymentsToAccount"):
            problems.append(f"mappings/accounts.yaml: key {key}: account {code} does not accept payments — "
                            "enable payments to it in Xero or map a bank account")
    deposit_bank = by_code.get(mappings.accounts.payments.deposit_bank)
    if deposit_bank and deposit_bank.get("Type") != "BANK":
        problems.append(f"mappings/accounts.yaml: key payments.deposit_bank: account {deposit_bank.get('Code')} is "
                        "not a BANK account — Xero receives prepayments (job deposits) into bank accounts only")
    active_taxes = {t.get("TaxType"): t for t in tax_rates if t.get("Status", "ACTIVE") == "ACTIVE"}
    for key in ("sales", "sales_gst_free", "purchases", "purchases_gst_free", "no_gst"):
        tax_type = getattr(mappings.tax, key)
        if tax_type not in active_taxes:
            problems.append(f"mappings/tax.yaml: key {key}: tax type {tax_type!r} is not an active tax rate in Xero")
    sales = active_taxes.get(mappings.tax.sales)
    if sales is not None:
        rate = sales.get("EffectiveRate", sales.get("DisplayTaxRate"))
        if rate is not None and Decimal(str(rate)) != mappings.tax.gst_rate_percent:
            problems.append(f"mappings/tax.yaml: key gst_rate_percent: {mappings.tax.gst_rate_percent}% but Xero's "
                            f"{mappings.tax.sales} rate is {rate}% — make them agree")
    return problems
