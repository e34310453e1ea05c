"""Money shown the way people read it: `Rp 150.000` (no decimals) and `$12.50`.

Loaded as a template builtin, so every template can write `{{ amount|money:currency }}`.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()

SYMBOLS = {"IDR": "Rp", "USD": "$"}
DECIMALS = {"IDR": 0, "USD": 2}


def format_money(amount, currency: str, language: str | None = None) -> str:
    """Format a Decimal amount in its currency for the given (or active) language."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    language = (language or get_language() or "en")[:2]
    places = DECIMALS.get(currency, 2)
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, _, fraction = f"{value:.{places}f}".partition(".")
    # Indonesian groups with dots and uses a comma for decimals; English the other way round.
    group, decimal_mark = (".", ",") if language == "id" else (",", ".")
    grouped = f"{int(whole):,}".replace(",", group)
    number = grouped + (decimal_mark + fraction if places else "")
    symbol = SYMBOLS.get(currency)
    if currency == "IDR":
        return f"{sign}Rp {number}"
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {currency}"


@register.filter
def money(amount, currency: str = "IDR") -> str:
    return format_money(amount, currency)
