"""Notifications (new offers, reminders before jobs) and the volunteer's iCal feed."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import icalendar

from core.domain.access import Principal
from core.domain.errors import NotFound
from core.domain.records import NotificationRecord
from core.services.accounts import hash_token
from core.storage import bookings as store
from core.storage import notices
from core.storage.models import Notification, Volunteer

if TYPE_CHECKING:
    from core.services import Services

MAX_PAGE = 200


def notification_record(n: Notification, zone: ZoneInfo | None) -> NotificationRecord:
    """``zone``: its request's compound's, which its time is shown in (UTC without one)."""
    return NotificationRecord(
        id=n.id,
        kind=n.kind,
        title=n.title,
        body=n.body,
        request_id=n.request_id,
        offer_id=n.offer_id,
        due_at=n.due_at.astimezone(zone) if zone is not None else n.due_at,
        read=n.read_at is not None,
    )


class NotificationService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def mine(
        self, who: Principal, *, unread_only: bool, limit: int, offset: int
    ) -> list[NotificationRecord]:
        """What has fallen due for the caller, newest first."""
        rows = await notices.of_account(
            who.account_id, self.s.clock(), unread_only, max(1, min(limit, MAX_PAGE)), offset
        )
        zones = await notices.request_zones({n.request_id for n in rows if n.request_id})
        return [notification_record(n, zones.get(n.request_id or 0)) for n in rows]

    async def read(self, who: Principal, notification_id: int) -> None:
        if not await notices.mark_read(who.account_id, notification_id, self.s.clock()):
            raise NotFound(f"notification {notification_id} not found")

    async def deliver_due(self, limit: int = 200) -> int:
        """Hand due notifications to delivery plugins, each exactly once across processes:
        it is claimed with one conditional UPDATE (committed) before any plugin sees it."""
        now = self.s.clock()
        sent = 0
        for nid in await notices.due(now, limit):
            if not await notices.claim(nid, now):
                continue  # another process has it
            found = await notices.get(nid)
            if found is not None:
                await self.s.host.deliver(notices.as_out(found))
                sent += 1
        return sent

    async def calendar(self, secret: str) -> bytes:
        """The iCal feed of a volunteer's accepted and done work from 30 days back."""
        volunteer = await Volunteer.get_or_none(
            calendar_token_hash=hash_token(secret)
        ).prefetch_related("membership__account", "membership__community")
        if volunteer is None:
            raise NotFound("no calendar at this address")
        zone = ZoneInfo(volunteer.membership.community.timezone)
        cal = icalendar.Calendar()
        cal.add("prodid", "-//redbutler//volunteer work//EN")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"redbutler: {volunteer.membership.account.name}")
        offers = await store.accepted_offers_of_account(
            volunteer.membership.account.id, self.s.clock() - timedelta(days=30)
        )
        for offer in offers:
            request = offer.request
            # The building only: a calendar is synced to phones and other services; the
            # door and phone stay in the offer, where reading them is logged.
            door = f"Building {request.building.name}" if request.building else ""
            event = icalendar.Event()
            event.add("uid", f"offer-{offer.id}@redbutler")
            event.add("summary", f"{request.line}: {request.service}")
            event.add("dtstart", request.starts_at.astimezone(zone))
            event.add("dtend", request.ends_at.astimezone(zone))
            event.add("dtstamp", offer.responded_at or offer.offered_at)
            event.add("location", door)
            event.add("description", f"Request {request.id}. {request.notes}".strip())
            event.add("status", "CONFIRMED")
            cal.add_component(event)
        return bytes(cal.to_ical())
