"""Model fields shared by every app."""

from django.db import models


class URLField(models.URLField):
    """A URL column whose form field reads a bare `example.com` as `https://example.com`.

    That is Django 6's default; saying it here keeps every ModelForm, admin page and API form
    on the same rule today. Migrations see a plain `models.URLField`.
    """

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs
