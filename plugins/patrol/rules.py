"""Pure rules of the patrol line: when shifts recur."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from dateutil.rrule import WEEKLY, rrule, rruleset


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
    dates, without the skipped dates and with the extra ones (a dateutil ``rruleset``)."""
    lo = max(start, starts_on)
    hi = min(end, ends_on) if ends_on else end
    if hi < lo:
        return []
    days = rruleset()
    days.rrule(
        rrule(
            WEEKLY,
            byweekday=sorted(set(weekdays)),
            dtstart=datetime.combine(lo, time(0)),
            until=datetime.combine(hi, time(0)),
        )
    )
    for d in skip:
        days.exdate(datetime.combine(d, time(0)))
    for d in extra:
        if lo <= d <= hi:
            days.rdate(datetime.combine(d, time(0)))
    return [d.date() for d in days]
