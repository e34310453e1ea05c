"""Moderators in the Django admin: each action end to end, and nothing beyond their role."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bids.models import Bid
from jobs.models import Job
from jobs.services import search_vectors_refresh
from moderation.models import ModerationAction, Report
from notifications.models import Delivery, Notification
from tests.factories import BidFactory, JobFactory, VAFactory
from tests.moderation.factories import ReportFactory

pytestmark = pytest.mark.django_db


def act_url(key, *objs, report=None, next_url=""):
    url = reverse("admin:moderation_act", args=[key]) + "?ids=" + ",".join(str(o.pk) for o in objs)
    if report:
        url += f"&report={report.pk}"
    if next_url:
        url += f"&next={next_url}"
    return url


def test_a_moderator_handles_a_scam_job_report_end_to_end(moderator_client, moderator, client_user):
    job = JobFactory(client=client_user, title="Easy money", description="Pay a registration fee")
    report = ReportFactory(target=job)
    change_url = reverse("admin:moderation_report_change", args=[report.pk])

    page = moderator_client.get(change_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pay a registration fee" in html  # the reported content beside the report
    hide_url = act_url("hide_job", job, report=report, next_url=change_url)
    assert hide_url.replace("&", "&amp;").split("?")[0] in html

    confirm = moderator_client.get(hide_url)
    assert confirm.status_code == 200 and "Easy money" in confirm.content.decode()
    done = moderator_client.post(
        hide_url,
        {"ids": str(job.pk), "report": report.pk, "next": change_url, "reason": "Fee scam"},
    )
    assert done.status_code == 302 and done["Location"] == change_url

    job.refresh_from_db()
    report.refresh_from_db()
    assert job.hidden_at is not None and job.hidden_reason == "Fee scam"
    assert report.status == Report.Status.ACTIONED
    action = ModerationAction.objects.get()
    assert (action.action, action.moderator, action.report) == ("hide_job", moderator, report)
    assert moderator_client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200  # staff
    assert Notification.objects.filter(recipient=client_user, kind="job_hidden").exists()


def test_the_confirmation_page_insists_on_a_reason(moderator_client):
    job = JobFactory()
    response = moderator_client.post(act_url("hide_job", job), {"ids": str(job.pk), "reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    job.refresh_from_db()
    assert job.hidden_at is None and not ModerationAction.objects.exists()


def test_changelist_actions_lead_to_the_confirmation_page(moderator_client):
    jobs = [JobFactory(), JobFactory()]
    response = moderator_client.post(
        reverse("admin:jobs_job_changelist"),
        {"action": "moderation_hide_job", "_selected_action": [j.pk for j in jobs]},
    )
    assert response.status_code == 302
    confirm_url = response["Location"]
    assert confirm_url.startswith(reverse("admin:moderation_act", args=["hide_job"]))
    moderator_client.post(confirm_url, {"reason": "Spam wave"})
    assert Job.objects.filter(hidden_reason="Spam wave").count() == 2
    assert ModerationAction.objects.filter(action="hide_job").count() == 2


def test_a_moderator_unhides_a_job(moderator_client):
    job = JobFactory(hidden_at=timezone.now(), hidden_reason="old")
    moderator_client.post(
        act_url("unhide_job", job), {"ids": str(job.pk), "reason": "Appeal accepted"}
    )
    assert Job.objects.visible().filter(pk=job.pk).exists()
    assert ModerationAction.objects.get().action == "unhide_job"


def test_a_moderator_suspends_and_reinstates_from_the_user_page(moderator_client, va, client_user):
    job = JobFactory(client=client_user)
    BidFactory(job=job, va=va)
    Job.objects.filter(pk=job.pk).update(bid_count=1)
    page = moderator_client.get(reverse("admin:accounts_user_change", args=[va.pk]))
    assert page.status_code == 200
    assert reverse("admin:moderation_act", args=["suspend_user"]) in page.content.decode()

    moderator_client.post(
        act_url("suspend_user", va), {"ids": str(va.pk), "reason": "Fake samples"}
    )
    va.refresh_from_db()
    job.refresh_from_db()
    assert va.suspended_at is not None
    assert Bid.objects.get().status == Bid.Status.WITHDRAWN and job.bid_count == 0

    # The suspended VA is signed out on their next request and cannot sign in again.
    their_browser = Client()
    their_browser.force_login(va)
    response = their_browser.get(reverse("jobs:board"))
    assert response.status_code == 302 and "_auth_user_id" not in their_browser.session
    sign_in = Client().post(
        reverse("account_login"), {"login": va.email, "password": "correct-horse-battery-staple-42"}
    )
    assert "_auth_user_id" not in sign_in.wsgi_request.session

    moderator_client.post(act_url("reinstate_user", va), {"ids": str(va.pk), "reason": "Appeal ok"})
    va.refresh_from_db()
    assert va.suspended_at is None
    assert list(
        ModerationAction.objects.order_by("created_at").values_list("action", flat=True)
    ) == [
        "suspend_user",
        "reinstate_user",
    ]


def test_suspending_a_client_hides_their_jobs_from_board_search_and_detail(
    moderator_client, client_user, va
):
    job = JobFactory(client=client_user, title="Bookkeeping for a bakery")
    search_vectors_refresh(job_ids=[job.pk])
    moderator_client.post(act_url("suspend_user", client_user), {"reason": "Scam"})

    client = Client()
    client.force_login(va)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    board = client.get(reverse("jobs:board")).content.decode()
    search = client.get(reverse("jobs:board"), {"q": "bakery"}).content.decode()
    assert "Bookkeeping for a bakery" not in board and "Bookkeeping for a bakery" not in search

    moderator_client.post(act_url("reinstate_user", client_user), {"reason": "Cleared"})
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
    assert (
        "Bookkeeping for a bakery"
        in client.get(reverse("jobs:board"), {"q": "bakery"}).content.decode()
    )


def test_hidden_jobs_are_gone_from_board_search_and_detail(moderator_client):
    client = Client()  # an anonymous visitor
    job = JobFactory(title="Transcribe podcast episodes")
    search_vectors_refresh(job_ids=[job.pk])
    before = client.get(reverse("jobs:board"), {"q": "podcast"}).content.decode()
    assert "Transcribe podcast episodes" in before
    moderator_client.post(act_url("hide_job", job), {"reason": "Spam"})
    assert "Transcribe podcast episodes" not in client.get(reverse("jobs:board")).content.decode()
    assert (
        "Transcribe podcast episodes"
        not in client.get(reverse("jobs:board"), {"q": "podcast"}).content.decode()
    )
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404


def test_a_moderator_dismisses_and_actions_reports(moderator_client):
    first, second = ReportFactory(), ReportFactory()
    response = moderator_client.post(
        reverse("admin:moderation_report_changelist"),
        {"action": "moderation_dismiss_report", "_selected_action": [first.pk]},
    )
    moderator_client.post(response["Location"], {"reason": "Nothing wrong"})
    moderator_client.post(act_url("action_report", second), {"reason": "Warned them"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("dismissed", "actioned")
    assert set(ModerationAction.objects.values_list("action", flat=True)) == {
        "dismiss_report",
        "action_report",
    }


def test_a_moderator_approves_a_held_job(settings, moderator_client, client_user):
    from moderation.services import job_hold_for_approval

    settings.MODERATION_PREAPPROVAL = True
    job = JobFactory(client=client_user)
    job_hold_for_approval(job=job)
    page = moderator_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert reverse("admin:moderation_act", args=["approve_job"]) in page
    moderator_client.post(act_url("approve_job", job), {"reason": ""})
    assert Job.objects.visible().filter(pk=job.pk).exists()
    assert ModerationAction.objects.get().action == "approve_job"


# --- the role: each action, and nothing beyond ------------------------------------------


def moderator_permissions() -> set[tuple[str, str]]:
    return set(
        Group.objects.get(name="Moderators").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def test_the_moderators_group_has_exactly_the_permissions_it_needs():
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    perms = moderator_permissions()
    assert {
        ("jobs", "change_job"),
        ("accounts", "change_user"),
        ("moderation", "change_report"),
    } <= perms
    assert ("moderation", "view_moderationaction") in perms and (
        "notifications",
        "view_delivery",
    ) in perms
    # View everything (but secrets) in every app.
    for ct in ContentType.objects.all():
        secret = (ct.app_label, ct.model) in {
            ("sessions", "session"),
            ("mfa", "authenticator"),
            ("account", "emailconfirmation"),
        }
        if Permission.objects.filter(content_type=ct, codename=f"view_{ct.model}").exists():
            assert ((ct.app_label, f"view_{ct.model}") in perms) is not secret, ct
    assert not [p for p in perms if p[1].startswith(("delete_", "add_"))]
    changes = {p for p in perms if p[1].startswith("change_")}
    assert changes == {
        ("jobs", "change_job"),
        ("accounts", "change_user"),
        ("moderation", "change_report"),
        ("payments", "change_dispute"),
        ("payments", "change_reconciliationissue"),
    }


def test_a_fresh_migrate_grants_the_permissions_of_apps_listed_after_moderation():
    """On a new database (or the first deploy of an app), auth creates an app's permissions
    in that app's own post_migrate; apps after `moderation` (payments, webhooks) get theirs
    only after moderation's turn, so the group must be synced at the very end."""
    from django.contrib.auth.models import Permission
    from django.core.management.sql import emit_post_migrate_signal

    later = ["payments", "api", "webhooks"]
    Permission.objects.filter(content_type__app_label__in=later).delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    perms = moderator_permissions()
    assert {
        ("payments", "change_dispute"),
        ("payments", "view_dispute"),
        ("payments", "view_payment"),
        ("webhooks", "view_endpoint"),
    } <= perms


