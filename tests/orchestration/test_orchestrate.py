"""order_orchestrate: tasks for every domain order up front, dependencies, planned dates,
idempotency and a query count that does not grow with the order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import SpecificationKind, SpecificationRelationshipType
from decomposition.models import DomainOrderDependency, DomainOrderKind
from orchestration.audit import AuditAction
from orchestration.exceptions import NoPlanForDomainOrder
from orchestration.models import (
    OrderTask,
    OrderTaskDependency,
    OrderTaskDependencyKind,
    OrderTaskState,
)
from orchestration.services import order_orchestrate
from ordermgmt.exceptions import CycleError, InvalidTransition
from ordermgmt.models import AuditEvent
from orders.models import CustomerOrderState
from tests.catalog.factories import (
    SpecificationFactory,
    SpecificationRelationshipFactory,
)
from tests.orchestration.factories import (
    DomainOrderFactory,
    automated,
    default_plans,
    domain_order_child,
    plan,
    plan_selection_publish,
)
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory

pytestmark = pytest.mark.django_db


def _tasks(domain_order):
    return {
        task.code: task for task in OrderTask.objects.filter(domain_order=domain_order)
    }


def _depends_on(task):
    return set(
        OrderTaskDependency.objects.filter(task=task).values_list(
            "depends_on_id", "kind"
        )
    )


def test_orchestrate_creates_the_plan_tasks_with_planned_dates(job_actor):
    # given a plan: design (60) → [provision (30), ship (120)] → activate (15)
    plan(
        "fiber",
        automated("design", sla=60),
        automated("provision", "design", sla=30),
        automated("ship", "design", adapter="shipping", sla=120),
        automated(
            "activate", "provision", "ship", adapter="billing_activation", sla=15
        ),
        default_for_kind="product",
    )
    domain_order = DomainOrderFactory()

    # when
    created = order_orchestrate(order_id=domain_order.order_id, actor=job_actor)

    # then
    assert len(created) == 4
    tasks = _tasks(domain_order)
    design, provision, ship, activate = (
        tasks[c] for c in ("design", "provision", "ship", "activate")
    )
    assert provision.planned_start == design.planned_end
    assert design.planned_end - design.planned_start == timedelta(minutes=60)
    assert activate.planned_start == ship.planned_end  # the longer branch
    assert activate.due_at == activate.planned_end
    assert activate.planned_end - design.planned_start == timedelta(minutes=195)
    assert _depends_on(activate) == {
        (provision.pk, OrderTaskDependencyKind.PLAN),
        (ship.pk, OrderTaskDependencyKind.PLAN),
    }
    assert ship.adapter == "shipping"
    assert activate.order_id == domain_order.order_id
    assert activate.line_id == domain_order.line_id
    assert activate.sla_minutes == 15


def test_orchestrate_opens_only_the_first_tasks(job_actor):
    plan(
        "two_steps",
        automated("first"),
        automated("second", "first"),
        default_for_kind="product",
    )
    domain_order = DomainOrderFactory()

    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)

    tasks = _tasks(domain_order)
    assert tasks["first"].state == OrderTaskState.OPEN
    assert tasks["first"].opened_at is not None
    assert tasks["second"].state == OrderTaskState.DRAFT
    assert AuditEvent.objects.filter(
        action=AuditAction.TASK_OPENED, subject_id=str(tasks["first"].pk)
    ).exists()


def test_child_domain_orders_finish_before_their_parent_starts(job_actor):
    # given a product order with a service order child, which has a resource order child
    default_plans()
    plan(
        "product_two",
        automated("order_check"),
        automated("bill", "order_check", adapter="billing_activation"),
        default_for_kind="",
    )
    plan_selection_publish([(["-", "product", "-"], ["product_two"])])
    product = DomainOrderFactory()
    service = domain_order_child(product, kind=DomainOrderKind.SERVICE)
    resource = domain_order_child(service, kind=DomainOrderKind.RESOURCE)

    order_orchestrate(order_id=product.order_id, actor=job_actor)

    resource_task = _tasks(resource)["resource_activate"]
    service_task = _tasks(service)["service_activate"]
    product_tasks = _tasks(product)
    assert _depends_on(service_task) == {
        (resource_task.pk, OrderTaskDependencyKind.CHILD)
    }
    # only the parent's first task waits for the child's last task
    assert _depends_on(product_tasks["order_check"]) == {
        (service_task.pk, OrderTaskDependencyKind.CHILD)
    }
    assert _depends_on(product_tasks["bill"]) == {
        (product_tasks["order_check"].pk, OrderTaskDependencyKind.PLAN)
    }
    assert service_task.planned_start == resource_task.planned_end
    assert product_tasks["order_check"].planned_start == service_task.planned_end
    assert resource_task.state == OrderTaskState.OPEN
    assert service_task.state == OrderTaskState.DRAFT


def test_requiring_product_waits_for_the_required_one_across_lines(job_actor):
    # given voice requires internet in the catalog, on two lines of one order
    internet_spec = SpecificationFactory(code="PS_INTERNET", published=True)
    voice_spec = SpecificationFactory(code="PS_VOICE", published=True)
    SpecificationRelationshipFactory(
        source=voice_spec,
        target=internet_spec,
        relationship_type=SpecificationRelationshipType.REQUIRES,
    )
    plan(
        "product",
        automated("a"),
        automated("b", "a"),
        default_for_kind="product",
    )
    internet = DomainOrderFactory(specification=internet_spec)
    voice = DomainOrderFactory(
        order=internet.order,
        line=CustomerOrderLineFactory(order=internet.order),
        specification=voice_spec,
    )

    order_orchestrate(order_id=internet.order_id, actor=job_actor)

    internet_tasks, voice_tasks = _tasks(internet), _tasks(voice)
    assert _depends_on(voice_tasks["a"]) == {
        (internet_tasks["b"].pk, OrderTaskDependencyKind.REQUIRES)
    }
    assert _depends_on(internet_tasks["a"]) == set()
    assert voice_tasks["a"].state == OrderTaskState.DRAFT
    assert voice_tasks["a"].planned_start == internet_tasks["b"].planned_end


def test_decomposer_recorded_requires_dependencies_are_honoured(job_actor):
    plan("product", automated("only"), default_for_kind="product")
    internet = DomainOrderFactory()
    voice = DomainOrderFactory(
        order=internet.order, line=CustomerOrderLineFactory(order=internet.order)
    )
    DomainOrderDependency.objects.create(domain_order=voice, depends_on=internet)

    order_orchestrate(order_id=internet.order_id, actor=job_actor)

    assert _depends_on(_tasks(voice)["only"]) == {
        (_tasks(internet)["only"].pk, OrderTaskDependencyKind.REQUIRES)
    }


def test_tasks_of_a_domain_order_awaiting_information_are_created_not_opened(
    job_actor,
):
    plan("product", automated("only"), default_for_kind="product")
    waiting = DomainOrderFactory(awaiting_information=True)
    ready = DomainOrderFactory(
        order=waiting.order, line=CustomerOrderLineFactory(order=waiting.order)
    )

    order_orchestrate(order_id=waiting.order_id, actor=job_actor)

    assert _tasks(waiting)["only"].state == OrderTaskState.DRAFT
    assert _tasks(ready)["only"].state == OrderTaskState.OPEN


def test_second_orchestration_creates_nothing(job_actor):
    plan("product", automated("a"), automated("b", "a"), default_for_kind="product")
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    before = (
        OrderTask.objects.count(),
        OrderTaskDependency.objects.count(),
        AuditEvent.objects.count(),
    )

    again = order_orchestrate(order_id=domain_order.order_id, actor=job_actor)

    assert again == []
    assert (
        OrderTask.objects.count(),
        OrderTaskDependency.objects.count(),
        AuditEvent.objects.count(),
    ) == before


def test_domain_order_added_later_gets_its_tasks_and_waits_for_nothing_done(
    job_actor,
):
    default_plans()
    parent = DomainOrderFactory()
    order_orchestrate(order_id=parent.order_id, actor=job_actor)
    child = domain_order_child(parent, kind=DomainOrderKind.SERVICE)

    created = order_orchestrate(order_id=parent.order_id, actor=job_actor)

    assert [task.domain_order_id for task in created] == [child.pk]
    parent_task = _tasks(parent)["product_activate"]
    # the parent's task was open already: it is not made to wait afterwards
    assert _depends_on(parent_task) == set()
    assert parent_task.state == OrderTaskState.OPEN


def test_orchestrate_records_one_audit_event_on_the_order(job_actor):
    plan("product", automated("a"), automated("b", "a"), default_for_kind="product")
    domain_order = DomainOrderFactory()

    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)

    event = AuditEvent.objects.get(action=AuditAction.ORDER_ORCHESTRATED)
    assert event.subject_id == str(domain_order.order_id)
    assert event.data == {"domain_orders": 1, "tasks": 2}


@pytest.mark.parametrize(
    "state",
    [CustomerOrderState.DRAFT, CustomerOrderState.NEW, CustomerOrderState.CANCELED],
)
def test_orchestrate_refuses_orders_not_acknowledged(job_actor, state):
    plan("product", automated("a"), default_for_kind="product")
    order = CustomerOrderFactory(state=state)
    DomainOrderFactory(order=order)

    with pytest.raises(InvalidTransition):
        order_orchestrate(order_id=order.pk, actor=job_actor)

    assert not OrderTask.objects.exists()


def test_orchestrate_without_a_plan_writes_nothing(job_actor):
    domain_order = DomainOrderFactory()

    with pytest.raises(NoPlanForDomainOrder):
        order_orchestrate(order_id=domain_order.order_id, actor=job_actor)

    assert not OrderTask.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ORDER_ORCHESTRATED).exists()


def test_parent_requiring_its_own_child_is_a_cycle(job_actor):
    # requires pointing up the tree contradicts "children first"
    parent_spec = SpecificationFactory(code="PARENT", published=True)
    child_spec = SpecificationFactory(
        code="CHILD", kind=SpecificationKind.CFS, published=True
    )
    SpecificationRelationshipFactory(
        source=child_spec,
        target=parent_spec,
        relationship_type=SpecificationRelationshipType.REQUIRES,
    )
    default_plans()
    parent = DomainOrderFactory(specification=parent_spec)
    domain_order_child(parent, specification=child_spec)

    with pytest.raises(CycleError):
        order_orchestrate(order_id=parent.order_id, actor=job_actor)

    assert not OrderTask.objects.exists()


def _order_with_lines(lines: int):
    order = CustomerOrderFactory(state=CustomerOrderState.IN_PROGRESS)
    for _ in range(lines):
        product = DomainOrderFactory(
            order=order, line=CustomerOrderLineFactory(order=order)
        )
        service = domain_order_child(product, kind=DomainOrderKind.SERVICE)
        domain_order_child(service, kind=DomainOrderKind.RESOURCE)
    return order


def _queries(job_actor, order) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        order_orchestrate(order_id=order.pk, actor=job_actor)
    return [query["sql"] for query in captured.captured_queries]


def _setup_plans():
    default_plans()
    plan(
        "product_full",
        automated("check"),
        automated("ship", "check", adapter="shipping"),
        automated("bill", "ship", adapter="billing_activation"),
    )
    plan_selection_publish([(["-", "product", "add"], ["product_full"])])


def test_orchestration_queries_do_not_grow_with_lines(job_actor):
    # given plans and a warm decision cache
    _setup_plans()
    order_orchestrate(order_id=_order_with_lines(1).pk, actor=job_actor)
    one, twenty = _order_with_lines(1), _order_with_lines(20)

    # when
    one_queries = _queries(job_actor, one)
    twenty_queries = _queries(job_actor, twenty)

    # then: SQLite splits big bulk inserts into batches; nothing else may grow
    def not_inserts(queries):
        return [q for q in queries if not q.lstrip().upper().startswith("INSERT")]

    assert OrderTask.objects.filter(order=twenty).count() == 20 * 5
    assert len(not_inserts(twenty_queries)) == len(not_inserts(one_queries))
    if connection.vendor == "postgresql":
        assert len(twenty_queries) == len(one_queries)


@pytest.mark.postgres
def test_orchestration_query_count_is_pinned(job_actor, django_assert_num_queries):
    _setup_plans()
    order_orchestrate(order_id=_order_with_lines(1).pk, actor=job_actor)
    order = _order_with_lines(20)

    with django_assert_num_queries(PINNED_QUERIES):
        order_orchestrate(order_id=order.pk, actor=job_actor)


# savepoint, order lock, domain orders, tasks, decision table, plans (3), requires
# (2), 3 inserts, open ready (lock, select, update, audit insert), release savepoint
PINNED_QUERIES = 18
