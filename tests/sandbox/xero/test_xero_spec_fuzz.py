"""Requests generated from Xero's official spec, valid and invalid, against the sandbox (schemathesis).

For every operation the sandbox serves, schemathesis draws requests that follow the spec
(*positive*) and requests that break it somewhere: body, query, path or headers (*negative*), and
each is sent in-process with a real token. Whatever comes in:

- the answer is never a 5xx (no faults are configured, so any 5xx is a crash);
- a 400 is in Xero's shape (``ErrorNumber``/``Type``/``Message``; a ValidationException about
  documents lists ``Elements[].ValidationErrors[].Message``);
- every answer the spec describes conforms to it (the ``contract`` check, as in every other test);
- a request that follows the spec is never refused for a schema reason (over-long, wrong type,
  bad enum, date, GUID or number): those refusals are only for requests that break it.

The spec is used as published, with two of Xero's own semantics spelled out for the generator:
``x-is-msdate`` fields carry dates (in the three forms Xero reads), and numbers stay within what
Xero can hold (.NET decimals; the sandbox's bound is 10^12). The rest of the operations (attachments,
reports, payroll-like resources the sandbox does not serve) get a few requests each: they must
not crash either. Examples are bounded and derandomized, so a run is quick and repeatable.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from sandbox.embedded import forget_apps, transport
from sandbox.xero import credentials, errors, state
from sandbox.xero.dates import date_to_ms
from sandbox.xero.request_schema import NUMBER_LIMIT
from tests.sandbox.xero.conftest import BASE, token_for
from tests.sandbox.xero.openapi_check import XeroContract
from tests.sandbox.xero.test_xero_openapi import EXPECTED as TOUR

XERO_DATE = "xero-date"
# examples per (kind of operation, mode): about 25 s for the whole file on a shared 2-core machine
EXAMPLES = {("write", GenerationMode.POSITIVE): 3, ("write", GenerationMode.NEGATIVE): 2,
            ("read", GenerationMode.POSITIVE): 1, ("read", GenerationMode.NEGATIVE): 1}
UNSERVED_EXAMPLES = 20
FUZZ = settings(deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


def _spelled_out(spec: dict) -> dict:
    """The spec with ``x-is-msdate`` as a format the generator knows and numbers bounded."""
    spec = copy.deepcopy(spec)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("x-is-msdate") and node.get("type") == "string":
                node["format"] = XERO_DATE
            if node.get("type") in ("number", "integer"):
                bound = int(NUMBER_LIMIT) - 1
                node["maximum"] = min(node.get("maximum", bound), bound)
                node["minimum"] = max(node.get("minimum", -bound), -bound)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return spec


def _xero_dates() -> st.SearchStrategy[str]:
    days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
    return st.one_of(days.map(date.isoformat), days.map(lambda day: f"/Date({date_to_ms(day)})/"),
                     days.map(lambda day: f"{day.isoformat()}T00:00:00"))


schemathesis.openapi.format(XERO_DATE, _xero_dates())

_SCHEMA_TEMPLATES = [errors.TOO_LONG, errors.GUID_INVALID, errors.VALUE_INVALID, errors.TYPE_WRONG,
                     errors.NUMBER_INVALID, errors.DATE_INVALID, errors.LINE_AMOUNT_TYPES_INVALID]
_PLACEHOLDERS = {"field": r"[A-Za-z]\w*(\.\w+|\[\d+\])*", "value": ".*", "limit": r"\d+",
                 "what": "|".join(map(re.escape, errors.JSON_TYPE_NAMES.values()))}
SCHEMA_REFUSAL = re.compile("|".join(
    "^" + re.sub(r"\\\{([a-z]+)\\\}", lambda m: f"(?:{_PLACEHOLDERS[m.group(1)]})", re.escape(template)) + "$"
    for template in _SCHEMA_TEMPLATES), re.S)


def _operations(contract: XeroContract) -> dict[str, Any]:
    schema = schemathesis.openapi.from_dict(_spelled_out(contract.spec))
    return {result.ok().definition.raw["operationId"]: result.ok() for result in schema.get_all_operations()}


_CONTRACT = XeroContract()
OPERATIONS = _operations(_CONTRACT)


def _group(operation: Any) -> str:
    return "read" if operation.method.upper() in ("GET", "DELETE") else "write"


# what the sandbox serves: the operations of the spec tour (test_xero_openapi.py)
SERVED = sorted({key.split()[0] for key in TOUR})
UNSERVED = sorted(set(OPERATIONS) - set(SERVED))


class Sandbox:
    def __init__(self, state_dir: Path) -> None:
        self.http = httpx.Client(transport=transport("xero", state_dir))
        creds = credentials(state_dir)
        self.headers = {"Authorization": f"Bearer {token_for(self.http, creds)}",
                        "xero-tenant-id": creds["tenant_id"], "Accept": "application/json"}

    def send(self, case: Any) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url=f"{BASE}/api.xro/2.0", headers=self.headers)
        content = kwargs.get("data")
        if "json" in kwargs:
            content = json.dumps(kwargs["json"]).encode()  # NaN/Infinity stay in, as some clients send them
        if isinstance(content, str):
            content = content.encode()
        headers = {key: value for key, value in kwargs["headers"].items() if key.lower() != "content-length"}
        return self.http.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=headers,
                                 content=content)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    folder = tmp_path_factory.mktemp("xero-fuzz") / "xero"
    client = Sandbox(folder)
    yield client
    client.http.close()
    forget_apps()
    state.forget()


def messages_of(body: Any) -> list[str]:
    """Every ValidationErrors message in a 400 ValidationException or a per-element 200."""
    if not isinstance(body, dict):
        return []
    found = []
    for value in [*body.get("Elements", []), *(doc for v in body.values() if isinstance(v, list) for doc in v)]:
        if isinstance(value, dict):
            found += [error.get("Message", "") for error in value.get("ValidationErrors") or []
                      if isinstance(error, dict)]
    return found


def _without_failed_elements(response: httpx.Response) -> httpx.Response:
    """The response with the failed elements of a per-element 200 left out: a failed element is
    echoed as it was sent, so when it was sent without a field the spec's response schema requires
    (a BankTransaction without its BankAccount) the echo cannot have it either."""
    if response.status_code != 200 or not response.content:
        return response
    body = response.json()
    if not isinstance(body, dict):
        return response
    kept = {key: [doc for doc in value if not (isinstance(doc, dict) and doc.get("StatusAttributeString") == "ERROR")]
            if isinstance(value, list) else value for key, value in body.items()}
    return httpx.Response(200, headers=response.headers, content=json.dumps(kept).encode(), request=response.request)


def check(case: Any, response: httpx.Response, mode: GenerationMode) -> None:
    where = f"{case.method} {case.formatted_path} ({mode.value})"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    body = response.json() if response.content and response.headers.get("content-type", "").startswith(
        "application/json") else None
    if response.status_code == 400:
        assert isinstance(body, dict) and {"ErrorNumber", "Type", "Message"} <= set(body), f"{where}: {body}"
        if body["Type"] == "ValidationException":
            # request-level ones (an Idempotency-Key reused or too long) carry no Elements
            assert body["ErrorNumber"] == 10 and isinstance(body.get("Elements", []), list), f"{where}: {body}"
            for element in body.get("Elements", []):
                assert all(isinstance(error["Message"], str) and error["Message"]
                           for error in element["ValidationErrors"]), f"{where}: {element}"
    try:
        _CONTRACT.validate(response.request, _without_failed_elements(response))
    except Exception as exc:
        raise AssertionError(f"{where}: {response.status_code} {response.text[:300]}: {exc}") from exc
    if mode is GenerationMode.POSITIVE:
        refused = [message for message in messages_of(body) if SCHEMA_REFUSAL.match(message)]
        assert not refused, f"{where}: a request that follows the spec was refused: {refused}"


def _run(sandbox: Sandbox, operation_id: str, mode: GenerationMode, examples: int) -> None:
    operation = OPERATIONS[operation_id]

    @settings(FUZZ, max_examples=examples)
    @given(case=operation.as_strategy(generation_mode=mode))
    def each(case: Any) -> None:
        check(case, sandbox.send(case), mode)

    each()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("operation_id", SERVED)
def test_served_operations_never_crash(sandbox: Sandbox, operation_id: str, mode: GenerationMode) -> None:
    _run(sandbox, operation_id, mode, EXAMPLES[_group(OPERATIONS[operation_id]), mode])


def test_unserved_operations_never_crash(sandbox: Sandbox) -> None:
    """The spec's other operations (attachments, history, reports, quotes, ...), a sample of them."""
    strategy = st.sampled_from(UNSERVED).flatmap(
        lambda operation_id: OPERATIONS[operation_id].as_strategy(generation_mode=GenerationMode.NEGATIVE))

    @settings(FUZZ, max_examples=UNSERVED_EXAMPLES)
    @given(case=strategy)
    def each(case: Any) -> None:
        check(case, sandbox.send(case), GenerationMode.NEGATIVE)

    each()
