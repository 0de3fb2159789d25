"""The orchestration view's layout, on plain values: tree columns, stacked siblings,
chips in plan order, one band per line, and the edges."""

from __future__ import annotations

from workspace.orchestration_layout import (
    BOX_W,
    DomainOrderNode,
    LineNode,
    TaskNode,
    orchestration_layout,
    tasks_in_plan_order,
    text_fit,
)


def _task(pk: int, *after: int, name: str = "") -> TaskNode:
    return TaskNode(
        id=pk,
        name=name or f"Task {pk}",
        state="open",
        state_label="open",
        is_manual=False,
        is_ponr=False,
        after=after,
        tooltip="",
    )


def _node(pk: int, parent: int | None, line: int, *tasks: TaskNode) -> DomainOrderNode:
    return DomainOrderNode(
        id=pk,
        parent_id=parent,
        line_id=line,
        number=f"DO{pk}",
        kind="service",
        kind_label="Service order",
        name=f"Spec {pk}",
        state="qualified",
        state_label="Qualified",
        tasks=tasks,
    )


def _line(pk: int) -> LineNode:
    return LineNode(
        id=pk, label=f"Line {pk}", state="in_progress", state_label="In progress"
    )


def _overlap(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def test_children_sit_one_column_right_of_their_parent_and_never_overlap():
    nodes = [
        _node(1, None, 10, _task(1)),
        _node(2, 1, 10, _task(2), _task(3, 2)),
        _node(3, 1, 10),
        _node(4, 2, 10, _task(4)),
    ]

    layout = orchestration_layout(lines=[_line(10)], domain_orders=nodes)

    boxes = {box.node.id: box for box in layout.boxes}
    assert boxes[2].x > boxes[1].x + BOX_W
    assert boxes[4].x > boxes[2].x + BOX_W
    assert boxes[2].x == boxes[3].x
    assert (
        boxes[3].y >= boxes[4].y + boxes[4].h
    )  # the next sibling goes below the subtree
    placed = list(boxes.values())
    assert not any(
        _overlap(a, b) for i, a in enumerate(placed) for b in placed[i + 1 :]
    )
    assert all(box.x + box.w <= layout.width for box in placed)
    assert all(box.y + box.h <= layout.height for box in placed)
    assert [edge.kind for edge in layout.edges].count("tree") == 3


def test_chips_follow_the_plan_and_waits_are_drawn_as_arrows():
    node = _node(1, None, 10, _task(3, 2), _task(2, 1), _task(1))

    layout = orchestration_layout(lines=[_line(10)], domain_orders=[node])

    chips = layout.boxes[0].chips
    assert [chip.task.id for chip in chips] == [1, 2, 3]
    assert chips[0].y < chips[1].y < chips[2].y
    assert [edge.kind for edge in layout.edges] == ["plan", "plan"]


def test_a_cycle_does_not_hang_the_ordering():
    assert [t.id for t in tasks_in_plan_order([_task(1, 2), _task(2, 1)])] == [1, 2]


def test_each_line_gets_a_band_around_its_domain_orders_and_requires_is_an_edge():
    nodes = [
        _node(1, None, 10),
        _node(2, 1, 11, _task(1)),
        _node(3, 1, 12, _task(2)),
    ]

    layout = orchestration_layout(
        lines=[_line(10), _line(11), _line(12)],
        domain_orders=nodes,
        requires=[(3, 2)],
    )

    bands = {band.line.id: band for band in layout.bands}
    boxes = {box.node.id: box for box in layout.boxes}
    assert set(bands) == {10, 11, 12}
    for box in boxes.values():
        band = bands[box.node.line_id]
        assert band.x <= box.x
        assert box.x + box.w <= band.x + band.w
        assert band.y < box.y
        assert box.y + box.h <= band.y + band.h
    assert not _overlap(bands[11], bands[12])
    requires = [edge for edge in layout.edges if edge.kind == "requires"]
    assert len(requires) == 1
    assert requires[0].tooltip == "DO3 waits for DO2 (requires)"


def test_a_line_without_domain_orders_gets_no_band():
    layout = orchestration_layout(
        lines=[_line(10), _line(11)], domain_orders=[_node(1, None, 10)]
    )

    assert [band.line.id for band in layout.bands] == [10]


def test_long_names_are_cut_to_fit():
    assert text_fit("Install ONT on site", 200) == "Install ONT on site"
    cut = text_fit("Install the optical network terminal on site", 100)
    assert cut.endswith("…")
    assert len(cut) <= 100 // 6.4
