from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role an account holds in one community. Admins are a flag on the account instead."""

    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    STAFF = "staff"


class RequestStatus(StrEnum):
    PENDING = "pending"  # looking for volunteers: offers out or about to go out
    ASSIGNED = "assigned"  # every seat accepted
    UNFILLED = "unfilled"  # no candidate left: in the staff's queue
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_REQUEST_STATUSES = frozenset({RequestStatus.PENDING, RequestStatus.UNFILLED})


class HoursStatus(StrEnum):
    """An entry of the hours ledger."""

    PENDING = "pending"  # waiting for staff (hours_need_approval)
    APPROVED = "approved"
    REJECTED = "rejected"


class OfferStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # withdrawn: the request was cancelled or filled by others
    NO_SHOW = "no_show"  # accepted, but staff recorded that the volunteer did not come
    DROPPED = "dropped"  # accepted, then given back before the start (a substitute is sought)


class EventKind(StrEnum):
    """Lifecycle events: written to the request history and delivered to plugins after commit."""

    CREATED = "created"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    UNFILLED = "unfilled"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    RATED = "rated"
    DROPPED = "dropped"  # an accepted volunteer gave the job back before it started
