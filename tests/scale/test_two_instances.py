"""Many processes, one truth (issue 20), in small: two independent gunicorn masters (two
workers each) on the test database and Redis. Each change is made once (through the
services, as a request to either instance would make it) after both instances have read
and cached the pages it touches; the next request to the *other* instance must show it.

The servers only see committed rows, so the tests are transactional. `make scale-test`
runs the same scenarios (loadtest/coherence.py) behind nginx under Locust load.
"""

import pytest

from loadtest import coherence
from tests.live.servers import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Gunicorn(ServerProcess):
    name = "gunicorn"

    def command(self) -> list[str]:
        import sys

        return coherence.gunicorn_command(sys.executable, self.port, workers=2)


@pytest.fixture
def instances(tmp_path):
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(Gunicorn(tmp_path / f"{name}.log", {"LOG_LEVEL": "WARNING"}))
        yield [coherence.Instance(name, s.url) for name, s in zip("ab", servers, strict=True)]
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def world():
    return coherence.make_world()


def _by_name(world) -> dict:
    return {s.name: s for s in coherence.scenarios(world)}


def test_every_change_shows_on_the_next_request_to_the_other_instance(instances, world):
    outcome = coherence.run(coherence.scenarios(world), instances, warm_reads=4)

    assert outcome.broken_before == []
    scenarios = {r.scenario for r in outcome.reads}
    assert scenarios == set(_by_name(world)), "every scenario was read after its change"
    assert {r.instance for r in outcome.reads} == {"a", "b"}
    stale = [f"{r.scenario}: {r.page} on {r.instance}" for r in outcome.stale]
    assert stale == []


def test_a_write_around_the_services_is_read_as_stale(instances, world):
    """The checker can fail: an UPDATE that skips the services (no `updated_at` moved, no
    search generation bumped) leaves the cached cards showing the old title on every
    instance, and each such read counts as stale."""
    from jobs.models import Job

    scenario = _by_name(world)["a client edits the title and max rate"]
    job = world.job
    scenario.pages = [p for p in scenario.pages if "rate" not in p.label]
    scenario.change = lambda: Job.objects.filter(pk=job.pk).update(title=f"{job.title} renamed")
    outcome = coherence.run([scenario], instances, warm_reads=4)

    assert outcome.broken_before == []
    stale = {(r.page, r.instance) for r in outcome.stale}
    # The cards on the board and in search are cached under the row's stamps; the task
    # page reads its title itself, so it shows the new one.
    assert {("board", "a"), ("board", "b"), ("search", "a"), ("search", "b")} <= stale
    assert ("detail title", "b") not in stale
