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
}


def problem(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
) -> Response[Problem]:
    body = Problem(
        type=f"/problems/{code}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors or [],
    )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    return problem(request, exc.status, exc.code, exc.detail, exc.problems)


def validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            errors.append(FieldProblem(key, str(item.get("message", "invalid"))))
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


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
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
