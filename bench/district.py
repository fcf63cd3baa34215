"""A synthetic district drawn from the domain brief's proportions.

Compounds of 3,000-5,000 households (2.5 residents each), volunteers at about 2% of
residents, and a week of requests across the four programmes' lines:

* errands (60%): groceries 1-2 h in the daytime, medicine pick-ups, rice-and-oil carrying
  (a team of two carriers); elderly and lone residents first;
* after-school class (15%): 16:30-18:30 on school days, several tutors per session;
* cleaning (10%): carpet, AC filter and e-bike washing, 1-2 h, mostly weekends;
* patrol (15%): school-gate posts 07:20-08:00 and 16:20-17:00 on school days (two
  volunteers), evening patrols 19:00-21:00 (a team of two).

Volunteers: retired (free on weekday daytimes, 35%), working (evenings and weekends, 45%),
students and others (afternoons, 20%); each holds the skills of one or two lines and
states a weekly cap of 4, 6, 8 or 12 hours. Times are minutes from Monday 00:00 of the week.
Everything is drawn from one seeded ``random.Random``, so a run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DAY = 24 * 60
LINE_SKILLS = {
    "errands": ["shopping", "delivery", "carrying", "medicine-pickup"],
    "afterschool": ["homework-help", "maths", "english", "arts"],
    "cleaning": ["carpet-washing", "ac-filter", "ebike-washing"],
    "patrol": ["school-post", "patrol"],
}


@dataclass
class Request:
    id: int
    compound: int
    line: str
    start: int
    end: int
    seat_skills: list[frozenset[str]]
    building: int
    grid: int
    priority: int


@dataclass
class Volunteer:
    id: int
    compound: int
    skills: dict[str, int]  # skill -> level 1..5
    free: list[tuple[int, int]]
    cap: int
    building: int
    grid: int
    prefers: str
    recent_minutes: int
    reliability: float


@dataclass
class District:
    compounds: int
    households: list[int]
    requests: list[Request] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)


def _day_block(rng: random.Random, day: int, lo: int, hi: int, length: int) -> tuple[int, int]:
    start = rng.randrange(lo, hi - length + 1, 30)
    return (day * DAY + start, day * DAY + start + length)


def _volunteer(rng: random.Random, vid: int, compound: int, buildings: int) -> Volunteer:
    kind = rng.random()
    free: list[tuple[int, int]] = []
    for day in range(7):
        weekend = day >= 5
        if kind < 0.35:  # retired: weekday daytimes, some weekend mornings
            if not weekend and rng.random() < 0.8:
                free.append(_day_block(rng, day, 7 * 60, 18 * 60, rng.choice([240, 360, 480])))
            elif weekend and rng.random() < 0.4:
                free.append(_day_block(rng, day, 8 * 60, 12 * 60, 180))
        elif kind < 0.8:  # working: evenings and weekends
            if not weekend and rng.random() < 0.5:
                free.append((day * DAY + 18 * 60 + 30, day * DAY + 21 * 60 + 30))
            if not weekend and rng.random() < 0.2:
                free.append((day * DAY + 7 * 60, day * DAY + 8 * 60 + 30))
            if weekend and rng.random() < 0.7:
                free.append(_day_block(rng, day, 8 * 60, 20 * 60, rng.choice([240, 360])))
        elif rng.random() < 0.6:  # students and others: afternoons
            free.append(_day_block(rng, day, 13 * 60, 21 * 60, rng.choice([180, 240])))
    lines = rng.sample(list(LINE_SKILLS), rng.choice([1, 1, 2]))
    skills: dict[str, int] = {}
    for line in lines:
        pool = LINE_SKILLS[line]
        for skill in rng.sample(pool, rng.randint(1, len(pool))):
            skills[skill] = rng.randint(1, 5)
    building = rng.randrange(buildings)
    cap = rng.choice([4, 6, 8, 8, 12]) * 60
    return Volunteer(
        id=vid,
        compound=compound,
        skills=skills,
        free=sorted(free),
        cap=cap,
        building=building,
        grid=building // 6,
        prefers=lines[0],
        recent_minutes=rng.randrange(0, cap * 3 + 1, 30),
        reliability=round(rng.uniform(0.4, 1.0), 3),
    )


def _request(rng: random.Random, rid: int, compound: int, buildings: int) -> Request:
    r = rng.random()
    day = rng.randrange(7)
    school_day = day < 5
    building = rng.randrange(buildings)
    priority = 100 if rng.random() < 0.3 else 0
    if r < 0.6:
        line = "errands"
        service = rng.random()
        length = rng.choice([60, 60, 90, 120])
        start = day * DAY + rng.randrange(8 * 60, 20 * 60 - length + 1, 15)
        if service < 0.55:
            seats = [frozenset({"shopping", "delivery"})]
        elif service < 0.8:
            seats = [frozenset({"medicine-pickup"})]
            length = 60
        else:
            seats = [frozenset({"carrying"})] * 2
            length = 60
    elif r < 0.75:
        line = "afterschool"
        if not school_day:
            day = rng.randrange(5)
        start, length = day * DAY + 16 * 60 + 30, 120
        seats = [frozenset({"homework-help"})] + [
            frozenset({rng.choice(["maths", "english", "arts", "homework-help"])})
            for _ in range(rng.randint(0, 2))
        ]
        priority = 50
    elif r < 0.85:
        line = "cleaning"
        if rng.random() < 0.7:
            day = rng.choice([5, 6])
        length = rng.choice([60, 90, 120])
        start = day * DAY + rng.randrange(9 * 60, 18 * 60 - length + 1, 30)
        seats = [frozenset({rng.choice(LINE_SKILLS["cleaning"])})]
    else:
        line = "patrol"
        kind = rng.random()
        if kind < 0.6:
            if not school_day:
                day = rng.randrange(5)
            start = day * DAY + rng.choice([7 * 60 + 20, 16 * 60 + 20])
            length = 40
            seats = [frozenset({"school-post"})] * 2
        else:
            start, length = day * DAY + 19 * 60, 120
            seats = [frozenset({"patrol"})] * 2
        priority = 50
    return Request(
        id=rid,
        compound=compound,
        line=line,
        start=start,
        end=start + length,
        seat_skills=seats,
        building=building,
        grid=building // 6,
        priority=priority,
    )


def generate(
    compounds: int, requests_per_week: int, volunteers: int | None = None, seed: int = 7
) -> District:
    """``volunteers`` None: 2% of residents (2.5 per household)."""
    rng = random.Random(seed)
    households = [rng.randint(3000, 5000) for _ in range(compounds)]
    district = District(compounds=compounds, households=households)
    natural = [round(h * 2.5 * 0.02) for h in households]
    scale = (volunteers / sum(natural)) if volunteers else 1.0
    vid = 0
    for c, h in enumerate(households):
        buildings = max(h // 60, 10)
        for _ in range(round(natural[c] * scale)):
            district.volunteers.append(_volunteer(rng, vid, c, buildings))
            vid += 1
    total = sum(households)
    rid = 0
    for c, h in enumerate(households):
        buildings = max(h // 60, 10)
        for _ in range(round(requests_per_week * h / total)):
            district.requests.append(_request(rng, rid, c, buildings))
            rid += 1
    return district
