"""Serve a sandbox app to httpx without a socket (the embedded default).

The project's clients take an ``httpx`` transport. Against real Xero or a served sandbox they use
httpx's network transport; in the embedded default they get :func:`transport`, which calls the
sandbox's ASGI app in-process (a2wsgi bridges ASGI to httpx's synchronous WSGI transport). The
app keeps its state in files, so every process embedding the same state folder sees the same
books, and ``auxo-xero sandbox serve`` can show them to any outside client.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from a2wsgi import ASGIMiddleware

from sandbox.faults import DROP_HEADER, SandboxDroppedResponse

_lock = threading.Lock()
_apps: dict[tuple[str, Path], ASGIMiddleware] = {}


class EmbeddedTransport(httpx.BaseTransport):
    """An httpx transport onto an in-process sandbox that fails like a network would."""

    def __init__(self, wsgi_app: ASGIMiddleware) -> None:
        self.app = wsgi_app
        self._inner = httpx.WSGITransport(app=_pep3333_path(wsgi_app))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._inner.handle_request(request)
        except SandboxDroppedResponse as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response.", request=request
            ) from exc
        if response.headers.get(DROP_HEADER) == "drop":
            response.close()
            raise httpx.RemoteProtocolError("Server disconnected without sending a complete response.",
                                            request=request)
        return response


def _pep3333_path(wsgi_app: ASGIMiddleware):
    """httpx hands WSGI apps the decoded path as text, where PEP 3333 wants its UTF-8 bytes as
    latin-1 text (what a2wsgi decodes): without this a path with any non-ASCII character, e.g.
    ``/Contacts/Zoë``, fails in the bridge instead of reaching the sandbox."""

    def app(environ: dict, start_response):
        environ["PATH_INFO"] = environ.get("PATH_INFO", "").encode("utf-8").decode("latin-1")
        return wsgi_app(environ, start_response)

    return app


def _create_app(system: str, state_dir: Path):
    if system == "xero":
        from sandbox.xero.app import create_app
    elif system == "auxo":
        from sandbox.auxo.app import create_app
    else:
        raise ValueError(f"unknown sandbox {system!r}: expected 'xero' or 'auxo'")
    return create_app(state_dir)


def transport(system: str, state_dir: Path) -> EmbeddedTransport:
    """A transport onto the ``system`` sandbox keeping its state in ``state_dir``.

    The app is built once per process and state folder and shared by every transport.
    """
    key = (system, Path(state_dir).resolve())
    with _lock:
        if key not in _apps:
            _apps[key] = ASGIMiddleware(_create_app(system, key[1]))
        return EmbeddedTransport(_apps[key])


def forget_apps() -> None:
    """Drop the per-process app cache (tests that delete a state folder call this)."""
    with _lock:
        _apps.clear()
