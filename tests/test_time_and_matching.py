from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.domain.time import (
    Interval,
    WeeklyWindow,
    covers,
    expand_weekly,
    is_slot_aligned,
    merge,
    recurring_days,
    slot_starts,
    subtract,
    week_start,
)
from core.matching import Candidate, Need, ScoringMatcher, Weights, ineligibility

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = SH) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=zone)


def test_interval_is_half_open_and_aware() -> None:
    a, b = Interval(at(22, 15), at(22, 17)), Interval(at(22, 17), at(22, 18))
    assert not a.overlaps(b)
    assert merge([a, b]) == [Interval(at(22, 15), at(22, 18))]
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError, match="end after"):
        Interval(at(22, 17), at(22, 15))


def test_subtract_and_covers() -> None:
    day = Interval(at(22, 8), at(22, 20))
    left = subtract([day], [Interval(at(22, 12), at(22, 13))])
    assert left == [Interval(at(22, 8), at(22, 12)), Interval(at(22, 13), at(22, 20))]
    assert covers(left, Interval(at(22, 9), at(22, 11)))
    assert not covers(left, Interval(at(22, 11), at(22, 14)))


def test_weekly_windows_expand_in_local_time() -> None:
    sunday = WeeklyWindow(weekday=6, start=time(14), end=time(20))
    span = Interval(at(21, 0), at(24, 0))
    got = expand_weekly([sunday], SH, span)
    assert got == [Interval(at(22, 14).astimezone(UTC), at(22, 20).astimezone(UTC))]
    late = WeeklyWindow(weekday=6, start=time(22), end=time(0))  # until midnight
    assert expand_weekly([late], SH, span)[0].end == at(23, 0).astimezone(UTC)


def test_weekly_windows_across_a_dst_change() -> None:
    ny = ZoneInfo("America/New_York")  # clocks went back on 2026-11-01
    monday = WeeklyWindow(weekday=0, start=time(9), end=time(11))
    got = expand_weekly(
        [monday], ny, Interval(at(25, 0, zone=ny) - timedelta(days=30), at(10, 0, zone=ny))
    )
    assert [iv.start.hour for iv in got] == [13, 14, 14]  # 09:00 EDT, then 09:00 EST


def test_slots_and_weeks() -> None:
    assert is_slot_aligned(at(22, 15, 5)) and not is_slot_aligned(at(22, 15, 3))
    assert len(slot_starts(Interval(at(22, 15), at(22, 17)))) == 24
    assert week_start(at(22, 23), SH).isoformat() == "2026-11-16"  # Sunday belongs to Mon 16th
    assert week_start(at(23, 0, 30), SH).isoformat() == "2026-11-23"


def _candidate(vid: int, **kw: object) -> Candidate:
    values: dict[str, object] = {
        "volunteer_id": vid,
        "account_id": vid,
        "name": f"v{vid}",
        "skills": frozenset({"shopping", "delivery"}),
        "free": (Interval(at(22, 8), at(22, 20)),),
        "busy": (),
        "week_minutes": 0,
        "weekly_cap_minutes": 480,
        "building": None,
    }
    values.update(kw)
    return Candidate(**values)  # type: ignore[arg-type]


NEED = Need(window=Interval(at(22, 15), at(22, 17)), skills=frozenset({"shopping"}), building="17")


def test_eligibility_reasons() -> None:
    assert ineligibility(NEED, _candidate(1)) == []
    assert ineligibility(NEED, _candidate(2, skills=frozenset())) == ["lacks skills shopping"]
    assert ineligibility(NEED, _candidate(3, free=(Interval(at(22, 16), at(22, 20)),))) == [
        "not free for the whole window"
    ]
    assert ineligibility(NEED, _candidate(4, busy=(Interval(at(22, 16), at(22, 16, 5)),))) == [
        "already committed at that time"
    ]
    assert "weekly cap" in ineligibility(NEED, _candidate(5, week_minutes=400))[0]


