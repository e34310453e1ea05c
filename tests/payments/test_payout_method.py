"""Payout details: where a VA's withdrawals go. Only the signed-in user's own; bad input
is refused with a message next to the field and saves nothing."""

import pytest

from payments.models import PayoutMethod

pytestmark = pytest.mark.django_db

URL = "/payments/balance/payout-details/"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(URL, {"currency": "IDR"}).status_code == 302
    assert not PayoutMethod.objects.exists()


def test_a_va_saves_a_bank_account_for_rupiah_and_replaces_it_later(client, va):
    client.force_login(va)
    assert client.get(URL).status_code == 200
    data = {
        "currency": "IDR",
        "channel_code": "ID_BCA",
        "account_number": "1234567890",
        "account_holder_name": "Vina Aulia",
    }
    response = client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == "/payments/balance/"
    client.post(URL, {**data, "channel_code": "ID_DANA", "account_number": "081234567890"})
    method = PayoutMethod.objects.get()
    assert (method.va, method.channel_code, method.account_number) == (
        va,
        "ID_DANA",
        "081234567890",
    )
    # The page shows my own details back, never someone else's.
    assert "081234567890" in client.get(URL + "?currency=IDR").content.decode()


def test_one_users_details_never_show_to_another(client, va, other_va):
    PayoutMethod.objects.create(
        va=va,
        currency="IDR",
        channel_code="ID_BCA",
        account_number="5550001",
        account_holder_name="V",
    )
    client.force_login(other_va)
    assert "5550001" not in client.get(URL + "?currency=IDR").content.decode()


@pytest.mark.parametrize(
    "data,field,message",
    [
        (
            {"currency": "IDR", "account_number": "123", "account_holder_name": "V"},
            "channel_code",
            "Required for Rupiah withdrawals.",
        ),
        (
            {
                "currency": "IDR",
                "channel_code": "ID_BCA",
                "account_number": "12-34",
                "account_holder_name": "V",
            },
            "account_number",
            "Use digits only.",
        ),
        (
            {
                "currency": "IDR",
                "channel_code": "ID_NOPE",
                "account_number": "1",
                "account_holder_name": "V",
            },
            "channel_code",
            "valid choice",
        ),
        ({"currency": "USD", "stripe_account": "1234"}, "stripe_account", "it starts with acct_"),
        ({"currency": "EUR"}, "currency", "valid choice"),
    ],
)
def test_bad_payout_details_are_refused_with_a_clear_message(client, va, data, field, message):
    client.force_login(va)
    response = client.post(URL, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not PayoutMethod.objects.exists()


def test_the_page_is_in_indonesian(client, va):
    va.language = "id"
    va.save(update_fields=["language"])
    client.force_login(va)
    response = client.post(URL, {"currency": "IDR"}, HTTP_ACCEPT_LANGUAGE="id")
    assert "Wajib untuk penarikan Rupiah." in response.content.decode()
