"""Domain errors. The API maps each to one HTTP status and an RFC 9457 problem body.

Each error carries a stable ``code`` (the last part of the problem ``type``), a human
``detail`` and, for bad input, the ``field`` paths that are wrong.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec


class FieldProblem(msgspec.Struct, frozen=True):
    """One wrong field: a dotted path into the request body (``details.items[0].name``)."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400

    def __init__(self, detail: str, *, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []


class InvalidInput(DomainError):
    """The input is well-formed JSON but breaks a rule; ``problems`` names the fields."""

    code = "invalid-input"
    status = 422

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", problems=[FieldProblem(field, message)])


class NotFound(DomainError):
    code = "not-found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class PreconditionFailed(DomainError):
    """``If-Match`` names a version that is no longer current: someone changed it since."""

    code = "precondition-failed"
    status = 412


class Conflict(DomainError):
    """The request is valid but the current state does not allow it (taken, answered, full)."""

    code = "conflict"
    status = 409


class ServiceLineDisabled(Conflict):
    code = "service-line-disabled"


class PluginError(Exception):
    """A plugin could not be loaded or broke the contract; raised at start-up, naming it."""
