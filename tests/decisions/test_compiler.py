"""The compiled function: every condition type, every hit policy, inputs it refuses."""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal

import pytest

from decisions.compiler import DecisionResult, compile_table
from decisions.exceptions import (
    DecisionConditionInvalid,
    DecisionInputMissing,
    DecisionInputTypeMismatch,
)
from decisions.spec import ColumnSpec, RowSpec, TableSpec

OUT = (ColumnSpec("result", "text"),)


def one_column_table(data_type: str, condition: str) -> TableSpec:
    return TableSpec(
        label="t v1",
        hit_policy="first",
        inputs=(ColumnSpec("x", data_type),),
        outputs=OUT,
        rows=(
            RowSpec(position=1, conditions={"x": condition}, outputs={"result": "hit"}),
        ),
    )


def matches(data_type: str, condition: str, value: object) -> bool:
    return (
        compile_table(one_column_table(data_type, condition))
        .evaluate({"x": value})
        .matched
    )


@pytest.mark.parametrize(
    ("data_type", "condition", "value", "expected"),
    [
        # any, also when there is no value
        ("text", "-", "whatever", True),
        ("integer", "-", None, True),
        # equals
        ("text", "gold", "gold", True),
        ("text", "gold", "Gold", False),
        ("integer", "5", 5, True),
        ("integer", "5", "5", True),
        ("decimal", "9.90", Decimal("9.9"), True),
        ("decimal", "10", 10, True),
        ("boolean", "true", True, True),
        ("boolean", "true", False, False),
        ("date", "2026-03-01", date(2026, 3, 1), True),
        ("date", "2026-03-01", "2026-03-01", True),
        ("text", "gold", None, False),
        # not equals (no value is not "not gold": only any matches no value)
        ("text", "!= gold", "silver", True),
        ("text", "!= gold", "gold", False),
        ("text", "!= gold", None, False),
        ("integer", "!= 5", 6, True),
        # in / not in
        ("text", "in (gold, silver)", "silver", True),
        ("text", "in (gold, silver)", "bronze", False),
        ("integer", "in (1, 2, 3)", 3, True),
        ("decimal", "in (1.5, 2)", Decimal("2.00"), True),
        ("date", "in (2026-01-01, 2026-12-25)", date(2026, 12, 25), True),
        ("text", "not in (gold, silver)", "bronze", True),
        ("text", "not in (gold, silver)", "gold", False),
        ("text", "not in (gold, silver)", None, False),
        # ranges, inclusive bounds
        ("integer", "[10..100]", 10, True),
        ("integer", "[10..100]", 100, True),
        ("integer", "[10..100]", 9, False),
        ("integer", "[10..100]", 101, False),
        ("integer", "[10..100]", None, False),
        ("integer", "[10..]", 10**9, True),
        ("integer", "[..100]", -5, True),
        ("decimal", "[0..999.99]", Decimal("999.99"), True),
        ("decimal", "[0..999.99]", Decimal("999.991"), False),
        ("decimal", "[0..999.99]", 500, True),
        ("date", "[2026-01-01..2026-06-30]", date(2026, 6, 30), True),
        ("date", "[2026-01-01..2026-06-30]", "2026-07-01", False),
        # comparisons, open ends
        ("integer", ">= 5", 5, True),
        ("integer", "> 5", 5, False),
        ("decimal", "< 2.5", Decimal("2.49"), True),
        ("decimal", "<= 2.5", Decimal("2.5"), True),
        ("date", "< 2026-12-31", date(2026, 12, 30), True),
        ("date", "< 2026-12-31", date(2026, 12, 31), False),
    ],
)
def test_each_condition_type_matches_exactly_its_values(
    data_type, condition, value, expected
):
    assert matches(data_type, condition, value) is expected


def approval_table(hit_policy: str) -> TableSpec:
    return TableSpec(
        label="approval v1",
        hit_policy=hit_policy,
        inputs=(ColumnSpec("segment", "text"), ColumnSpec("total", "decimal")),
        outputs=(ColumnSpec("approver", "text"), ColumnSpec("limit", "decimal")),
        rows=(
            RowSpec(
                1,
                0,
                {"segment": "gold", "total": "[..1000]"},
                {"approver": "none", "limit": "1000"},
            ),
            RowSpec(2, 5, {"total": "> 500"}, {"approver": "manager", "limit": "5000"}),
            RowSpec(3, 9, {"total": "> 5000"}, {"approver": "director", "limit": "0"}),
            RowSpec(4, 1, {}, {"approver": "agent", "limit": "500"}),
        ),
    )


def test_first_hit_policy_returns_the_first_matching_row():
    evaluate = compile_table(approval_table("first")).evaluate

    result = evaluate({"segment": "gold", "total": Decimal("800")})

    assert result == DecisionResult(
        matched=True,
        outputs={"approver": "none", "limit": Decimal("1000")},
        matched_rows=(1,),
    )
    assert evaluate({"segment": "silver", "total": 9000}).matched_rows == (2,)
    assert evaluate({"segment": "silver", "total": 10}).outputs["approver"] == "agent"


