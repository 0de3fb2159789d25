"""Table validation: bad cells, missing outputs, unreachable rows, ambiguous overlaps."""

from __future__ import annotations

import pytest

from decisions.conditions import condition_parse
from decisions.rules import (
    row_cells_problems,
    table_problems,
    value_set,
    value_set_covers,
    value_set_overlaps,
)
from decisions.spec import ColumnSpec, RowSpec, TableSpec

INPUTS = (ColumnSpec("segment", "text"), ColumnSpec("total", "integer"))
OUTPUTS = (ColumnSpec("approver", "text"),)


def table(hit_policy: str, *rows: RowSpec) -> TableSpec:
    return TableSpec("t v1", hit_policy, INPUTS, OUTPUTS, rows)


def row(position: int, priority: int = 0, **conditions: str) -> RowSpec:
    return RowSpec(position, priority, conditions, {"approver": f"a{position}"})


def covers(data_type: str, outer: str, inner: str) -> bool:
    return value_set_covers(
        value_set(condition_parse(outer, data_type), data_type),
        value_set(condition_parse(inner, data_type), data_type),
        data_type,
    )


def overlaps(data_type: str, a: str, b: str) -> bool:
    return value_set_overlaps(
        value_set(condition_parse(a, data_type), data_type),
        value_set(condition_parse(b, data_type), data_type),
        data_type,
    )


@pytest.mark.parametrize(
    ("data_type", "outer", "inner", "expected"),
    [
        ("text", "-", "gold", True),
        ("text", "gold", "-", False),
        ("text", "in (a, b)", "a", True),
        ("text", "in (a, b)", "in (a, c)", False),
        ("text", "!= a", "in (b, c)", True),
        ("text", "!= a", "in (a, c)", False),
        ("text", "not in (a)", "not in (a, b)", True),
        ("text", "in (a, b)", "!= c", False),
        ("boolean", "!= true", "false", True),
        ("integer", "[1..10]", "[2..9]", True),
        ("integer", "[1..10]", "[2..11]", False),
        ("integer", "> 0", "[1..]", True),
        ("integer", ">= 1", "> 0", True),
        ("integer", "!= 5", "[6..9]", True),
        ("integer", "!= 5", "[4..6]", False),
        ("integer", "not in (1, 2)", "> 2", True),
        ("integer", "in (1, 2, 3)", "[1..3]", True),
        ("decimal", "in (1, 2, 3)", "[1..3]", False),
        ("decimal", "> 0", ">= 0", False),
        ("decimal", "[0..10]", "in (0, 10, 5.5)", True),
        ("date", "< 2026-02-01", "[2026-01-01..2026-01-31]", True),
        ("date", "<= 2026-01-31", "< 2026-02-01", True),
    ],
)
def test_value_set_covers(data_type, outer, inner, expected):
    assert covers(data_type, outer, inner) is expected


@pytest.mark.parametrize(
    ("data_type", "a", "b", "expected"),
    [
        ("text", "gold", "silver", False),
        ("text", "in (a, b)", "!= a", True),
        ("text", "in (a)", "!= a", False),
        ("text", "!= a", "!= b", True),
        ("integer", "[1..5]", "[5..9]", True),
        ("integer", "< 5", "> 4", False),
        ("decimal", "< 5", "> 4", True),
        ("decimal", "< 5", ">= 5", False),
        ("boolean", "true", "!= false", True),
        ("date", "[2026-01-01..2026-01-31]", "> 2026-01-31", False),
    ],
)
def test_value_set_overlaps(data_type, a, b, expected):
    assert overlaps(data_type, a, b) is expected


def test_a_well_formed_first_hit_table_has_no_problems():
    spec = table(
        "first",
        row(1, segment="gold", total="[..1000]"),
        row(2, segment="gold"),
        row(3, total="> 5000"),
        row(4),
    )

    assert table_problems(spec) == {}