def test_ranking_by_documented_score() -> None:
    ranked = ScoringMatcher().rank(
        NEED,
        [
            _candidate(1, recent_minutes=960),
            _candidate(2, building="17", recent_minutes=960),
            _candidate(3),
            _candidate(4, skills=frozenset()),
        ],
    )
    # Half of four weeks' cap worked: fairness 1.5 of 3. Same building: closeness 2.
    # Every candidate: skill level 3 of 5 (0.6), reliability 0.5 x 2.
    # 2: 1.5 + 2 + 0.6 + 1 = 5.1; 3: 3 + 0.6 + 1 = 4.6; 1: 1.5 + 0.6 + 1 = 3.1.
    assert [r.candidate.volunteer_id for r in ranked] == [2, 3, 1]
    assert ranked[0].breakdown == {
        "fairness": 1.5,
        "closeness": 2.0,
        "skill": 0.6,
        "reliability": 1.0,
        "rating": 0.0,
        "preference": 0.0,
    }
    assert ranked[0].score == 5.1
    assert ranked[1].score == 4.6
    tied = ScoringMatcher().rank(NEED, [_candidate(9), _candidate(8)])
    assert [r.candidate.volunteer_id for r in tied] == [8, 9]


def test_every_score_part_and_per_compound_weights() -> None:
    need = Need(
        window=NEED.window,
        skills=frozenset({"shopping"}),
        building="17",
        grid="north",
        line="errands",
        community_id=1,
    )
    base = {"community_id": 1}
    parts = {
        "grid": _candidate(1, building="18", grid="north", **base),
        "expert": _candidate(2, levels={"shopping": 5}, **base),
        "liked": _candidate(3, resident_stars=5.0, **base),
        "disliked": _candidate(4, resident_stars=1.0, **base),
        "prefers": _candidate(5, preferred_lines=frozenset({"errands"}), **base),
        "reliable": _candidate(6, reliability=1.0, **base),
        "other compound, same building name": _candidate(7, building="17", community_id=2),
    }
    m = ScoringMatcher()
    got = {k: m.score(need, c).breakdown for k, c in parts.items()}
    assert got["grid"]["closeness"] == 1.0  # half of 2: same grid cell, other building
    assert got["expert"]["skill"] == 1.0
    assert got["liked"]["rating"] == 1.0
    assert got["disliked"]["rating"] == -1.0
    assert got["prefers"]["preference"] == 1.0
    assert got["reliable"]["reliability"] == 2.0
    assert got["other compound, same building name"]["closeness"] == 0.0
    # A compound that cares only about closeness.
    only_near = Weights(fairness=0, closeness=5, skill=0, reliability=0, rating=0, preference=0)
    assert m.score(need, parts["grid"], only_near).score == 2.5


class _Hooks:
    vets = True
    adjusts = True

    def vetoes(self, need: Need, candidate: Candidate) -> list[str]:
        return ["not vetted"] if candidate.volunteer_id == 1 else []

    def adjustments(self, need: Need, candidate: Candidate) -> dict[str, float]:
        return {"plugin_bonus": 10.0} if candidate.volunteer_id == 3 else {}


def test_plugin_vetoes_and_adjustments_in_ranking() -> None:
    ranked = ScoringMatcher().rank(
        NEED, [_candidate(1), _candidate(2, building="17"), _candidate(3)], hooks=_Hooks()
    )
    assert [r.candidate.volunteer_id for r in ranked] == [3, 2]
    assert ranked[0].breakdown["plugin_bonus"] == 10.0


def test_reliability_record_fades_by_half_every_sixty_days() -> None:
    from core.storage.people import _weight, reliability

    now = datetime(2026, 11, 21, tzinfo=UTC)
    scale = 1 / _weight(now)
    assert reliability(0, 0, 0, 0, scale) == 0.75  # a newcomer
    fresh_miss = reliability(0, 0, 0, _weight(now), scale)
    old_miss = reliability(0, 0, 0, _weight(now - timedelta(days=120)), scale)  # counts 1/4
    assert fresh_miss == round((0.5 + 2 / 3) / 2, 4)
    assert old_miss == round((0.5 + 2 / 2.25) / 2, 4)
    # Ten accepted and completed offers a year ago weigh less than two this week.
    year = _weight(now - timedelta(days=365))
    assert reliability(10 * year, 10 * year, 10 * year, 0, scale) < reliability(
        2 * _weight(now), 2 * _weight(now), 2 * _weight(now), 0, scale
    )


def test_recurring_days_by_local_date() -> None:
    # Mondays and Wednesdays of 2026-11-23..2026-12-06, without 11-25, with Saturday 11-28
    # (a make-up day) and not 12-20 (outside the range).
    got = recurring_days(
        [2, 0, 0],
        date(2026, 11, 23),
        date(2026, 12, 6),
        skip=[date(2026, 11, 25)],
        extra=[date(2026, 11, 28), date(2026, 12, 20)],
    )
    assert got == [date(2026, 11, 23), date(2026, 11, 28), date(2026, 11, 30), date(2026, 12, 2)]
    assert recurring_days([0], date(2026, 12, 6), date(2026, 11, 23)) == []
