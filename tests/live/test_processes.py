"""Two real uvicorn processes on one Redis: a message posted to process A reaches a socket
held by process B (issue 18). Both serve the test database (its URL from marketplace.dburl),
so the test is transactional: the servers only see committed rows."""

import json
import re
import urllib.parse
import urllib.request
from http.cookiejar import Cookie, CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from websockets.sync.client import connect

from tests.contracts.factories import fixed_contract
from tests.live.helpers import session_cookie
from tests.live.servers import AsgiServer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def two_servers(tmp_path):
    servers = [AsgiServer(tmp_path / "a.log"), AsgiServer(tmp_path / "b.log")]
    yield servers
    for server in servers:
        server.stop()


def _opener(cookie: str) -> urllib.request.OpenerDirector:
    jar = CookieJar()
    name, value = cookie.split("=", 1)
    jar.set_cookie(
        Cookie(
            0,
            name,
            value,
            None,
            False,
            "127.0.0.1",
            False,
            False,
            "/",
            True,
            False,
            None,
            False,
            None,
            None,
            {},
        )
    )
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def test_a_message_posted_through_one_process_reaches_a_socket_on_the_other(
    two_servers, client_user, va
):
    a, b = two_servers
    contract = fixed_contract(client=client_user, va=va)
    alice, vina = session_cookie(client_user), session_cookie(va)
    workspace = reverse("contracts:workspace", args=[contract.pk])

    with connect(
        f"ws://127.0.0.1:{b.port}{settings.LIVE_WEBSOCKET_PATH}",
        additional_headers={"Cookie": alice},
        origin=b.url,
        open_timeout=10,
    ) as socket:
        socket.send(json.dumps({"type": "resume", "elapsed_ms": 0}))
        assert json.loads(socket.recv(timeout=10))["type"] == "ready"

        # Vina posts the form to process A, as her browser would.
        opener = _opener(vina)
        page = opener.open(a.url + workspace, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "body": "Sent via A"})
        request = urllib.request.Request(
            a.url + reverse("contracts:message_send", args=[contract.pk]),
            data=form.encode(),
            headers={"Referer": a.url + workspace},
        )
        assert opener.open(request, timeout=10).status == 200  # followed the redirect

        frame = json.loads(socket.recv(timeout=10))
        assert frame["type"] == "event" and frame["kind"] == "message"
        assert frame["data"]["body"] == "Sent via A"
        assert frame["data"]["author_id"] == va.pk
