"""The ASGI side: WebSockets (live updates) served by uvicorn, beside gunicorn's WSGI pages.

`uvicorn marketplace.asgi:application` (make run, docker compose's `live` service). HTTP is
answered too (Django's ASGI handler), so /healthz works on this port, but the pages are
served by gunicorn; a proxy sends only /ws/ here.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django_asgi = get_asgi_application()  # before anything imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from live.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi,
        # The page's Origin must be one of ALLOWED_HOSTS (no cross-site socket riding on
        # the session cookie); the session then names the user.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
