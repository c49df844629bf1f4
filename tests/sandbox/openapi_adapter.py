"""httpx requests and responses in the shape openapi-core validates (shared by both sandboxes' checks)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


@dataclass
class OpenAPIRequest:
    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class OpenAPIResponse:
    status_code: int
    data: bytes
    content_type: str
    headers: Headers


def openapi_request(request: httpx.Request, host_url: str, path: str) -> OpenAPIRequest:
    return OpenAPIRequest(
        host_url=host_url, path=path, method=request.method.lower(), body=request.content or None,
        content_type=request.headers.get("content-type", ""),
        parameters=RequestParameters(query=ImmutableMultiDict(list(request.url.params.multi_items())),
                                     header=Headers(list(request.headers.items()))))


def openapi_response(response: httpx.Response) -> OpenAPIResponse:
    return OpenAPIResponse(status_code=response.status_code, data=response.content,
                           content_type=response.headers.get("content-type", "").split(";")[0],
                           headers=Headers(list(response.headers.items())))
