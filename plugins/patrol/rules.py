"""Pure rules of the patrol line: when shifts recur."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from core.domain.time import recurring_days


def shift_days(
    weekdays: Iterable[int],
    starts_on: date,
    ends_on: date | None,
    skip: Iterable[date],
    extra: Iterable[date],
    start: date,
    end: date,
) -> list[date]:
    """The days a recurring shift runs within [start, end]: its weekdays between its own
    dates, without the skipped dates and with the extra ones."""
    return recurring_days(
        weekdays,
        max(start, starts_on),
        min(end, ends_on) if ends_on else end,
        skip=skip,
        extra=extra,
    )
