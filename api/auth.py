"""Bearer-token authentication. Every route needs a token except those excluded here with
anchored patterns (an unanchored one would also open any path that merely contains it)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from core.domain.access import Principal
from core.services import Services

# The iCal feed is public: calendar apps cannot send a bearer token, so its path carries a
# secret instead (checked by the handler).
PUBLIC_PATHS = [r"^/health$", r"^/ready$", r"^/schema(/.*)?$", r"^/calendar/[A-Za-z0-9_-]+\.ics$"]


class BearerTokenAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("send 'Authorization: Bearer <token>'")
        services = connection.app.state.services
        principal = await services.accounts.authenticate(token.strip())
        if principal is None:
            raise NotAuthorizedException("unknown or revoked token")
        return AuthenticationResult(user=principal, auth=token)


def current_principal(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Principal:
    """The ``who`` dependency: the authenticated account behind the request.

    It takes ``services`` only to be resolved after it. Litestar resolves dependencies that
    do not depend on each other concurrently, in an anyio task group: two tasks on every
    request for two trivial lookups, 6% of a booking's time in the server
    (litestar-org/litestar#4563). One after the other, they run inline."""
    user = request.user
    assert isinstance(user, Principal)
    return user
