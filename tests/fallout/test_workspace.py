"""The fallout workspace: queues, the fallout page and its actions, the manager
dashboard, the order page; who may see and act on fallouts (customers never)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from fallout.models import FalloutRecord, FalloutState
from fallout.services import fallout_assign
from jeopardy.models import JeopardyAlert
from orchestration.models import JeopardyLevel, OrderTaskState
from ordermgmt.actor import Actor
from ordermgmt.roles import Role
from orders.services import account_portal_user_add
from tests.fallout.conftest import order_with_failed_task

pytestmark = pytest.mark.django_db

QUEUE = "workspace:fallout"


def _fallout(failed) -> FalloutRecord:
    return FalloutRecord.objects.get(pk=failed.fallout.pk)


def test_groups_queue_lists_the_fallout_and_search_finds_it(
    client, failed, fallout_agent
):
    client.force_login(fallout_agent)

    response = client.get(reverse(QUEUE))
    by_number = client.get(
        reverse(QUEUE), {"scope": "groups", "q": failed.order.number}
    )
    no_match = client.get(reverse(QUEUE), {"scope": "groups", "q": "ORD9999999"})

    assert response.status_code == 200
    assert failed.fallout.number.encode() in response.content
    assert failed.fallout.number.encode() in by_number.content
    assert failed.fallout.number.encode() not in no_match.content


def test_my_queue_holds_what_i_took(client, failed, fallout_agent, agent_actor):
    client.force_login(fallout_agent)
    before = client.get(reverse(QUEUE), {"scope": "mine"})
    fallout_assign(fallout_id=failed.fallout.pk, actor=agent_actor)

    after = client.get(reverse(QUEUE), {"scope": "mine"})

    assert failed.fallout.number.encode() not in before.content
    assert failed.fallout.number.encode() in after.content


def test_queue_filters_by_type_state_and_priority(client, failed, fallout_agent):
    client.force_login(fallout_agent)
    fallout = _fallout(failed)

    same = client.get(
        reverse(QUEUE),
        {
            "scope": "groups",
            "fallout_type": fallout.fallout_type_id,
            "state": "open",
            "priority": fallout.priority,
        },
    )
    other_state = client.get(reverse(QUEUE), {"scope": "groups", "state": "on_hold"})

    assert fallout.number.encode() in same.content
    assert fallout.number.encode() not in other_state.content


def test_queue_page_query_count_does_not_grow_with_fallouts(
    client, settings, job_actor, fallout_agent, django_assert_max_num_queries
):
    for _ in range(3):
        order_with_failed_task(settings, job_actor)
    client.force_login(fallout_agent)

    with django_assert_max_num_queries(12):
        response = client.get(reverse(QUEUE), {"scope": "groups"})

    assert response.content.count(b'data-testid="fallout-row"') == 3


def test_fallout_page_shows_the_whole_context(client, failed, fallout_agent):
    client.force_login(fallout_agent)

    response = client.get(reverse("workspace:fallout-detail", args=[failed.fallout.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert failed.order.number in body
    assert "BILL-500" in body
    assert 'data-testid="adapter-request"' in body
    assert "BAD-1" in body
    assert "Fallout opened" in body
    assert 'name="ch__billing_account"' in body


def test_correct_through_the_page_fixes_the_value_and_retries(
    client, failed, fallout_agent
):
    client.force_login(fallout_agent)

    response = client.post(
        reverse("workspace:fallout-correct", args=[failed.fallout.pk]),
        {"ch__billing_account": "BA-7", "reason": "typo"},
    )

    assert response.status_code == 302
    assert _fallout(failed).state == FalloutState.CLOSED_COMPLETE
    failed.domain_order.refresh_from_db()
    assert failed.domain_order.characteristics["billing_account"] == "BA-7"


@pytest.mark.parametrize(
    ("url_name", "data", "task_state"),
    [
        ("workspace:fallout-retry", {"reason": ""}, None),
        (
            "workspace:fallout-skip",
            {"reason": "done elsewhere"},
            OrderTaskState.SKIPPED,
        ),
        (
            "workspace:fallout-complete",
            {"reason": "done by hand", "result": "BIL-1"},
            OrderTaskState.CLOSED_COMPLETE,
        ),
        ("workspace:fallout-cancel-line", {"reason": "gone"}, OrderTaskState.CANCELED),
    ],
)
def test_each_action_through_the_page_closes_the_fallout(
    client, failed, fallout_agent, url_name, data, task_state
):
    client.force_login(fallout_agent)

    response = client.post(reverse(url_name, args=[failed.fallout.pk]), data)

    assert response.status_code == 302
    assert _fallout(failed).state == FalloutState.CLOSED_COMPLETE
    if task_state is not None:
        assert failed.task("activate").state == task_state


def test_an_action_without_its_reason_shows_the_form_again(
    client, failed, fallout_agent
):
    client.force_login(fallout_agent)

    response = client.post(
        reverse("workspace:fallout-skip", args=[failed.fallout.pk]), {"reason": ""}
    )

    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert _fallout(failed).state == FalloutState.OPEN


def test_bulk_retry_through_the_page(client, failed, fallout_agent):
    client.force_login(fallout_agent)

    client.post(
        reverse("workspace:fallout-bulk-retry"),
        {"fallout_type": failed.fallout.fallout_type_id, "reason": "Billing is back"},
    )

    assert _fallout(failed).state == FalloutState.CLOSED_COMPLETE


def test_manager_dashboard_counts_and_reassigns(
    client, failed, fallout_manager, fallout_agent
):
    client.force_login(fallout_manager)

    page = client.get(reverse("workspace:fallout-manager"))
    client.post(
        reverse("workspace:fallout-reassign", args=[failed.fallout.pk]),
        {"work_group": "", "assignee": fallout_agent.pk},
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert "Billing issue" in body
    assert 'id="fallout-rate-data"' in body
    assert "chart-4.6.1.umd.min.js" in body
    fallout = _fallout(failed)
    assert fallout.assignee_id == fallout_agent.pk
    assert fallout.state == FalloutState.IN_PROGRESS


def test_order_page_shows_open_fallouts_and_marks_them_in_history(
    client, failed, fallout_agent
):
    client.force_login(fallout_agent)

    response = client.get(reverse("workspace:order-detail", args=[failed.order.pk]))

    body = response.content.decode()
    assert failed.fallout.number in body
    assert 'data-testid="order-jeopardy"' in body
    assert 'data-testid="history-fallout"' in body
    assert 'data-testid="history-jeopardy"' not in body
    assert reverse("workspace:fallout-detail", args=[failed.fallout.pk]) in body


def test_order_page_names_fallouts_without_a_link_for_other_staff(
    client, failed, make_user
):
    client.force_login(make_user("fm", Role.FULFILLMENT_MANAGER))

    response = client.get(reverse("workspace:order-detail", args=[failed.order.pk]))

    body = response.content.decode()
    assert failed.fallout.number in body
    assert reverse("workspace:fallout-detail", args=[failed.fallout.pk]) not in body


def test_order_page_marks_the_jeopardy_alerts_of_its_tasks_in_history(
    client, failed, fallout_agent
):
    task = failed.task("activate")
    JeopardyAlert.objects.create(
        task=task, order=failed.order, level=JeopardyLevel.HIGH, work_group=None
    )
    client.force_login(fallout_agent)

    response = client.get(reverse("workspace:order-detail", args=[failed.order.pk]))

    body = response.content.decode()
    assert body.count('data-testid="history-jeopardy"') == 1
    assert "Jeopardy raised" in body
    assert f"{task.name} ({task.code})" in body


# --- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.ORDER_AGENT, Role.FULFILLMENT_AGENT, Role.CUSTOMER, Role.ORDER_MANAGER],
)
def test_only_fallout_staff_open_fallout_pages_and_act(client, failed, make_user, role):
    client.force_login(make_user("someone", role))

    assert client.get(reverse(QUEUE)).status_code == 403
    assert (
        client.get(
            reverse("workspace:fallout-detail", args=[failed.fallout.pk])
        ).status_code
        == 403
    )
    response = client.post(reverse("workspace:fallout-retry", args=[failed.fallout.pk]))
    assert response.status_code == 403
    assert _fallout(failed).state == FalloutState.OPEN


def test_fallout_agent_cannot_open_the_manager_dashboard(client, fallout_agent):
    client.force_login(fallout_agent)

    assert client.get(reverse("workspace:fallout-manager")).status_code == 403


def test_services_refuse_users_who_are_not_fallout_staff(failed, make_user):
    from fallout.exceptions import NotFalloutStaff
    from fallout.services import fallout_retry

    order_agent = make_user("oa", Role.ORDER_AGENT)

    with pytest.raises(NotFalloutStaff):
        fallout_retry(fallout_id=failed.fallout.pk, actor=Actor.for_user(order_agent))
    assert _fallout(failed).state == FalloutState.OPEN


def test_only_managers_give_fallouts_to_others(failed, fallout_agent, make_user):
    from fallout.exceptions import NotFalloutStaff

    other = make_user("fo2", Role.FALLOUT_AGENT)

    with pytest.raises(NotFalloutStaff):
        fallout_assign(
            fallout_id=failed.fallout.pk,
            assignee_id=other.pk,
            actor=Actor.for_user(fallout_agent),
        )


def test_customers_never_see_fallouts_in_portal_or_api(failed, make_user, job_actor):
    # given the customer of the failed order
    customer = make_user("cust", Role.CUSTOMER)
    account_portal_user_add(
        account_id=failed.order.account_id, user_id=customer.pk, actor=job_actor
    )
    web = Client()
    web.force_login(customer)
    api = APIClient()
    api.force_login(customer)

    # when
    portal = web.get(reverse("portal:order-detail", args=[failed.order.pk]))
    home = web.get(reverse("portal:home"))
    tmf = api.get(
        f"/tmf-api/productOrderingManagement/v4/productOrder/{failed.order.number}"
    )

    # then the order is there, its fallout is not
    assert portal.status_code == 200
    assert tmf.status_code == 200
    number = failed.fallout.number
    for body in (portal.content.decode(), home.content.decode(), tmf.content.decode()):
        assert number not in body
        assert "BILL-500" not in body
        assert "allout" not in body
    assert web.get(reverse(QUEUE)).status_code == 403
