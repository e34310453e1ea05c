from django.conf import settings
from django.urls import path

from live.consumers import LiveConsumer

websocket_urlpatterns = [path(settings.LIVE_WEBSOCKET_PATH.lstrip("/"), LiveConsumer.as_asgi())]
