"""Request documents checked against Xero's official spec (``spec/xero_accounting.yaml``).

Every element of a write goes through :func:`problems` before its handler sees it, so a wrong JSON
type, an over-long string, a value outside an enum, a bad date or GUID or a number Xero cannot hold
is a ValidationException for that element (HTTP 400, or its own ``ValidationErrors`` under
``summarizeErrors=false``), never a crash further in. The rules are the spec's own component
schemas, read by jsonschema; only these are the sandbox's, each where real Xero (a .NET service
reading JSON with Json.NET) is more lenient than a plain reading of the spec:

- ``null`` and ``""`` stand for "not given" for any field;
- numbers may come as numeric strings, booleans as ``"true"``/``"false"`` (any case), and a string
  field takes a JSON number or boolean (Json.NET converts all of these);
- enums ignore case (``"accrec"`` is ``ACCREC``);
- ``x-is-msdate`` dates may be ``YYYY-MM-DD``, an ISO datetime or ``/Date(ms)/`` (what xero-python
  sends);
- unknown fields are ignored, and so are read-only ones (xero-python echoes ``HasErrors`` and the
  like), whatever their values;
- ``required`` is left to the handlers: it depends on whether the element creates or updates
  (``POST /ManualJournals/{id}`` with only a Status is fine), and they answer it with Xero's texts.

Numbers must be finite and below 10^12 in size (the sandbox's bound; Xero keeps money as .NET
``decimal``), so sums and roundings further in always fit.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sandbox.xero import dates, errors

SPEC_PATH = Path(__file__).with_name("spec") / "xero_accounting.yaml"
SPEC_URI = "urn:xero-accounting"
NUMBER_LIMIT = Decimal(10) ** 12
_VALUE_SHOWN = 60  # characters of a bad value quoted in a message


def _absent(value: Any) -> bool:
    return value is None or value == ""


def _number(value: Any) -> Decimal | None:
    """The value as a number Xero would read, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() and abs(number) < NUMBER_LIMIT else None


