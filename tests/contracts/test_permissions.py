"""Only the client, the VA and staff see a contract: everyone else gets a 404 on every URL."""

import pytest
from django.urls import reverse

from contracts import services
from contracts.urls import urlpatterns
from tests.contracts.conftest import text_file
from tests.contracts.factories import hourly_contract, local_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client_user, va):
    """An hourly contract with a message file, a logged week and a payment mark; plus a
    per-task contract with a delivered file — something behind every URL."""
    from tests.contracts.factories import fixed_contract

    hourly = hourly_contract(client=client_user, va=va)
    message = services.message_send(
        contract=hourly, author=client_user, body="Hi", files=[text_file()]
    )
    entry = services.hours_log(
        contract=hourly, va=va, work_date=local_today(va), hours="1", memo="Inbox"
    )
    sheet = entry.timesheet
    fixed = fixed_contract(client=client_user, va=va)
    deliverable = services.deliverable_submit(
        contract=fixed, va=va, note="Done", files=[text_file()]
    )
    week = sheet.week_start.isoformat()
    return {
        "list": None,
        "workspace": reverse("contracts:workspace", args=[hourly.pk]),
        "statement": reverse("contracts:statement", args=[hourly.pk]),
        "message_send": reverse("contracts:message_send", args=[hourly.pk]),
        "message_seen": reverse("contracts:message_seen", args=[hourly.pk]),
        "message_file": reverse(
            "contracts:message_file", args=[hourly.pk, message.attachments.get().pk]
        ),
        "deliverable_submit": reverse("contracts:deliverable_submit", args=[fixed.pk]),
        "deliverable_file": reverse(
            "contracts:deliverable_file", args=[fixed.pk, deliverable.files.get().pk]
        ),
        "deliverable_approve": reverse(
            "contracts:deliverable_approve", args=[fixed.pk, deliverable.pk]
        ),
        "deliverable_changes": reverse(
            "contracts:deliverable_changes", args=[fixed.pk, deliverable.pk]
        ),
        "deliverable_paid": reverse("contracts:deliverable_paid", args=[fixed.pk, deliverable.pk]),
        "hours_log": reverse("contracts:hours_log", args=[hourly.pk]),
        "hours_delete": reverse("contracts:hours_delete", args=[hourly.pk, entry.pk]),
        "week_approve": reverse("contracts:week_approve", args=[hourly.pk, week]),
        "week_dispute": reverse("contracts:week_dispute", args=[hourly.pk, week]),
        "week_paid": reverse("contracts:week_paid", args=[hourly.pk, week]),
        "payment_confirm": reverse("contracts:payment_confirm", args=[hourly.pk, 1]),
        "complete": reverse("contracts:complete", args=[hourly.pk]),
        "end": reverse("contracts:end", args=[hourly.pk]),
        "review": reverse("contracts:review", args=[hourly.pk]),
        "_contracts": (hourly, fixed),
    }


GET_URLS = {"workspace", "statement", "message_file", "deliverable_file"}


def test_the_matrix_covers_every_contract_url(world):
    # A new URL without a row here fails this test: add it to `world` and think about who sees it.
    assert {p.name for p in urlpatterns} == {k for k in world if not k.startswith("_")}


@pytest.mark.parametrize("outsider", ["anonymous", "other_client", "other_va"])
def test_outsiders_get_404_on_every_contract_url(request, client, world, outsider):
    if outsider != "anonymous":
        client.force_login(request.getfixturevalue(outsider))
    for name, url in world.items():
        if name in ("list", "_contracts"):
            continue
        response = (
            client.get(url) if name in GET_URLS else client.post(url, {"body": "x", "reason": "x"})
        )
        assert response.status_code == 404, (name, response.status_code)
    hourly, fixed = world["_contracts"]
    assert not hourly.messages.filter(body="x").exists()
    hourly.refresh_from_db()
    assert hourly.status == "active"


def test_outsiders_see_nothing_of_the_contract_in_their_list(client, world, other_client):
    client.force_login(other_client)
    response = client.get(reverse("contracts:list"))
    assert response.status_code == 200
    assert "Organise our shared drive" not in response.content.decode()


def test_anonymous_visitors_are_asked_to_sign_in_for_the_list(client, db):
    response = client.get(reverse("contracts:list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["client_user", "va", "staff"])
def test_the_parties_and_staff_can_open_the_workspace_statement_and_files(
    request, client, world, who
):
    client.force_login(request.getfixturevalue(who))
    for name in GET_URLS:
        response = client.get(world[name])
        assert response.status_code == 200, name
    attachment = client.get(world["message_file"])
    assert attachment["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in attachment["Content-Disposition"]
    assert b"".join(attachment.streaming_content) == b"Meeting notes, week one.\n"


def test_a_file_of_one_contract_cannot_be_fetched_through_another(client, world, client_user, va):
    hourly, fixed = world["_contracts"]
    client.force_login(client_user)
    attachment_id = world["message_file"].rstrip("/").split("/")[-1]
    response = client.get(reverse("contracts:message_file", args=[fixed.pk, attachment_id]))
    assert response.status_code == 404


def test_staff_can_read_but_not_act_for_the_parties(client, world, staff):
    client.force_login(staff)
    response = client.post(world["message_send"], {"body": "Staff here"}, follow=True)
    assert response.status_code == 200
    assert "Only the client and the VA" in response.content.decode()
    hourly, _fixed = world["_contracts"]
    assert not hourly.messages.filter(body="Staff here").exists()
