"""Workspace selectors: approval and enrichment queues, the agent's order list, the
order page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ordermgmt.exceptions import NotFound
from ordermgmt.roles import Role
from orders.models import (
    ApprovalStatus,
    CustomerOrderState,
    EnrichmentTask,
    EnrichmentTaskState,
    OrderChannel,
)
from orders.selectors import (
    approval_queue,
    enrichment_queue,
    order_detail,
    order_list_for_agent,
)
from orders.services import LineInput, order_capture
from tests.orders.factories import (
    AccountFactory,
    CustomerOrderFactory,
    published_offering,
)
from tests.orders.policy_tables import (
    TEXT,
    enrichment_policy_publish,
    simple_offering,
    work_group,
)

pytestmark = pytest.mark.django_db


def pending(group, minutes_ago):
    return CustomerOrderFactory(
        state=CustomerOrderState.NEW,
        approval_status=ApprovalStatus.PENDING,
        approval_group=group,
        submitted_at=timezone.now() - timedelta(minutes=minutes_ago),
        discount_percent=25,
        approval_reason="Discount above 20 %",
    )


def test_approval_queue_shows_the_users_groups_oldest_first(make_user):
    ann = make_user("ann", Role.ORDER_APPROVER)
    mine, other = work_group("approvers", ann), work_group("big_deals")
    newer, older = pending(mine, 5), pending(mine, 50)
    pending(other, 10)
    CustomerOrderFactory(state=CustomerOrderState.NEW)  # not pending

    queue = list(approval_queue(user=ann))

    assert queue == [older, newer]
    assert queue[0].approval_reason == "Discount above 20 %"


def test_approval_queue_shows_everything_to_order_managers(make_user):
    pending(work_group("approvers"), 1)
    pending(None, 2)

    assert approval_queue(user=make_user("olga", Role.ORDER_MANAGER)).count() == 2
    assert approval_queue(user=make_user("nobody")).count() == 0


def test_enrichment_queue_shows_open_tasks_of_the_users_groups(make_user, actor):
    felix = make_user("felix", Role.FULFILLMENT_AGENT)
    work_group("provisioning", felix)
    work_group("planning")
    offering = simple_offering("NET", access=TEXT)
    enrichment_policy_publish(
        [
            (["-", "-", "add"], ["", "", "provisioning", "access"]),
            (["-", "-", "add"], ["", "", "planning", "access"]),
        ]
    )
    order_capture(
        account_id=AccountFactory().pk,
        actor=actor,
        channel=OrderChannel.AGENT,
        lines=[LineInput(ref="1", offering_id=offering.pk)],
    )

    queue = list(enrichment_queue(user=felix))

    assert [task.work_group.code for task in queue] == ["provisioning"]
    assert queue[0].line.offering_id == offering.pk
    EnrichmentTask.objects.filter(pk=queue[0].pk).update(
        state=EnrichmentTaskState.CLOSED_COMPLETE
    )
    assert not enrichment_queue(user=felix).exists()


def test_order_list_for_agent_searches_and_filters(agent_user):
    acme = AccountFactory(name="Acme Tools")
    found = CustomerOrderFactory(account=acme, external_id="PO-77")
    CustomerOrderFactory(state=CustomerOrderState.NEW, channel=OrderChannel.API)

    assert list(order_list_for_agent(user=agent_user, search="acme")) == [found]
    assert list(order_list_for_agent(user=agent_user, search="PO-7")) == [found]
    assert list(order_list_for_agent(user=agent_user, search=found.number)) == [found]
    assert order_list_for_agent(user=agent_user, state="new").count() == 1
    assert order_list_for_agent(user=agent_user, channel="api").count() == 1
    assert order_list_for_agent(user=agent_user).count() == 2


def test_order_detail_reads_lines_tasks_and_history_in_fixed_queries(
    agent_user, actor, django_assert_max_num_queries
):
    offering = published_offering()
    order = order_capture(
        account_id=AccountFactory().pk,
        actor=actor,
        channel=OrderChannel.AGENT,
        lines=[
            LineInput(
                ref=str(n), offering_id=offering.pk, characteristics={"speed": "100"}
            )
            for n in range(5)
        ],
    )

    with django_assert_max_num_queries(8):
        detail = order_detail(user=agent_user, order_id=order.pk)
        [line.offering.code for line in detail.lines]
        [event.actor_label for event in detail.history]

    assert len(detail.lines) == 5
    assert len(detail.history) >= 1 + 5 * 3  # captured; per line added, submitted, new


def test_order_detail_is_not_found_for_someone_who_may_not_see_it(make_user):
    order = CustomerOrderFactory()

    with pytest.raises(NotFound):
        order_detail(user=make_user("stranger"), order_id=order.pk)
