"""Hooks for higher apps: decomposition sits below orchestration and never imports it.

Orchestration registers a receiver at start-up (AppConfig.ready) to plan tasks for the
domain orders a staggered release qualifies. Receivers run inside the releasing
service's transaction, with the released domain orders (parents before children).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from decomposition.models import DomainOrder
from ordermgmt.actor import Actor

ReleaseReceiver = Callable[[Sequence[DomainOrder], Actor], None]

_release_receivers: list[ReleaseReceiver] = []


def domain_orders_released_receiver_add(receiver: ReleaseReceiver) -> None:
    """Call `receiver(domain_orders, actor)` whenever domain orders are released late."""
    if receiver not in _release_receivers:
        _release_receivers.append(receiver)


def domain_orders_released_receiver_remove(receiver: ReleaseReceiver) -> None:
    """Stop calling `receiver` (tests)."""
    if receiver in _release_receivers:
        _release_receivers.remove(receiver)


def domain_orders_released_notify(
    *, domain_orders: Sequence[DomainOrder], actor: Actor
) -> None:
    """Tell every receiver about released domain orders; run inside the transaction."""
    if not domain_orders:
        return
    for receiver in list(_release_receivers):
        receiver(domain_orders, actor)
