"""API input goes through the pages' own forms, so every input rule is written once.

`validated(form)` turns a form's errors into the API's 400 (fields named as in the form);
`form_serializer(FormClass)` describes a form's fields to the OpenAPI schema.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.models import Scope


def validated(form: forms.Form) -> dict:
    """The form's cleaned data, or a 400 naming each bad field."""
    if not form.is_valid():
        raise serializers.ValidationError(
            {name: [str(m) for m in errors] for name, errors in form.errors.items()}
        )
    return form.cleaned_data


def _schema_field(field: forms.Field) -> serializers.Field:
    common = {"required": field.required, "help_text": str(field.help_text or "") or None}
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        if getattr(field, "to_field_name", None):
            return serializers.SlugField(**common)
        return serializers.IntegerField(**common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.ListField(child=serializers.CharField(), **common)
    if isinstance(field, forms.TypedChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField(
            choices=[(c, label) for c, label in field.choices if c], **common
        )
    if isinstance(field, forms.FileField):
        return serializers.ListField(child=serializers.FileField(), **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=field.min_value, max_value=field.max_value, **common
        )
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=14, decimal_places=2, **common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    return serializers.CharField(
        max_length=getattr(field, "max_length", None),
        min_length=getattr(field, "min_length", None),
        allow_blank=not field.required,
        **common,
    )


def form_serializer(name: str, *form_classes, prefixes=(), extra=None) -> type:
    """A serializer class with the forms' fields, for the schema only (the forms validate)."""
    attrs = {}
    for index, form_class in enumerate(form_classes):
        prefix = prefixes[index] if index < len(prefixes) else ""
        for field_name, field in form_class.base_fields.items():
            if isinstance(field.widget, forms.HiddenInput) and field_name != "manual_version":
                continue
            attrs[f"{prefix}{field_name}"] = _schema_field(field)
    attrs.update(extra or {})
    return type(name, (serializers.Serializer,), attrs)


class TokenForm(forms.Form):
    """The profile page's "new token" form."""

    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("Which program will use it, e.g. “Inventory sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
    )
