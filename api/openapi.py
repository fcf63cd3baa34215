"""Corrections to the OpenAPI document Litestar generates, applied once at start-up, so the
document describes what the server really answers (schemathesis holds it to that in
``tests/test_fuzz.py``)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
)

from api.errors import PROBLEM_MEDIA_TYPE, TITLES

# The errors each kind of operation can answer with, beyond its own success statuses.
# Every operation: a malformed parameter (400), a missing or bad token (401), another
# compound's or another person's object (403/404), a state that forbids it, such as a
# service line the compound has not enabled (409), a rule of the domain (422), the per-
# account rate limit (429). Those that write also: a body over the size limit (413), and
# 409 for a clash with what exists or a retry of an Idempotency-Key still running. Those
# that take If-Match: a stale version (412).
# And any of them: the database unavailable (503, with Retry-After).
READ_ERRORS = (400, 401, 403, 404, 409, 422, 429, 503)
WRITE_ERRORS = (*READ_ERRORS, 413)
PUBLIC_ERRORS = (400, 404, 429, 503)

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="/problems/<code>"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="what is wrong, for people"),
        "instance": Schema(type=OpenAPIType.STRING, description="the path that was called"),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="each wrong field: a dotted path into the body, or a parameter name",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={
                    "field": Schema(type=OpenAPIType.STRING),
                    "message": Schema(type=OpenAPIType.STRING),
                },
            ),
        ),
    },
)


def correct(app: Litestar, public_paths: list[str]) -> None:
    """Apply every correction below to ``app``'s OpenAPI document."""
    _times_are_times(app)
    _errors_are_documented(app, public_paths)


def _times_are_times(app: Litestar) -> None:
    """Litestar 2.25 documents ``datetime.time`` fields (weekly availability, class hours)
    as ``format: duration``. They are local wall times of day ("16:30:00", no offset, so
    not JSON Schema's ``time`` format either): document them by pattern. No field of this
    API is a duration."""
    schema = app.openapi_schema
    for component in (schema.components.schemas or {}).values() if schema.components else ():
        for prop in (component.properties or {}).values():
            if isinstance(prop, Schema) and prop.format == OpenAPIFormat.DURATION:
                prop.format = None
                prop.pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"
                prop.description = prop.description or "local wall time of day, HH:MM:SS"


def _errors_are_documented(app: Litestar, public_paths: list[str]) -> None:
    """Every operation documents the problem-details errors it can answer with (Litestar
    documents only its own 400, in a shape this API does not use). ``public_paths`` are the
    regular expressions of the paths served without a token."""
    schema = app.openapi_schema
    assert schema.components is not None
    schema.components.schemas = dict(schema.components.schemas or {})
    schema.components.schemas["Problem"] = PROBLEM
    body = {PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))}
    for path, item in (schema.paths or {}).items():
        example = re.sub(r"\{[^}]+\}", "x", path)  # /calendar/{token}.ics -> /calendar/x.ics
        public = any(re.match(p, example) for p in public_paths)
        for method in ("get", "post", "put", "patch", "delete"):
            operation: Operation | None = getattr(item, method)
            if operation is None:
                continue
            if public:
                statuses: tuple[int, ...] = PUBLIC_ERRORS
            else:
                statuses = READ_ERRORS if method == "get" else WRITE_ERRORS
            if any(
                isinstance(p, Parameter) and p.name.lower() == "if-match"
                for p in operation.parameters or ()
            ):
                statuses = (*statuses, 412)
            responses = dict(operation.responses or {})
            for status in sorted(statuses):
                responses[str(status)] = OpenAPIResponse(
                    description=TITLES[status],
                    content=body,
                    headers=_RETRY_AFTER if status in (429, 503) else None,
                )
            operation.responses = responses


_RETRY_AFTER: dict[str, OpenAPIHeader | Reference] = {
    "Retry-After": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.INTEGER), description="seconds to wait before retrying"
    )
}
