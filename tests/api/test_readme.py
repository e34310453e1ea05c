"""The README's API example, run exactly as written against a live server: a client's
program posts a task, a VA's program bids with a sample, the client hires, both message."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bids.models import Bid
from contracts.models import Contract, Message
from jobs.models import Job
from tests.api.conftest import token_for

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    found = re.search(
        r"<!-- api-example:start -->\n```python\n(.*?)```\n<!-- api-example:end -->", text, re.S
    )
    assert found, "the README lost its API example markers"
    return found.group(1)


# serialized_rollback: as the other live tests (tests/contracts/test_races.py), so the
# flush after this test leaves nothing a later serialized test would clash with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readmes_example_runs_as_written(live_server, client_user, va):
    env = {
        **os.environ,
        "ASISTEN_URL": live_server.url,
        "CLIENT_TOKEN": token_for(client_user, ["read", "jobs:write", "contracts:write"]),
        "VA_TOKEN": token_for(va, ["read", "bids:write", "contracts:write"]),
    }
    run = subprocess.run(
        [sys.executable, "-c", readme_example()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['Thanks, starting today.', 'Welcome aboard!']"
    job = Job.objects.get(client=client_user)
    assert job.status == Job.Status.HIRED
    bid = Bid.objects.get(job=job, va=va)
    assert bid.status == Bid.Status.ACCEPTED
    assert [s.original_name for s in bid.samples.all()] == ["plan.txt"]
    contract = Contract.objects.get(bid=bid)
    assert sorted(Message.objects.filter(contract=contract).values_list("author", flat=True)) == (
        sorted([client_user.pk, va.pk])
    )
