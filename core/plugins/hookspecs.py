"""Hook specifications: the documented public API for plugin authors.

Implement any of these in a module or object and mark each function with
``core.plugins.hookimpl``. Implementations may accept fewer arguments than the
specification lists (pluggy passes only those named), so specifications can grow without
breaking plugins.

Hooks run synchronously. Every hook that decides something is pure: the core loads what it
needs and passes plain structs; do no I/O in them. Only ``request_event`` may be ``async``.

Phases:

* **start-up**: ``service_lines``, ``skills``, ``storage_app``, ``api_routes`` are called
  once when the plugin host is built;
* **booking**: ``validate_request`` is called for every new request, inside no transaction;
* **matching**: ``veto_candidate`` and ``adjust_score`` are called for each candidate of
  each seat, in instant and batch matching alike (keep them cheap and pure);
* **inside the booking's transaction**: ``request_stored`` and ``request_closed`` may
  write to the plugin's tables and refuse (roll back) the booking;
* **after commit**: ``request_event`` is called for each lifecycle event once the
  transaction that produced it has committed (never for work that rolled back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.plugins.markers import hookspec

if TYPE_CHECKING:
    from core.domain.errors import FieldProblem
    from core.domain.events import NotificationOut, RequestEvent
    from core.matching import Candidate, Need
    from core.plugins.line import RequestDraft, ServiceLine, Skill, StorageApp, StoredRequest


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


@hookspec
def storage_app() -> StorageApp | None:
    """Declare the plugin's own tables: a tortoise app (label, models module, migrations
    package). Migrated with the core's at start-up and by ``redbutler migrate``; labels
    must be unique. Return ``None`` if the plugin keeps no tables.
    """


@hookspec
def api_routes() -> list[Any] | None:
    """Contribute HTTP endpoints: Litestar controllers or route handlers, registered with
    the core's (authentication, error format and OpenAPI docs included). Handlers may ask
    for the ``services`` and ``who`` dependencies. Put them under ``/<line key>/...``.
    Results are collected.
    """


@hookspec
def demo(services: Any, community_id: int, staff: Any) -> Any:
    """Add the line's part of the demo compound (``redbutler serve --demo``): enable and
    configure the line, add realistic data from the domain brief. Called once, after the
    core's demo data, with the core ``Services``, the demo compound's id and its staff
    member's ``Principal``. May be ``async``; an error stops the demo load.
    """


# -- booking --------------------------------------------------------------------------------


@hookspec
def validate_request(draft: RequestDraft) -> list[FieldProblem] | None:
    """Veto a new request of any line, e.g. a compound-wide policy.

    Called after the line's own ``ServiceLine.validate`` passed. Results are collected from
    every plugin and all problems are reported together as one 422; ``None`` or ``[]`` means
    no objection.
    """


# -- matching -------------------------------------------------------------------------------


@hookspec
def veto_candidate(need: Need, candidate: Candidate) -> str | None:
    """Refuse a candidate for one seat, with a reason a person can read (e.g. "not vetted
    for work with children"). Results are collected: any non-empty string is a veto, and
    staff see every reason at ``GET /requests/{id}/candidates``. ``None`` means no objection.

    ``need.line`` and ``need.details`` say what the seat is for; return ``None`` for lines
    you do not own.
    """


@hookspec
def adjust_score(need: Need, candidate: Candidate) -> dict[str, float] | None:
    """Add named parts to a candidate's score for one seat, e.g. ``{"tutor_subject": 1.5}``.

    Results are collected; each part is added to the score and shown in the breakdown
    stored on the offer. Negative values lower the score. ``None`` adds nothing.
    """


# -- inside the booking's transaction -------------------------------------------------------


@hookspec
def request_stored(request: StoredRequest) -> Any:
    """A request was just inserted, inside the transaction that inserts it (before
    matching). Reserve what it needs (equipment, a room) in your own tables here; raise a
    ``core.domain.errors.DomainError`` (e.g. ``Conflict``) to refuse the booking, and
    everything, the request included, is rolled back. May be ``async`` (it is awaited);
    every implementation is called. Check ``request.line`` and ignore other lines'.
    """


@hookspec
def request_closed(request: StoredRequest, status: str) -> Any:
    """A request was cancelled, inside the cancelling transaction: free what
    ``request_stored`` reserved. May be ``async``; every implementation is called."""


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


@hookspec
def deliver_notification(notification: NotificationOut) -> Any:
    """Send a notification (a new offer, a reminder before a job) through a channel: SMS,
    a messaging app, a loudspeaker announcement.

    Called by the scheduler once per notification when it falls due, after it has been
    claimed in the database, so exactly once across server processes. Every implementation
    is called; may be ``async``; an exception is logged and does not undo the delivery
    (the notification stays readable at ``GET /notifications``).
    """
