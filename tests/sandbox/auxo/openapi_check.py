"""Mechanical contract check: validate sandbox responses against the OpenAPI file it serves."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

from sandbox.auxo.routes import OPENAPI_PATH
from tests.sandbox.openapi_adapter import openapi_request, openapi_response


class ContractValidator:
    def __init__(self, spec: dict) -> None:
        self.openapi = OpenAPI.from_dict(spec)
        self.checked = 0

    @classmethod
    def from_served_file(cls) -> ContractValidator:
        return cls(yaml.safe_load(OPENAPI_PATH.read_text()))

    def validate(self, request: httpx.Request, response: httpx.Response) -> None:
        url = urlsplit(str(request.url))
        try:
            self.openapi.validate_response(openapi_request(request, f"{url.scheme}://{url.netloc}", url.path),
                                           openapi_response(response))
        except (PathNotFound, OperationNotFound):
            # outside the contract (a wrong path or method): it must still fail in the error shape
            assert response.status_code in (404, 405), f"{request.method} {url.path} answered {response.status_code}"
            error = response.json()["error"]
            assert set(error) == {"code", "message", "details"}, error
        self.checked += 1

    def check_response(self, response: httpx.Response) -> None:
        """httpx response hook: read the body, then validate it against the contract."""
        response.read()
        self.validate(response.request, response)
