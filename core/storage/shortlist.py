"""The instant path's shortlist: the ``k`` best volunteers for one seat, ranked inside the
database, so a booking reads sixteen or so volunteers instead of every one who is free
(hundreds in a large compound).

The score is :func:`core.matching.ranking._parts`'s formula written in SQL over the same
stored values (four weeks' load, building and grid, skill levels, the fading reliability
sums, this resident's ratings, preferred lines), and the hard rules are filters: skills,
credentials, weekly pattern or extra time covering the window, no time off, no accepted work
or open offer overlapping it, under the weekly cap. The shortlisted rows come back as
:class:`~core.matching.Candidate` snapshots, free for the window and not busy in it.

The order is only a shortlist. The caller ranks the snapshots with the real matcher (plugin
vetoes, its own rounding) and keeps the answer only when it is provably the same as ranking
everyone: each pick scores more than ``bound + SCORE_SLACK``, where ``bound`` is the SQL
score of the last shortlisted row, so nobody left out could have ranked higher. Otherwise
the caller ranks the whole pool. ``SCORE_SLACK`` covers the matcher rounding each of its six
parts to 4 decimals.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.domain.enums import OfferStatus
from core.domain.policy import Weights
from core.domain.time import wall_window, week_start
from core.matching import Candidate, Need
from core.storage.database import PLAN_AS_WRITTEN, planned_as_written
from core.storage.people import reliability, reliability_scale
from core.storage.raw import Raw, ints

SCORE_SLACK = 1e-3


class Shortlist:
    """Candidates best first by the SQL score, and the SQL score of the last one when more
    may exist below it (``bound`` is None: these are all who are eligible)."""

    def __init__(
        self, candidates: list[Candidate], scores: list[float], bound: float | None
    ) -> None:
        self.candidates = candidates
        self.scores = scores  # each one's SQL score
        self.bound = bound

    def proves(self, scores: Sequence[float], wanted: int) -> bool:
        """Whether ``scores`` (the matcher's picks from these candidates, ``wanted`` asked
        for) are the picks the matcher would make from the whole pool."""
        if self.bound is None:
            return True
        return len(scores) == wanted and min(scores) > self.bound + SCORE_SLACK


async def shortlist(
    community_ids: Sequence[int],
    zones: dict[int, ZoneInfo],
    need: Need,
    weights: Weights,
    exclude: set[int],
    *,
    now: datetime,
    k: int,
) -> Shortlist | None:
    """The ``k`` best eligible volunteers of ``community_ids`` for ``need`` by the SQL score,
    or None when the window crosses a local midnight (the weekly patterns must then be
    expanded in Python; the caller ranks the whole pool)."""
    walls = {c: wall_window(need.window, zones[c]) for c in community_ids}
    if any(w is None for w in walls.values()):
        return None
    raw = Raw()
    # Every value that changes from one booking to the next (the request, the resident, the
    # limit) is bound, not written into the text: the statement then reads the same for a
    # compound's bookings and is prepared once (SQLite's statement cache, asyncpg's).
    params: list[Any] = []

    def bind(value: Any, cast: str = "") -> str:
        """A numbered placeholder (``?N`` on SQLite, ``$N`` on PostgreSQL), so values may be
        bound in any order; ``cast`` types it for PostgreSQL where the context does not."""
        params.append(value)
        n = len(params)
        if raw.sqlite:
            return f"?{n}"
        return f"CAST(${n} AS {cast})" if cast else f"${n}"

    def by_community(values: dict[int, Any]) -> str:
        """A per-community date as one bound parameter or a CASE over the pool."""
        distinct = set(values.values())
        if len(distinct) == 1:
            return bind(distinct.pop(), "DATE")
        arms = " ".join(
            f"WHEN m.community_id IN ({ints(c for c, x in values.items() if x == value)}) "
            f"THEN {bind(value, 'DATE')}"
            for value in sorted(distinct)
        )
        return f"(CASE {arms} END)"

    def real(sql: str) -> str:
        """``sql`` as a double: PostgreSQL reads ``1.0`` as NUMERIC, whose arithmetic for
        every volunteer scored is several times slower than a double's."""
        return f"CAST({sql} AS DOUBLE PRECISION)"

    one, zero = real("1"), real("0")
    window = need.window
    lo, hi = raw.when(window.start), raw.when(window.end)
    weeks: dict[int, date] = {c: week_start(window.start, zones[c]) for c in community_ids}
    # The driving set: who is free then by their weekly pattern (in each zone's wall time)
    # or by one-off extra time, read once from its index (UNION: each volunteer once);
    # every other rule is checked per volunteer in that set through that table's own index.
    free = []
    zone_keys = sorted({zones[c].key for c in community_ids})
    for zone_key in zone_keys:
        cids = [c for c in community_ids if zones[c].key == zone_key]
        weekday, start_minute, end_minute = walls[cids[0]]  # type: ignore[misc]
        in_zone = (
            ""
            if len(zone_keys) == 1
            else " AND volunteer_id IN (SELECT zv.id FROM volunteer zv JOIN membership zm "
            f"ON zm.id = zv.membership_id WHERE zm.community_id IN ({ints(cids)}))"
        )
        free.append(
            f"SELECT volunteer_id FROM availability_window WHERE weekday = {bind(weekday)} "
            f"AND start_minute <= {bind(start_minute)} AND end_minute >= {bind(end_minute)}"
            + in_zone
        )
    free.append(
        "SELECT volunteer_id FROM extra_time "
        f"WHERE starts_at <= {bind(lo)} AND ends_at >= {bind(hi)}"
    )
    where = [
        "v.id = f.volunteer_id",
        "m.id = v.membership_id",
        f"m.community_id IN ({ints(community_ids)})",
        f"v.active = {bind(True)}",
    ]
    if exclude:
        # Bound as one value (a JSON list on SQLite, an array on PostgreSQL), so the text is
        # the same whoever is excluded: a request declined by one volunteer after another
        # is matched again with the statement already prepared, not a new one each time.
        ids = sorted(int(v) for v in exclude)
        if raw.sqlite:
            where.append(f"v.id NOT IN (SELECT value FROM json_each({bind(json.dumps(ids))}))")
        else:
            where.append(f"v.id <> ALL({bind(ids, 'BIGINT[]')})")
    # Each seat skill is a join, which both requires the skill and reads its level.
    joins = []
    for i, skill in enumerate(sorted(need.skills)):
        joins.append(f"CROSS JOIN volunteer_skill s{i}")
        where.append(f"s{i}.volunteer_id = v.id AND s{i}.skill = {bind(skill)}")
    for credential in sorted(need.credentials):
        where.append(_json_list_has(raw, "v.credentials", bind(credential)))
    where.append(
        "NOT EXISTS (SELECT 1 FROM time_off t WHERE t.volunteer_id = v.id "
        f"AND t.starts_at < {bind(hi)} AND t.ends_at > {bind(lo)})"
    )
    where.append(
        "NOT EXISTS (SELECT 1 FROM volunteer_slot sl WHERE sl.account_id = m.account_id "
        f"AND sl.starts_at >= {bind(lo)} AND sl.starts_at < {bind(hi)})"
    )
    not_this = f" AND o.request_id <> {bind(int(need.request_id))}" if need.request_id else ""
    where.append(
        "NOT EXISTS (SELECT 1 FROM offer o "
        f"WHERE o.volunteer_id = v.id AND o.status = {bind(OfferStatus.OFFERED.value)} "
        f"AND o.starts_at < {bind(hi)} AND o.ends_at > {bind(lo)}{not_this})"
    )

    week = by_community({c: raw.day(w) for c, w in weeks.items()})
    first = by_community({c: raw.day(w - timedelta(weeks=3)) for c, w in weeks.items()})
    stars = "CAST(NULL AS DOUBLE PRECISION)"
    if need.resident_id is not None:
        stars = (
            f"(SELECT AVG({real('rt.stars')}) FROM rating rt WHERE rt.volunteer_id = v.id "
            f"AND rt.resident_id = {bind(int(need.resident_id))})"
        )
    prefers = _json_list_has(raw, "v.preferred_lines", bind(need.line)) if need.line else "1 = 0"
    skills = sorted(need.skills)
    levels = [f"s{i}.level" for i in range(len(skills))]
    recent = (
        "COALESCE((SELECT SUM(w.minutes) FROM volunteer_week_load w "
        f"WHERE w.volunteer_id = v.id AND w.week >= {first} AND w.week <= {week}), 0)"
    )
    # The stored values each part is made of, per volunteer: only what the score and the
    # order need (what a shortlisted volunteer is shown with is read for those k alone).
    pool = (
        "SELECT v.id AS id, m.community_id AS cid, "
        "b.name AS bname, b.grid AS bgrid, v.weekly_cap_minutes AS cap, "
        "v.rel_answered AS n, v.rel_accepted AS acc, "
        "v.rel_completed AS done, v.rel_missed AS miss, "
        + "".join(f"{level} AS level{i}, " for i, level in enumerate(levels))
        + "COALESCE(wk.minutes, 0) AS week_minutes, "
        f"{recent} AS recent, {stars} AS stars, "
        f"CASE WHEN {prefers} THEN {one} ELSE {zero} END AS prefers "
        # The free set first, then each volunteer in it by primary key: CROSS JOIN keeps
        # SQLite in this order (rather than walking the compound's memberships), and
        # PostgreSQL is told to keep it too (see _planned_as_written).
        f"FROM ({' UNION '.join(free)}) AS f CROSS JOIN volunteer v "
        "CROSS JOIN membership m " + " ".join(joins) + " "
        "LEFT JOIN building b ON b.id = v.home_building_id "
        "LEFT JOIN volunteer_week_load wk ON wk.volunteer_id = v.id "
        f"AND wk.week = {week} "
        "WHERE " + " AND ".join(where) + " "
        f"AND COALESCE(wk.minutes, 0) + {bind(window.minutes)} <= v.weekly_cap_minutes"
    )

    # The parts before their weights, as in core.matching.ranking._parts.
    least = "MIN" if raw.sqlite else "LEAST"
    greatest = "MAX" if raw.sqlite else "GREATEST"
    near = []
    if need.building is not None:
        near.append(
            f"WHEN cid = {bind(need.community_id)} AND bname = {bind(need.building)} THEN {one}"
        )
    if need.grid:
        near.append(
            f"WHEN cid = {bind(need.community_id)} AND bgrid = {bind(need.grid)} THEN {one} / 2"
        )
    rel_scale = reliability_scale(now)
    scale = bind(rel_scale, "DOUBLE PRECISION")
    parts = {
        "fairness": f"1 - {least}({real('recent')} / {greatest}(cap * 4, 1), 1)",
        "closeness": f"(CASE {' '.join(near)} ELSE {zero} END)" if near else zero,
        "skill": (
            real(" + ".join(f"level{i}" for i in range(len(skills)))) + f" / {5 * len(skills)}"
            if skills
            else zero
        ),
        "reliability": (
            f"((acc * {scale} + 1.0) / (n * {scale} + 2.0) "
            f"+ (done * {scale} + 2.0) / ((done + miss) * {scale} + 2.0)) / 2.0"
        ),
        "rating": f"COALESCE((stars - 3) / 2, {zero})",
        "preference": "prefers",
    }
    score = " + ".join(
        f"{bind(float(getattr(weights, part)), 'DOUBLE PRECISION')} * ({sql})"
        for part, sql in parts.items()
    )
    ranked = (
        "SELECT id, cid, bname, bgrid, cap, n, acc, done, miss, week_minutes, "
        + "".join(f"level{i}, " for i in range(len(skills)))
        + f"{score} AS score FROM ({pool}) AS pool "
        f"ORDER BY score DESC, week_minutes, id LIMIT {bind(int(k))}"
    )
    # The k best, then what they are shown with. Their recent load and this resident's
    # stars are read again for these k rather than carried for every volunteer scored:
    # SQLite evaluates a subquery each time its column is used, and sorts whole rows.
    sql = (
        "SELECT v.id, m.account_id, top.cid, a.name, top.bname, top.bgrid, top.cap, "
        "v.preferred_lines, v.party_member, v.credentials, top.n, top.acc, top.done, "
        f"top.miss, top.week_minutes, {recent}, {stars}, "
        + "".join(f"top.level{i}, " for i in range(len(skills)))
        + f"top.score FROM ({ranked}) AS top CROSS JOIN volunteer v CROSS JOIN membership m "
        "LEFT JOIN account a ON a.id = m.account_id "
        "WHERE v.id = top.id AND m.id = v.membership_id "
        "ORDER BY top.score DESC, top.week_minutes, top.id"
    )
    found = []
    for row in await _planned_as_written(raw, sql, params):
        vid, account_id, cid, name, building, grid, cap, prefers_json, party, granted = row[:10]
        answered, accepted, completed, missed, week_minutes, recent, stars_given = row[10:17]
        held = dict(zip(skills, (int(x) for x in row[17 : 17 + len(skills)]), strict=True))
        found.append(
            (
                float(row[-1]),
                Candidate(
                    volunteer_id=vid,
                    account_id=account_id,
                    community_id=cid,
                    name=name,
                    skills=frozenset(held),
                    levels=held,
                    # What the filters above proved: free for the whole window, not busy.
                    free=(window,),
                    busy=(),
                    week_minutes=int(week_minutes),
                    recent_minutes=int(recent),
                    weekly_cap_minutes=cap,
                    building=building,
                    grid=grid or "",
                    reliability=reliability(answered, accepted, completed, missed, rel_scale),
                    resident_stars=float(stars_given) if stars_given is not None else None,
                    preferred_lines=frozenset(_json_list(prefers_json)),
                    party_member=bool(party),
                    credentials=frozenset(_json_list(granted)),
                ),
            )
        )
    bound = found[-1][0] if len(found) == k else None
    return Shortlist([c for _, c in found], [score for score, _ in found], bound)


