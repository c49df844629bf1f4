"""Mechanical contract check: validate sandbox responses against the OpenAPI file it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

from sandbox.auxo.routes import OPENAPI_PATH


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class _Response:
    status_code: int
    data: bytes
    content_type: str
    headers: Headers


class ContractValidator:
    def __init__(self, spec: dict) -> None:
        self.openapi = OpenAPI.from_dict(spec)
        self.checked = 0

    @classmethod
    def from_served_file(cls) -> ContractValidator:
        return cls(yaml.safe_load(OPENAPI_PATH.read_text()))

    def validate(self, request: httpx.Request, response: httpx.Response) -> None:
        url = urlsplit(str(request.url))
        openapi_request = _Request(
            host_url=f"{url.scheme}://{url.netloc}", path=url.path, method=request.method.lower(),
            body=request.content or None, content_type=request.headers.get("content-type", ""),
            parameters=RequestParameters(query=ImmutableMultiDict(list(request.url.params.multi_items())),
                                         header=Headers(list(request.headers.items()))))
        openapi_response = _Response(status_code=response.status_code, data=response.content,
                                     content_type=response.headers.get("content-type", ""),
                                     headers=Headers(list(response.headers.items())))
        try:
            self.openapi.validate_response(openapi_request, openapi_response)
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
