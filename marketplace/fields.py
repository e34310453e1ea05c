"""Form fields shared by every app: money typed the way people type it."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.templatetags.money import DECIMALS

_STRIP = re.compile(r"^\s*(?:rp\.?|idr|usd|us\$|\$)?\s*", re.IGNORECASE)


def parse_money(text: str, currency: str, language: str | None = None) -> Decimal:
    """Read an amount as typed in `language`, for `currency`.

    Accepted, for Indonesian: `150000`, `150.000`, `1.250.000`, `Rp 150.000`, `12,50`,
    `1.250,50`; for English: `150000`, `150,000`, `12.50`, `1,250.50`, `$12.50`.
    Group separators must separate groups of three digits, so `150.000` is one hundred and
    fifty thousand in Indonesian and `12.50` is twelve and a half in English. In Indonesian,
    a single dot followed by one or two digits (`12.50`) is read as a decimal point, since
    it cannot be a thousands separator. Rupiah has no decimals, so for IDR `750.000` and
    `750,000` are seven hundred and fifty thousand in both languages. Raises
    ValidationError with a clear message.
    """
    language = (language or get_language() or "en")[:2]
    raw = _STRIP.sub("", str(text)).strip().replace(" ", "").replace("\u00a0", "")
    if not raw:
        raise ValidationError(_("Enter an amount."), code="required")
    group, mark = (".", ",") if language == "id" else (",", ".")
    if language == "id" and re.fullmatch(r"\d+\.\d{1,2}", raw):
        group, mark = ",", "."
    places = DECIMALS.get(currency, 2)
    one_separator = len(set(re.sub(r"\d", "", raw))) == 1
    if places == 0 and one_separator and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        # Rupiah has no decimals, so "150.000" or "150,000" is always one hundred and fifty
        # thousand, in either language (never 150 with three zero decimals).
        group, mark = raw[len(raw) - 4], ""
    decimals = rf"(?:{re.escape(mark)}(\d+))?" if mark else "()"
    pattern = rf"(\d{{1,3}}(?:{re.escape(group)}\d{{3}})+|\d+){decimals}"
    match = re.fullmatch(pattern, raw)
    if not match:
        raise ValidationError(
            _("Enter the amount as a number, for example %(example)s.")
            % {
                "example": "150.000"
                if currency == "IDR" and language == "id"
                else ("150000" if currency == "IDR" else "12.50")
            },
            code="invalid",
        )
    whole = match.group(1).replace(group, "")
    fraction = match.group(2) or ""
    if len(fraction.rstrip("0")) > places:
        if places == 0:
            raise ValidationError(_("Rupiah amounts have no decimals."), code="decimals")
        raise ValidationError(
            _("Use at most %(places)d decimal places.") % {"places": places}, code="decimals"
        )
    try:
        return Decimal(f"{whole}.{fraction or '0'}").quantize(Decimal(1).scaleb(-places))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ValidationError(_("Enter a valid amount."), code="invalid") from exc


class MoneyField(forms.CharField):
    """A text input that cleans to Decimal in the currency given by `currency` (or a form field).

    Set `field.currency = "IDR"` in the form's __init__ when the currency is known (e.g. the
    job's); for forms where the currency is chosen in the same form, call
    `parse_money(self.data[...], currency)` in clean() instead.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, currency: str | None = None, **kwargs):
        self.currency = currency
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        # The length limit is for the typed text (checked in to_python); validators run on
        # the cleaned Decimal, where len() would fail.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        if self.max_length is not None:
            MaxLengthValidator(self.max_length)(value)
        return parse_money(value, self.currency or "USD")

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            from marketplace.templatetags.money import format_money

            return format_money(value, self.currency or "USD").replace("Rp ", "").lstrip("$")
        return value


class RateRangeMixin:
    """For search forms with `rate_min` / `rate_max` text fields and a `currency` choice:
    each bound is read as money in the chosen currency (without one, as typed in the page's
    language), and a reversed range is reported on `rate_max`. Call `check_rate_range` from
    the form's `clean`."""

    def _clean_rate(self, name: str):
        raw = self.cleaned_data.get(name, "")
        if not raw:
            return None
        return parse_money(raw, self.data.get("currency") or "USD")

    def clean_rate_min(self):
        return self._clean_rate("rate_min")

    def clean_rate_max(self):
        return self._clean_rate("rate_max")

    def check_rate_range(self, data: dict) -> None:
        low, high = data.get("rate_min"), data.get("rate_max")
        if low is not None and high is not None and low > high:
            self.add_error("rate_max", _("The upper limit must not be below the lower one."))


def active_filter_count(form, *, not_filters: tuple[str, ...] = ("sort",)) -> int:
    """How many of a search form's fields narrow the results (valid and not empty): the
    number on the phone's "Filters (2)" toggle. `not_filters` only order the results."""
    if form is None or not form.is_bound or not hasattr(form, "cleaned_data"):
        return 0
    return sum(
        1
        for name, value in form.cleaned_data.items()
        if name not in not_filters and name not in form.errors and value not in (None, "", [], ())
    )
