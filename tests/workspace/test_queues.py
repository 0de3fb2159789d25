"""The approver's queue and the fulfillment agent's enrichment queue act through services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import (
    ApprovalStatus,
    CustomerOrderState,
    EnrichmentTaskState,
)
from tests.workspace.builders import enrichment_task_open, order_pending_approval

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def approvers(approver):
    return approver.work_groups.get(code="approvers")


@pytest.fixture
def pending(account, approvers, agent):
    return order_pending_approval(account=account, group=approvers, captured_by=agent)


def test_approval_queue_lists_pending_orders_with_reason_and_discount(
    client, approver, pending
):
    client.force_login(approver)

    response = client.get(reverse("workspace:approver"))

    assert pending.number.encode() in response.content
    assert b"Manual discount above 20 %" in response.content
    assert b"Loyal customer" in response.content


def test_approve_from_the_queue_row_removes_the_row(client, approver, pending):
    client.force_login(approver)

    response = client.post(
        reverse("workspace:order-approve", args=[pending.pk]), **HTMX
    )

    pending.refresh_from_db()
    assert response.status_code == 200
    assert response.content == b""
    assert pending.state == CustomerOrderState.ACKNOWLEDGED
    assert pending.approved_by == approver


def test_reject_from_the_queue_needs_a_reason(client, approver, pending):
    client.force_login(approver)

    response = client.post(
        reverse("workspace:order-reject", args=[pending.pk]), {"reason": ""}, **HTMX
    )

    pending.refresh_from_db()
    assert b"Say why the order is rejected." in response.content
    assert f'id="queue-{pending.pk}"'.encode() in response.content
    assert pending.state == CustomerOrderState.NEW


def test_reject_with_a_reason_rejects_the_order(client, approver, pending):
    client.force_login(approver)

    response = client.post(
        reverse("workspace:order-reject", args=[pending.pk]),
        {"reason": "Discount not agreed"},
        **HTMX,
    )

    pending.refresh_from_db()
    assert response.content == b""
    assert pending.state == CustomerOrderState.REJECTED
    assert pending.rejection_reason == "Discount not agreed"


def test_approve_from_the_order_page_returns_to_it(client, approver, pending):
    client.force_login(approver)
    page = client.get(reverse("workspace:order-detail", args=[pending.pk]))
    assert b'data-testid="approve"' in page.content

    response = client.post(
        reverse("workspace:order-approve", args=[pending.pk]), follow=True
    )

    pending.refresh_from_db()
    assert pending.state == CustomerOrderState.ACKNOWLEDGED
    assert b"is acknowledged" in response.content


def test_a_refused_approval_is_shown_in_the_row(client, approver, account, approvers):
    own = order_pending_approval(account=account, group=approvers, captured_by=approver)
    client.force_login(approver)

    response = client.post(reverse("workspace:order-approve", args=[own.pk]), **HTMX)

    own.refresh_from_db()
    assert own.state == CustomerOrderState.NEW
    assert b'role="alert"' in response.content


def test_order_page_without_pending_approval_offers_no_decision(
    client, approver, pending
):
    pending.approval_status = ApprovalStatus.APPROVED
    pending.save(update_fields=["approval_status"])
    client.force_login(approver)

    page = client.get(reverse("workspace:order-detail", args=[pending.pk]))

    assert b'data-testid="approve"' not in page.content


# --- enrichment ---------------------------------------------------------------------


@pytest.fixture
def task(account, provisioning, catalog):
    return enrichment_task_open(
        account=account,
        group=provisioning,
        offering=catalog.internet,
        codes=["installation_address"],
    )


def test_enrichment_queue_shows_only_the_users_groups_tasks(
    client, fulfiller, task, account, catalog, make_user
):
    from ordermgmt.models import WorkGroup

    other_group = WorkGroup.objects.create(code="other", name="Other team")
    other = enrichment_task_open(
        account=account, group=other_group, offering=catalog.internet, codes=["x"]
    )
    client.force_login(fulfiller)

    response = client.get(reverse("workspace:fulfillment"))

    assert f'id="task-{task.pk}"'.encode() in response.content
    assert f'id="task-{other.pk}"'.encode() not in response.content


def test_claim_assigns_the_task_and_opens_its_form(client, fulfiller, task):
    client.force_login(fulfiller)

    response = client.post(
        reverse("workspace:enrichment-task-claim", args=[task.pk]), **HTMX
    )

    task.refresh_from_db()
    assert task.state == EnrichmentTaskState.IN_PROGRESS
    assert task.assignee == fulfiller
    assert b'name="ch__installation_address__city"' in response.content


def test_complete_with_a_missing_value_shows_the_error(client, fulfiller, task):
    client.force_login(fulfiller)
    client.post(reverse("workspace:enrichment-task-claim", args=[task.pk]), **HTMX)

    response = client.post(
        reverse("workspace:enrichment-task-complete", args=[task.pk]), {}, **HTMX
    )

    task.refresh_from_db()
    assert task.state == EnrichmentTaskState.IN_PROGRESS
    assert b"is required" in response.content


def test_complete_fills_the_line_and_closes_the_task(client, fulfiller, task):
    client.force_login(fulfiller)
    client.post(reverse("workspace:enrichment-task-claim", args=[task.pk]), **HTMX)

    response = client.post(
        reverse("workspace:enrichment-task-complete", args=[task.pk]),
        {
            "ch__installation_address__line1": "1 Quay",
            "ch__installation_address__city": "Kiel",
            "ch__installation_address__postcode": "24103",
            "ch__installation_address__country": "DE",
        },
        **HTMX,
    )

    task.refresh_from_db()
    task.line.refresh_from_db()
    assert task.state == EnrichmentTaskState.CLOSED_COMPLETE
    assert task.line.characteristics["installation_address"]["city"] == "Kiel"
    assert b"Closed complete" in response.content


def test_a_task_of_another_group_is_not_found(client, make_user, task):
    from ordermgmt.roles import Role

    client.force_login(make_user("outsider", Role.FULFILLMENT_AGENT))

    response = client.post(
        reverse("workspace:enrichment-task-claim", args=[task.pk]), **HTMX
    )

    task.refresh_from_db()
    assert response.status_code == 404
    assert task.state == EnrichmentTaskState.OPEN
