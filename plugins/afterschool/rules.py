"""Pure rules of the after-school class: school days, tutors needed, who may collect."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta

from core.domain.time import recurring_days
from plugins.afterschool.schemas import CalendarIn, Collector, Holiday


def school_days(
    calendar: CalendarIn | None,
    weekdays: Iterable[int],
    start: date,
    end: date,
    *,
    kind: str = "four-thirty",
    class_start: date | None = None,
    class_end: date | None = None,
) -> list[date]:
    """The days a class meets in [start, end] (inclusive).

    A term class (the four-thirty class) meets on its weekdays within the term, except on
    holidays, plus on make-up school days. A holiday class meets on its weekdays between its
    own dates, ignoring the term. The holidays are excluded dates, the make-up days added
    ones (``core.domain.time.recurring_days``).
    """
    lo, hi = start, end
    if class_start is not None:
        lo = max(lo, class_start)
    if class_end is not None:
        hi = min(hi, class_end)
    if kind == "holiday":
        return recurring_days(weekdays, lo, hi)
    if calendar is None:
        return []
    lo, hi = max(lo, calendar.term_start), min(hi, calendar.term_end)
    closed = [
        holiday.start + timedelta(days=offset)
        for holiday in calendar.holidays
        for offset in range((holiday.end - holiday.start).days + 1)
    ]
    return recurring_days(weekdays, lo, hi, skip=closed, extra=calendar.makeup_days)


def tutors_needed(children: int, per_tutor: int) -> int:
    """At least one tutor, then one per ``per_tutor`` children (8 by default)."""
    return max(1, math.ceil(children / per_tutor))


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def allowed_collector(collectors: Iterable[Collector], name: str) -> bool:
    """Whether ``name`` is on the child's list (spaces, width and case do not matter)."""
    wanted = _norm(name)
    return any(_norm(c.name) == wanted for c in collectors)


def holidays_valid(holidays: Iterable[Holiday]) -> list[str]:
    return [f"holidays[{i}]" for i, h in enumerate(holidays) if h.end < h.start]
