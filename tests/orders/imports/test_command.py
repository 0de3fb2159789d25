"""manage.py import_orders: report, exit codes, progress bar, --draft, --report, --help."""

import csv
import io

import pytest
from django.core.management import base, call_command, execute_from_command_line
from django.core.management.base import CommandError

from ordermgmt.roles import Role
from orders.management.commands.import_orders import Command
from orders.models import CustomerOrder, CustomerOrderState
from tests.orders.imports.conftest import csv_bytes, internet_row, json_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user):
    return make_user("desk", Role.ORDER_AGENT)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_orders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_all_orders_created_exits_0_with_a_progress_bar(demo, agent, tmp_path):
    path = write(
        tmp_path,
        "orders.csv",
        csv_bytes([internet_row(demo.jane, "A"), internet_row(demo.jane, "B")]),
    )

    out, err = run(path, "--user", agent.username)

    assert out.count("created  ") == 2
    assert "2 order(s) created, 0 rejected" in out
    assert f"[{'#' * 30}] 2/2 orders" in err
    assert "\r[---" in err
    assert CustomerOrder.objects.filter(captured_by=agent).count() == 2


def test_some_orders_rejected_exits_1_and_still_creates_the_good_ones(
    demo, agent, tmp_path
):
    path = write(
        tmp_path,
        "orders.csv",
        csv_bytes(
            [
                internet_row(demo.jane, "good"),
                internet_row(demo.jane, "bad", **{"char.bandwidth": "fast"}),
            ]
        ),
    )
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command(
            "import_orders", path, "--user", agent.username, stdout=out, stderr=out
        )

    assert raised.value.returncode == 1
    assert "orders.csv:3 [char.bandwidth] (order bad):" in out.getvalue()
    assert CustomerOrder.objects.filter(captured_by=agent).count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("orders.csv", b"\x00\x01binary"),
        ("orders.json", b"{broken"),
        ("orders.json", b""),
        ("orders.xlsx", b"PK..."),
    ],
)
def test_unreadable_file_exits_2(agent, tmp_path, name, content):
    path = write(tmp_path, name, content)
    with pytest.raises(CommandError) as raised:
        run(path, "--user", agent.username)
    assert raised.value.returncode == 2


def test_missing_file_and_wrong_user_exit_2(demo, agent, make_user, tmp_path):
    approver = make_user("appr", Role.ORDER_APPROVER)
    path = write(tmp_path, "o.csv", csv_bytes([internet_row(demo.jane, "A")]))
    for args in (
        (str(tmp_path / "nope.csv"), "--user", agent.username),
        (path, "--user", "nobody"),
        (path, "--user", approver.username),
    ):
        with pytest.raises(CommandError) as raised:
            run(*args)
        assert raised.value.returncode == 2
    assert not CustomerOrder.objects.filter(
        account=demo.jane, channel="import"
    ).exists()


def test_format_option_overrides_the_extension_and_draft_keeps_drafts(
    demo, agent, tmp_path
):
    content = json_bytes(
        [
            {
                "account": demo.northwind.number,
                "lines": [{"offering": "OFF_WIFI_ROUTER"}],
            }
        ]
    )
    path = write(tmp_path, "orders.txt", content)

    run(path, "--user", agent.username, "--format", "json", "--draft")

    order = CustomerOrder.objects.get(captured_by=agent)
    assert order.state == CustomerOrderState.DRAFT


def test_report_option_writes_the_report_as_csv(demo, agent, tmp_path):
    path = write(
        tmp_path,
        "orders.csv",
        csv_bytes(
            [internet_row(demo.jane, "A"), internet_row(demo.jane, "B", quantity="x")]
        ),
    )
    report_path = tmp_path / "report.csv"

    with pytest.raises(CommandError):
        run(path, "--user", agent.username, "--report", str(report_path))

    rows = list(csv.DictReader(report_path.open(encoding="utf-8")))
    assert [(r["kind"], r["row"], r["field"]) for r in rows] == [
        ("problem", "3", "quantity"),
        ("created", "2", ""),
        ("rejected", "3", ""),
    ]


def test_exit_code_reaches_the_shell(demo, agent, tmp_path, monkeypatch):
    # run_from_argv closes every connection when done; the test's transaction needs it.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    path = write(
        tmp_path, "o.csv", csv_bytes([internet_row(demo.jane, "A", account="ACC0")])
    )
    with pytest.raises(SystemExit) as raised:
        execute_from_command_line(
            ["manage.py", "import_orders", path, "--user", agent.username]
        )
    assert raised.value.code == 1


def test_help_describes_both_formats():
    text = Command().create_parser("manage.py", "import_orders").format_help()
    assert "char.<code>" in text
    assert '"lines": [{"ref": "1"' in text
    assert "--draft" in text
    assert "--report FILE" in text
