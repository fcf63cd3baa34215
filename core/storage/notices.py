"""Notifications: written in the transaction that causes them, delivered by the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from core.domain.events import NotificationOut
from core.domain.policy import CommunitySettings
from core.storage.models import Notification, Offer, ServiceRequest
from core.storage.raw import Raw


def _notice(
    account_id: int,
    kind: str,
    key: str,
    title: str,
    body: str,
    due_at: datetime,
    now: datetime,
    request_id: int | None,
    offer_id: int | None,
) -> Notification:
    return Notification(
        account_id=account_id,
        kind=kind,
        dedupe_key=key,
        title=title[:200],
        body=body[:1000],
        due_at=due_at,
        created_at=now,
        request_id=request_id,
        offer_id=offer_id,
    )


async def _add(notice: Notification) -> None:
    """Write ``notice`` once per key: a second notice of the same thing is dropped."""
    await Raw().insert(notice, ignore_conflict=True)


def _when(request: ServiceRequest) -> str:
    zone = ZoneInfo(request.community.timezone)
    start = request.starts_at.astimezone(zone)
    end = request.ends_at.astimezone(zone)
    return f"{start:%a %d %b %H:%M}-{end:%H:%M}"


# Where the offer's id goes in the key and body of a notice written in the same statement
# as its offer, before the id is known (``offer_notice`` without the id).
OFFER_ID = "{offer}"


def offer_notice(
    request: ServiceRequest, account_id: int, now: datetime, offer_id: int | None = None
) -> Notification:
    """The notice of an offer of ``request`` to ``account_id`` (unsaved). Without
    ``offer_id``, ``OFFER_ID`` marks where the offer's id goes in its key and body."""
    place = f" in building {request.building.name}" if request.building else ""
    mark = OFFER_ID if offer_id is None else str(offer_id)
    return _notice(
        account_id,
        "offer",
        f"offer:{mark}",
        f"New {request.line} request for you: {request.service}",
        # Room left for the id in place of the mark, under the column's 1,000 characters.
        f"{_when(request)}{place}. Answer by accepting or declining offer {mark}."[:980],
        now,
        now,
        request.id,
        offer_id,
    )


async def offer_made(offer: Offer, request: ServiceRequest, account_id: int, now: datetime) -> None:
    await _add(offer_notice(request, account_id, now, offer.id))


async def remind(
    offer: Offer,
    request: ServiceRequest,
    account_id: int,
    policy: CommunitySettings,
    now: datetime,
) -> None:
    due = max(request.starts_at - timedelta(minutes=policy.reminder_minutes_before), now)
    await _add(
        _notice(
            account_id,
            "reminder",
            f"reminder:{offer.id}",
            f"Reminder: {request.service} at {_when(request)}",
            f"You accepted offer {offer.id}. Door and contact are in the offer.",
            due,
            now,
            request.id,
            offer.id,
        )
    )


async def cancel_for_offer(offer_id: int) -> None:
    """Withdraw what has not gone out yet (the offer closed, the job was cancelled)."""
    await Notification.filter(offer_id=offer_id, delivered_at=None).update(cancelled=True)


async def due(now: datetime, limit: int) -> list[int]:
    ids = (
        await Notification.filter(delivered_at=None, cancelled=False, due_at__lte=now)
        .order_by("due_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return cast("list[int]", ids)


async def claim(notification_id: int, now: datetime) -> bool:
    """Mark delivered; exactly one caller gets True, across processes."""
    return bool(
        await Notification.filter(id=notification_id, delivered_at=None, cancelled=False).update(
            delivered_at=now
        )
    )


async def get(notification_id: int) -> Notification | None:
    return await Notification.get_or_none(id=notification_id)


def as_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        account_id=n.account_id,
        kind=n.kind,
        title=n.title,
        body=n.body,
        request_id=n.request_id,
        offer_id=n.offer_id,
        due_at=n.due_at,
    )


async def of_account(
    account_id: int, now: datetime, unread_only: bool, limit: int, offset: int
) -> list[Notification]:
    query = Notification.filter(account_id=account_id, due_at__lte=now, cancelled=False)
    if unread_only:
        query = query.filter(read_at=None)
    return await query.order_by("-due_at", "-id").offset(offset).limit(limit)


async def request_zones(request_ids: set[int]) -> dict[int, ZoneInfo]:
    """The time zone of each request's compound, which its notifications' times are shown
    in (one read for a page)."""
    if not request_ids:
        return {}
    rows = await ServiceRequest.filter(id__in=sorted(request_ids)).values_list(
        "id", "community__timezone"
    )
    return {int(rid): ZoneInfo(str(tz)) for rid, tz in rows}


async def mark_read(account_id: int, notification_id: int, now: datetime) -> bool:
    found = await Notification.filter(id=notification_id, account_id=account_id).exists()
    if found:
        await Notification.filter(id=notification_id, read_at=None).update(read_at=now)
    return found
