"""Per-token (or, for the session, per-person) hourly limits, counted by the same Redis
counter as the pages' limits (marketplace.ratelimit)."""

from rest_framework.throttling import BaseThrottle

from api.models import PersonalAccessToken
from marketplace import ratelimit


class HourlyThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, PersonalAccessToken):
            key = f"token-{token.pk}"
        elif request.user.is_authenticated:
            key = f"user-{request.user.pk}"
        else:
            key = f"ip-{self.get_ident(request)}"
        return ratelimit.allow("api", key)

    def wait(self) -> float:
        return ratelimit.seconds_left_in_window()
