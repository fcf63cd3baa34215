"""One error shape for every failure: RFC 9457 problem details (``application/problem+json``).

``errors`` lists the wrong fields, each as a dotted path into the request body or the name
of a query or path parameter.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from tortoise.exceptions import DoesNotExist, IntegrityError

from core.domain.errors import DomainError, FieldProblem

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] = []


TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
# Seconds a client is asked to wait before retrying while the database is unavailable.
RETRY_UNAVAILABLE = 2


def problem(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    body = Problem(
        type=f"/problems/{code}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors or [],
    )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    return problem(request, exc.status, exc.code, exc.detail, exc.problems)


# What the decoder says of a malformed date or time, with the form it takes. A form's
# date-time field (HTML's datetime-local) sends "2026-12-07T15:00", without seconds.
FORMS = {
    "Invalid RFC3339 encoded datetime": "not a date and time: write it like "
    "2026-12-07T15:00:00 (seconds too), the compound's local time, or with an offset "
    "like 2026-12-07T15:00:00+08:00",
    "Invalid RFC3339 encoded date": "not a date: write it like 2026-12-07",
    "Invalid RFC3339 encoded time": "not a time: write it like 15:00:00 (seconds too)",
}


def validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            message = str(item.get("message", "invalid"))
            errors.append(FieldProblem(key, FORMS.get(message, message)))
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    return problem(request, 400, "bad-request", detail, errors)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    code = TITLES.get(exc.status_code, "error").lower().replace(" ", "-")
    return problem(request, exc.status_code, code, str(exc.detail))


def not_found(request: Request[Any, Any, Any], exc: DoesNotExist) -> Response[Problem]:
    return problem(request, 404, "not-found", "not found")


def integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Problem]:
    log.info("integrity error answered as 409: %s", exc)
    return problem(request, 409, "conflict", "this conflicts with existing data")


# Integers the database cannot hold (ids are 32-bit on PostgreSQL, 64-bit on SQLite).
LARGEST_ID = 2**31 - 1


def out_of_range(message: str) -> bool:
    """Whether a driver refused a number as too large for its column: asyncpg's "value out
    of int32 range", PostgreSQL's "integer out of range", sqlite3's "Python int too large
    to convert". Not any "out of range" (an IndexError's is a bug, answered as one)."""
    return (
        "out of int" in message
        or "too large to convert" in message
        or any(f"{kind} out of range" in message for kind in ("integer", "bigint", "smallint"))
    )


# PostgreSQL's error codes for a server that cannot serve now: connection exceptions (class
# 08), shutting down or starting up (57P01-57P03), no connection slot left (53300), and not
# in time (``core.storage.config.POSTGRES_TIMEOUTS``): a lock not granted within
# lock_timeout (55P03), a statement cancelled at statement_timeout (57014), a session
# closed idle in its transaction (25P03).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300", "55P03", "57014", "25P03")
# SQLite's for a database file another process holds past the busy timeout.
_SQLITE_BUSY = ("database is locked", "database is busy")


def unavailable(exc: BaseException) -> str | None:
    """Why the database could not serve the call, when that is what ``exc`` (or what caused
    it) says: refused or lost connections, a server shutting down or starting up, no
    connection left, a lock or statement past its time limit, no answer in time, a SQLite
    file locked by another process. None for anything else."""
    seen: BaseException | None = exc
    for _ in range(6):  # the error and what it was raised from
        if seen is None:
            return None
        state = getattr(seen, "sqlstate", None)
        # TimeoutError: the database did not answer within the client's own limits
        # (``core.storage.config.POSTGRES_CLIENT_TIMEOUTS``).
        if isinstance(seen, ConnectionError | TimeoutError) or (
            isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES)
        ):
            return f"{type(seen).__name__}: {seen}"
        if any(busy in str(seen) for busy in _SQLITE_BUSY):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    reason = unavailable(exc)
    if reason is not None:
        # Nobody's input is wrong and nothing is broken in the code: the database is down,
        # restarting or busy. Say so, and when to try again; one line in the log, not a
        # traceback per call for the length of an outage.
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, reason)
        return problem(
            request,
            503,
            "unavailable",
            "the database cannot be reached just now; retry in a moment (a POST retried "
            "with the same Idempotency-Key is done at most once)",
            headers={"Retry-After": str(RETRY_UNAVAILABLE)},
        )
    if isinstance(exc, OverflowError) or out_of_range(str(exc)):
        # A number past what any stored row can have: the input is wrong, not the server.
        return problem(
            request, 422, "invalid-input", f"a number is out of range (at most {LARGEST_ID})"
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal-error",
        "something went wrong on our side; it has been logged",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    DoesNotExist: not_found,
    IntegrityError: integrity_error,
    Exception: internal_error,
}
