"""The background scheduler: expires unanswered offers (re-offering their seats), hands due
notifications (new offers, reminders) to delivery plugins, and starts each compound's daily
batch run.

Safe in several server processes at once: each offer is expired, and each notification
claimed, by one conditional UPDATE; a daily batch run takes a named lease first, so it runs
in exactly one process per compound and day. The lease is short while the run goes on and
kept for the day once it is done: a run that fails (the database away for a moment) is
tried again by any process a few minutes later, and so is one whose process died.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.domain.commands import BatchRunIn
from core.domain.policy import decode_settings
from core.storage import bookings as store
from core.storage.models import Community

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"
# A daily batch's lease while it runs: longer than any run (its solver stops within
# batch_time_limit_seconds, at most 300), short enough that a run whose process died is
# taken up again the same morning.
RUN_LEASE = timedelta(minutes=15)
# After a run failed: when any process may try it again.
RETRY_FAILED = timedelta(minutes=5)
# Once done: the lease outlives the compound's local day, so the day's run is not repeated.
DONE_LEASE = timedelta(days=2)


async def tick(services: Services) -> dict[str, int]:
    """One round of every periodic job; returns what each did."""
    expired = await services.bookings.expire_due()
    delivered = await services.notifications.deliver_due()
    batches = await run_scheduled_batches(services)
    return {"expired": expired, "delivered": delivered, "batches": batches}


async def run_scheduled_batches(services: Services) -> int:
    now = services.clock()
    ran = 0
    for community in await Community.all().only("id", "timezone", "settings"):
        policy = decode_settings(community.settings)
        if policy.batch_daily_at is None:
            continue
        zone = ZoneInfo(community.timezone)
        local = now.astimezone(zone)
        hour, minute = map(int, policy.batch_daily_at.split(":"))
        due = datetime.combine(local.date(), time(hour, minute), zone)
        if local < due:
            continue
        # One lease per compound and local day: the first process to take it runs the batch.
        name = f"batch:{community.id}:{local.date().isoformat()}"
        if not await store.take_lease(name, HOLDER, now, now + RUN_LEASE):
            continue
        try:
            await services.batch.run(None, community.id, BatchRunIn())
        except Exception:
            # Logged, not raised: the other compounds' runs go on this round.
            log.exception(
                "scheduled batch of community %s failed; tried again from %s",
                community.id,
                now + RETRY_FAILED,
            )
            await store.renew_lease(name, HOLDER, now + RETRY_FAILED)
            continue
        await store.renew_lease(name, HOLDER, now + DONE_LEASE)
        ran += 1
    return ran


async def run_sweeper(services: Services, interval: float) -> None:
    while True:
        try:
            done = await tick(services)
            if any(done.values()):
                log.info("scheduler: %s", done)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduler round failed; trying again in %ss", interval)
        await asyncio.sleep(interval)
