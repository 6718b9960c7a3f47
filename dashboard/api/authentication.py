"""Token authentication whose failures are throttled per address.

DRF authenticates before it throttles, so a wrong token would be refused at once, however often
it is tried. Here the failures from one address are counted (the `failed_authentication` rate,
DASHBOARD_API_FAILED_AUTH_RATE), and once they reach the rate every token from that address is
answered 429 until the period has passed.
"""

from rest_framework import authentication, exceptions
from rest_framework.throttling import SimpleRateThrottle


class FailedAuthenticationThrottle(SimpleRateThrottle):
    scope = "failed_authentication"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def reached(self, request) -> bool:
        """Whether this address has failed as often as the rate allows (counts nothing)."""
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        self.history = [moment for moment in self.history if moment > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def count_failure(self, request) -> None:
        self.reached(request)
        self.throttle_success()  # records this moment in the address's history


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, with a token made in the admin (README, "Web API")."""

    def authenticate(self, request):
        if authentication.get_authorization_header(request).split()[:1] != [b"Token"]:
            return None
        throttle = FailedAuthenticationThrottle()
        if throttle.reached(request):
            raise exceptions.Throttled(
                throttle.wait(), detail="Too many failed authentications from this address."
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.count_failure(request)
            raise
