"""Staff manage jobs in the admin; the lists stay at a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.models import Category, Job, JobAttachment, ManualVersion
from tests.factories import ClientFactory, JobFactory, SkillFactory, category
from tests.jobs.factories import indexed_job

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/jobs/job/",
    "/admin/jobs/category/",
    "/admin/jobs/skill/",
    "/admin/jobs/manualversion/",
    "/admin/jobs/jobattachment/",
]


def _add_jobs(count: int, owner) -> None:
    # One owner is enough: without select_related each row would still fetch its client.
    for _ in range(count):
        job = JobFactory(client=owner)
        job.skills.add(SkillFactory())
        ManualVersion.objects.create(job=job, number=2, body="v2")
        JobAttachment.objects.create(
            job=job,
            file="manual/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=3,
        )


@pytest.mark.parametrize("url", CHANGELISTS)
def test_each_changelist_makes_the_same_number_of_queries_for_few_and_many(client, staff, url):
    # Guards list_select_related: a client/category/job lookup per row would grow the count.
    client.force_login(staff)
    owner = ClientFactory()
    _add_jobs(2, owner)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_jobs(8, owner)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_job_change_page_shows_the_manual_versions(client, staff):
    job = JobFactory()
    client.force_login(staff)
    response = client.get(f"/admin/jobs/job/{job.pk}/change/")
    assert response.status_code == 200
    assert "1. Open the drive." in response.content.decode()


def test_the_job_list_searches_by_title(client, staff):
    JobFactory(title="Transcribe podcast episodes")
    JobFactory(title="Sort receipts")
    client.force_login(staff)
    response = client.get("/admin/jobs/job/", {"q": "podcast"})
    assert [j.title for j in response.context["cl"].result_list] == ["Transcribe podcast episodes"]


def test_renaming_a_category_in_the_admin_updates_search(client, staff):
    job = indexed_job(category=category("research"))
    research = Category.objects.get(slug="research")
    client.force_login(staff)
    response = client.post(
        f"/admin/jobs/category/{research.pk}/change/",
        {"slug": "research", "name_en": "Market research", "name_id": "Riset pasar", "position": 9},
    )
    assert response.status_code == 302
    assert list(Job.objects.search("market").values_list("pk", flat=True)) == [job.pk]


def _another_process_read_the_catalogue_long_ago() -> str:
    """The digest as a process that read it a moment ago (its minute not yet over) has it."""
    from jobs import models as job_models

    job_models._catalogue = (0.0, "")
    digest = job_models.catalogue_version()
    assert job_models.catalogue_version() == digest  # kept, not read again per request
    return digest


def test_a_category_renamed_in_the_admin_changes_every_process_digest_at_once(client, staff):
    """Issue 20: cards and filter forms are cached under the names' digest each process
    keeps; a rename moves the catalogue generation in Redis, so no process waits out its
    minute (tests/scale reads it on another gunicorn)."""
    from jobs.models import catalogue_version

    research = category("research")
    before = _another_process_read_the_catalogue_long_ago()
    client.force_login(staff)
    response = client.post(
        f"/admin/jobs/category/{research.pk}/change/",
        {"slug": "research", "name_en": "Market research", "name_id": "Riset pasar", "position": 9},
    )
    assert response.status_code == 302
    assert catalogue_version() != before


@pytest.mark.parametrize("action", ["add", "rename", "delete"])
def test_a_skill_changed_in_the_admin_changes_every_process_digest_at_once(client, staff, action):
    from jobs.models import Skill, catalogue_version

    skill = SkillFactory(name="Xero")
    before = _another_process_read_the_catalogue_long_ago()
    client.force_login(staff)
    if action == "add":
        response = client.post("/admin/jobs/skill/add/", {"name": "Canva", "slug": "canva"})
    elif action == "rename":
        response = client.post(
            f"/admin/jobs/skill/{skill.pk}/change/", {"name": "Xero Accounting", "slug": "xero"}
        )
    else:
        response = client.post(f"/admin/jobs/skill/{skill.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert Skill.objects.filter(name="Xero").exists() == (action == "add")
    assert catalogue_version() != before


def test_a_non_staff_user_cannot_open_the_job_admin(client, client_user):
    client.force_login(client_user)
    assert client.get("/admin/jobs/job/").status_code == 302
