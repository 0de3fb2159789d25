"""Automation adapters behind one interface (`start`, `poll`, `compensate`) and their
registry by code."""

from __future__ import annotations

from django.db import models

from orchestration.adapters.base import (
    AdapterError,
    AdapterPoll,
    AdapterRequest,
    TaskAdapter,
)
from orchestration.adapters.demo import DEMO_ADAPTERS
from orchestration.exceptions import AdapterUnknown


class AdapterCode(models.TextChoices):
    NETWORK_PROVISIONING = "network_provisioning", "Network provisioning"
    NUMBER_PORTING = "number_porting", "Number porting"
    SHIPPING = "shipping", "Shipping"
    BILLING_ACTIVATION = "billing_activation", "Billing activation"
    PRODUCTION_SCHEDULING = "production_scheduling", "Production scheduling"
    INVENTORY_ALLOCATION = "inventory_allocation", "Inventory allocation"


ADAPTERS: dict[str, TaskAdapter] = {adapter.code: adapter for adapter in DEMO_ADAPTERS}


def adapter_get(*, code: str) -> TaskAdapter:
    """Return the adapter registered under `code`; raise AdapterUnknown."""
    try:
        return ADAPTERS[code]
    except KeyError:
        raise AdapterUnknown(
            f"No automation adapter is registered as {code!r}.", adapter=code
        ) from None


__all__ = [
    "ADAPTERS",
    "AdapterCode",
    "AdapterError",
    "AdapterPoll",
    "AdapterRequest",
    "TaskAdapter",
    "adapter_get",
]
