"""A proxy in front of a sandbox that answers some requests itself, as a misbehaving network does."""

from __future__ import annotations

import json

import httpx

LOGIN_PAGE = b"<html><head><title>Sign in</title></head><body><form>Sign in to continue</form></body></html>"


class AnsweringProxy(httpx.BaseTransport):
    """Passes every request to ``inner`` except those whose path ends with ``path``: those get ``answer``."""

    def __init__(self, inner: httpx.BaseTransport, path: str, status: int, body: bytes,
                 content_type: str = "text/html; charset=utf-8") -> None:
        self.inner, self.path, self.status, self.body, self.content_type = inner, path, status, body, content_type
        self.answered = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(self.path):
            return self.inner.handle_request(request)
        self.answered += 1
        return httpx.Response(self.status, content=self.body, headers={"Content-Type": self.content_type},
                              request=request)


class RewritingProxy(httpx.BaseTransport):
    """Passes every request to ``inner``; the JSON answers whose path ends with ``path`` are rewritten."""

    def __init__(self, inner: httpx.BaseTransport, path: str, rewrite) -> None:
        self.inner, self.path, self.rewrite = inner, path, rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not request.url.path.endswith(self.path) or response.status_code != 200:
            return response
        response.read()
        body = self.rewrite(json.loads(response.content))
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"},
                              request=request)
