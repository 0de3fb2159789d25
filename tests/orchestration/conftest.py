"""Fixtures of the orchestration tests: a clean decision cache, instant adapters, hooks
that record what they were sent."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from decisions.evaluator import decision_cache_clear
from orchestration import hooks


@pytest.fixture(autouse=True)
def _fresh_decision_cache() -> Iterator[None]:
    decision_cache_clear()
    yield
    decision_cache_clear()


@pytest.fixture(autouse=True)
def _instant_engine(settings) -> None:
    settings.ORCHESTRATION_ADAPTERS = {}
    settings.ORCHESTRATION_MAX_ATTEMPTS = 3
    settings.ORCHESTRATION_RETRY_BASE_SECONDS = 30
    settings.ORCHESTRATION_RETRY_MAX_SECONDS = 900
    settings.ORCHESTRATION_INLINE_WAIT_SECONDS = 0


class HookRecorder:
    """Connects to every hook and keeps (event name, kwargs) in the order sent.

    The roll-up hooks carry lists of items; each item is kept as one event under the
    singular name ("order_line_done" for an item of ORDER_LINES_DONE) with the item's
    fields, the actor and the time, so tests read one event per line, order or domain
    order."""

    _SINGULAR = {
        "order_lines_done": "order_line_done",
        "orders_done": "order_done",
        "order_lines_ponr": "order_line_ponr",
        "domain_orders_closed": "domain_order_closed",
    }

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.batches: list[tuple[str, int]] = []
        self._receivers: list[tuple[hooks.Hook, Any]] = []

    def attach(self) -> None:
        for hook in (
            hooks.ORDER_LINES_DONE,
            hooks.ORDERS_DONE,
            hooks.ORDER_LINES_PONR,
            hooks.DOMAIN_ORDERS_CLOSED,
            hooks.ORDER_TASK_FAILED,
        ):

            def receiver(_name: str = hook.name, **kwargs: Any) -> None:
                if _name not in self._SINGULAR:
                    self.sent.append((_name, kwargs))
                    return
                items = kwargs.pop("items")
                self.batches.append((_name, len(items)))
                for item in items:
                    self.sent.append(
                        (self._SINGULAR[_name], {**dataclasses.asdict(item), **kwargs})
                    )

            hook.connect(receiver)
            self._receivers.append((hook, receiver))

    def detach(self) -> None:
        for hook, receiver in self._receivers:
            hook.disconnect(receiver)

    def of(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for hook_name, kwargs in self.sent if hook_name == name]


@pytest.fixture
def hook_log() -> Iterator[HookRecorder]:
    recorder = HookRecorder()
    recorder.attach()
    yield recorder
    recorder.detach()
