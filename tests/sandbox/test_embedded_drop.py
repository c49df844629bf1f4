"""A dropped response is a transport error in-process too, however the ASGI bridge hands it back."""

import httpx
import pytest

from sandbox.embedded import EmbeddedTransport
from sandbox.faults import DROP_HEADER


class _Bridge:
    """Stands in for the WSGI bridge when it returns the cut-off response instead of raising."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={DROP_HEADER: "drop"}, request=request)


def test_a_cut_off_response_raises_like_a_lost_connection():
    transport = EmbeddedTransport.__new__(EmbeddedTransport)
    transport._inner = _Bridge()  # type: ignore[assignment]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.Client(transport=transport).post("http://sandbox/api")
