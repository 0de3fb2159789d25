"""The agent captures an order: pick a customer, configure lines in the generated form
(validated as it is typed), see prices, set a discount, submit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from ordermgmt.actor import Actor
from orders.models import CustomerOrder, CustomerOrderState
from orders.services import order_draft_create, order_line_add
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(agent, account):
    return order_draft_create(account_id=account.pk, actor=Actor.for_user(agent))


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def _line_data(offering, **overrides):
    data = {
        "offering": str(offering.pk),
        "quantity": "1",
        "ch__bandwidth": "300",
        "ch__static_ip": "on",
        "ch__boxes": "2",
        "ch__ready_on": "2030-01-31",
        "ch__installation_address__line1": "3 Market Square",
        "ch__installation_address__city": "Munich",
        "ch__installation_address__postcode": "80331",
        "ch__installation_address__country": "DE",
        "ch__site__floor": "4",
    }
    data.update(overrides)
    return data


def test_order_create_opens_a_draft_for_the_chosen_customer(
    agent_client, agent, account
):
    response = agent_client.post(
        reverse("workspace:order-create"),
        {"account": account.pk, "external_id": "PO-1", "description": ""},
    )

    order = CustomerOrder.objects.get(account=account)
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:order-edit", args=[order.pk])
    assert order.state == CustomerOrderState.DRAFT
    assert order.captured_by == agent
    assert order.external_id == "PO-1"


def test_order_create_without_a_customer_says_so(agent_client):
    response = agent_client.post(reverse("workspace:order-create"), {})

    assert response.status_code == 400
    assert b"Choose a customer." in response.content
    assert not CustomerOrder.objects.exists()


def test_account_search_returns_matching_customers_only(agent_client, account):
    AccountFactory(name="Zeppelin Works")

    response = agent_client.get(
        reverse("workspace:account-search"), {"q": "harb"}, **HTMX
    )

    assert b"Harbour Caf" in response.content
    assert b"Zeppelin" not in response.content
    assert b"<html" not in response.content


def test_line_editor_is_generated_from_the_specification(agent_client, draft, catalog):
    response = agent_client.get(
        reverse("workspace:line-new", args=[draft.pk]),
        {"offering": catalog.internet.pk},
        **HTMX,
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html
    # choice -> select with the default chosen; mandatory marked
    assert '<select name="ch__bandwidth"' in html
    assert '<option value="300" selected>300 Mbps</option>' in html
    assert 'title="required"' in html
    # boolean -> checkbox, integer -> number with bounds, date -> date
    assert 'type="checkbox" name="ch__static_ip"' in html
    assert 'name="ch__boxes" min="1" max="4"' in html or ('name="ch__boxes"' in html)
    assert 'max="4"' in html
    assert 'type="date" name="ch__ready_on"' in html
    # address -> four parts; object -> a fieldset of its children
    for part in ("line1", "city", "postcode", "country"):
        assert f'name="ch__installation_address__{part}"' in html
    assert "<legend>Site" in html
    assert 'name="ch__site__floor"' in html


def test_validate_returns_the_errors_of_each_field_out_of_band(
    agent_client, draft, catalog
):
    data = _line_data(
        catalog.internet,
        ch__boxes="9",
        ch__installation_address__city="",
    )

    response = agent_client.post(
        reverse("workspace:line-validate", args=[draft.pk]), data, **HTMX
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert 'id="err-ch__boxes" class="field-errors" hx-swap-oob="true"' in html
    assert "must be at most 4" in html
    assert "needs a city" in html
    # a field without errors is sent empty, which clears an earlier message
    assert (
        '<div id="err-ch__bandwidth" class="field-errors" hx-swap-oob="true"></div>'
        in html
    )


def test_add_line_saves_typed_values_and_announces_the_change(
    agent_client, draft, catalog
):
    response = agent_client.post(
        reverse("workspace:line-add", args=[draft.pk]),
        _line_data(catalog.internet, quantity="2"),
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "order-changed"
    assert b"Home Internet added" in response.content
    line = draft.lines.get()
    assert line.quantity == 2
    assert line.characteristics["bandwidth"] == 300
    assert line.characteristics["static_ip"] is True
    assert line.characteristics["boxes"] == 2
    assert line.characteristics["installation_address"]["city"] == "Munich"
    assert line.characteristics["site"] == {"floor": 4}


def test_add_line_with_a_bad_value_shows_errors_and_adds_nothing(
    agent_client, draft, catalog
):
    response = agent_client.post(
        reverse("workspace:line-add", args=[draft.pk]),
        _line_data(catalog.internet, ch__bandwidth="250"),
        **HTMX,
    )

    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert b"must be one of: 100, 300" in response.content
    assert not draft.lines.exists()


def test_added_line_is_priced_and_totals_follow(agent_client, draft, catalog):
    agent_client.post(
        reverse("workspace:line-add", args=[draft.pk]),
        _line_data(catalog.internet),
        **HTMX,
    )

    lines = agent_client.get(reverse("workspace:order-lines", args=[draft.pk]), **HTMX)
    totals = agent_client.get(
        reverse("workspace:order-totals", args=[draft.pk]), **HTMX
    )

    assert b"30.00" in lines.content
    assert b"<html" not in totals.content
    assert b'data-testid="monthly-total">30.00 EUR' in totals.content
    assert b'data-testid="one-time-total">50.00 EUR' in totals.content


def test_bundle_line_shows_its_children_indented(agent_client, agent, draft, catalog):
    agent_client.post(
        reverse("workspace:line-add", args=[draft.pk]),
        {"offering": catalog.bundle.pk, "quantity": "1"},
        **HTMX,
    )

    html = agent_client.get(
        reverse("workspace:order-lines", args=[draft.pk]), **HTMX
    ).content.decode()

    assert draft.lines.count() >= 2
    assert html.index("Home Bundle") < html.index("Home Internet")
    assert "child-line" in html


def test_change_line_updates_quantity_and_values(agent_client, agent, draft, catalog):
    line = order_line_add(
        order_id=draft.pk,
        offering_id=catalog.internet.pk,
        quantity=1,
        characteristics={"bandwidth": 100},
        action="add",
        actor=Actor.for_user(agent),
    )
    editor = agent_client.get(
        reverse("workspace:line-change", args=[draft.pk, line.pk]), **HTMX
    )
    assert b'<option value="100" selected>' in editor.content

    response = agent_client.post(
        reverse("workspace:line-change", args=[draft.pk, line.pk]),
        _line_data(catalog.internet, quantity="3"),
        **HTMX,
    )

    line.refresh_from_db()
    assert response["HX-Trigger"] == "order-changed"
    assert line.quantity == 3
    assert line.characteristics["bandwidth"] == 300


def test_remove_line_returns_the_lines_panel(agent_client, agent, draft, catalog):
    line = order_line_add(
        order_id=draft.pk,
        offering_id=catalog.internet.pk,
        quantity=1,
        characteristics={},
        action="add",
        actor=Actor.for_user(agent),
    )

    response = agent_client.post(
        reverse("workspace:line-remove", args=[draft.pk, line.pk]), **HTMX
    )

    assert response["HX-Trigger"] == "order-changed"
    assert b'id="order-lines"' in response.content
    assert not draft.lines.exists()


def test_discount_is_set_with_its_reason(agent_client, draft, catalog):
    response = agent_client.post(
        reverse("workspace:order-discount-set", args=[draft.pk]),
        {"percent": "25", "reason": "Loyal customer"},
        **HTMX,
    )

    draft.refresh_from_db()
    assert response["HX-Trigger"] == "order-changed"
    assert draft.discount_percent == Decimal("25")
    assert draft.discount_reason == "Loyal customer"


def test_discount_out_of_range_is_a_form_error(agent_client, draft):
    response = agent_client.post(
        reverse("workspace:order-discount-set", args=[draft.pk]),
        {"percent": "150", "reason": ""},
        **HTMX,
    )

    draft.refresh_from_db()
    assert "HX-Trigger" not in response
    assert b"field-errors" in response.content
    assert draft.discount_percent == 0


def test_submit_moves_the_order_on_and_says_where_it_is(
    agent_client, agent, draft, catalog
):
    order_line_add(
        order_id=draft.pk,
        offering_id=catalog.internet.pk,
        quantity=1,
        characteristics={},
        action="add",
        actor=Actor.for_user(agent),
    )

    response = agent_client.post(
        reverse("workspace:order-submit", args=[draft.pk]), follow=True
    )

    draft.refresh_from_db()
    assert draft.state != CustomerOrderState.DRAFT
    assert response.redirect_chain[-1][0] == reverse(
        "workspace:order-detail", args=[draft.pk]
    )
    assert f"submitted: {draft.get_state_display()}".encode() in response.content


def test_submit_without_lines_stays_a_draft_and_shows_why(agent_client, draft):
    response = agent_client.post(
        reverse("workspace:order-submit", args=[draft.pk]), follow=True
    )

    draft.refresh_from_db()
    assert draft.state == CustomerOrderState.DRAFT
    assert b"Add at least one line." in response.content


def test_edit_page_of_a_submitted_order_goes_to_the_order_page(agent_client, account):
    from tests.orders.factories import CustomerOrderFactory

    order = CustomerOrderFactory(account=account, submitted=True)

    response = agent_client.get(reverse("workspace:order-edit", args=[order.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:order-detail", args=[order.pk])


def test_order_list_searches_and_filters(agent_client, agent, account):
    from tests.orders.factories import CustomerOrderFactory

    mine = CustomerOrderFactory(account=account, captured_by=agent, external_id="X-77")
    CustomerOrderFactory(
        account=AccountFactory(name="Other Ltd"), captured_by=agent, submitted=True
    )

    found = agent_client.get(reverse("workspace:agent"), {"q": "X-77"}, **HTMX)
    by_state = agent_client.get(reverse("workspace:agent"), {"state": "draft"})

    assert mine.number.encode() in found.content
    assert b"Other Ltd" not in found.content
    assert b"<html" not in found.content
    assert b"Harbour Caf" in by_state.content
    assert b"Other Ltd" not in by_state.content


def test_draft_cancel_cancels_and_returns_to_the_list(agent_client, draft):
    response = agent_client.post(reverse("workspace:order-cancel", args=[draft.pk]))

    draft.refresh_from_db()
    assert response["Location"] == reverse("workspace:agent")
    assert draft.state == CustomerOrderState.CANCELED
