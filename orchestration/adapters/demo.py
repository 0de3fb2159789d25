"""Demo adapters: simulated network, porting, shipping, billing, production and
inventory systems with configurable latency and failure rate (orchestration.conf).

A job's outcome is drawn at start from the `rng` the engine passes in, so tests with a
seeded generator are deterministic; the job is done `latency` seconds after it started.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orchestration.adapters.base import AdapterError, AdapterPoll, AdapterRequest
from orchestration.conf import adapter_settings


@dataclass(frozen=True)
class DemoAdapter:
    code: str
    system: str
    error_code: str
    error_message: str
    reference_prefix: str
    result_key: str

    def start(
        self, *, request: AdapterRequest, now: datetime, rng: random.Random
    ) -> dict[str, Any]:
        config = adapter_settings(code=self.code)
        # Draw both numbers every time so a seeded sequence does not depend on the rate.
        failure_draw = rng.random()
        reference = f"{self.reference_prefix}-{rng.randrange(10**7):07d}"
        if failure_draw < config.failure_rate:
            raise AdapterError(
                f"{self.system}: {self.error_message} "
                f"(task {request.task_code} of {request.domain_order_number}).",
                code=self.error_code,
            )
        ready_at = now + timedelta(seconds=config.latency_seconds)
        return {
            "system": self.system,
            "reference": reference,
            "ready_at": ready_at.isoformat(),
        }

    def poll(self, *, ref: dict[str, Any], now: datetime) -> AdapterPoll:
        try:
            ready_at = datetime.fromisoformat(ref["ready_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AdapterError(
                f"{self.system}: unknown job reference {ref!r}.",
                code=f"{self.error_code.split('-')[0]}-404",
                retryable=True,
            ) from exc
        if now < ready_at:
            return AdapterPoll(
                done=False, retry_after_seconds=(ready_at - now).total_seconds()
            )
        return AdapterPoll(done=True, data={self.result_key: ref["reference"]})

    def compensate(
        self,
        *,
        request: AdapterRequest,
        ref: dict[str, Any],
        now: datetime,
        rng: random.Random,
    ) -> dict[str, Any]:
        return {"undone": ref.get("reference", ""), "at": now.isoformat()}


NETWORK_PROVISIONING = DemoAdapter(
    code="network_provisioning",
    system="Network activation",
    error_code="NET-503",
    error_message="the activation service is unavailable",
    reference_prefix="CKT",
    result_key="circuit_id",
)
NUMBER_PORTING = DemoAdapter(
    code="number_porting",
    system="Number portability",
    error_code="PORT-409",
    error_message="the donor operator rejected the port request",
    reference_prefix="PRT",
    result_key="port_id",
)
SHIPPING = DemoAdapter(
    code="shipping",
    system="Logistics",
    error_code="SHIP-502",
    error_message="the carrier did not accept the consignment",
    reference_prefix="SHP",
    result_key="tracking_number",
)
BILLING_ACTIVATION = DemoAdapter(
    code="billing_activation",
    system="Billing",
    error_code="BILL-500",
    error_message="the billing account could not be updated",
    reference_prefix="BIL",
    result_key="billing_reference",
)
PRODUCTION_SCHEDULING = DemoAdapter(
    code="production_scheduling",
    system="Manufacturing execution",
    error_code="MES-423",
    error_message="no production slot is free",
    reference_prefix="WO",
    result_key="work_order",
)
INVENTORY_ALLOCATION = DemoAdapter(
    code="inventory_allocation",
    system="Resource inventory",
    error_code="INV-409",
    error_message="no free resource in the pool",
    reference_prefix="ALC",
    result_key="allocation_id",
)

DEMO_ADAPTERS: tuple[DemoAdapter, ...] = (
    NETWORK_PROVISIONING,
    NUMBER_PORTING,
    SHIPPING,
    BILLING_ACTIVATION,
    PRODUCTION_SCHEDULING,
    INVENTORY_ALLOCATION,
)
