"""Requests generated from the Auxo sandbox's own OpenAPI file, valid and invalid (schemathesis).

Every operation in ``sandbox/auxo/openapi.yaml`` gets requests that follow it (*positive*) and
requests that break it in the body, query, path or headers (*negative*), sent in-process with the
API key. Whatever comes in: never a 5xx; every answer conforms to the file (its error shape
included, also for 404/405 outside it: the ``contract`` check); and a request that follows the
file is never refused as malformed: no ``invalid_request`` for the whole request and no item
refused as ``invalid``. Bounded and derandomized.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from sandbox.auxo.app import connection_info
from sandbox.auxo.routes import OPENAPI_PATH
from sandbox.embedded import forget_apps, transport
from tests.sandbox.auxo.openapi_check import ContractValidator

FUZZ = settings(deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))
EXAMPLES = {"POST": 4, "GET": 2}
BASE = "http://auxo.test"

SPEC = yaml.safe_load(OPENAPI_PATH.read_text())
CONTRACT = ContractValidator(SPEC)
# getOpenApi serves this file as YAML (no input, and openapi-core reads no YAML bodies): left out
OPERATIONS = {result.ok().definition.raw["operationId"]: result.ok()
              for result in schemathesis.openapi.from_dict(SPEC).get_all_operations()
              if result.ok().definition.raw["operationId"] != "getOpenApi"}


class Sandbox:
    def __init__(self, state_dir: Path) -> None:
        info = connection_info(state_dir, BASE)
        self.http = httpx.Client(transport=transport("auxo", state_dir))
        self.headers = {"X-Api-Key": info["api_key"]}

    def send(self, case: Any) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url=f"{BASE}/api/v1", headers=self.headers)
        content = kwargs.get("data")
        if "json" in kwargs:
            import json

            content = json.dumps(kwargs["json"]).encode()
        if isinstance(content, str):
            content = content.encode()
        headers = {key: value for key, value in kwargs["headers"].items() if key.lower() != "content-length"}
        return self.http.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=headers,
                                 content=content)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    client = Sandbox(tmp_path_factory.mktemp("auxo-fuzz") / "auxo")
    yield client
    client.http.close()
    forget_apps()


def check(case: Any, response: httpx.Response, mode: GenerationMode) -> None:
    where = f"{case.method} {case.formatted_path} ({mode.value})"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    CONTRACT.validate(response.request, response)
    if mode is GenerationMode.POSITIVE and response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        assert not (error and error["code"] == "invalid_request"), f"{where}: refused as malformed: {error}"
        refused = [result["error"] for result in (body.get("results") or []) if isinstance(body, dict)
                   and not result["ok"] and result["error"]["code"] == "invalid"]
        assert not refused, f"{where}: an item that follows the file was refused: {refused}"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operations_never_crash(sandbox: Sandbox, operation_id: str, mode: GenerationMode) -> None:
    operation = OPERATIONS[operation_id]

    @settings(FUZZ, max_examples=EXAMPLES.get(operation.method.upper(), 2))
    @given(case=operation.as_strategy(generation_mode=mode))
    def each(case: Any) -> None:
        check(case, sandbox.send(case), mode)

    each()
