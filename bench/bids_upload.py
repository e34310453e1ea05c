"""Submit one real bid with large samples to a running server, as a browser would."""

import re
import secrets
import urllib.request
from datetime import date, timedelta
from http.cookiejar import CookieJar


def _pick_job_and_va():
    from accounts.models import User
    from jobs.models import Job

    job = (
        Job.objects.open()
        .filter(pay_type="fixed", currency="IDR")
        .order_by("-published_at")
        .first()
    )
    va = (
        User.objects.filter(is_va=True, suspended_at__isnull=True)
        .exclude(bids__job=job)
        .exclude(pk=job.client_id)
        .first()
    )
    return job, va


def _multipart(fields: dict, files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----asisten" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, content, mimetype in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {mimetype}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submit_bid_with_samples(base: str, *, sample_bytes: int, count: int) -> int:
    from bench.run import session_cookie

    job, va = _pick_job_and_va()
    cookie = session_cookie(va.email)
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The request counts as HTTPS (X-Forwarded-Proto), so CSRF wants an https Referer.
    referer = base.replace("http://", "https://", 1) + "/"
    headers = {"Cookie": cookie, "X-Forwarded-Proto": "https", "Referer": referer}
    url = f"{base}/jobs/{job.pk}/bid/"
    with opener.open(urllib.request.Request(url, headers=headers)) as response:  # noqa: S310 - loopback
        page = response.read().decode()
        csrf_cookie = next(c.value for c in jar if c.name == "csrftoken")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    manual = re.search(r'name="manual_version" value="(\d+)"', page)
    line = b"date,description,amount\n2026-01-01,office supplies,150000\n"
    content = line * (sample_bytes // len(line))
    body, content_type = _multipart(
        {
            "csrfmiddlewaretoken": token,
            "amount": str(int(job.max_rate)),
            "delivery_date": (date.today() + timedelta(days=7)).isoformat(),
            "cover_letter": "I have done this kind of bookkeeping for many small shops and can start at once. "
            * 2,
            "manual_version": manual.group(1) if manual else "",
            "manual_acknowledged": "on",
        },
        [("files", f"ledger-{i}.csv", content, "text/csv") for i in range(count)],
    )
    request = urllib.request.Request(
        url,
        data=body,
        headers={
            **headers,
            "Cookie": f"{cookie}; csrftoken={csrf_cookie}",
            "Content-Type": content_type,
        },
        method="POST",
    )
    with opener.open(request) as response:  # noqa: S310 - loopback
        return response.status
