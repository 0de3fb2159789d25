"""The engine's settings, read once from Django settings with safe defaults.

ORCHESTRATION_ADAPTERS = {adapter code: {"latency": seconds, "failure_rate": 0..1}}
ORCHESTRATION_MAX_ATTEMPTS: calls of an automated task before it is Failed (default 3).
ORCHESTRATION_RETRY_BASE_SECONDS / ORCHESTRATION_RETRY_MAX_SECONDS: the backoff
    base·2^(n-1), capped (defaults 30 s and 15 min).
ORCHESTRATION_INLINE_WAIT_SECONDS: how long one worker job may wait for a slow adapter
    before it hands the task back to the due-task sweep (default 5 s).
ORCHESTRATION_RUN_ON_SECONDS: how long one worker job goes on running the tasks its own
    work made ready before it queues the rest as jobs of their own (default 10 s; 0
    queues every task as its own job).
ORCHESTRATION_PUMP_BATCH: how many acknowledged orders the fulfillment pump begins and
    runs together (default 100; docs/adr/0018).
ORCHESTRATION_PUMP_JOBS: how many pump jobs may wait in the queue at once (default: the
    cluster's workers), so every worker can drain requests in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

DEFAULT_LATENCY_SECONDS = 0.0 if getattr(settings, "TESTING", False) else 2.0


@dataclass(frozen=True)
class AdapterSettings:
    latency_seconds: float = DEFAULT_LATENCY_SECONDS
    failure_rate: float = 0.0


@dataclass(frozen=True)
class EngineSettings:
    max_attempts: int
    retry_base_seconds: float
    retry_max_seconds: float
    inline_wait_seconds: float
    # A worker that takes a task owns it this long; after that the sweep may take it over.
    lease_seconds: float
    run_on_seconds: float
    pump_batch_orders: int
    pump_jobs: int


def adapter_settings(*, code: str) -> AdapterSettings:
    """Return one adapter's latency and failure rate (clamped to sane ranges)."""
    configured: dict[str, Any] = getattr(settings, "ORCHESTRATION_ADAPTERS", {}).get(
        code, {}
    )
    latency = float(configured.get("latency", DEFAULT_LATENCY_SECONDS))
    failure_rate = float(configured.get("failure_rate", 0.0))
    return AdapterSettings(
        latency_seconds=max(0.0, latency),
        failure_rate=min(1.0, max(0.0, failure_rate)),
    )


def engine_settings() -> EngineSettings:
    """Return the retry and waiting limits of the task engine."""
    return EngineSettings(
        max_attempts=max(1, int(getattr(settings, "ORCHESTRATION_MAX_ATTEMPTS", 3))),
        retry_base_seconds=float(
            getattr(settings, "ORCHESTRATION_RETRY_BASE_SECONDS", 30.0)
        ),
        retry_max_seconds=float(
            getattr(settings, "ORCHESTRATION_RETRY_MAX_SECONDS", 900.0)
        ),
        inline_wait_seconds=float(
            getattr(settings, "ORCHESTRATION_INLINE_WAIT_SECONDS", 5.0)
        ),
        lease_seconds=float(getattr(settings, "ORCHESTRATION_LEASE_SECONDS", 300.0)),
        run_on_seconds=max(
            0.0, float(getattr(settings, "ORCHESTRATION_RUN_ON_SECONDS", 10.0))
        ),
        pump_batch_orders=max(
            1, int(getattr(settings, "ORCHESTRATION_PUMP_BATCH", 100))
        ),
        pump_jobs=max(
            1,
            int(
                getattr(
                    settings,
                    "ORCHESTRATION_PUMP_JOBS",
                    getattr(settings, "Q_CLUSTER", {}).get("workers", 2),
                )
            ),
        ),
    )
