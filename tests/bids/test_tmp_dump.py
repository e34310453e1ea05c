import pytest
from django.urls import reverse
from bids import services
from tests.bids.helpers import pdf_upload, png_upload, terms
from tests.factories import JobFactory
from tests.bids.factories import InterviewFactory

@pytest.mark.django_db
def test_dump(client, client_user, va):
    job = JobFactory(client=client_user)
    bid = services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload() + png_upload())
    services.bid_shortlist(bid=bid, client=client_user)
    client.force_login(client_user)
    body = client.get(reverse("bids:review", args=[job.pk])).content.decode()
    start = body.index('<main')
    open("/tmp/review.html", "w").write(body[start:])
    it = InterviewFactory(bid=bid)
    open("/tmp/interview.html", "w").write(client.get(reverse("bids:interview", args=[it.pk])).content.decode().split('<main')[1])
    client.force_login(va)
    open("/tmp/submit.html", "w").write(client.get(reverse("bids:submit", args=[job.pk])).content.decode().split('<main')[1])
    open("/tmp/interview_va.html", "w").write(client.get(reverse("bids:interview", args=[it.pk])).content.decode().split('<main')[1])