def test_priority_hit_policy_returns_the_highest_priority_match():
    evaluate = compile_table(approval_table("priority")).evaluate

    assert evaluate({"segment": "silver", "total": 9000}).matched_rows == (3,)
    assert evaluate({"segment": "gold", "total": 800}).outputs == {
        "approver": "manager",
        "limit": Decimal("5000"),
    }
    assert evaluate({"segment": "gold", "total": 100}).matched_rows == (4,)


def test_priority_ties_go_to_the_earlier_row():
    spec = TableSpec(
        label="t v1",
        hit_policy="priority",
        inputs=(ColumnSpec("x", "integer"),),
        outputs=OUT,
        rows=(
            RowSpec(1, 1, {"x": "> 0"}, {"result": "first"}),
            RowSpec(2, 1, {"x": "> 0"}, {"result": "second"}),
        ),
    )

    assert compile_table(spec).evaluate({"x": 1}).matched_rows == (1,)


def test_collect_hit_policy_returns_every_match_in_row_order():
    evaluate = compile_table(approval_table("collect")).evaluate

    result = evaluate({"segment": "gold", "total": 800})

    assert result.matched is True
    assert result.matched_rows == (1, 2, 4)
    assert [outputs["approver"] for outputs in result.outputs] == [
        "none",
        "manager",
        "agent",
    ]


def test_no_match_gives_empty_outputs():
    spec = one_column_table("text", "gold")

    assert compile_table(spec).evaluate({"x": "lead"}) == DecisionResult(False, {}, ())
    collect = TableSpec(**{**spec.__dict__, "hit_policy": "collect"})
    assert compile_table(collect).evaluate({"x": "lead"}) == DecisionResult(
        False, [], ()
    )


def test_each_result_has_its_own_outputs_dict():
    evaluate = compile_table(one_column_table("text", "-")).evaluate

    first = evaluate({"x": "a"})
    first.outputs["result"] = "changed by a caller"

    assert evaluate({"x": "a"}).outputs == {"result": "hit"}


def test_missing_inputs_are_named():
    evaluate = compile_table(approval_table("first")).evaluate

    with pytest.raises(DecisionInputMissing) as caught:
        evaluate({"channel": "web"})

    assert (
        caught.value.message == "Decision table approval v1 needs input segment, total."
    )
    assert caught.value.details["missing"] == ["segment", "total"]


def test_an_input_of_the_wrong_type_is_refused():
    evaluate = compile_table(approval_table("first")).evaluate

    with pytest.raises(DecisionInputTypeMismatch, match="Input total must be a number"):
        evaluate({"segment": "gold", "total": "abc"})


def test_extra_inputs_are_ignored():
    evaluate = compile_table(one_column_table("text", "gold")).evaluate

    assert evaluate({"x": "gold", "other": object()}).matched is True


def test_an_unparseable_cell_fails_compilation():
    with pytest.raises(DecisionConditionInvalid, match="Column x"):
        compile_table(one_column_table("integer", "[1..x]"))


def test_a_table_without_inputs_always_matches_its_first_row():
    spec = TableSpec(
        label="t v1",
        hit_policy="first",
        inputs=(),
        outputs=OUT,
        rows=(RowSpec(7, 0, {}, {"result": "constant"}),),
    )

    assert compile_table(spec).evaluate({}).matched_rows == (7,)


@pytest.mark.parametrize("hit_policy", ["first", "priority", "collect"])
def test_dispatch_on_a_column_gives_the_same_results_as_testing_every_row(
    hit_policy, monkeypatch
):
    # given a table big enough to be dispatched on its segment column
    segments = ["gold", "silver", "bronze"]
    rows = [
        RowSpec(
            position=index + 1,
            priority=index % 3,
            conditions={
                "segment": segment if index % 4 else f"in ({segment}, platinum)",
                "total": band,
            },
            outputs={"result": f"r{index + 1}"},
        )
        for index, (segment, band) in enumerate(
            itertools.product(segments, ["[..100]", "[50..500]", "> 400"])
        )
    ]
    rows.append(RowSpec(99, 0, {"total": "< 1000"}, {"result": "any"}))
    inputs = (ColumnSpec("segment", "text"), ColumnSpec("total", "integer"))
    spec = TableSpec("t v1", hit_policy, inputs, OUT, tuple(rows))
    dispatched = compile_table(spec)
    # and the same table compiled as one plain chain of row tests
    monkeypatch.setattr("decisions.compiler._DISPATCH_MIN_ROWS", 10**6)
    plain = compile_table(spec)
    assert "_dispatch.get(a0" in dispatched.source
    assert "_dispatch" not in plain.source

    rng = random.Random(7)
    for _ in range(500):
        sample = {
            "segment": rng.choice([*segments, "platinum", "other", None]),
            "total": rng.choice([None, rng.randint(0, 1200)]),
        }
        assert dispatched.evaluate(sample) == plain.evaluate(sample), sample
