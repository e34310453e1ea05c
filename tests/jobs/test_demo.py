import io

import pytest

from jobs.models import Invitation, Job

pytestmark = pytest.mark.django_db


def test_the_demo_posts_a_dozen_varied_open_tasks_once(django_capture_on_commit_callbacks):
    from accounts import demo as accounts_demo
    from jobs import demo

    accounts_demo.load(io.StringIO())
    demo.load(io.StringIO())
    jobs = Job.objects.filter(invite_only=False)
    assert jobs.count() == 12
    assert set(jobs.values_list("status", flat=True)) == {"open"}
    assert set(jobs.values_list("currency", flat=True)) == {"IDR", "USD"}
    assert set(jobs.values_list("pay_type", flat=True)) == {"fixed", "hourly"}
    assert jobs.values("category").distinct().count() >= 10
    assert all(job.current_manual.body and job.current_manual.checklist for job in jobs)
    # Findable on the board in both languages.
    assert Job.objects.open().search("pembukuan").exists()
    assert Job.objects.open().search("bookkeeping").exists()

    # One invite-only task of Rina's, off the board, to which Siti is invited.
    private = Job.objects.get(invite_only=True)
    assert private.client.email == demo.RINA and private.status == "open"
    assert not Job.objects.open().filter(pk=private.pk).exists()
    invitation = Invitation.objects.get()
    assert (invitation.job, invitation.va.email) == (private, demo.SITI)
    assert Job.objects.visible_to(invitation.va).filter(pk=private.pk).exists()

    before = list(Job.objects.order_by("pk").values_list("pk", "updated_at"))
    demo.load(io.StringIO())
    assert list(Job.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert Invitation.objects.count() == 1


def test_the_demo_skips_without_clients(db):
    from jobs import demo

    out = io.StringIO()
    demo.load(out)
    assert not Job.objects.exists()
    assert "skipped" in out.getvalue()
