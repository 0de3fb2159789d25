"""The one interface of automation adapters: start a job, poll it, compensate it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class AdapterRequest:
    """What an adapter knows about the work: plain values, never model instances."""

    task_id: int
    task_code: str
    domain_order_id: int
    domain_order_number: str
    specification_code: str
    action: str
    characteristics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdapterPoll:
    """The state of a started job: done with result data, or ask again later."""

    done: bool
    data: dict[str, Any] = field(default_factory=dict)
    retry_after_seconds: float = 0.0


class AdapterError(Exception):
    """A refused or failed call to an outside system, with that system's error code."""

    def __init__(self, message: str, *, code: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


class TaskAdapter(Protocol):
    code: str

    def start(
        self, *, request: AdapterRequest, now: datetime, rng: random.Random
    ) -> dict[str, Any]:
        """Begin the job; return a JSON-safe reference to poll; raise AdapterError."""
        ...

    def poll(self, *, ref: dict[str, Any], now: datetime) -> AdapterPoll:
        """Ask how the job behind `ref` is going; raise AdapterError when it failed."""
        ...

    def compensate(
        self,
        *,
        request: AdapterRequest,
        ref: dict[str, Any],
        now: datetime,
        rng: random.Random,
    ) -> dict[str, Any]:
        """Undo a finished job (in-flight changes); return what the system reported."""
        ...
