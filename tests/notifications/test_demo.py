"""The demo loader adds alerts and settings for the demo VAs, and running it twice adds nothing."""

import io

import pytest

from notifications import demo
from notifications.models import JobAlert, Preference
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_alerts_are_idempotent():
    for email in {a[0] for a in demo.ALERTS}:
        factories.VAFactory(email=email)
    factories.ClientFactory(email="rina@demo.asisten.example")
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    assert JobAlert.objects.count() == len(demo.ALERTS)
    assert Preference.objects.count() == len(demo.PREFERENCES)
    assert "job alerts added" in out.getvalue()
