"""Pure decisions of the task engine: plan graphs (cycles, order, planned dates), retry
backoff, and the completion roll-up of domain orders, lines and orders.

No ORM and no clock here: callers pass plain values and `now`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from ordermgmt.exceptions import CycleError

K = TypeVar("K", bound=Hashable)

# Task states in which a task no longer holds up its dependents.
TASK_DONE_STATES: frozenset[str] = frozenset({"closed_complete", "skipped"})
# Domain order states that end it; closed_complete is the only successful one.
DOMAIN_ORDER_TERMINAL_STATES: frozenset[str] = frozenset(
    {"closed_complete", "canceled"}
)
# Line states set by other flows (fallout, cancellation) that end a line.
LINE_TERMINAL_STATES: frozenset[str] = frozenset(
    {"completed", "partial", "failed", "canceled"}
)


# --- graphs ----------------------------------------------------------------------------


def _graph_edges(dependencies: Mapping[K, Iterable[K]]) -> dict[K, list[K]]:
    # Nodes named only as a dependency count as nodes without dependencies.
    edges: dict[K, list[K]] = {node: list(deps) for node, deps in dependencies.items()}
    for deps in list(edges.values()):
        for dep in deps:
            edges.setdefault(dep, [])
    return edges


def _kahn_order(edges: Mapping[K, list[K]]) -> list[K]:
    # Iterative (no recursion limit on long chains); input order breaks ties.
    waiting = {node: len(set(deps)) for node, deps in edges.items()}
    dependents: dict[K, list[K]] = {node: [] for node in edges}
    for node, deps in edges.items():
        for dep in set(deps):
            dependents[dep].append(node)
    ready = deque(node for node, count in waiting.items() if count == 0)
    ordered: list[K] = []
    while ready:
        node = ready.popleft()
        ordered.append(node)
        for dependent in dependents[node]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
    return ordered


def graph_cycle_find(dependencies: Mapping[K, Iterable[K]]) -> list[K] | None:
    """Return one cycle as a path [a, b, ..., a] of `node -> depends on` edges, or None."""
    edges = _graph_edges(dependencies)
    placed = set(_kahn_order(edges))
    if len(placed) == len(edges):
        return None
    # Every node left over waits for another left-over node: walk until one repeats.
    node = next(node for node in edges if node not in placed)
    path: list[K] = []
    seen: dict[K, int] = {}
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(dep for dep in edges[node] if dep not in placed)
    return [*path[seen[node] :], node]


def graph_require_acyclic(
    dependencies: Mapping[K, Iterable[K]], *, label: str = "The plan"
) -> None:
    """Raise CycleError naming the cycle when `dependencies` has one."""
    cycle = graph_cycle_find(dependencies)
    if cycle is not None:
        path = " → ".join(str(node) for node in cycle)
        raise CycleError(
            f"{label} has a dependency cycle: {path}. "
            "A task cannot wait, directly or not, for itself.",
            cycle=[str(node) for node in cycle],
        )


def graph_topological_order(dependencies: Mapping[K, Iterable[K]]) -> list[K]:
    """Return every node after all of its dependencies; raise CycleError on a cycle."""
    edges = _graph_edges(dependencies)
    ordered = _kahn_order(edges)
    if len(ordered) != len(edges):
        graph_require_acyclic(edges)
    return ordered


def graph_roots(dependencies: Mapping[K, Iterable[K]]) -> list[K]:
    """Return the nodes that depend on nothing (a plan's first tasks), in input order."""
    return [node for node, deps in dependencies.items() if not list(deps)]


def graph_sinks(dependencies: Mapping[K, Iterable[K]]) -> list[K]:
    """Return the nodes nothing depends on (a plan's last tasks), in input order."""
    depended_on = {dep for deps in dependencies.values() for dep in deps}
    return [node for node in dependencies if node not in depended_on]


# --- planned dates -------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedWindow:
    start: datetime
    end: datetime


def tasks_schedule(
    *,
    durations_minutes: Mapping[K, int],
    dependencies: Mapping[K, Iterable[K]],
    start: datetime,
    fixed: Mapping[K, PlannedWindow] | None = None,
) -> dict[K, PlannedWindow]:
    """Plan every task as early as its dependencies allow (the critical path from `start`).

    A task starts at `start` or when its latest dependency ends, and ends its SLA
    duration later. Tasks in `fixed` (planned before) keep their window. Raises
    CycleError when the dependencies have a cycle.
    """
    fixed = fixed or {}
    graph = {node: list(dependencies.get(node, ())) for node in durations_minutes}
    windows: dict[K, PlannedWindow] = {}
    for node in graph_topological_order(graph):
        if node in fixed:
            windows[node] = fixed[node]
            continue
        begins = max((windows[dep].end for dep in graph[node]), default=start)
        windows[node] = PlannedWindow(
            start=begins,
            end=begins + timedelta(minutes=durations_minutes[node]),
        )
    return windows


# --- retries -------------------------------------------------------------------------


def retry_backoff_seconds(
    *, attempts: int, base_seconds: float, max_seconds: float
) -> float:
    """Seconds to wait before the next call after `attempts` failed ones: base·2^(n-1)."""
    if attempts < 1:
        return 0.0
    return float(min(max_seconds, base_seconds * 2 ** (attempts - 1)))


def retry_decide(*, attempts: int, max_attempts: int) -> bool:
    """True when a failed call may be tried again (`attempts` failed so far)."""
    return attempts < max_attempts


# --- completion roll-up ------------------------------------------------------------


class LineOutcome(StrEnum):
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELED = "canceled"


class OrderOutcome(StrEnum):
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"


def domain_order_rollup_decide(*, task_states: Iterable[str]) -> bool:
    """True when a domain order may close: it has tasks and all are complete or skipped."""
    states = list(task_states)
    return bool(states) and all(state in TASK_DONE_STATES for state in states)


def line_rollup_decide(*, domain_order_states: Iterable[str]) -> LineOutcome | None:
    """Decide a line's outcome from its domain orders, or None while one is still open.

    All closed complete → completed; all canceled → canceled; a mix of closed and
    canceled → partial. A line without domain orders has nothing to decide (None).
    """
    states = list(domain_order_states)
    if not states or any(s not in DOMAIN_ORDER_TERMINAL_STATES for s in states):
        return None
    if all(state == "closed_complete" for state in states):
        return LineOutcome.COMPLETED
    if all(state == "canceled" for state in states):
        return LineOutcome.CANCELED
    return LineOutcome.PARTIAL


def order_rollup_decide(*, line_outcomes: Iterable[str | None]) -> OrderOutcome | None:
    """Decide an order's outcome from its lines' outcomes, or None while one is open.

    Canceled lines do not count; when every line is canceled the cancellation flow owns
    the order (None). All completed → completed, all failed → failed, else partial.
    """
    outcomes = list(line_outcomes)
    if not outcomes or any(o not in LINE_TERMINAL_STATES for o in outcomes):
        return None
    counted = [o for o in outcomes if o != LineOutcome.CANCELED]
    if not counted:
        return None
    if all(o == LineOutcome.COMPLETED for o in counted):
        return OrderOutcome.COMPLETED
    if all(o == LineOutcome.FAILED for o in counted):
        return OrderOutcome.FAILED
    return OrderOutcome.PARTIAL


def line_ponr_decide(*, task_is_ponr: bool, line_ponr_tasks_done_before: int) -> bool:
    """True when completing this task takes its line past the point of no return now
    (the line's first completed PONR task; later ones change nothing)."""
    return task_is_ponr and line_ponr_tasks_done_before == 0
