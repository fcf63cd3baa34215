from __future__ import annotations

from datetime import datetime

import msgspec

from core.domain.enums import EventKind


class RequestEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A change in a request's life, as delivered to plugins after the transaction commits."""

    kind: EventKind
    request_id: int
    community_id: int
    line: str
    service: str
    at: datetime
    actor_account_id: int | None = None
    volunteer_account_id: int | None = None
    offer_id: int | None = None
    note: str | None = None
    from_status: str | None = None  # the request's status before and after, when it changed
    to_status: str | None = None


class NotificationOut(msgspec.Struct, frozen=True, kw_only=True):
    """A notification as delivery plugins receive it."""

    id: int
    account_id: int
    kind: str
    title: str
    body: str
    request_id: int | None
    offer_id: int | None
    due_at: datetime