def test_first_hit_flags_a_row_covered_by_an_earlier_row():
    spec = table(
        "first",
        row(1, segment="in (gold, silver)", total="[0..1000]"),
        row(2, segment="gold", total="[10..100]"),
        row(3),
        row(4, segment="bronze"),
    )

    problems = table_problems(spec)

    assert problems == {
        "row 2": [
            "Can never be hit: row 1 matches every input this row matches and comes first."
        ],
        "row 4": [
            "Can never be hit: row 3 matches every input this row matches and comes first."
        ],
    }


def test_first_hit_allows_overlap_without_cover():
    spec = table(
        "first",
        row(1, segment="gold", total="[0..100]"),
        row(2, segment="gold", total="[50..500]"),
    )

    assert table_problems(spec) == {}


def test_priority_flags_overlapping_rows_of_the_same_priority():
    spec = table(
        "priority",
        row(1, 5, total="[0..100]"),
        row(2, 5, total="[100..200]"),
        row(3, 5, total="> 200"),
    )

    assert table_problems(spec) == {
        "row 2": [
            "Ambiguous: it overlaps row 1, which has the same priority 5; "
            "change one priority or narrow a condition."
        ]
    }


def test_priority_allows_overlap_of_different_priorities_but_not_a_shadowed_row():
    spec = table(
        "priority",
        row(1, 1, total="[0..100]"),
        row(2, 9, total="[50..500]"),
        row(3, 3, total="[60..70]"),
    )

    assert table_problems(spec) == {
        "row 3": [
            "Can never be hit: row 2 matches every input this row matches and "
            "has the higher priority 9."
        ]
    }


def test_collect_allows_overlaps_and_covers():
    spec = table("collect", row(1), row(2, segment="gold"), row(3, segment="gold"))

    assert table_problems(spec) == {}


@pytest.mark.parametrize("hit_policy", ["first", "priority", "collect"])
def test_a_condition_that_matches_nothing_is_flagged(hit_policy):
    spec = table(hit_policy, row(1, total="> 5"), row(2, total="[3..3]"))
    empty_spec = TableSpec(
        "t v1",
        hit_policy,
        (ColumnSpec("flag", "boolean"),),
        OUTPUTS,
        (RowSpec(1, 0, {"flag": "not in (true, false)"}, {"approver": "x"}),),
    )

    assert table_problems(spec) == {}
    assert table_problems(empty_spec) == {
        "row 1": ["Can never match: the condition on flag matches no value."]
    }


def test_cells_are_checked_against_the_columns():
    spec = table(
        "first",
        RowSpec(1, 0, {"segment": "in (a", "colour": "red"}, {"approver": "x"}),
        RowSpec(2, 0, {"total": "abc"}, {"approver": "x", "bonus": "1"}),
        RowSpec(3, 0, {}, {}),
    )

    problems = table_problems(spec)

    assert "row 1" in problems
    assert any("cannot read condition 'in (a'" in m for m in problems["row 1"])
    assert "There is no input column colour." in problems["row 1"]
    assert any("'abc' is not a whole number" in m for m in problems["row 2"])
    assert "There is no output column bonus." in problems["row 2"]
    assert problems["row 3"] == ["Output missing: approver."]


def test_a_table_needs_outputs_rows_and_distinct_positions():
    no_outputs = TableSpec("t v1", "first", INPUTS, (), ())
    same_position = table("collect", row(1), row(1, segment="gold"))

    assert table_problems(no_outputs) == {
        "__all__": [
            "The table needs an output column.",
            "The table needs at least one row.",
        ]
    }
    assert table_problems(same_position) == {
        "__all__": ["Two rows share position 1; give each row its own."]
    }


def test_row_cells_problems_are_keyed_by_column():
    problems = row_cells_problems(
        inputs=INPUTS,
        outputs=(ColumnSpec("limit", "decimal"),),
        conditions={"total": ">= x", "segment": "gold"},
        output_values={"limit": "lots"},
    )

    assert set(problems) == {"total", "limit"}
