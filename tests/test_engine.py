"""The matching engine through the HTTP API: availability, policy, broadcast, escalation,
per-seat skills, alliances, batch runs, the scheduler, and what happens after the work."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest

from core.plugins import ServiceLine, ServiceType, Skill, hookimpl
from core.plugins.manager import build_plugin_host
from core.services.sweeper import RUN_LEASE, run_scheduled_batches, tick
from core.storage import bookings as store
from tests.support import Api, groceries, local, running_api

CHEN, LIU, ZHAO = 1, 2, 3  # demo volunteer ids


async def settings(api: Api, **changes: Any) -> dict[str, Any]:
    current = await api.get("/communities/1/settings", "staff")
    current.update(changes)
    return await api.put("/communities/1/settings", "staff", current)  # type: ignore[no-any-return]


async def offers_of(api: Api, who: str, status: str = "offered") -> list[dict[str, Any]]:
    return await api.get(f"/offers?status={status}", who)  # type: ignore[no-any-return]


# -- availability and preferences -----------------------------------------------------------


async def test_one_off_extra_time_levels_and_preferences(api: Api) -> None:
    early = groceries(day=2, start="06:30", end="07:30")
    req = await api.post("/requests", "staff", early)
    assert req["status"] == "unfilled"  # nobody's weekly pattern starts before 08:00

    extra = await api.post(
        f"/volunteers/{CHEN}/extra-time",
        "volunteer_chen",
        {"start": local(2, "06:00"), "end": local(2, "08:00"), "note": "up early Monday"},
    )
    assert extra["start"].endswith("06:00:00+08:00")
    again = await api.post(f"/requests/{req['id']}/rematch", "staff", expect=200)
    assert again["status"] == "pending"
    assert [o["volunteer_id"] for o in await offers_of(api, "volunteer_chen")] == [CHEN]

    profile = await api.patch(
        f"/volunteers/{CHEN}",
        "volunteer_chen",
        {"skill_levels": {"shopping": 5}, "preferred_lines": ["errands"]},
    )
    assert profile["skill_levels"]["shopping"] == 5
    assert profile["preferred_lines"] == ["errands"]
    assert [x["note"] for x in profile["extra_time"]] == ["up early Monday"]
    # Staff see it too; another volunteer does not.
    assert (await api.get(f"/volunteers/{CHEN}", "staff"))["skill_levels"]["shopping"] == 5
    await api.get(f"/volunteers/{CHEN}", "volunteer_liu", expect=404)

    bad = await api.patch(
        f"/volunteers/{CHEN}", "volunteer_chen", {"skill_levels": {"carrying": 4}}, expect=422
    )
    assert bad["errors"][0]["field"] == "skill_levels"
    await api.patch(
        f"/volunteers/{CHEN}", "volunteer_chen", {"skill_levels": {"shopping": 6}}, expect=400
    )
    bad = await api.patch(
        f"/volunteers/{CHEN}", "volunteer_chen", {"preferred_lines": ["karaoke"]}, expect=422
    )
    assert "karaoke" in bad["detail"]
    await api.post(
        f"/volunteers/{CHEN}/extra-time",
        "volunteer_chen",
        {"start": local(2, "08:00"), "end": local(2, "06:00")},
        expect=422,
    )


async def test_settings_are_validated_and_staff_only(api: Api) -> None:
    current = await api.get("/communities/1/settings", "volunteer_chen")
    assert current["weights"]["fairness"] == 3.0 and current["matching"] == "instant"
    await api.put("/communities/1/settings", "volunteer_chen", current, expect=403)
    wrong = dict(current, weights={**current["weights"], "fairness": -1})
    await api.put("/communities/1/settings", "staff", wrong, expect=400)
    await api.put("/communities/1/settings", "staff", dict(current, surprise=1), expect=400)
    await api.put(
        "/communities/1/settings", "staff", dict(current, batch_daily_at="25:00"), expect=400
    )


# -- broadcast, first to accept wins, escalation ----------------------------------------------


async def test_urgent_request_is_broadcast_and_the_first_accept_wins(api: Api) -> None:
    req = await api.post(
        "/requests", "staff", groceries(day=1, start="15:00", end="16:00", urgent=True)
    )
    assert req["urgent"] is True and req["priority"] >= 1000
    out = await api.get("/offers?community_id=1&status=offered", "staff")
    assert sorted(o["volunteer_id"] for o in out) == [CHEN, LIU, ZHAO]
    assert all(o["broadcast"] for o in out)
    by_who = {o["volunteer_id"]: o["id"] for o in out}

    results = await asyncio.gather(
        api.call("POST", f"/offers/{by_who[LIU]}/accept", "volunteer_liu", expect=None),
        api.call("POST", f"/offers/{by_who[ZHAO]}/accept", "volunteer_zhao", expect=None),
        api.call("POST", f"/offers/{by_who[CHEN]}/accept", "volunteer_chen", expect=None),
    )
    assert sorted(r["status"] for r in results if "status" in r and r.get("id")) == ["accepted"]
    assert sum(1 for r in results if r.get("status") == 409) == 2
    final = await api.get(f"/requests/{req['id']}", "staff")
    assert final["status"] == "assigned" and final["filled"] == 1
    statuses = sorted(o["status"] for o in await api.get("/offers?community_id=1", "staff"))
    assert statuses == ["accepted", "cancelled", "cancelled"]


async def test_declined_too_often_goes_to_staff_until_they_rematch(api: Api) -> None:
    await settings(api, escalate_after_declines=2)
    req = await api.post("/requests", "staff", groceries(day=1, start="15:00", end="16:00"))
    for who in ("volunteer_chen", "volunteer_liu"):
        (offer,) = await offers_of(api, who)
        await api.post(f"/offers/{offer['id']}/decline", who, {"reason": "busy"}, expect=200)
    got = await api.get(f"/requests/{req['id']}", "staff")
    assert got["status"] == "unfilled" and got["declines"] == 2
    assert got["history"][-1]["note"] == "declined 2 times; waiting for staff"
    assert await offers_of(api, "volunteer_zhao") == []  # not offered on: staff decide

    again = await api.post(f"/requests/{req['id']}/rematch", "staff", expect=200)
    assert again["status"] == "pending" and again["declines"] == 0
    assert len(await offers_of(api, "volunteer_zhao")) == 1


async def test_batch_mode_waits_for_the_batch_run(api: Api) -> None:
    await settings(api, matching="batch")
    req = await api.post("/requests", "staff", groceries(day=1))
    assert req["status"] == "pending"
    assert [h["event"] for h in req["history"]] == ["created"]


# -- per-seat skills --------------------------------------------------------------------------


class Moving(msgspec.Struct, forbid_unknown_fields=True):
    what: str


class MovingLine(ServiceLine):
    key = "moving"
    title = "Help moving furniture"
    skills = (Skill(key="driving", title="Drives the van"),)
    services: ClassVar[tuple[ServiceType, ...]] = (
        ServiceType(
            key="van",
            title="Van and carrier",
            details=Moving,
            required_skills=frozenset({"driving", "carrying"}),
            default_duration=timedelta(hours=1),
            team_size=2,
        ),
    )

    def requirements(self, service: ServiceType, details: Any, settings: Any) -> Any:
        from core.plugins.line import Requirements

        return Requirements(
            team_size=2,
            skills=frozenset(),
            seat_skills=(frozenset({"driving"}), frozenset({"carrying"})),
        )


class MovingPlugin:
    @hookimpl
    def service_lines(self) -> list[ServiceLine]:
        return [MovingLine()]


async def test_each_seat_gets_a_volunteer_with_its_own_skills(
    tmp_path: Path, template: Path
) -> None:
    host = build_plugin_host(load_entry_points=False, extra=[("moving", MovingPlugin())])
    async with running_api(tmp_path, template, host=host) as api:
        await api.put("/communities/1/service-lines/moving", "staff", {"enabled": True})
        await api.patch(f"/volunteers/{CHEN}", "staff", {"skills": ["driving", "shopping"]})
        req = await api.post(
            "/requests",
            "staff",
            {
                "community_id": 1,
                "resident_id": 1,
                "line": "moving",
                "service": "van",
                "window": {"start": local(1, "15:00")},
                "details": {"what": "a wardrobe"},
            },
        )
        assert req["seat_skills"] == [["driving"], ["carrying"]]
        out = await api.get("/offers?community_id=1", "staff")
        seat_of = {o["volunteer_id"]: o["seat"] for o in out}
        assert seat_of[CHEN] == 0  # the only driver
        assert seat_of.get(LIU, seat_of.get(ZHAO)) == 1  # a carrier
        for o in out:
            who = {CHEN: "volunteer_chen", LIU: "volunteer_liu", ZHAO: "volunteer_zhao"}
            await api.post(f"/offers/{o['id']}/accept", who[o["volunteer_id"]], expect=200)
        assert (await api.get(f"/requests/{req['id']}", "staff"))["status"] == "assigned"


# -- alliances --------------------------------------------------------------------------------


async def test_alliance_shares_volunteers_only_once_both_compounds_agree(api: Api) -> None:
    other = await api.post(
        "/communities", "admin", {"slug": "qinghe", "name": "Qinghe Garden", "buildings": ["1"]}
    )
    b = other["id"]
    staff_b = (
        await api.post(
            f"/communities/{b}/members",
            "admin",
            {"role": "staff", "name": "Sun Li", "issue_token": True},
        )
    )["token"]["token"]
    helper = await api.post(
        f"/communities/{b}/members",
        staff_b,
        {
            "role": "volunteer",
            "name": "Ma Tao",
            "issue_token": True,
            "volunteer": {
                "skills": ["shopping", "delivery"],
                "availability": [
                    {"weekday": d, "start": "06:00:00", "end": "08:00:00"} for d in range(7)
                ],
            },
        },
    )
    ma_token, ma_id = helper["token"]["token"], helper["volunteer"]["id"]

    alliance = await api.post("/alliances", "staff", {"name": "Lu'an alliance", "community_id": 1})
    await api.post(f"/alliances/{alliance['id']}/invitations", "staff", {"community_id": b})
    await api.post(
        f"/alliances/{alliance['id']}/invitations", staff_b, {"community_id": 1}, expect=403
    )
    early = groceries(day=2, start="06:30", end="07:30")
    req = await api.post("/requests", "staff", early)
    assert req["status"] == "unfilled"  # invited is not yet shared

    await api.post(f"/alliances/{alliance['id']}/members/{b}/accept", "staff", expect=403)
    joined = await api.post(f"/alliances/{alliance['id']}/members/{b}/accept", staff_b, expect=200)
    assert joined["members"] == {"1": "active", str(b): "active"}
    await api.post(f"/requests/{req['id']}/rematch", "staff", expect=200)
    (offer,) = await api.get("/offers", ma_token)
    assert offer["volunteer_id"] == ma_id and offer["job"]["unit"] is None
    seen = await api.get(f"/requests/{req['id']}/candidates", "staff")
    assert {c["community_id"] for c in seen} == {1, b}
    accepted = await api.post(f"/offers/{offer['id']}/accept", ma_token, expect=200)
    assert accepted["job"]["room"] == "301"
    # A new booking meets the partner's volunteers at once (its pool is read with its checks).
    direct = await api.post("/requests", "staff", groceries(day=4, start="06:30", end="07:30"))
    assert direct["status"] == "pending"
    offered = {o["job"]["request_id"] for o in await api.get("/offers", ma_token)}
    assert direct["id"] in offered

    await api.call("DELETE", f"/alliances/{alliance['id']}/members/{b}", staff_b, expect=200)
    later = await api.post("/requests", "staff", groceries(day=3, start="06:30", end="07:30"))
    assert later["status"] == "unfilled"


# -- after the work ---------------------------------------------------------------------------


async def test_resident_confirms_rates_and_hours_wait_for_approval(api: Api) -> None:
    await settings(api, hours_need_approval=True)
    at_17 = {"building": "17", "unit": "1", "room": "101"}  # Chen's building: she is first
    req = await api.post("/requests", "resident", groceries(resident_id=None, day=1, place=at_17))
    (offer,) = await offers_of(api, "volunteer_chen")
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    await api.post(f"/requests/{req['id']}/ratings", "resident", {"stars": 5}, expect=409)
    await api.post(f"/requests/{req['id']}/complete", "resident", {}, expect=409)  # too early

    api.clock.advance(days=1, hours=8)
    done = await api.post(f"/requests/{req['id']}/complete", "resident", {}, expect=200)
    assert done["status"] == "completed"
    await api.post(f"/requests/{req['id']}/complete", "resident", {}, expect=409)

    (entry,) = await api.get(f"/volunteers/{CHEN}/hours", "volunteer_chen")
    assert (entry["minutes"], entry["status"], entry["kind"]) == (120, "pending", "job")
    await api.get(f"/volunteers/{CHEN}/hours", "volunteer_liu", expect=404)
    await api.post(
        f"/hours/{entry['id']}/decision", "volunteer_chen", {"approve": True}, expect=403
    )
    approved = await api.post(
        f"/hours/{entry['id']}/decision", "staff", {"approve": True}, expect=200
    )
    assert approved["status"] == "approved"
    await api.post(f"/hours/{entry['id']}/decision", "staff", {"approve": False}, expect=409)

    await api.post(f"/requests/{req['id']}/ratings", "resident", {"stars": 6}, expect=400)
    await api.post(f"/requests/{req['id']}/ratings", "volunteer_chen", {"stars": 5}, expect=404)
    rating = await api.post(
        f"/requests/{req['id']}/ratings", "resident", {"stars": 5, "comment": "very kind"}
    )
    assert rating["volunteer_id"] == CHEN
    await api.post(f"/requests/{req['id']}/ratings", "resident", {"stars": 1}, expect=409)

    # A correction is a new entry, never an edit.
    await api.post(
        "/communities/1/hours/corrections",
        "staff",
        {
            "volunteer_id": CHEN,
            "minutes": -30,
            "worked_on": "2026-11-22",
            "line": "errands",
            "note": "left early",
        },
    )
    stats = await api.get("/communities/1/stats?start=2026-11-01&end=2026-12-01", "staff")
    assert stats["satisfaction_by_line"] == [
        {
            "key": "errands",
            "name": stats["satisfaction_by_line"][0]["name"],
            "ratings": 1,
            "mean_stars": 5.0,
            "share_satisfied": 1.0,
        }
    ]
    assert stats["satisfaction_by_volunteer"][0]["name"] == "Chen Jing"
    assert [(h["volunteer_name"], h["line"], h["hours"]) for h in stats["hours"]] == [
        ("Chen Jing", "errands", 1.5)
    ]
    response = await api.client.get(
        "/communities/1/hours.csv?start=2026-11-01&end=2026-12-01", headers=api.h("staff")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == [
        "month,volunteer_id,volunteer,line,hours",
        f"2026-11,{CHEN},Chen Jing,errands,1.5",
    ]
    await api.get(
        "/communities/1/stats?start=2026-11-01&end=2026-12-01", "volunteer_chen", expect=403
    )

    # The resident's five stars now count when Chen is scored for this resident again.
    again = await api.post("/requests", "resident", groceries(resident_id=None, day=3, place=at_17))
    seen = await api.get(f"/requests/{again['id']}/candidates", "staff")
    chen = next(c for c in seen if c["volunteer_id"] == CHEN)
    assert chen["breakdown"]["rating"] == 1.0


async def test_no_show_releases_the_seat_and_costs_reliability(api: Api) -> None:
    req = await api.post("/requests", "staff", groceries(day=1))
    (offer,) = await offers_of(api, "volunteer_chen")
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    await api.post(f"/offers/{offer['id']}/no-show", "staff", {}, expect=409)  # not started
    api.clock.advance(days=1, hours=7)
    await api.post(f"/offers/{offer['id']}/no-show", "volunteer_liu", {}, expect=403)
    missed = await api.post(
        f"/offers/{offer['id']}/no-show", "staff", {"note": "phone off"}, expect=200
    )
    assert missed["status"] == "no_show"
    got = await api.get(f"/requests/{req['id']}", "staff")
    assert (got["status"], got["filled"]) == ("unfilled", 0)
    assert got["history"][-2]["event"] == "no_show"

    later = await api.post("/requests", "staff", groceries(day=3))
    seen = await api.get(f"/requests/{later['id']}/candidates", "staff")
    reliability = {c["volunteer_id"]: c["breakdown"]["reliability"] for c in seen}
    assert reliability[CHEN] < reliability[LIU] == 1.5  # a newcomer's 0.75 x 2


async def test_reminder_notifications_and_calendar_feed(api: Api) -> None:
    await settings(api, reminder_minutes_before=120)
    req = await api.post("/requests", "staff", groceries(day=1, start="15:00", end="16:00"))
    (offer,) = await offers_of(api, "volunteer_chen")
    first = await api.get("/notifications", "volunteer_chen")
    assert [n["kind"] for n in first] == ["offer"]
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    assert [n["kind"] for n in await api.get("/notifications", "volunteer_chen")] == ["offer"]

    api.clock.now = api.clock.now.replace(day=22, hour=5, minute=1)  # 13:01 in Shanghai
    done = await tick(api.app.state.services)
    assert done["delivered"] == 2  # the offer's, then the reminder
    inbox = await api.get("/notifications", "volunteer_chen")
    assert [n["kind"] for n in inbox] == ["reminder", "offer"]
    assert inbox[0]["due_at"].endswith("T13:00:00+08:00")  # in the compound's zone
    await api.post(f"/notifications/{inbox[0]['id']}/read", "volunteer_chen", expect=204)
    await api.post(f"/notifications/{inbox[0]['id']}/read", "volunteer_liu", expect=404)
    assert [n["kind"] for n in await api.get("/notifications?unread=true", "volunteer_chen")] == [
        "offer"
    ]

    feed = await api.post(f"/volunteers/{CHEN}/calendar-feed", "volunteer_chen")
    response = await api.client.get(feed["path"])  # no token: calendar apps cannot send one
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text.replace("\r\n ", "")
    assert "BEGIN:VEVENT" in text and "SUMMARY:errands: groceries" in text
    assert f"offer-{offer['id']}@redbutler" in text and "LOCATION:Building 17" in text
    assert "301" not in text  # the door stays in the offer, where reading it is logged
    assert "DTSTART;TZID=Asia/Shanghai:20261122T150000" in text
    assert (await api.client.get("/calendar/cal_nonsense.ics")).status_code == 404
    renewed = await api.post(f"/volunteers/{CHEN}/calendar-feed", "volunteer_chen")
    assert (await api.client.get(feed["path"])).status_code == 404
    assert (await api.client.get(renewed["path"])).status_code == 200
    assert req["id"]


async def test_cancelled_job_cancels_its_reminder(api: Api) -> None:
    req = await api.post("/requests", "staff", groceries(day=1, start="15:00", end="16:00"))
    (offer,) = await offers_of(api, "volunteer_chen")
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    await api.post(f"/requests/{req['id']}/cancel", "staff", {}, expect=200)
    api.clock.advance(days=1, hours=5)
    await tick(api.app.state.services)
    kinds = [n["kind"] for n in await api.get("/notifications", "volunteer_chen")]
    assert "reminder" not in kinds


# -- batch runs -------------------------------------------------------------------------------


async def test_batch_run_assigns_a_period_without_overlaps(api: Api) -> None:
    await settings(api, matching="batch")
    ids = [
        (await api.post("/requests", "staff", groceries(resident_id=r, day=1, start=s, end=e)))[
            "id"
        ]
        for r, s, e in ((1, "15:00", "16:00"), (2, "15:00", "16:00"), (3, "15:30", "16:30"))
    ]
    run = await api.post(
        "/communities/1/batch-runs",
        "staff",
        {"start": local(1, "00:00"), "end": local(2, "00:00")},
    )
    assert (run["seats_open"], run["seats_filled"], run["offers_made"]) == (3, 3, 3)
    assert run["fill_rate"] == 1.0 and run["inputs"]["volunteers"] == 3
    assert run["solver"] in {"highs", "combinatorial"} and run["inputs"]["proven_optimal_fill"]
    assert sorted(a["request_id"] for a in run["assignments"]) == sorted(ids)
    assert len({a["volunteer_id"] for a in run["assignments"]}) == 3  # overlapping: 3 people
    offers = await api.get("/offers?community_id=1", "staff")
    assert {o["batch_run_id"] for o in offers} == {run["id"]}
    assert (await api.get(f"/batch-runs/{run['id']}", "staff"))["id"] == run["id"]
    assert [r["id"] for r in await api.get("/communities/1/batch-runs", "staff")] == [run["id"]]
    await api.post("/communities/1/batch-runs", "volunteer_chen", {}, expect=403)
    await api.post(
        "/communities/1/batch-runs",
        "staff",
        {"start": local(2, "00:00"), "end": local(1, "00:00")},
        expect=422,
    )
    # A second run finds nothing open: every seat has its offer out.
    again = await api.post("/communities/1/batch-runs", "staff", {})
    assert again["seats_open"] == 0


async def test_the_server_answers_while_a_batch_run_solves(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run may take its whole time limit solving (up to 300 s). The engine runs off the
    event loop: other calls are answered meanwhile, and no call's transaction is left
    open with its locks held while the loop is busy (on PostgreSQL a session idle in its
    transaction for a minute is closed)."""
    import threading

    from core.services import batch

    solving, release, done = threading.Event(), threading.Event(), threading.Event()
    real = batch.assign

    def slow_assign(*args: Any, **kwargs: Any) -> Any:
        """A hard instance: it holds its thread until the test has had its answer (or
        10 s, when the engine blocks the loop and the test cannot ask)."""
        solving.set()
        release.wait(10)
        try:
            return real(*args, **kwargs)
        finally:
            done.set()

    monkeypatch.setattr(batch, "assign", slow_assign)
    await settings(api, matching="batch")
    await api.post("/requests", "staff", groceries(day=1))
    run = asyncio.create_task(api.post("/communities/1/batch-runs", "staff", {}))
    await asyncio.to_thread(solving.wait, 10)
    me = await api.get("/me", "volunteer_chen")
    assert me["name"] and not done.is_set()  # answered while the run was still solving
    release.set()
    assert (await run)["seats_filled"] == 1


