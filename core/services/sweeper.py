"""The background sweep: expires unanswered offers and re-offers their seats.

Safe to run in several processes at once: each offer is expired by one conditional UPDATE.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)


async def run_sweeper(services: Services, interval: float) -> None:
    while True:
        try:
            expired = await services.bookings.expire_due()
            if expired:
                log.info("expired %d unanswered offers", expired)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("offer sweep failed; trying again in %ss", interval)
        await asyncio.sleep(interval)