async def _planned_as_written(raw: Raw, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run the shortlist query. On PostgreSQL its dozen joins and anti-joins cost the planner
    8 ms to reorder (more than running it); the order written above (the free set as a
    derived table, then each volunteer by primary key, then per-volunteer probes) is the
    right one, so the planner is told to keep it for this statement (``SET LOCAL`` inside
    the caller's transaction, set back right after; a booking's transaction is begun with
    it, in BEGIN's own round trip: ``database.transaction(as_written=True)``). The free set
    must stay a derived
    table in FROM: written as ``v.id IN (...)`` it was re-run for every volunteer under
    this setting (1.6 s a booking with 5,000 volunteers)."""
    if raw.sqlite or planned_as_written():  # the transaction was begun so (a booking's)
        return await raw.rows(sql, params)
    await raw.conn.execute_script(PLAN_AS_WRITTEN)
    rows = await raw.rows(sql, params)  # on an error the transaction ends, and the setting
    await raw.conn.execute_script(
        "SET LOCAL join_collapse_limit = DEFAULT; SET LOCAL from_collapse_limit = DEFAULT"
    )
    return rows


def _json_list(value: Any) -> list[str]:
    """A JSON list column as read: text on SQLite, decoded (or text) on PostgreSQL."""
    return list(json.loads(value) if isinstance(value, str) else value or ())


def _json_list_has(raw: Raw, column: str, value: str) -> str:
    """SQL: the JSON list in ``column`` holds the string bound at ``value``."""
    if raw.sqlite:
        return f"EXISTS (SELECT 1 FROM json_each({column}) j WHERE j.value = {value})"
    return f"({column})::jsonb ? {value}"
