"""Time arithmetic on half-open, timezone-aware intervals ``[start, end)``.

Everything stored is UTC; weekly availability is kept as local wall time plus the
community's zone and expanded into concrete UTC intervals with ``dateutil.rrule``.
Booked work is kept as discrete 5-minute slots (see ``SLOT``), so windows must start and
end on a 5-minute boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
from dateutil.rrule import WEEKLY, rrule, rruleset

from core.domain.errors import InvalidInput

SLOT = timedelta(minutes=5)


class Interval(msgspec.Struct, frozen=True, order=True):
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("interval bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("interval must end after it starts")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of intervals as a sorted list of disjoint ones (touching ones are joined)."""
    out: list[Interval] = []
    for iv in sorted(intervals):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """What is left of ``intervals`` after removing every ``hole``."""
    result = merge(intervals)
    for hole in merge(holes):
        nxt: list[Interval] = []
        for iv in result:
            if not iv.overlaps(hole):
                nxt.append(iv)
                continue
            if iv.start < hole.start:
                nxt.append(Interval(iv.start, hole.start))
            if hole.end < iv.end:
                nxt.append(Interval(hole.end, iv.end))
        result = nxt
    return result


def covers(intervals: Iterable[Interval], window: Interval) -> bool:
    """True when the union of ``intervals`` contains all of ``window``."""
    return any(iv.contains(window) for iv in merge(intervals))


class WeeklyWindow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A recurring free time: every ``weekday`` (0 = Monday) from ``start`` to ``end`` local time.

    ``end`` of 00:00 means midnight at the end of that day.
    """

    weekday: int = msgspec.field()
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.end != time(0) and self.end <= self.start:
            raise ValueError("end must be after start (use 00:00 for midnight)")


def expand_weekly(
    windows: Iterable[WeeklyWindow], zone: ZoneInfo, span: Interval
) -> list[Interval]:
    """The concrete UTC intervals of ``windows`` that touch ``span``, merged."""
    windows = list(windows)
    if not windows:
        return []
    first = span.start.astimezone(zone).date() - timedelta(days=1)
    last = span.end.astimezone(zone).date()
    out: list[Interval] = []
    for w in windows:
        for occurrence in rrule(
            WEEKLY,
            byweekday=w.weekday,
            dtstart=datetime.combine(first, time(0)),
            until=datetime.combine(last, time(0)),
        ):
            day = occurrence.date()
            local_start = datetime.combine(day, w.start, tzinfo=zone)
            end_day = day + timedelta(days=1) if w.end == time(0) else day
            local_end = datetime.combine(end_day, w.end, tzinfo=zone)
            iv = Interval(local_start.astimezone(UTC), local_end.astimezone(UTC))
            if iv.overlaps(span):
                out.append(iv)
    return merge(out)


def recurring_days(
    weekdays: Iterable[int],
    lo: date,
    hi: date,
    *,
    skip: Iterable[date] = (),
    extra: Iterable[date] = (),
) -> list[date]:
    """The dates in [lo, hi] (inclusive) falling on ``weekdays`` (0 is Monday), without
    ``skip`` and with those of ``extra`` inside the range, in order: a dateutil
    ``rruleset`` (the weekly rule, excluded dates, added dates). For what recurs by local
    date: class sessions over a school term, patrol shifts."""
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


def minute_of_day(moment: time) -> int:
    """Minutes after midnight of a wall time (how times of day are stored)."""
    return moment.hour * 60 + moment.minute


def time_of_day(minute: int) -> time:
    """The wall time ``minute`` minutes after midnight; 1440 (the end of a day) is 00:00."""
    return time(0) if minute >= 24 * 60 else time(minute // 60, minute % 60)


def is_slot_aligned(moment: datetime) -> bool:
    utc = moment.astimezone(UTC)
    return utc.second == 0 and utc.microsecond == 0 and utc.minute % 5 == 0


def slot_starts(window: Interval) -> list[datetime]:
    """The 5-minute slots a booked window occupies (its bounds must be slot-aligned)."""
    start = window.start.astimezone(UTC)
    count = int(window.duration / SLOT)
    return [start + i * SLOT for i in range(count)]


def week_start(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday (local date) of the week ``moment`` falls in, in the community's zone."""
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def wall_window(window: Interval, zone: ZoneInfo) -> tuple[int, int, int] | None:
    """(weekday, start minute, end minute) of ``window`` in ``zone``'s wall time, or None
    when it does not fall within one local day (an end at the next midnight is minute 1440)."""
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    end_minute = end.hour * 60 + end.minute
    if end.date() != start.date():
        if end.date() != start.date() + timedelta(days=1) or end_minute != 0:
            return None
        end_minute = 24 * 60
    return start.weekday(), start.hour * 60 + start.minute, end_minute


def local_days(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local dates ``[start, end)`` in ``zone`` as UTC instants. A date at the very ends of
    the calendar, whose midnight has no UTC instant (0001-01-01 east of Greenwich), is
    refused naming it, not left to overflow."""
    bounds = []
    for name, day in (("start", start), ("end", end)):
        try:
            bounds.append(datetime.combine(day, time(0), zone).astimezone(UTC))
        except OverflowError:
            raise InvalidInput.field(name, "out of range") from None
    return bounds[0], bounds[1]


def utcnow() -> datetime:
    return datetime.now(UTC)
