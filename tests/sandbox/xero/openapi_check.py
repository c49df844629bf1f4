"""Mechanical check of sandbox responses against Xero's official OpenAPI spec (v16.1.0).

openapi-core validates types, enums and required fields (the spec is loaded with spec validation
off: it does not pass strict validation itself, see the team reference). The MS-JSON date formats
(``x-is-msdate``, ``x-is-msdate-time``) are not JSON Schema formats, so ``msdate_problems`` walks
the response against the schema and checks them separately.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound

from tests.sandbox.openapi_adapter import openapi_request, openapi_response

# Xero's official spec, vendored unchanged (MIT): sandbox/xero/spec/README.md
SPEC_PATH = Path(__file__).resolve().parents[3] / "sandbox" / "xero" / "spec" / "xero_accounting.yaml"
SERVER = "https://api.xero.com"
MS_DATE = re.compile(r"^/Date\(-?\d+([+-]\d{4})?\)/$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")




class XeroContract:
    def __init__(self) -> None:
        with open(SPEC_PATH) as handle:
            self.spec: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
        self.openapi = OpenAPI.from_dict(self.spec, config=Config(spec_validator_cls=None))
        self.checked: Counter[str] = Counter()

    # --- openapi-core ---------------------------------------------------------------------------
    def validate(self, request: httpx.Request, response: httpx.Response) -> bool:
        """Validate one API response; False when the spec does not describe the path/status."""
        url = urlsplit(str(request.url))
        path = url.path[url.path.lower().find("/api.xro/2.0"):]
        try:
            self.openapi.validate_response(openapi_request(request, SERVER, path), openapi_response(response))
        except (PathNotFound, OperationNotFound, ResponseNotFound):
            return False
        schema = self.response_schema(path, request.method.lower(), response.status_code)
        if schema is not None and response.content:
            problems = self.msdate_problems(response.json(), schema)
            assert not problems, f"{request.method} {path}: MS-JSON date fields wrong: {problems[:5]}"
        operation = self.operation_id(path, request.method.lower())
        self.checked[f"{operation} {response.status_code}"] += 1
        return True

    def check_response(self, response: httpx.Response) -> None:
        """httpx response hook for API clients."""
        response.read()
        if "/api.xro/" in str(response.request.url):
            self.validate(response.request, response)

    # --- MS-JSON dates --------------------------------------------------------------------------
    def _resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _match_path(self, path: str) -> tuple[str, dict] | None:
        tail = path[len("/api.xro/2.0"):] or "/"
        parts = [p for p in tail.split("/") if p]
        best = None
        for template, item in self.spec["paths"].items():
            tparts = [p for p in template.split("/") if p]
            if len(tparts) != len(parts):
                continue
            if all(t.startswith("{") or t.lower() == p.lower() for t, p in zip(tparts, parts, strict=True)):
                # prefer literal segments, then {…ID} parameters for uuid values ({ContactID} over {ContactNumber})
                score = sum(10 for t in tparts if not t.startswith("{")) + sum(
                    1 for t, p in zip(tparts, parts, strict=True) if t.endswith("ID}") == bool(UUID.match(p)))
                if best is None or score > best[0]:
                    best = (score, template, item)
        return (best[1], best[2]) if best else None

    def operation_id(self, path: str, method: str) -> str:
        found = self._match_path(path)
        return found[1].get(method, {}).get("operationId", "?") if found else "?"

    def response_schema(self, path: str, method: str, status: int) -> dict | None:
        found = self._match_path(path)
        if not found:
            return None
        responses = found[1].get(method, {}).get("responses", {})
        response = responses.get(str(status))
        if response is None:
            return None
        response = self._resolve(response)
        return response.get("content", {}).get("application/json", {}).get("schema")

    def msdate_problems(self, data: Any, schema: dict, where: str = "$") -> list[str]:
        schema = self._resolve(schema)
        problems: list[str] = []
        if isinstance(data, list) and schema.get("type") == "array":
            for index, item in enumerate(data):
                problems += self.msdate_problems(item, schema.get("items", {}), f"{where}[{index}]")
        elif isinstance(data, dict):
            for key, value in data.items():
                prop = schema.get("properties", {}).get(key)
                if prop is None:
                    continue
                resolved = self._resolve(prop)
                if prop.get("x-is-msdate") or prop.get("x-is-msdate-time") or resolved.get("x-is-msdate") \
                        or resolved.get("x-is-msdate-time"):
                    if value is not None and not (isinstance(value, str) and MS_DATE.match(value)):
                        problems.append(f"{where}.{key}={value!r}")
                else:
                    problems += self.msdate_problems(value, resolved, f"{where}.{key}")
        return problems
