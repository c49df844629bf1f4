"""Fault injection shared by both sandboxes.

The write path must survive what real APIs do under load: 429s, 500/503s, slow answers, and the
worst one, a write that commits on the server while the client never gets the response. This
middleware produces those faults on demand. Its switches live in ``faults.json`` in the sandbox's
state folder, so every process that serves (or embeds) the same state sees the same switches, and
an admin endpoint or a test can flip them while a run is going on.

Two ways to ask for faults:

* **shares** — a probability per fault kind, drawn from a seeded RNG (a realistic noisy API);
* **script** — a queue of faults applied to the next matching requests, one each, in order
  (exact, for tests: ``["drop"]`` loses the response of the very next write).

Fault kinds: ``"429"``, ``"500"``, ``"503"``, ``"slow"`` and ``"drop"``. ``drop`` only applies to
writes (PUT/POST/DELETE): the request is handled and committed, then the connection is cut before
the response reaches the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

FAULT_KINDS = ("429", "500", "503", "slow", "drop")
WRITE_METHODS = frozenset({"PUT", "POST", "DELETE", "PATCH"})
# marks a response the fault cut off: the in-process bridge does not always re-raise the app's
# exception (it may hand back the started response with no body), so the transport checks this too
DROP_HEADER = "x-sandbox-fault"


class SandboxDroppedResponse(Exception):
    """Raised inside the app after a write committed, to cut the connection before the response."""


@dataclass
class FaultConfig:
    """The fault switches of one sandbox. All off by default."""

    shares: dict[str, float] = field(default_factory=dict)  # kind -> probability in [0, 1]
    script: list[str] = field(default_factory=list)  # faults for the next matching requests
    slow_seconds: float = 2.0
    retry_after_seconds: int = 1  # what an injected 429 asks the client to wait
    seed: int = 0

    def __post_init__(self) -> None:
        for kind in [*self.shares, *self.script]:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}: expected one of {', '.join(FAULT_KINDS)}")
        for kind, share in self.shares.items():
            if not 0.0 <= float(share) <= 1.0:
                raise ValueError(f"fault share for {kind!r} must be between 0 and 1, got {share!r}")

    @property
    def active(self) -> bool:
        return bool(self.script) or any(share > 0 for share in self.shares.values())


class FaultStore:
    """``faults.json`` in a sandbox state folder, read and updated under an exclusive file lock."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "faults.json"
        self._lock_path = Path(state_dir) / "faults.lock"
        self._rng = random.Random()
        self._rng_seed: int | None = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self) -> FaultConfig:
        # read every time (a few hundred bytes): a cache keyed on mtime can miss a rewrite made within
        # the same clock tick and bring a consumed scripted fault back to life
        try:
            return FaultConfig(**json.loads(self.path.read_text() or "{}"))
        except FileNotFoundError:
            return FaultConfig()

    def _write(self, config: FaultConfig) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(config), indent=2))
        os.replace(tmp, self.path)

    def get(self) -> FaultConfig:
        with self._locked():
            return self._read()

    def set(self, config: FaultConfig) -> FaultConfig:
        with self._locked():
            self._write(config)
            return config

    def clear(self) -> None:
        self.set(FaultConfig())

    def next_fault(self, method: str) -> str | None:
        """The fault to apply to a request with ``method``, consuming a scripted one if it matches."""
        if not self.path.exists():  # fast path: faults never configured
            return None
        with self._locked():
            config = self._read()
            if not config.active:
                return None
            is_write = method.upper() in WRITE_METHODS
            for index, kind in enumerate(config.script):
                if kind == "drop" and not is_write:
                    continue
                remaining = config.script[:index] + config.script[index + 1 :]
                self._write(FaultConfig(**{**asdict(config), "script": remaining}))
                return kind
            if self._rng_seed != config.seed:
                self._rng.seed(config.seed)
                self._rng_seed = config.seed
            for kind in FAULT_KINDS:
                share = config.shares.get(kind, 0.0)
                if share and (is_write or kind != "drop") and self._rng.random() < share:
                    return kind
            return None


ResponseFactory = Callable[[str, FaultConfig], Response]


class FaultInjectionMiddleware:
    """ASGI middleware applying the store's faults to the requests ``applies_to`` selects.

    ``make_response(kind, config)`` builds the system's own 429/500/503 responses, so each sandbox
    fails in its own API's shape.
    """

    def __init__(
        self,
        app: ASGIApp,
        store: FaultStore,
        make_response: ResponseFactory,
        applies_to: Callable[[Scope], bool],
    ) -> None:
        self.app = app
        self.store = store
        self.make_response = make_response
        self.applies_to = applies_to

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies_to(scope):
            await self.app(scope, receive, send)
            return
        kind = self.store.next_fault(scope["method"])
        if kind is None:
            await self.app(scope, receive, send)
            return
        config = self.store.get()
        if kind == "slow":
            await asyncio.sleep(config.slow_seconds)
            await self.app(scope, receive, send)
        elif kind == "drop":
            await self._commit_then_drop(scope, receive, send)
        else:
            await self.make_response(kind, config)(scope, receive, send)

    async def _commit_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        started: dict[str, Any] = {}

        async def swallow(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)

        await self.app(scope, receive, swallow)  # the write happens and commits
        # Promise a body, send none of it, then fail: a served client sees the connection cut
        # mid-response; the embedded transport turns the exception into an httpx transport error.
        await send({"type": "http.response.start", "status": started.get("status", 200),
                    "headers": [(b"content-length", b"1048576"), (DROP_HEADER.encode(), b"drop")]})
        raise SandboxDroppedResponse("sandbox fault: the write committed, the response was dropped")


__all__ = [
    "FAULT_KINDS",
    "FaultConfig",
    "FaultInjectionMiddleware",
    "FaultStore",
    "SandboxDroppedResponse",
]
