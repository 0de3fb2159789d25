"""Hook: how a lower app tells higher ones what happened without importing them.

A hook is a named list of receivers, connected in an AppConfig.ready() of the higher app
and called in order by the lower app's service, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Receiver = Callable[..., None]


class Hook:
    """A named list of receivers, called in the order they were connected."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Receiver] = []

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self._receivers)} receivers)"

    def connect(self, receiver: Receiver) -> Receiver:
        """Add a receiver once (connecting it again changes nothing); return it."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def send(self, **kwargs: Any) -> None:
        for receiver in list(self._receivers):
            receiver(**kwargs)
