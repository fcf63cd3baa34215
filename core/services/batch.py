"""Batch matching through the API: load a period's open seats and the pool, solve with
:mod:`core.matching.batch`, and turn the assignment into offers (volunteers still accept or
decline; every acceptance goes through the same checked path as an instant offer, so a batch
run racing an accept can never overfill a seat or give anyone overlapping work)."""

from __future__ import annotations

import asyncio
import time as clock
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.domain.access import Principal
from core.domain.commands import BatchRunIn
from core.domain.enums import EventKind, OfferStatus, RequestStatus
from core.domain.errors import Conflict, InvalidInput
from core.domain.events import RequestEvent
from core.domain.policy import CommunitySettings, decode_settings
from core.domain.records import BatchAssignment, BatchRunRecord
from core.domain.time import Interval, week_start
from core.matching import Candidate, Need, Ranked, ScoringMatcher
from core.matching import batch as engine
from core.matching.exact import assign
from core.services.bookings import seat_skills_of
from core.services.people import aware
from core.storage import bookings as store
from core.storage import communities, people
from core.storage.database import transaction
from core.storage.models import BatchRun, ServiceRequest

if TYPE_CHECKING:
    from core.services import Services

MAX_SEATS = 20_000
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _minute(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds() // 60)


def run_record(run: BatchRun, zone: ZoneInfo) -> BatchRunRecord:
    return BatchRunRecord(
        id=run.id,
        community_id=run.community_id,
        period_start=run.period_start.astimezone(zone),
        period_end=run.period_end.astimezone(zone),
        solver=run.solver,
        seats_open=run.seats_open,
        seats_filled=run.seats_filled,
        fill_rate=round(run.seats_filled / run.seats_open, 4) if run.seats_open else 1.0,
        offers_made=run.offers_made,
        duration_ms=run.duration_ms,
        created_at=run.created_at.astimezone(zone),
        inputs=dict(run.inputs),
        assignments=[BatchAssignment(**a) for a in run.result.get("assignments", [])],
    )


class BatchService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def run(
        self, who: Principal | None, community_id: int, cmd: BatchRunIn
    ) -> BatchRunRecord:
        """Staff (or the scheduler, ``who`` None): offer every open seat starting in the
        period to the volunteers the solver picks."""
        community = await communities.get_community(community_id)
        if who is not None:
            who.require_staff(community.id)
        zone = ZoneInfo(community.timezone)
        policy = decode_settings(community.settings)
        now = self.s.clock()
        start = aware(cmd.start, zone) if cmd.start else now
        end = aware(cmd.end, zone) if cmd.end else start + timedelta(days=policy.batch_horizon_days)
        if end <= start:
            raise InvalidInput.field("end", "must be after start")
        if end - start > timedelta(days=31):
            raise InvalidInput.field("end", "a batch run covers at most 31 days")
        start = max(start, now)
        began = clock.perf_counter()

        requests = await store.open_requests_between(community.id, start, end, MAX_SEATS + 1)
        if len(requests) > MAX_SEATS:
            raise InvalidInput.field("end", f"more than {MAX_SEATS} open requests; shorten it")
        held = await store.busy_seats([r.id for r in requests])
        already = await store.offered_pairs([r.id for r in requests])
        seats: list[tuple[ServiceRequest, int, frozenset[str]]] = []
        for r in requests:
            for i, skills in enumerate(seat_skills_of(r)):
                if i not in held.get(r.id, set()):
                    seats.append((r, i, skills))

        assignments: list[dict[str, Any]] = []
        events: list[RequestEvent] = []
        offers_made = 0
        filled = 0
        candidates: list[Candidate] = []
        if seats:
            span = Interval(
                min(r.starts_at for r, _, _ in seats), max(r.ends_at for r, _, _ in seats)
            )
            pool = await communities.pool_ids(community.id)
            zones = {c: ZoneInfo(tz) for c, tz in (await communities.zones(pool)).items()}
            candidates = await people.load_candidates(
                pool, zones, span, frozenset(), set(), now=now
            )
            weeks = sorted({week_start(r.starts_at, zone) for r, _, _ in seats})
            loads = await store.week_loads([c.volunteer_id for c in candidates], weeks)
            seat_objs = [
                engine.Seat(
                    key=(r.id, i),
                    start=_minute(r.starts_at),
                    end=_minute(r.ends_at),
                    skills=skills,
                    week=week_start(r.starts_at, zone).toordinal(),
                    priority=r.priority,
                )
                for r, i, skills in seats
            ]
            vols = [
                engine.Volunteer(
                    key=c.volunteer_id,
                    skills=c.skills,
                    free=[(_minute(iv.start), _minute(iv.end)) for iv in c.free],
                    busy=[(_minute(iv.start), _minute(iv.end)) for iv in c.busy],
                    cap=c.weekly_cap_minutes,
                    used={w.toordinal(): loads.get((c.volunteer_id, w), 0) for w in weeks},
                )
                for c in candidates
            ]
            # The engine runs in a thread, not in the event loop: a run may take its whole
            # time limit (up to 300 s), and meanwhile this worker goes on answering (the
            # thread and the loop share the GIL); no other call's transaction sits idle,
            # its locks held, while the loop is busy solving.
            pairs = await asyncio.to_thread(engine.eligible_pairs, seat_objs, vols)
            ranked: dict[tuple[int, int], Ranked] = {}
            for si, (request, seat, skills) in enumerate(seats):
                need = self.s.bookings._need(request, seat, skills)
                keep = []
                for vi in pairs[si]:
                    c = candidates[vi]
                    if (
                        (request.id, c.volunteer_id) in already
                        or need.credentials - c.credentials
                        or self.s.host.vetoes(need, c)
                    ):
                        continue
                    ranked[(si, vi)] = self._score(need, c, policy)
                    keep.append(vi)
                pairs[si] = keep
            result, method, proven = await asyncio.to_thread(
                assign,
                seat_objs,
                vols,
                lambda si, vi: ranked[(si, vi)].score,
                pairs=pairs,
                time_limit=policy.batch_time_limit_seconds,
            )
            filled = result.filled
            plan = sorted(result.assignment.items())
        else:
            plan, method, proven = [], "none", True
        duration_ms = round((clock.perf_counter() - began) * 1000, 1)

        async with transaction():
            run = await store.save_batch_run(
                community_id=community.id,
                requested_by_id=who.account_id if who else None,
                period_start=start,
                period_end=end,
                solver=method,
                inputs={
                    "requests": len(requests),
                    "seats": len(seats),
                    "volunteers": len(candidates),
                    "proven_optimal_fill": proven,
                    "request_ids": [r.id for r in requests][:2000],
                },
                seats_open=len(seats),
                seats_filled=filled,
                duration_ms=duration_ms,
                created_at=now,
            )
            for si, vi in plan:
                request, seat, _ = seats[si]
                choice = ranked[(si, vi)]
                await store.set_status(request, {RequestStatus.UNFILLED}, RequestStatus.PENDING)
                try:  # in a savepoint: a clash undoes this offer only, not the run
                    async with transaction():
                        event = await self.s.bookings._make_offer(
                            request,
                            choice,
                            seat,
                            now,
                            policy,
                            who.account_id if who else None,
                            batch_run_id=run.id,
                        )
                except Conflict:
                    continue  # someone offered it meanwhile; the seat's other offer stands
                events.append(event)
                offers_made += 1
                assignments.append(
                    {
                        "request_id": request.id,
                        "seat": seat,
                        "volunteer_id": choice.candidate.volunteer_id,
                        "offer_id": int(event.offer_id or 0),
                        "score": choice.score,
                    }
                )
            for request in requests:
                if request.status != RequestStatus.PENDING:
                    continue
                if await store.count_offers(request.id, OfferStatus.OFFERED) == 0 and (
                    await store.set_status(request, {RequestStatus.PENDING}, RequestStatus.UNFILLED)
                ):
                    events.append(
                        await store.record_event(
                            request,
                            EventKind.UNFILLED,
                            now,
                            from_status=RequestStatus.PENDING,
                            to_status=RequestStatus.UNFILLED,
                            note=f"batch run {run.id} found no volunteer; waiting for staff",
                        )
                    )
            run.offers_made = offers_made
            run.result = {"assignments": assignments}
            await run.save(update_fields=["offers_made", "result"])
        await self.s.host.emit(events)
        return run_record(run, zone)

    def _score(self, need: Need, candidate: Candidate, policy: CommunitySettings) -> Ranked:
        """The score an offer of this pair would carry (eligibility is checked already)."""
        if isinstance(self.s.matcher, ScoringMatcher):
            return self.s.matcher.score(need, candidate, policy.weights, self.s.host)
        return self.s.matcher.rank(need, [candidate], policy.weights, self.s.host)[0]

    async def runs(
        self, who: Principal, community_id: int, limit: int, offset: int = 0
    ) -> list[BatchRunRecord]:
        community = await communities.get_community(community_id)
        who.require_staff(community.id)
        zone = ZoneInfo(community.timezone)
        rows = await store.batch_runs(community.id, max(1, min(limit, 100)), max(offset, 0))
        return [run_record(r, zone) for r in rows]

    async def get(self, who: Principal, run_id: int) -> BatchRunRecord:
        run = await store.get_batch_run(run_id)
        who.require_staff(run.community_id)
        community = await communities.get_community(run.community_id)
        return run_record(run, ZoneInfo(community.timezone))