@pytest.mark.parametrize(
    "name", ["admin:index", "admin:payments_dispute_changelist", "admin:auth_group_changelist"]
)
def test_every_admin_page_underlines_its_breadcrumb_links(moderator_client, name):
    """axe's link-in-text-block: the admin's breadcrumb links differ from the text around
    them by colour only, unless our stylesheet (on every admin page, once) underlines them."""
    page = moderator_client.get(reverse(name)).content.decode()
    assert page.count("css/moderation.css") == 1


def test_a_moderator_cannot_delete_a_job_or_edit_groups(moderator_client, moderator):
    job = JobFactory()
    assert moderator_client.get(reverse("admin:jobs_job_delete", args=[job.pk])).status_code == 403
    assert (
        moderator_client.post(
            reverse("admin:jobs_job_delete", args=[job.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Job.objects.filter(pk=job.pk).exists()
    group = Group.objects.get(name="Moderators")
    assert moderator_client.get(reverse("admin:auth_group_add")).status_code == 403
    response = moderator_client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": "Moderators", "permissions": []},
    )
    assert response.status_code == 403
    assert group.permissions.exists()
    assert moderator_client.get(reverse("admin:moderation_report_add")).status_code == 403


def test_a_moderator_cannot_make_themselves_superuser_or_reset_passwords(
    moderator_client, moderator, va
):
    page = moderator_client.get(reverse("admin:accounts_user_change", args=[moderator.pk]))
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    moderator_client.post(
        reverse("admin:accounts_user_change", args=[moderator.pk]),
        {"email": moderator.email, "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )
    moderator.refresh_from_db()
    assert not moderator.is_superuser
    password_url = reverse("admin:auth_user_password_change", args=[va.pk])
    assert moderator_client.get(password_url).status_code == 403
    response = moderator_client.post(password_url, {"password1": "x" * 20, "password2": "x" * 20})
    assert response.status_code == 403
    va.refresh_from_db()
    assert va.check_password("correct-horse-battery-staple-42")


def test_a_moderator_cannot_edit_visibility_or_suspension_by_hand(moderator_client):
    job = JobFactory()
    page = moderator_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert 'name="hidden_at' not in page and 'name="title"' not in page


def test_the_moderation_log_is_read_only(moderator_client, moderator):
    from moderation import services

    action = services.job_hide(job_id=JobFactory().pk, moderator=moderator, reason="x")
    assert (
        moderator_client.get(reverse("admin:moderation_moderationaction_changelist")).status_code
        == 200
    )
    assert moderator_client.get(reverse("admin:moderation_moderationaction_add")).status_code == 403
    assert (
        moderator_client.post(
            reverse("admin:moderation_moderationaction_change", args=[action.pk]), {"reason": "y"}
        )
    ).status_code == 403
    assert (
        moderator_client.get(
            reverse("admin:moderation_moderationaction_delete", args=[action.pk])
        ).status_code
        == 403
    )
    action.refresh_from_db()
    assert action.reason == "x"


def test_moderators_without_the_permission_cannot_act(client, moderator):
    # Staff with MFA but outside the Moderators group.
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.factories import UserFactory

    helper = UserFactory(is_staff=True)
    TOTP.activate(helper, generate_totp_secret())
    client.force_login(helper)
    job = JobFactory()
    assert client.post(act_url("hide_job", job), {"reason": "x"}).status_code == 403
    job.refresh_from_db()
    assert job.hidden_at is None


@pytest.mark.parametrize("persona", ["va", "client_user"])
def test_members_cannot_reach_the_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in [
        reverse("admin:index"),
        reverse("admin:moderation_report_changelist"),
        reverse("admin:moderation_act", args=["hide_job"]) + "?ids=1",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_anonymous_visitors_cannot_reach_the_admin(client):
    response = client.get(reverse("admin:moderation_report_changelist"))
    assert response.status_code == 302


# --- dashboard, CSV, query counts --------------------------------------------------------


def test_the_admin_index_shows_the_dashboard_with_links(moderator_client, client_user):
    ReportFactory()
    BidFactory()
    VAFactory(suspended_at=timezone.now())
    page = moderator_client.get(reverse("admin:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "open reports" in html and "failed notification deliveries" in html
    assert reverse("admin:moderation_report_changelist") + "?status__exact=open" in html
    assert reverse("admin:accounts_user_changelist") + "?suspended_at__isnull=False" in html
    # Every link opens a working, filtered list.
    for name in [
        "moderation_report",
        "accounts_user",
        "jobs_job",
        "bids_bid",
        "notifications_delivery",
    ]:
        start = html.find(reverse(f"admin:{name}_changelist") + "?")
        if start == -1:
            continue
        link = html[start : html.find('"', start)].replace("&amp;", "&")
        assert moderator_client.get(link).status_code == 200, link


def test_the_dashboard_counts_failed_deliveries(moderator_client, va):
    notification = Notification.objects.create(recipient=va, kind="job_posted", event_key="x")
    Delivery.objects.create(notification=notification, status=Delivery.Status.FAILED)
    html = moderator_client.get(reverse("admin:index")).content.decode()
    assert "?status__exact=failed" in html


def test_the_moderation_log_exports_as_csv(moderator_client, moderator):
    from moderation import services

    job = JobFactory()
    services.job_hide(job_id=job.pk, moderator=moderator, reason="=HYPERLINK(evil)")
    services.job_unhide(job_id=job.pk, moderator=moderator, reason="Appeal, accepted")
    ids = list(ModerationAction.objects.values_list("pk", flat=True))
    response = moderator_client.post(
        reverse("admin:moderation_moderationaction_changelist"),
        {"action": "export_csv", "_selected_action": ids},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "id",
        "created_at",
        "moderator",
        "action",
        "target_type",
        "target_id",
        "reason",
        "report",
    ]
    assert [r[3] for r in rows[1:]] == ["hide_job", "unhide_job"]
    assert rows[1][2] == moderator.email and rows[1][4] == "jobs.job" and rows[1][5] == str(job.pk)
    assert rows[1][6] == "'=HYPERLINK(evil)"  # never a live formula in a spreadsheet
    assert rows[2][6] == "Appeal, accepted"


def test_members_cannot_export_the_log(client, va):
    client.force_login(va)
    response = client.post(
        reverse("admin:moderation_moderationaction_changelist"),
        {"action": "export_csv", "_selected_action": [1]},
    )
    assert response.status_code == 302


def _reports_of_every_kind(n):
    for _ in range(n):
        job = JobFactory()
        ReportFactory(target=job)
        ReportFactory(target=BidFactory(job=job))
        ReportFactory(target=VAFactory())
        ReportFactory(target=job.manual_versions.first())


def test_the_report_queue_query_count_does_not_grow_with_rows(
    moderator_client, django_assert_num_queries
):
    url = reverse("admin:moderation_report_changelist")
    _reports_of_every_kind(1)
    moderator_client.get(url)  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert moderator_client.get(url).status_code == 200
    _reports_of_every_kind(5)
    # Reports and their targets (one query per kind of target), not a query per row.
    with django_assert_num_queries(len(few)):
        response = moderator_client.get(url)
    assert response.status_code == 200 and response.context["cl"].result_count == 24


def test_the_moderation_log_query_count_does_not_grow_with_rows(
    moderator_client, moderator, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moderation import services

    url = reverse("admin:moderation_moderationaction_changelist")
    services.job_hide(
        job_id=JobFactory().pk, moderator=moderator, reason="x", report=ReportFactory()
    )
    moderator_client.get(url)
    with CaptureQueriesContext(connection) as few:
        moderator_client.get(url)
    for _ in range(6):
        services.job_hide(
            job_id=JobFactory().pk, moderator=moderator, reason="x", report=ReportFactory()
        )
    with django_assert_num_queries(len(few)):
        moderator_client.get(url)


def test_a_staff_user_lists_users_with_the_moderation_actions(moderator_client):
    response = moderator_client.get(reverse("admin:accounts_user_changelist"))
    actions = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert "moderation_suspend_user" in actions and "moderation_reinstate_user" in actions
    assert "delete_selected" not in actions
    assert User.objects.exists()


def test_every_kind_of_report_shows_what_was_reported(moderator_client, client_user, va):
    from contracts.models import Contract, Message

    job = JobFactory(client=client_user, status=Job.Status.HIRED, description="Job text here")
    bid = BidFactory(
        job=job, va=va, status=Bid.Status.ACCEPTED, cover_letter="Cover letter text here"
    )
    contract = Contract.objects.create(
        job=job,
        bid=bid,
        client=client_user,
        va=va,
        rate=bid.amount,
        pay_type=job.pay_type,
        currency="IDR",
    )
    message = Message.objects.create(contract=contract, author=va, body="Message text here")
    manual = job.manual_versions.first()
    expectations = [
        (job, "Job text here"),
        (bid, "Cover letter text here"),
        (message, "Message text here"),
        (manual, "Create folders per year"),
        (va, va.email),
    ]
    for target, text in expectations:
        report = ReportFactory(target=target)
        page = moderator_client.get(reverse("admin:moderation_report_change", args=[report.pk]))
        assert page.status_code == 200 and text in page.content.decode(), target
    # The author of reported content can be suspended from the report page.
    report = Report.objects.get(target_type__model="message")
    page = moderator_client.get(reverse("admin:moderation_report_change", args=[report.pk]))
    html = page.content.decode()
    assert f"suspend_user/?ids={va.pk}&amp;next=" in html and f"&amp;report={report.pk}" in html


def test_a_report_on_something_deleted_still_opens(moderator_client):
    from django.contrib.contenttypes.models import ContentType

    report = Report.objects.create(
        reporter=None,
        source=Report.Source.AUTO,
        reason=Report.Reason.SPAM,
        target_type=ContentType.objects.get_for_model(Job),
        target_id="999999",
    )
    assert moderator_client.get(reverse("admin:moderation_report_changelist")).status_code == 200
    page = moderator_client.get(reverse("admin:moderation_report_change", args=[report.pk]))
    assert page.status_code == 200 and "no longer exists" in page.content.decode()
