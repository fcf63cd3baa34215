"""Hook specifications: the documented public API for plugin authors.

Implement any of these in a module or object and mark each function with
``core.plugins.hookimpl``. Implementations may accept fewer arguments than the
specification lists (pluggy passes only those named), so specifications can grow without
breaking plugins.

Hooks run synchronously. Every hook that decides something is pure: the core loads what it
needs and passes plain structs; do no I/O in them. Only ``request_event`` may be ``async``.

Phases:

* **start-up**: ``service_lines``, ``skills`` are called once when the plugin host is built;
* **booking**: ``validate_request`` is called for every new request, inside no transaction;
* **after commit**: ``request_event`` is called for each lifecycle event once the
  transaction that produced it has committed (never for work that rolled back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.plugins.markers import hookspec

if TYPE_CHECKING:
    from core.domain.errors import FieldProblem
    from core.domain.events import RequestEvent
    from core.plugins.line import RequestDraft, ServiceLine, Skill


# -- start-up ------------------------------------------------------------------------------


@hookspec
def service_lines() -> list[ServiceLine]:
    """Contribute service lines (instances of :class:`core.plugins.ServiceLine`).

    Results are collected from every plugin. Line keys must be unique across plugins: a
    clash stops start-up with an error naming both plugins. Return ``[]`` or ``None`` if
    the plugin has no line.
    """


@hookspec
def skills() -> list[Skill]:
    """Contribute entries to the skill vocabulary beyond those of your service lines.

    Results are collected. A key contributed twice with different titles is a start-up
    error; the same definition twice is fine.
    """


# -- booking --------------------------------------------------------------------------------


@hookspec
def validate_request(draft: RequestDraft) -> list[FieldProblem] | None:
    """Veto a new request of any line, e.g. a compound-wide policy.

    Called after the line's own ``ServiceLine.validate`` passed. Results are collected from
    every plugin and all problems are reported together as one 422; ``None`` or ``[]`` means
    no objection.
    """


# -- after commit ---------------------------------------------------------------------------


@hookspec
def request_event(event: RequestEvent) -> Any:
    """Be told of a lifecycle event (created, offered, accepted, declined, expired, withdrawn,
    unfilled, assigned, completed, cancelled).

    Called after the transaction that produced the event committed, once per event, in
    order. Every implementation is called; return values are ignored. May be ``async``. An
    exception is logged with the plugin's name and does not affect the user's call. Events
    are not retried: what must never be lost belongs in a table written in the transaction.
    """
