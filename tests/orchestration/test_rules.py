"""Pure rules: plan graphs, planned dates, backoff and the roll-up decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestration.rules import (
    LineOutcome,
    OrderOutcome,
    PlannedWindow,
    domain_order_rollup_decide,
    graph_cycle_find,
    graph_require_acyclic,
    graph_roots,
    graph_sinks,
    graph_topological_order,
    line_ponr_decide,
    line_rollup_decide,
    order_rollup_decide,
    retry_backoff_seconds,
    retry_decide,
    tasks_schedule,
)
from ordermgmt.exceptions import CycleError

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def test_graph_cycle_find_returns_the_cycle_path():
    cycle = graph_cycle_find({"a": ["b"], "b": ["c"], "c": ["a"], "d": []})

    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}


def test_graph_cycle_find_none_for_a_dag_and_for_unknown_nodes():
    assert graph_cycle_find({"c": ["a", "b"], "b": ["a"], "x": ["outside"]}) is None


def test_graph_require_acyclic_names_the_cycle():
    with pytest.raises(CycleError, match="ship → activate → ship|activate → ship"):
        graph_require_acyclic({"ship": ["activate"], "activate": ["ship"]})


def test_self_dependency_is_a_cycle():
    with pytest.raises(CycleError):
        graph_topological_order({"a": ["a"]})


def test_topological_order_puts_dependencies_first():
    order = graph_topological_order({"bill": ["ship", "net"], "ship": [], "net": []})

    assert order.index("bill") > order.index("ship")
    assert order.index("bill") > order.index("net")


def test_topological_order_handles_long_chains_without_recursion():
    chain = {n: [n - 1] for n in range(1, 5000)} | {0: []}

    assert graph_topological_order(chain) == list(range(5000))


def test_roots_and_sinks_of_a_plan():
    deps = {"a": [], "b": ["a"], "c": ["a"], "d": ["b"]}

    assert graph_roots(deps) == ["a"]
    assert graph_sinks(deps) == ["c", "d"]


def test_tasks_schedule_follows_the_critical_path():
    windows = tasks_schedule(
        durations_minutes={"a": 10, "b": 30, "c": 5, "d": 20},
        dependencies={"b": ["a"], "c": ["a"], "d": ["b", "c"]},
        start=T0,
    )

    assert windows["a"] == PlannedWindow(T0, T0 + timedelta(minutes=10))
    assert windows["b"].start == T0 + timedelta(minutes=10)
    assert windows["c"].end == T0 + timedelta(minutes=15)
    # d waits for the later of b (ends at 40) and c (ends at 15)
    assert windows["d"] == PlannedWindow(
        T0 + timedelta(minutes=40), T0 + timedelta(minutes=60)
    )


def test_tasks_schedule_keeps_fixed_windows():
    fixed = PlannedWindow(T0 + timedelta(hours=2), T0 + timedelta(hours=3))

    windows = tasks_schedule(
        durations_minutes={"old": 0, "new": 15},
        dependencies={"new": ["old"]},
        start=T0,
        fixed={"old": fixed},
    )

    assert windows["old"] == fixed
    assert windows["new"].start == fixed.end


def test_tasks_schedule_refuses_cycles():
    with pytest.raises(CycleError):
        tasks_schedule(
            durations_minutes={"a": 1, "b": 1},
            dependencies={"a": ["b"], "b": ["a"]},
            start=T0,
        )


@pytest.mark.parametrize(
    ("attempts", "expected"), [(0, 0), (1, 30), (2, 60), (3, 120), (10, 900)]
)
def test_retry_backoff_doubles_up_to_the_cap(attempts, expected):
    assert (
        retry_backoff_seconds(attempts=attempts, base_seconds=30, max_seconds=900)
        == expected
    )


def test_retry_decide_stops_at_max_attempts():
    assert retry_decide(attempts=2, max_attempts=3)
    assert not retry_decide(attempts=3, max_attempts=3)


def test_domain_order_closes_when_all_tasks_done_or_skipped():
    assert domain_order_rollup_decide(task_states=["closed_complete", "skipped"])
    assert not domain_order_rollup_decide(task_states=["closed_complete", "open"])
    assert not domain_order_rollup_decide(task_states=["closed_complete", "failed"])
    assert not domain_order_rollup_decide(task_states=[])


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["closed_complete", "closed_complete"], LineOutcome.COMPLETED),
        (["closed_complete", "canceled"], LineOutcome.PARTIAL),
        (["canceled", "canceled"], LineOutcome.CANCELED),
        (["closed_complete", "in_progress"], None),
        (["awaiting_information"], None),
        ([], None),
    ],
)
def test_line_rollup_decide(states, expected):
    assert line_rollup_decide(domain_order_states=states) == expected


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (["completed", "completed"], OrderOutcome.COMPLETED),
        (["completed", "canceled"], OrderOutcome.COMPLETED),
        (["completed", "failed"], OrderOutcome.PARTIAL),
        (["partial", "completed"], OrderOutcome.PARTIAL),
        (["failed", "failed", "canceled"], OrderOutcome.FAILED),
        (["completed", None], None),
        (["completed", "in_progress"], None),
        (["canceled"], None),
        ([], None),
    ],
)
def test_order_rollup_decide(outcomes, expected):
    assert order_rollup_decide(line_outcomes=outcomes) == expected


def test_only_the_first_ponr_task_marks_the_line():
    assert line_ponr_decide(task_is_ponr=True, line_ponr_tasks_done_before=0)
    assert not line_ponr_decide(task_is_ponr=True, line_ponr_tasks_done_before=1)
    assert not line_ponr_decide(task_is_ponr=False, line_ponr_tasks_done_before=0)
