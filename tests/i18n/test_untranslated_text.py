"""No user-visible text outside a translation tag (scripts/check_templates_i18n.py).

The first test scans the real tree and lists every offender as path:line so its owner can
wrap it in {% translate %} / gettext. The rest pin down what the checker catches and what
it lets through, so the first test means something.
"""

import textwrap

import pytest

from tests.i18n.extract import ROOT
from tests.i18n.helpers import load_script

checker = load_script("check_templates_i18n")


def test_no_page_email_or_message_shows_untranslated_text():
    findings = checker.check_all()
    if findings:
        pytest.fail(
            f"{len(findings)} user-visible strings are not marked for translation:\n"
            + "\n".join(str(f) for f in findings)
        )


def test_the_scan_covers_our_templates_emails_and_python():
    templates = {p.relative_to(ROOT).as_posix() for p in checker.template_files()}
    assert {"templates/base.html", "templates/includes/header.html"} <= templates
    python = {p.relative_to(ROOT).as_posix() for p in checker.python_files()}
    assert "marketplace/fields.py" in python
    assert not any("/migrations/" in p for p in python)


def _template(tmp_path, body, name="page.html"):
    path = tmp_path / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return [(f.line, f.text) for f in checker.check_template(path, tmp_path)]


def test_it_reports_plain_text_with_its_line(tmp_path):
    found = _template(
        tmp_path,
        """
        {% load i18n %}
        <h1>{% translate "Post a task" %}</h1>
        <p>
          Compare bids here
        </p>
        """,
    )
    assert found == [(4, "Compare bids here")]


def test_it_reports_text_next_to_a_variable(tmp_path):
    assert _template(tmp_path, "<p>Hello {{ user.name }}</p>\n") == [(1, "Hello")]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<input placeholder="Search tasks">', 'placeholder="Search tasks"'),
        ('<a href="/" title="Home page">{{ a }}</a>', 'title="Home page"'),
        ('<img src="a.png" alt="Logo of the client">', 'alt="Logo of the client"'),
        ('<nav aria-label="Main menu"></nav>', 'aria-label="Main menu"'),
        ('<input type="submit" value="Save">', 'value="Save"'),
        (
            '<button data-confirm="Withdraw this bid?">{% translate "Withdraw" %}</button>',
            'data-confirm="Withdraw this bid?"',
        ),
        ('<meta name="description" content="Hire a VA">', 'content="Hire a VA"'),
    ],
)
def test_it_reports_visible_attributes(tmp_path, markup, expected):
    assert _template(tmp_path, markup + "\n") == [(1, expected)]


def test_it_reports_literals_passed_to_includes_and_default_filters(tmp_path):
    found = _template(
        tmp_path,
        """
        {% include "includes/field.html" with field=form.title label="Task title" class="wide" %}
        {{ job.deadline|default:"No deadline" }}
        {{ job.remote|yesno:"Remote,On site" }}
        """,
    )
    assert found == [
        (1, 'label="Task title" (include)'),
        (2, 'default:"No deadline"'),
        (3, 'yesno:"Remote,On site"'),
    ]


def test_it_accepts_translated_and_non_text_content(tmp_path):
    found = _template(
        tmp_path,
        """
        {% load i18n %}{# Plain words in a comment #}
        {% comment %}Notes for developers{% endcomment %}
        <title>{% block title %}{% translate "My bids" %} · Asisten{% endblock %}</title>
        <p>{% blocktranslate trimmed with name=user.name %}
          Welcome back, {{ name }}
        {% endblocktranslate %}</p>
        <input type="hidden" name="next" value="{{ request.path }}">
        <input type="text" value="keep me">
        <span class="brand-mark" aria-hidden="true">A</span>
        <option>{% if code == "id" %}Bahasa Indonesia{% else %}English{% endif %}</option>
        <p>{{ amount|money:currency }} &times; 3 — Rp</p>
        <script src="/static/js/app.js"></script>
        <style>body { font-family: sans-serif; }</style>
        <!-- a note for developers -->
        <{% if href %}a href="{{ href }}"{% else %}button{% endif %} class="btn">{{ label }}</a>
        {{ attrs.type|default:"submit" }}
        {% block bodyclass %}{{ block.super }} moderation-confirm{% endblock %}
        """,
    )
    assert found == []


def test_it_checks_plain_text_emails(tmp_path):
    found = _template(
        tmp_path,
        """
        {% load i18n %}{% autoescape off %}{% blocktranslate %}Hello {{ name }},{% endblocktranslate %}

        {{ url }}
        Thanks, the Asisten team
        {% endautoescape %}
        """,
        name="emails/bid_submitted-body.txt",
    )
    assert found == [(4, "Thanks, the Asisten team")]


def _python(tmp_path, source):
    path = tmp_path / "app" / "views.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return [(f.line, f.text) for f in checker.check_python(path, tmp_path)]


def test_it_reports_untranslated_python_messages(tmp_path):
    found = _python(
        tmp_path,
        """
        from django import forms
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.db import models


        class Status(models.TextChoices):
            OPEN = "open", "Open for bids"


        class BidForm(forms.Form):
            amount = forms.CharField(label="Your rate", help_text=_("ok"))
            note = forms.CharField(widget=forms.Textarea(attrs={"placeholder": "Say hello"}))
            data = {"title": "Not a widget"}

            def clean(self):
                self.fields["note"].widget.attrs["title"] = "Be brief"
                self.add_error("amount", "Too high")
                raise ValidationError("Bid is closed")


        def view(request):
            messages.success(request, "Bid sent.")
        """,
    )
    assert found == [
        (8, "choice label: 'Open for bids'"),
        (12, "label=: 'Your rate'"),
        (13, "attrs['placeholder']: 'Say hello'"),
        (17, "attrs['title']: 'Be brief'"),
        (18, "add_error: 'Too high'"),
        (19, "ValidationError: 'Bid is closed'"),
        (23, "messages.success: 'Bid sent.'"),
    ]


def test_it_accepts_translated_python_messages(tmp_path):
    found = _python(
        tmp_path,
        """
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.db import models
        from django.utils.translation import gettext as _
        from django.utils.translation import gettext_lazy


        class Status(models.TextChoices):
            OPEN = "open", gettext_lazy("Open for bids")


        def view(request, form):
            form.add_error("amount", _("Too high"))
            messages.success(request, _("Bid sent."))
            raise ValidationError(_("Bid is closed"), code="closed")
        """,
    )
    assert found == []


def test_it_reports_eager_gettext_at_import_time(tmp_path):
    found = _python(
        tmp_path,
        """
        from django.utils.translation import gettext as _
        from django.utils.translation import gettext_lazy

        DONE = {"publish": _("Published.")}
        LATER = {"publish": gettext_lazy("Published.")}


        class Form:
            label = _("Title")


        def view(request):
            return _("Saved.")
        """,
    )
    assert found == [
        (4, "_() at import time, use gettext_lazy: 'Published.'"),
        (9, "_() at import time, use gettext_lazy: 'Title'"),
    ]
