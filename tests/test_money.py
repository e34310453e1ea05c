from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.fields import parse_money
from marketplace.templatetags.money import format_money


@pytest.mark.parametrize(
    ("text", "currency", "language", "expected"),
    [
        ("150000", "IDR", "id", Decimal("150000")),
        ("150.000", "IDR", "id", Decimal("150000")),
        ("Rp 1.250.000", "IDR", "id", Decimal("1250000")),
        ("150,000", "IDR", "en", Decimal("150000")),
        ("12,50", "USD", "id", Decimal("12.50")),
        ("12.50", "USD", "id", Decimal("12.50")),
        ("1.250,5", "USD", "id", Decimal("1250.50")),
        ("$12.50", "USD", "en", Decimal("12.50")),
        ("1,250.50", "USD", "en", Decimal("1250.50")),
        ("150.000,00", "IDR", "id", Decimal("150000")),
        # Rupiah has no decimals: a dot or comma before three digits is always thousands.
        ("750.000", "IDR", "en", Decimal("750000")),
        ("150,000", "IDR", "id", Decimal("150000")),
        ("1.250.000", "IDR", "en", Decimal("1250000")),
    ],
)
def test_it_reads_amounts_as_people_type_them(text, currency, language, expected):
    assert parse_money(text, currency, language) == expected


@pytest.mark.parametrize(
    ("text", "currency", "language"),
    [
        ("", "IDR", "id"),
        ("abc", "USD", "en"),
        ("150.000,5", "IDR", "id"),
        ("12.505", "USD", "en"),
        ("1.2.3", "IDR", "en"),
    ],
)
def test_it_refuses_amounts_it_cannot_read_unambiguously(text, currency, language):
    with pytest.raises(ValidationError):
        parse_money(text, currency, language)


def test_it_shows_rupiah_without_decimals_and_dollars_with_cents():
    assert format_money(Decimal("150000"), "IDR", "id") == "Rp 150.000"
    assert format_money(Decimal("150000"), "IDR", "en") == "Rp 150,000"
    assert format_money(Decimal("12.5"), "USD", "en") == "$12.50"
    assert format_money(Decimal("1250.5"), "USD", "id") == "$1.250,50"
