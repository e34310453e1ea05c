"""Money shown the way people read it: `Rp 150.000` (no decimals) and `$12.50`.

Loaded as a template builtin, so every template can write `{{ amount|money:currency }}`.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

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


def platform_fee(amount: Decimal, currency: str, percent: Decimal | None = None) -> Decimal:
    """The platform's share of `amount` (settings.PLATFORM_FEE_PERCENT unless given), in
    whole units of the currency and never above the amount. The ledger charges exactly this
    on a release, and the bid form and contract show it, so the hint never disagrees."""
    if percent is None:
        percent = Decimal(str(settings.PLATFORM_FEE_PERCENT))
    places = DECIMALS.get(currency, 2)
    return min((amount * percent / Decimal(100)).quantize(Decimal(1).scaleb(-places)), amount)


_FEE_HINT = gettext_noop("Platform fee %(percent)s%%: you receive %(net)s of %(gross)s")


@register.inclusion_tag("includes/fee_hint.html")
def fee_hint(amount, currency: str, field_id: str = ""):
    """ "Platform fee 10%: you receive X of Y" for an amount (a Decimal, or text as typed in
    a form); the line is empty until there is an amount. With `field_id`, our own
    static/js/fees.js updates it as the VA types in that field."""
    from marketplace.fields import parse_money

    percent = Decimal(str(settings.PLATFORM_FEE_PERCENT))
    shown = f"{percent.normalize():f}"
    try:
        value = amount if isinstance(amount, Decimal) else parse_money(amount or "", currency)
    except ValidationError:
        value = None
    text = ""
    if value is not None and value > 0:
        text = _(_FEE_HINT) % {
            "percent": shown,
            "net": format_money(value - platform_fee(value, currency, percent), currency),
            "gross": format_money(value, currency),
        }
    return {
        "text": text,
        "field_id": field_id,
        "template": _(_FEE_HINT) % {"percent": shown, "net": "{net}", "gross": "{gross}"},
        "percent": shown,
        "currency": currency,
        "decimals": DECIMALS.get(currency, 2),
        "language": (get_language() or "en")[:2],
    }
