"""A self-install order fulfilled by a real `manage.py qcluster` on the test database:
the ORM broker, separate worker processes and the engine's own enqueueing, not the
inline (sync) mode every other test uses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from catalog.models import ProductOffering
from fixtures.demo.load import demo_load
from inventory.models import InventoryItemState
from inventory.selectors import contract_for_order, inventory_items_for_order
from orchestration.adapters import ADAPTERS
from orchestration.models import (
    FulfillmentPump,
    FulfillmentRequest,
    OrderTask,
    OrderTaskState,
)
from ordermgmt.actor import Actor
from orders.models import Account, CustomerOrder, CustomerOrderState, OrderChannel
from orders.services import order_capture
from orders.services.capture_input import LineInput
from tests.childprocess import current_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "qcluster_e2e_settings"
WAIT_SECONDS = 60


@pytest.fixture
def cluster_env(tmp_path: Path) -> dict[str, str]:
    """Environment of a cluster on the test database: not in sync mode, instant adapters."""
    adapters = {code: {"latency": 0.0, "failure_rate": 0.0} for code in ADAPTERS}
    (tmp_path / f"{SETTINGS_MODULE}.py").write_text(
        "from ordermgmt.settings import *  # noqa: F403\n"
        "from ordermgmt.settings import Q_CLUSTER, TESTING\n\n"
        "assert not TESTING, 'the cluster must not run in sync mode'\n"
        f"ORCHESTRATION_ADAPTERS = {adapters!r}\n"
        "Q_CLUSTER = {**Q_CLUSTER, 'workers': 2, 'sync': False, 'poll': 0.1}\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=current_database_url(),
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        OMS_TESTING="0",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture
def queue_not_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    # This process runs under pytest, where Q_CLUSTER is sync: make async_task queue on
    # the ORM broker so the cluster, not the test, does the work.
    monkeypatch.setattr(Conf, "SYNC", False)


def _self_install_order() -> CustomerOrder:
    offering = ProductOffering.objects.get(code="OFF_FIBER_SELF_INSTALL")
    return order_capture(
        account_id=Account.objects.get(name="Jane Doe").pk,
        actor=Actor.for_user(User.objects.get(username="integrator")),
        channel=OrderChannel.API,
        lines=[
            LineInput(
                ref="1", offering_id=offering.pk, characteristics={"bandwidth": 500}
            )
        ],
        submit=True,
    )


def _wait_completed(
    order: CustomerOrder, cluster: subprocess.Popen[bytes], log: Path
) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        order.refresh_from_db(fields=["state"])
        if order.state == CustomerOrderState.COMPLETED:
            return order.state
        if cluster.poll() is not None:
            output = log.read_text()[-3000:]
            pytest.fail(f"qcluster exited with {cluster.returncode}:\n{output}")
        time.sleep(0.25)
    return order.state


def test_real_cluster_fulfills_a_self_install_order(
    queue_not_inline, cluster_env, tmp_path
):
    # given the demo (without the jobs and requests of its own sample orders: this test
    # follows one order) and an acknowledged self-install order, nothing run inline
    demo_load()
    OrmQ.objects.all().delete()
    FulfillmentRequest.objects.all().delete()
    FulfillmentPump.objects.update(jobs_queued=0)
    order = _self_install_order()
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    assert not OrderTask.objects.filter(order_id=order.pk).exists()

    # and a fulfillment pump job queued on the ORM broker (unless the orders hook
    # queued it)
    if not OrmQ.objects.exists():
        async_task(
            "orchestration.tasks.orders_fulfillment_pump_task",
            task_name="fulfillment-pump",
        )
    assert OrmQ.objects.count() == 1

    # when a real cluster works the queue
    log = tmp_path / "qcluster.log"
    with log.open("wb") as output:
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=cluster_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            state = _wait_completed(order, cluster, log)
        finally:
            _stop(cluster)

    # then the order went all the way through on the worker
    assert state == CustomerOrderState.COMPLETED
    tasks = OrderTask.objects.filter(order_id=order.pk)
    assert tasks.count() == 4
    assert set(tasks.values_list("state", flat=True)) == {
        OrderTaskState.CLOSED_COMPLETE
    }
    items = list(inventory_items_for_order(order_id=order.pk))
    assert len(items) == 3
    assert {item.state for item in items} == {InventoryItemState.ACTIVE}
    contract = contract_for_order(order_id=order.pk)
    assert contract is not None
    assert contract.term_months == 12
    assert not OrmQ.objects.exists()


def _stop(cluster: subprocess.Popen[bytes]) -> None:
    """Stop the cluster (its main process stops its workers); kill the group if stuck."""
    if cluster.poll() is None:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
