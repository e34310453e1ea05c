"""Money and time read the way the viewer reads them.

Display: `Rp 150.000` / `$12,50` in Indonesian, `Rp 150,000` / `$12.50` in English (the
`money` builtin filter). Input: marketplace.fields.parse_money, whose accepted formats are
listed in its docstring and in the README. Dates: the viewer's timezone and locale format.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from jobs.models import Job
from marketplace.fields import MoneyField, parse_money
from tests import factories

INDONESIAN_BROWSER = "id-ID,id;q=0.9"


def _render(source: str, language: str, tz: str = "UTC", **context) -> str:
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(tz)):
        return Template(source).render(Context(context))


# --- Display -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "language", "shown"),
    [
        (Decimal("150000"), "IDR", "id", "Rp 150.000"),
        (Decimal("150000"), "IDR", "en", "Rp 150,000"),
        (Decimal("1250000"), "IDR", "id", "Rp 1.250.000"),
        (Decimal("12.5"), "USD", "en", "$12.50"),
        (Decimal("12.5"), "USD", "id", "$12,50"),
        (Decimal("1250.5"), "USD", "en", "$1,250.50"),
        (Decimal("149999.6"), "IDR", "id", "Rp 150.000"),  # rupiah has no minor unit
    ],
)
def test_the_money_filter_formats_for_the_active_language(amount, currency, language, shown):
    # A builtin: no {% load %} needed in any template.
    assert (
        _render("{{ amount|money:currency }}", language, amount=amount, currency=currency) == shown
    )


@pytest.mark.django_db
def test_a_task_page_shows_rupiah_the_indonesian_way(client):
    job = factories.JobFactory(max_rate=Decimal("150000"), currency="IDR")
    page = client.get(
        reverse("jobs:detail", args=[job.pk]), headers={"accept-language": INDONESIAN_BROWSER}
    )
    assert page.status_code == 200
    assert "Rp 150.000" in page.text
    assert "per tugas" in page.text


@pytest.mark.django_db
def test_a_task_page_shows_rupiah_the_english_way(client):
    job = factories.JobFactory(max_rate=Decimal("150000"), currency="IDR")
    page = client.get(reverse("jobs:detail", args=[job.pk]), headers={"accept-language": "en"})
    assert "Rp 150,000" in page.text
    assert "Rp 150.000" not in page.text


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("en", "$12.50"), ("id", "$12,50")])
def test_a_task_page_shows_dollars_with_cents(client, language, shown):
    job = factories.HourlyJobFactory(max_rate=Decimal("12.50"), currency="USD")
    page = client.get(reverse("jobs:detail", args=[job.pk]), headers={"accept-language": language})
    assert shown in page.text


# --- Input -------------------------------------------------------------------------------

# The formats the README promises. Indonesian: dots group thousands, comma for decimals;
# English: commas group thousands, dot for decimals. In both, plain digits always work.
ACCEPTED = [
    ("id", "IDR", "150000", "150000"),
    ("id", "IDR", "150.000", "150000"),
    ("id", "IDR", "1.250.000", "1250000"),
    ("id", "IDR", "Rp 150.000", "150000"),
    ("id", "IDR", "Rp150.000", "150000"),
    ("id", "IDR", "rp. 150.000", "150000"),
    ("id", "IDR", "IDR 150000", "150000"),
    ("id", "IDR", "150.000,00", "150000"),
    ("id", "IDR", " 150 000 ", "150000"),
    ("id", "USD", "12,50", "12.50"),
    ("id", "USD", "12.50", "12.50"),  # one dot and one or two digits can only be decimals
    ("id", "USD", "1.250,50", "1250.50"),
    ("id", "USD", "$12,5", "12.50"),
    ("en", "IDR", "150000", "150000"),
    ("en", "IDR", "150,000", "150000"),
    ("en", "IDR", "Rp 1,250,000", "1250000"),
    ("en", "USD", "12.50", "12.50"),
    ("en", "USD", "$12.50", "12.50"),
    ("en", "USD", "US$ 1,250.50", "1250.50"),
    ("en", "USD", "USD 12", "12.00"),
    ("en", "IDR", "150.000", "150000"),
    ("en", "IDR", "150,000.00", "150000"),
]

REFUSED = [
    ("id", "IDR", "150.000,5", "Rupiah amounts have no decimals."),
    ("id", "IDR", "12,5", "Rupiah amounts have no decimals."),
    ("id", "IDR", "15.00.000", None),  # groups must have three digits
    ("id", "IDR", "150,000.00", None),  # English grouping in an Indonesian form
    ("en", "USD", "12.505", None),
    ("en", "USD", "12,50", None),  # Indonesian decimals in an English form
    ("en", "IDR", "1.2.3", None),
    ("en", "USD", "twelve", None),
    ("id", "IDR", "", "Enter an amount."),
    ("id", "IDR", "-150.000", None),
]


@pytest.mark.parametrize(("language", "currency", "typed", "value"), ACCEPTED)
def test_parse_money_accepts_the_documented_formats(language, currency, typed, value):
    assert parse_money(typed, currency, language) == Decimal(value)


@pytest.mark.parametrize(("language", "currency", "typed", "message"), REFUSED)
def test_parse_money_refuses_what_it_cannot_read_unambiguously(language, currency, typed, message):
    with pytest.raises(ValidationError) as caught:
        parse_money(typed, currency, language)
    if message:
        assert caught.value.messages == [message]


def test_parse_money_follows_the_active_language():
    with translation.override("id"):
        assert parse_money("150.000", "IDR") == Decimal("150000")
        assert parse_money("1.250", "USD") == Decimal("1250.00")
    with translation.override("en"):
        assert parse_money("150,000", "IDR") == Decimal("150000")
        # In English a dot is a decimal point: one dollar and a quarter.
        assert parse_money("1.250", "USD") == Decimal("1.25")


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("typed", ["150.000", "150,000"])
def test_rupiah_with_a_thousands_separator_reads_the_same_in_both_languages(language, typed):
    # Rupiah has no decimals, so three digits after a separator can only be thousands.
    assert parse_money(typed, "IDR", language) == Decimal("150000")


def test_parse_money_explains_in_indonesian():
    with translation.override("id"):
        with pytest.raises(ValidationError) as caught:
            parse_money("150.000,5", "IDR")
        assert caught.value.messages == ["Jumlah dalam rupiah tidak memakai desimal."]
        with pytest.raises(ValidationError) as caught:
            parse_money("seratus", "IDR")
        assert caught.value.messages == ["Masukkan jumlah dalam angka, misalnya 150.000."]


def test_the_money_field_shows_amounts_back_in_the_viewers_format():
    field = MoneyField(currency="IDR")
    with translation.override("id"):
        assert field.clean("150.000") == Decimal("150000")
        assert field.prepare_value(Decimal("150000")) == "150.000"
    with translation.override("en"):
        assert field.prepare_value(Decimal("150000")) == "150,000"
        assert MoneyField(currency="USD").prepare_value(Decimal("12.5")) == "12.50"


def test_the_money_field_limits_the_typed_text_not_the_amount():
    field = MoneyField(currency="IDR")
    with translation.override("id"):
        assert field.clean("Rp 1.250.000.000") == Decimal("1250000000")
        with pytest.raises(ValidationError):
            field.clean("1" * 33)


def _job_form(max_rate: str, currency: str = "IDR") -> dict:
    return {
        "title": "Pembukuan bulanan di Excel",
        "description": "Catat semua transaksi bulanan kafe kami di Excel dengan rapi dan teliti.",
        "category": factories.category("file-storage").pk,
        "pay_type": Job.PayType.FIXED,
        "currency": currency,
        "max_rate": max_rate,
        "deliverables": "Satu berkas Excel per bulan.",
        "manual-body": "",
        "manual-checklist": "",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "typed", "currency", "saved"),
    [
        ("id", "150.000", "IDR", "150000"),
        ("id", "150000", "IDR", "150000"),
        ("en", "150,000", "IDR", "150000"),
        ("en", "12.50", "USD", "12.50"),
        ("id", "12,50", "USD", "12.50"),
    ],
)
def test_a_client_types_the_maximum_rate_their_way(
    client, client_user, language, typed, currency, saved
):
    client_user.language = language
    client_user.save(update_fields=["language"])
    client.force_login(client_user)
    response = client.post(reverse("jobs:create"), _job_form(typed, currency))
    assert response.status_code == 302, response.text[:3000]
    job = Job.objects.get(client=client_user)
    assert job.max_rate == Decimal(saved)
    assert job.currency == currency


@pytest.mark.django_db
def test_an_ambiguous_rate_is_refused_with_an_indonesian_message(client, client_user):
    client_user.language = "id"
    client_user.save(update_fields=["language"])
    client.force_login(client_user)
    response = client.post(reverse("jobs:create"), _job_form("150.000,5"))
    assert response.status_code == 200
    assert "Jumlah dalam rupiah tidak memakai desimal." in response.text
    assert 'value="150.000,5"' in response.text
    assert not Job.objects.filter(client=client_user).exists()


# --- Dates and times -----------------------------------------------------------------------

WHEN = dt.datetime(2030, 8, 17, 3, 30, tzinfo=dt.UTC)


def test_dates_use_indonesian_month_names_and_the_viewers_timezone():
    shown = _render('{{ when|date:"DATETIME_FORMAT" }}', "id", "Asia/Jakarta", when=WHEN)
    assert shown == "17 Agu 2030, 10.30"
    assert _render('{{ when|date:"l, j F Y" }}', "id", "Asia/Jakarta", when=WHEN) == (
        "Sabtu, 17 Agustus 2030"
    )


def test_dates_in_english_use_english_names_and_the_viewers_timezone():
    shown = _render('{{ when|date:"DATETIME_FORMAT" }}', "en", "America/New_York", when=WHEN)
    assert shown == "Aug. 16, 2030, 11:30 p.m."


@pytest.mark.django_db
def test_a_task_page_shows_the_closing_time_in_the_viewers_timezone_and_language(client, va):
    job = factories.JobFactory(closes_at=WHEN)
    va.language, va.timezone = "id", "Asia/Jayapura"  # WIT, UTC+9
    va.save(update_fields=["language", "timezone"])
    client.force_login(va)
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert "17 Agu 2030, 12:30" in page.text

    va.language, va.timezone = "en", "America/New_York"
    va.save(update_fields=["language", "timezone"])
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert "16 Aug 2030, 23:30" in page.text