async def test_batch_run_racing_accepts_never_overfills_or_double_books(api: Api) -> None:
    # Instant offers for two overlapping requests, then a batch run over a third while
    # everyone accepts everything at once.
    first = await api.post("/requests", "staff", groceries(resident_id=1, day=1))
    await api.post(
        "/requests", "staff", groceries(resident_id=2, day=1, start="16:00", end="17:00")
    )
    await settings(api, matching="batch")
    await api.post(
        "/requests", "staff", groceries(resident_id=3, day=1, start="15:30", end="16:30")
    )
    tokens = {CHEN: "volunteer_chen", LIU: "volunteer_liu", ZHAO: "volunteer_zhao"}

    async def accept_all() -> None:
        for _ in range(2):
            offers = await api.get("/offers?community_id=1&status=offered", "staff")
            await asyncio.gather(
                *(
                    api.call(
                        "POST", f"/offers/{o['id']}/accept", tokens[o["volunteer_id"]], expect=None
                    )
                    for o in offers
                )
            )

    await asyncio.gather(
        accept_all(), api.post("/communities/1/batch-runs", "staff", {}), accept_all()
    )
    await accept_all()
    requests = await api.get("/requests?community_id=1", "staff")
    assert all(r["filled"] <= r["seats"] for r in requests)
    accepted = await api.get("/offers?community_id=1&status=accepted", "staff")
    for vid in tokens:
        windows = sorted(
            (o["job"]["window"]["start"], o["job"]["window"]["end"])
            for o in accepted
            if o["volunteer_id"] == vid
        )
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(windows)), windows
    assert first["id"]


