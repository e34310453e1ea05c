"""The benchmark's ceiling, and the floor of a signed-in page.

`ceiling`: the fastest page of ours Django can serve here.

A minimal view rendering 20 rows of the 100,000-row jobs table through a template with
pagination (keyset on the primary key, so it costs the same on every page).

`layout`: our site layout (header, footer) around an empty page, for a signed-in user: what
every signed-in page costs before it shows anything (session, user, unread count, layout).

Mounted only when BENCHMARK_VIEWS is on (bench/run.py sets it); never in production.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jobs.models import Job

PAGE_SIZE = 20


def ceiling(request: HttpRequest) -> HttpResponse:
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    rows = list(
        Job.objects.filter(id__gt=after).order_by("id").values("id", "title")[: PAGE_SIZE + 1]
    )
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(
        request,
        "demo/ceiling.html",
        {"rows": rows, "next_after": rows[-1]["id"] if has_next and rows else None},
    )


def layout(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/layout.html")
