# ruff: noqa: S311 - random picks of pages and tasks, nothing secret
"""Locust users for `make loadtest` (run by loadtest/run.py, which writes the plan it reads).

Three kinds of people, as on the live site: visitors browse, search and open tasks; VAs sign
in through the real login form and bid with a small work sample; clients sign in and review
the bids on their tasks. Every response's status is counted, and each bid the server
accepted (302 to "My bids") is written down so run.py can find it in the database exactly
once.

The plan (LOADTEST_PLAN, JSON) names the accounts and the open tasks; the results
(LOADTEST_RESULTS, JSON) are written when Locust quits.
"""

import io
import itertools
import json
import os
import random
import re
import threading
from collections import Counter
from datetime import date, timedelta

from locust import HttpUser, between, events, task
from PIL import Image

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read()) if "LOADTEST_PLAN" in os.environ else {}
SEARCH_WORDS = ["inbox", "bookkeeping", "Instagram", "artikel", "travel", "data", "faktur", "riset"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_statuses: Counter = Counter()
_bids: list[dict] = []
_refused_bids: list[dict] = []
_lock = threading.Lock()
_va_accounts = itertools.count()
_client_accounts = itertools.count()


def _sample_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


SAMPLE = _sample_png()


@events.request.add_listener
def _count(response=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    with _lock:
        _statuses[str(status) if status else "no response"] += 1


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    path = os.environ.get("LOADTEST_RESULTS")
    if not path:
        return
    stats = environment.stats.total
    with open(path, "w") as out:
        json.dump(
            {
                "statuses": dict(_statuses),
                "bids": _bids,
                "refused_bids": _refused_bids,
                "requests": stats.num_requests,
                "failures": stats.num_failures,
                "rps": stats.total_rps,
                "median_ms": stats.get_response_time_percentile(0.5),
                "p95_ms": stats.get_response_time_percentile(0.95),
                "p99_ms": stats.get_response_time_percentile(0.99),
            },
            out,
        )


class _Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self):
        # Production cookies are Secure; here TLS is played by X-Forwarded-Proto on loopback
        # (as bench/run.py does), so the cookie jar must send them over plain http too.
        send = self.client.request

        def request(method, url, **kwargs):
            for cookie in self.client.cookies:
                cookie.secure = False
            return send(method, url, **kwargs)

        self.client.request = request
        self.client.headers["X-Forwarded-Proto"] = "https"
        # CSRF on HTTPS checks the Origin of every POST.
        self.client.headers["Origin"] = self.host.replace("http://", "https://")

    def _browse(self):
        self.client.get("/", name="/")
        page = random.choice(["", "?page=2", "?sort=newest", "?pay_type=hourly"])
        self.client.get(f"/jobs/{page}", name="/jobs/ (board)")

    def _search(self):
        self.client.get(f"/jobs/?q={random.choice(SEARCH_WORDS)}", name="/jobs/?q= (search)")

    def _view_job(self):
        job = random.choice(PLAN["jobs"])
        self.client.get(f"/jobs/{job['id']}/", name="/jobs/<id>/")

    def _sign_in(self, email: str) -> bool:
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text)
        if not token:
            return False
        with self.client.post(
            "/accounts/login/",
            {"login": email, "password": PLAN["password"], "csrfmiddlewaretoken": token.group(1)},
            name="/accounts/login/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")
                return False
            response.success()
        return True


class Visitor(_Person):
    weight = 6

    @task(3)
    def browse(self):
        self._browse()

    @task(2)
    def search(self):
        self._search()

    @task(3)
    def view_job(self):
        self._view_job()

    @task(1)
    def va_profile(self):
        self.client.get(f"/va/{random.choice(PLAN['va_profiles'])}/", name="/va/<id>/")


class VA(_Person):
    weight = 3

    def on_start(self):
        super().on_start()
        self.email = PLAN["vas"][next(_va_accounts) % len(PLAN["vas"])]
        self.bid_on: set[int] = set()
        self.signed_in = self._sign_in(self.email)

    @task(3)
    def browse(self):
        self._browse()

    @task(2)
    def view_job(self):
        self._view_job()

    @task(1)
    def my_bids(self):
        if self.signed_in:
            self.client.get("/bids/", name="/bids/")

    @task(2)
    def bid(self):
        if not self.signed_in or len(self.bid_on) >= PLAN["bids_per_va"]:
            return
        job = random.choice([j for j in PLAN["jobs"] if j["id"] not in self.bid_on])
        self.bid_on.add(job["id"])
        form = self.client.get(f"/jobs/{job['id']}/bid/", name="/jobs/<id>/bid/")
        token = CSRF.search(form.text)
        if form.status_code != 200 or token is None or 'name="cover_letter"' not in form.text:
            return
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "amount": job["max_rate"],
            "cover_letter": "I have done this kind of work for small businesses for years; "
            "I read the manual and can start this week.",
            "manual_version": str(job["manual_version"]),
            "manual_acknowledged": "on",
        }
        if job["hourly"]:
            data["estimated_hours"] = "10"
        else:
            data["delivery_date"] = (date.today() + timedelta(days=10)).isoformat()
        with self.client.post(
            f"/jobs/{job['id']}/bid/",
            data=data,
            files={"files": ("sample.png", SAMPLE, "image/png")},
            name="/jobs/<id>/bid/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            record = {"email": self.email, "job_id": job["id"], "status": response.status_code}
            if response.status_code == 302 and response.headers.get("Location", "").endswith(
                "/bids/"
            ):
                response.success()
                with _lock:
                    _bids.append(record)
            elif response.status_code < 500:
                # A job closed meanwhile, or a rate limit: a refusal, not an error.
                response.success()
                with _lock:
                    _refused_bids.append(record)
            else:
                response.failure(f"bid answered {response.status_code}")


class Client(_Person):
    weight = 1

    def on_start(self):
        super().on_start()
        account = PLAN["clients"][next(_client_accounts) % len(PLAN["clients"])]
        self.email, self.jobs = account["email"], account["jobs"]
        self.signed_in = self._sign_in(self.email)

    @task(2)
    def my_jobs(self):
        if self.signed_in:
            self.client.get("/jobs/mine/", name="/jobs/mine/")

    @task(4)
    def review_bids(self):
        if self.signed_in:
            job_id = random.choice(self.jobs)
            self.client.get(f"/jobs/{job_id}/bids/", name="/jobs/<id>/bids/")

    @task(1)
    def notifications(self):
        if self.signed_in:
            self.client.get("/notifications/", name="/notifications/")
