"""Fixtures of the orchestration tests: a clean decision cache, instant adapters, hooks
that record what they were sent."""

from __future__ import annotations

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
    """Connects to every hook and keeps (hook name, kwargs) in the order sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self._receivers: list[tuple[hooks.Hook, Any]] = []

    def attach(self) -> None:
        for hook in (
            hooks.ORDER_LINE_DONE,
            hooks.ORDER_DONE,
            hooks.ORDER_LINE_PONR,
            hooks.DOMAIN_ORDER_CLOSED,
            hooks.ORDER_TASK_FAILED,
        ):

            def receiver(_name: str = hook.name, **kwargs: Any) -> None:
                self.sent.append((_name, kwargs))

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
