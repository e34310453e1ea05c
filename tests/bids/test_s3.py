"""The production storage path, for real: samples in a private S3 bucket (moto server),
opened only through a presigned URL that expires within five minutes."""

import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import boto3
import pytest
from django.urls import reverse

from bids import services
from tests.bids import files
from tests.bids.helpers import pdf_upload, png_upload, terms
from tests.factories import JobFactory

BUCKET = "asisten-private-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port), "-H", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def s3_storage(settings, moto_endpoint):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **CREDENTIALS,
                "endpoint_url": moto_endpoint,
                "bucket_name": BUCKET,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    return moto_endpoint


@pytest.mark.slow
@pytest.mark.django_db
def test_a_sample_is_stored_in_s3_and_opened_through_a_short_presigned_url(
    client, client_user, va, other_va, s3_storage
):
    job = JobFactory(client=client_user)
    bid = services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload() + png_upload())
    pdf = bid.samples.get(content_type="application/pdf")

    s3 = boto3.client(
        "s3",
        endpoint_url=s3_storage,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    stored = s3.get_object(Bucket=BUCKET, Key=pdf.file.name)["Body"].read()
    assert stored == files.pdf_bytes()
    png = bid.samples.get(content_type="image/png")
    assert s3.head_object(Bucket=BUCKET, Key=png.thumbnail.name)["ContentLength"] > 0

    # Without permission: no URL at all.
    client.force_login(other_va)
    assert client.get(reverse("bids:sample", args=[pdf.pk])).status_code == 404

    client.force_login(client_user)
    response = client.get(reverse("bids:sample", args=[pdf.pk]))
    assert response.status_code == 302
    assert response["X-Content-Type-Options"] == "nosniff"
    url = response["Location"]
    assert url.startswith(s3_storage)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    if "X-Amz-Expires" in query:  # signature v4: seconds from signing
        lifetime = int(query["X-Amz-Expires"][0])
    else:  # signature v2: an absolute expiry time
        lifetime = int(query["Expires"][0]) - time.time()
    assert 0 < lifetime <= 300
    with urllib.request.urlopen(url, timeout=10) as fetched:
        assert fetched.read() == files.pdf_bytes()
        assert fetched.headers["Content-Type"] == "application/pdf"

    # The thumbnail comes from our own origin (the pages' img-src is 'self'), read from S3.
    response = client.get(reverse("bids:sample_thumbnail", args=[png.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    body = s3.get_object(Bucket=BUCKET, Key=png.thumbnail.name)["Body"].read()
    assert response.content == body
    client.force_login(other_va)
    assert client.get(reverse("bids:sample_thumbnail", args=[png.pk])).status_code == 404