def _is_boolean(_checker: Any, value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false"))


def _is_string(_checker: Any, value: Any) -> bool:
    return isinstance(value, str | int | float | Decimal) and not (
        isinstance(value, float | Decimal) and not Decimal(value).is_finite())


def _is_integer(_checker: Any, value: Any) -> bool:
    number = _number(value)
    return number is not None and number == number.to_integral_value()


_TYPES = Draft4Validator.TYPE_CHECKER.redefine_many({
    "number": lambda _checker, value: _number(value) is not None,
    "integer": _is_integer,
    "boolean": _is_boolean,
    "string": _is_string,
})


def _type(validator: Any, types: Any, instance: Any, schema: dict) -> Any:
    if instance is None or (instance == "" and types not in ("object", "array")):
        return
    yield from Draft4Validator.VALIDATORS["type"](validator, types, instance, schema)


def _enum(_validator: Any, options: list, instance: Any, _schema: dict) -> Any:
    if _absent(instance):
        return
    folded = str(instance).lower() if isinstance(instance, str) else instance
    if not any((option.lower() if isinstance(option, str) else option) == folded for option in options):
        yield ValidationError(f"{instance!r} is not one of the allowed values", validator="enum")


def _msdate(_validator: Any, flag: Any, instance: Any, _schema: dict) -> Any:
    if not flag or _absent(instance):
        return
    try:
        dates.parse_date(instance)
    except (ValueError, TypeError, OverflowError):
        yield ValidationError(f"{instance!r} is not a date", validator="x-is-msdate")


def _format(_validator: Any, fmt: str, instance: Any, _schema: dict) -> Any:
    if _absent(instance) or not isinstance(instance, str):
        return
    try:
        if fmt == "uuid":
            uuid.UUID(instance)
        elif fmt in ("date", "date-time"):
            dates.parse_date(instance)
    except (ValueError, TypeError, OverflowError):
        yield ValidationError(f"{instance!r} is not a valid {fmt}", validator="format", validator_value=fmt)


def _length(keyword: str) -> Any:
    """``maxLength``/``minLength`` on real strings only (a number given for a string field is fine)."""
    base = Draft4Validator.VALIDATORS[keyword]

    def check(validator: Any, limit: int, instance: Any, schema: dict) -> Any:
        if isinstance(instance, str):
            yield from base(validator, limit, instance, schema)

    return check


def _items(validator: Any, items: Any, instance: Any, schema: dict) -> Any:
    """As Draft 4's, but a ``null`` inside a list is an error (only a field may be left null)."""
    if not validator.is_type(instance, "array") or not isinstance(items, dict):
        return
    for index, item in enumerate(instance):
        if item is None:
            yield ValidationError("null in a list", validator="type", validator_value=items.get("type", "object"),
                                  path=[index], instance=item)
        else:
            yield from validator.descend(item, items, path=index)


def _properties(validator: Any, properties: dict, instance: Any, schema: dict) -> Any:
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name in instance and not subschema.get("readOnly"):
            yield from validator.descend(instance[name], subschema, path=name, schema_path=name)


_RESOLVED: dict[str, Any] = {}


def _ref(validator: Any, ref: str, instance: Any, _schema: dict) -> Any:
    """As Draft 4's ``$ref``, each reference resolved once: the spec is one document, so a ``$ref``
    always names the same subschema, and resolving a JSON pointer on every use was ~65 µs — a
    third of a document's check."""
    resolved = _RESOLVED.get(ref)
    if resolved is None:
        resolved = _RESOLVED.setdefault(ref, validator._resolver.lookup(ref))
    yield from validator.descend(instance, resolved.contents, resolver=resolved.resolver)


_Lenient = validators.extend(
    Draft4Validator, type_checker=_TYPES,
    validators={"$ref": _ref, "type": _type, "enum": _enum, "format": _format, "x-is-msdate": _msdate,
                "properties": _properties, "items": _items, "maxLength": _length("maxLength"), "minLength": _length("minLength"), "required": None},
)


@lru_cache(maxsize=1)
def _registry() -> Registry:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(SPEC_PATH, encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=loader)
    return Registry().with_resource(SPEC_URI, Resource(contents=spec, specification=DRAFT4))


@lru_cache(maxsize=32)
def _validator(schema_name: str) -> Any:
    return _Lenient({"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=_registry())


def _where(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def _shown(value: Any) -> str:
    if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
        text = str(value)
    else:
        text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _VALUE_SHOWN else text[:_VALUE_SHOWN] + "…"


def _message(error: ValidationError) -> str:
    field = _where(error.absolute_path)
    name = next((part for part in reversed(error.absolute_path) if isinstance(part, str)), field)
    value = _shown(error.instance)
    kind = error.validator
    if kind == "x-is-msdate" or (kind == "format" and error.validator_value in ("date", "date-time")):
        return errors.DATE_INVALID.format(value=value, field=field)
    if kind == "format":
        return errors.GUID_INVALID.format(value=value, field=field)
    if kind == "maxLength":
        return errors.TOO_LONG.format(field=field, limit=error.validator_value)
    if kind == "enum":
        template = {"Status": errors.STATUS_INVALID, "Type": errors.TYPE_INVALID,
                    "LineAmountTypes": errors.LINE_AMOUNT_TYPES_INVALID}.get(name, errors.VALUE_INVALID)
        return template.format(value=value, field=field)
    if kind == "type":
        expected = error.validator_value
        if expected in ("number", "integer"):
            return errors.NUMBER_INVALID.format(value=value, field=field)
        return errors.TYPE_WRONG.format(field=field, what=errors.JSON_TYPE_NAMES.get(expected, expected))
    return errors.VALUE_INVALID.format(value=value, field=field)


def problems(schema_name: str, element: dict) -> list[str]:
    """Xero-style messages for what in ``element`` breaks the spec's ``schema_name`` (empty when
    nothing does). Read-only and unknown fields are not looked at."""
    found = sorted(_validator(schema_name).iter_errors(element), key=lambda error: list(map(str, error.path)))
    return list(dict.fromkeys(_message(error) for error in found))


def echo(schema_name: str, element: dict) -> dict:
    """``element`` without the fields that break the spec (read-only ones included), so the echo
    of a failed element is still a well-formed document."""
    bad = {error.path[0] for error in _strict(schema_name).iter_errors(element) if error.path}
    properties = _registry().contents(SPEC_URI)["components"]["schemas"].get(schema_name, {}).get("properties", {})
    kept = {}
    for key, value in element.items():
        is_date = properties.get(key, {}).get("x-is-msdate")
        if key in bad or value is None or (is_date and value == ""):
            continue
        # dates as responses write them (what was sent may be YYYY-MM-DD)
        kept[key] = dates.ms_date(dates.parse_date(value)) if is_date else value
    return kept


_Strict = validators.extend(
    Draft4Validator, type_checker=_TYPES,
    validators={"$ref": _ref, "type": _type, "enum": _enum, "format": _format, "x-is-msdate": _msdate,
                "items": _items,
                "maxLength": _length("maxLength"), "minLength": _length("minLength"), "required": None},
)


@lru_cache(maxsize=32)
def _strict(schema_name: str) -> Any:
    """As :func:`_validator`, read-only fields included (for echoes)."""
    return _Strict({"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=_registry())
