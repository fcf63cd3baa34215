"""Use cases. Each public method is one transaction; events go to plugins after it commits.

Authorization by role and community is decided here (it is business policy), with the
acting :class:`~core.domain.access.Principal` passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import msgspec

from core.domain.time import utcnow
from core.matching import Matcher, ScoringMatcher
from core.plugins.manager import PluginHost


class CoreConfig(msgspec.Struct, frozen=True, kw_only=True):
    # How long a volunteer has to answer an offer (never past the job's start).
    offer_ttl: timedelta = timedelta(hours=2)
    # How many due offers one expiry sweep handles.
    sweep_batch: int = 200


class Services:
    """Everything the API and CLI call, built once per app with its plugin host."""

    def __init__(
        self,
        host: PluginHost,
        config: CoreConfig | None = None,
        *,
        matcher: Matcher | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        from core.services.accounts import AccountService
        from core.services.batch import BatchService
        from core.services.bookings import BookingService
        from core.services.communities import CommunityService
        from core.services.ledger import LedgerService
        from core.services.notify import NotificationService
        from core.services.people import PeopleService

        self.host = host
        self.config = config or CoreConfig()
        self.matcher: Matcher = matcher or ScoringMatcher()
        self.clock = clock
        self.accounts = AccountService(self)
        self.communities = CommunityService(self)
        self.people = PeopleService(self)
        self.bookings = BookingService(self)
        self.ledger = LedgerService(self)
        self.notifications = NotificationService(self)
        self.batch = BatchService(self)