async def test_scheduled_batch_runs_once_per_day_across_processes(api: Api) -> None:
    await settings(api, matching="batch", batch_daily_at="09:30")
    await api.post("/requests", "staff", groceries(day=1))
    services = api.app.state.services
    assert await run_scheduled_batches(services) == 0  # 09:00 in Shanghai: not yet
    api.clock.advance(minutes=31)
    # Two server processes' schedulers at once: exactly one runs it.
    ran = await asyncio.gather(run_scheduled_batches(services), run_scheduled_batches(services))
    assert sorted(ran) == [0, 1]
    assert await run_scheduled_batches(services) == 0
    runs = await api.get("/communities/1/batch-runs", "staff")
    assert len(runs) == 1 and runs[0]["seats_filled"] == 1
    api.clock.advance(days=1)
    assert await run_scheduled_batches(services) == 1  # the next day's


async def test_a_failed_or_abandoned_scheduled_batch_is_run_again_that_day(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await settings(api, matching="batch", batch_daily_at="09:30")
    await api.post("/requests", "staff", groceries(day=1))
    services = api.app.state.services
    api.clock.advance(minutes=31)
    real_run = services.batch.run

    async def database_away(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionResetError("the database went away mid-run")

    monkeypatch.setattr(services.batch, "run", database_away)
    assert await run_scheduled_batches(services) == 0  # failed: logged, not raised
    monkeypatch.setattr(services.batch, "run", real_run)
    api.clock.advance(minutes=4)
    assert await run_scheduled_batches(services) == 0  # not hammered: retried after 5 min
    api.clock.advance(minutes=1)
    assert await run_scheduled_batches(services) == 1  # the day's run, once after all
    assert len(await api.get("/communities/1/batch-runs", "staff")) == 1
    api.clock.advance(hours=3)
    assert await run_scheduled_batches(services) == 0  # done for the day

    # The next day a process takes the lease and dies mid-run: after the run's lease
    # (15 minutes) another process runs it.
    api.clock.advance(days=1)
    day = (api.clock.now + timedelta(hours=8)).date().isoformat()
    assert await store.take_lease(
        f"batch:1:{day}", "dead-process", api.clock.now, api.clock.now + RUN_LEASE
    )
    assert await run_scheduled_batches(services) == 0
    api.clock.advance(minutes=15)
    assert await run_scheduled_batches(services) == 1
    assert len(await api.get("/communities/1/batch-runs", "staff")) == 2


# -- staff-granted credentials and the compound's own work ------------------------------------


class Session(msgspec.Struct, forbid_unknown_fields=True):
    children: int


class ClassLine(ServiceLine):
    key = "tutoring"
    title = "Homework class"
    skills = (Skill(key="tutoring", title="Homework help"),)
    services: ClassVar[tuple[ServiceType, ...]] = (
        ServiceType(
            key="session",
            title="A class session",
            details=Session,
            required_skills=frozenset({"tutoring"}),
            required_credentials=frozenset({"first-aid"}),
            default_duration=timedelta(hours=2),
        ),
    )


class ClassPlugin:
    @hookimpl
    def service_lines(self) -> list[ServiceLine]:
        return [ClassLine()]


async def test_work_needing_a_credential_waits_for_staff_vetting(
    tmp_path: Path, template: Path
) -> None:
    from core.domain.time import Interval
    from tests.support import START

    host = build_plugin_host(load_entry_points=False, extra=[("class", ClassPlugin())])
    async with running_api(tmp_path, template, host=host) as api:
        await api.put("/communities/1/service-lines/tutoring", "staff", {"enabled": True})
        await api.patch(f"/volunteers/{CHEN}", "staff", {"skills": ["tutoring", "shopping"]})
        services = api.app.state.services
        staff = await services.accounts.authenticate(api.tokens["staff"])
        start = START + timedelta(days=1, hours=8)  # 17:00 in Shanghai tomorrow
        work = await services.bookings.file_work(
            staff,
            1,
            "tutoring",
            "session",
            Interval(start, start + timedelta(hours=1)),
            {"children": 8},
        )
        assert work.resident_id is None
        assert work.status == "unfilled" and work.required_credentials == ["first-aid"]
        seen = await api.get(f"/requests/{work.id}/candidates", "staff")
        assert seen[0]["reasons"] == ["not vetted: lacks first-aid (granted by staff)"]

        await api.put(
            f"/volunteers/{CHEN}/credentials",
            "volunteer_chen",
            {"credentials": ["first-aid"]},
            expect=403,
        )
        await api.put(
            f"/volunteers/{CHEN}/credentials",
            "staff",
            {"credentials": ["Not A Slug"]},
            expect=400,
        )
        vetted = await api.put(
            f"/volunteers/{CHEN}/credentials", "staff", {"credentials": ["first-aid"]}
        )
        assert vetted["credentials"] == ["first-aid"]
        await api.post(f"/requests/{work.id}/rematch", "staff", expect=200)
        (offer,) = await offers_of(api, "volunteer_chen")
        accepted = await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
        assert accepted["job"]["resident_name"] is None  # nobody's home: the compound's work
        shown = await api.get(f"/requests/{work.id}", "staff")
        assert shown["resident_id"] is None and shown["status"] == "assigned"


async def test_giving_a_job_back_finds_a_substitute(api: Api) -> None:
    req = await api.post("/requests", "staff", groceries(day=1, start="15:00", end="16:00"))
    (offer,) = await offers_of(api, "volunteer_chen")
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    await api.post(f"/offers/{offer['id']}/drop", "volunteer_liu", {}, expect=404)
    dropped = await api.post(
        f"/offers/{offer['id']}/drop", "volunteer_chen", {"reason": "hospital visit"}, expect=200
    )
    assert dropped["status"] == "dropped"
    got = await api.get(f"/requests/{req['id']}", "staff")
    assert (got["status"], got["filled"]) == ("pending", 0)
    assert [h["event"] for h in got["history"]][-2:] == ["dropped", "offered"]
    (substitute,) = await offers_of(api, "volunteer_liu")
    assert substitute["job"]["request_id"] == req["id"]
    # Chen's hour is free again: she can take other work at that time.
    other = await api.post(
        "/requests", "staff", groceries(resident_id=2, day=1, start="15:00", end="16:00")
    )
    mine = [await api.post(f"/requests/{other['id']}/offers", "staff", {"volunteer_id": CHEN})]
    await api.post(f"/offers/{mine[0]['id']}/accept", "volunteer_chen", expect=200)
    api.clock.advance(days=1, hours=6, minutes=30)  # 15:30 tomorrow: started
    await api.post(f"/offers/{mine[0]['id']}/drop", "volunteer_chen", {}, expect=409)
