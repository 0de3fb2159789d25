"""Where the orchestration view of an order draws each thing: a band per order line, a box
per domain order (the tree grows left to right, parents before children), a chip per task
inside its box, and the edges. Pure: plain values in, coordinates and SVG paths out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

MARGIN_X = 40  # room on the left for the requires curves of the first column
MARGIN_Y = 8
BOX_W = 214
COL_GAP = 46
HEADER_H = 42
CHIP_H = 20
CHIP_GAP = 5
CHIP_RAIL = 18  # the strip left of the chips where the plan arrows run
PAD = 8
ROW_GAP = 14
LABEL_H = 24
BAND_PAD = 7
CHAR_W = 6.4  # average width of a 12px system-ui character
PILL_CHAR_W = 6.0  # of the 10px bold pill text


@dataclass(frozen=True)
class TaskNode:
    id: int
    name: str
    state: str
    state_label: str
    is_manual: bool
    is_ponr: bool
    # Tasks of the same domain order this one waits for (plan dependencies).
    after: tuple[int, ...]
    tooltip: str


@dataclass(frozen=True)
class DomainOrderNode:
    id: int
    parent_id: int | None
    line_id: int
    number: str
    kind: str
    kind_label: str
    name: str
    state: str
    state_label: str
    tasks: tuple[TaskNode, ...]


@dataclass(frozen=True)
class LineNode:
    id: int
    label: str
    state: str
    state_label: str


@dataclass(frozen=True)
class Chip:
    task: TaskNode
    x: int
    y: int
    w: int
    h: int
    label: str
    state_x: int
    text_y: int


@dataclass(frozen=True)
class Box:
    node: DomainOrderNode
    x: int
    y: int
    w: int
    h: int
    title: str
    pill_x: int
    pill_w: int
    chips: tuple[Chip, ...]


@dataclass(frozen=True)
class Band:
    line: LineNode
    x: int
    y: int
    w: int
    h: int
    label: str


@dataclass(frozen=True)
class Edge:
    kind: str  # "tree" (parent to child), "plan" (task after task), "requires"
    path: str
    tooltip: str


@dataclass(frozen=True)
class OrchestrationLayout:
    width: int
    height: int
    bands: tuple[Band, ...]
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


def text_fit(text: str, width: int, char_w: float = CHAR_W) -> str:
    """Return `text` cut with an ellipsis so that it fits `width` pixels."""
    room = max(1, int(width // char_w))
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def tasks_in_plan_order(tasks: Sequence[TaskNode]) -> list[TaskNode]:
    """Return tasks so that each comes after what it waits for; ties keep their order."""
    ids = {task.id for task in tasks}
    waiting = {task.id: {a for a in task.after if a in ids} for task in tasks}
    placed: list[TaskNode] = []
    done: set[int] = set()
    remaining = list(tasks)
    while remaining:
        ready = next((t for t in remaining if waiting[t.id] <= done), remaining[0])
        placed.append(ready)
        done.add(ready.id)
        remaining.remove(ready)
    return placed


def _box_height(node: DomainOrderNode) -> int:
    if not node.tasks:
        return HEADER_H + PAD
    return HEADER_H + len(node.tasks) * (CHIP_H + CHIP_GAP) - CHIP_GAP + PAD


def _box(node: DomainOrderNode, x: int, y: int) -> Box:
    chip_x = x + CHIP_RAIL
    chip_w = BOX_W - CHIP_RAIL - PAD
    chips = []
    for index, task in enumerate(tasks_in_plan_order(node.tasks)):
        chip_y = y + HEADER_H + index * (CHIP_H + CHIP_GAP)
        state_room = round(len(task.state_label) * PILL_CHAR_W) + 8
        chips.append(
            Chip(
                task=task,
                x=chip_x,
                y=chip_y,
                w=chip_w,
                h=CHIP_H,
                label=text_fit(task.name, chip_w - state_room - 26),
                state_x=chip_x + chip_w - 6,
                text_y=chip_y + 14,
            )
        )
    pill_w = round(len(node.state_label) * PILL_CHAR_W) + 14
    return Box(
        node=node,
        x=x,
        y=y,
        w=BOX_W,
        h=_box_height(node),
        title=text_fit(node.name, BOX_W - 2 * PAD),
        pill_x=x + BOX_W - PAD - pill_w,
        pill_w=pill_w,
        chips=tuple(chips),
    )


def _tree_edge(parent: Box, child: Box) -> Edge:
    x1, y1 = parent.x + parent.w, parent.y + 16
    x2, y2 = child.x, child.y + 16
    mid = (x1 + x2) / 2
    return Edge(
        kind="tree",
        path=f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}",
        tooltip=f"{child.node.number} is part of {parent.node.number}",
    )


def _plan_edges(box: Box) -> list[Edge]:
    chips = {chip.task.id: chip for chip in box.chips}
    order = [chip.task.id for chip in box.chips]
    edges = []
    for chip in box.chips:
        for before_id in chip.task.after:
            before = chips.get(before_id)
            if before is None:
                continue
            span = abs(order.index(chip.task.id) - order.index(before_id))
            bulge = min(CHIP_RAIL - 3, 6 + 3 * span)
            x = chip.x - 1
            y1, y2 = before.y + CHIP_H / 2, chip.y + CHIP_H / 2
            edges.append(
                Edge(
                    kind="plan",
                    path=(
                        f"M{x:.0f},{y1:.0f} C{x - bulge:.0f},{y1:.0f} "
                        f"{x - bulge:.0f},{y2:.0f} {x:.0f},{y2:.0f}"
                    ),
                    tooltip=f"{chip.task.name} waits for {before.task.name}",
                )
            )
    return edges


def _requires_edge(first: Box, then: Box) -> Edge:
    x1, y1 = first.x, first.y + HEADER_H - 8
    x2, y2 = then.x, then.y + HEADER_H - 8
    bulge = min(MARGIN_X - 4, 24 + abs(y2 - y1) / 12)
    return Edge(
        kind="requires",
        path=(
            f"M{x1:.0f},{y1:.0f} C{x1 - bulge:.0f},{y1:.0f} "
            f"{x2 - bulge:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        ),
        tooltip=f"{then.node.number} waits for {first.node.number} (requires)",
    )


def _bands(lines: Sequence[LineNode], boxes: Sequence[Box]) -> list[Band]:
    by_line: dict[int, list[Box]] = defaultdict(list)
    for box in boxes:
        by_line[box.node.line_id].append(box)
    bands = []
    for line in lines:
        members = by_line.get(line.id)
        if not members:
            continue
        x0 = min(b.x for b in members) - BAND_PAD
        y0 = min(b.y for b in members) - LABEL_H
        x1 = max(b.x + b.w for b in members) + BAND_PAD
        y1 = max(b.y + b.h for b in members) + BAND_PAD
        bands.append(
            Band(
                line=line,
                x=x0,
                y=y0,
                w=x1 - x0,
                h=y1 - y0,
                # The label may run past a narrow band: the band to its right starts
                # lower (its own label row), so they do not meet.
                label=text_fit(
                    f"{line.label} · {line.state_label}", max(x1 - x0 - 12, 420)
                ),
            )
        )
    return bands


def orchestration_layout(
    *,
    lines: Sequence[LineNode],
    domain_orders: Sequence[DomainOrderNode],
    requires: Sequence[tuple[int, int]] = (),
) -> OrchestrationLayout:
    """Lay out an order's domain orders as a left-to-right tree in bands per line.

    `domain_orders` come parents first; `requires` holds (waiting id, required id).
    """
    known = {node.id for node in domain_orders}
    children: dict[int | None, list[DomainOrderNode]] = defaultdict(list)
    for node in domain_orders:
        parent = node.parent_id if node.parent_id in known else None
        children[parent].append(node)
    line_rank = {line.id: rank for rank, line in enumerate(lines)}
    roots = sorted(children[None], key=lambda n: line_rank.get(n.line_id, len(lines)))
    boxes: dict[int, Box] = {}
    edges: list[Edge] = []
    cursor = MARGIN_Y

    def place(node: DomainOrderNode, depth: int, parent_line: int | None) -> None:
        nonlocal cursor
        if node.line_id != parent_line:
            cursor += LABEL_H  # room for the line's band label
        top = cursor
        box = _box(node, MARGIN_X + depth * (BOX_W + COL_GAP), top)
        boxes[node.id] = box
        for child in children[node.id]:
            place(child, depth + 1, node.line_id)
            edges.append(_tree_edge(box, boxes[child.id]))
        cursor = max(cursor, top + box.h + ROW_GAP)

    for root in roots:
        place(root, 0, None)
        cursor += BAND_PAD
    for box in boxes.values():
        edges.extend(_plan_edges(box))
    for waiting_id, required_id in requires:
        if waiting_id in boxes and required_id in boxes:
            edges.append(_requires_edge(boxes[required_id], boxes[waiting_id]))
    placed = list(boxes.values())
    width = max((b.x + b.w for b in placed), default=0) + BAND_PAD + 4
    return OrchestrationLayout(
        width=width,
        height=cursor + MARGIN_Y,
        bands=tuple(_bands(lines, placed)),
        boxes=tuple(placed),
        edges=tuple(edges),
    )
