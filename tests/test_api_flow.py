"""The errand flow of issue 2, step by step, through the HTTP API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support import Api, Clock, groceries, running_api


async def test_book_offer_decline_accept_complete(api: Api) -> None:
    # Staff book for Grandma Li, who has no smartphone.
    req = await api.post("/requests", "staff", groceries(resident_id=1))
    assert req["status"] == "pending"
    assert req["priority"] == 100  # elderly and living alone: first
    assert req["place"] == {"building": "17", "unit": "2", "room": "301"}
    assert req["window"]["start"].endswith("15:00:00+08:00")
    # Offered before the call returned, to the neighbour in building 17.
    offered = [h for h in req["history"] if h["event"] == "offered"]
    assert len(offered) == 1

    chen = await api.get("/offers", "volunteer_chen")
    assert [o["status"] for o in chen] == ["offered"]
    # Every part of the score is stored with the offer (new volunteers start at 0.75
    # reliability; unlisted skill levels count as 3 of 5).
    assert chen[0]["score_breakdown"] == {
        "fairness": 3.0,
        "closeness": 2.0,
        "skill": 0.6,
        "reliability": 1.5,
        "rating": 0.0,
        "preference": 0.0,
    }
    assert chen[0]["job"]["room"] is None  # the door is hidden until accepted

    declined = await api.post(
        f"/offers/{chen[0]['id']}/decline",
        "volunteer_chen",
        {"reason": "at the clinic"},
        expect=200,
    )
    assert declined["status"] == "declined"

    liu = await api.get("/offers", "volunteer_liu")
    assert [o["status"] for o in liu] == ["offered"]
    # Zhao is free only from 14:00 and was not needed yet; Chen is never asked again.
    assert await api.get("/offers", "volunteer_zhao") == []

    accepted = await api.post(f"/offers/{liu[0]['id']}/accept", "volunteer_liu", expect=200)
    assert accepted["status"] == "accepted"
    assert accepted["job"]["room"] == "301"
    assert accepted["job"]["resident_name"] == "Grandma Li"

    # Too early to mark done.
    await api.post(f"/offers/{liu[0]['id']}/complete", "volunteer_liu", expect=409)
    api.clock.advance(days=1, hours=8)
    done = await api.post(f"/offers/{liu[0]['id']}/complete", "volunteer_liu", expect=200)
    assert done["status"] == "completed" and done["minutes"] == 120

    final = await api.get(f"/requests/{req['id']}", "staff")
    assert final["status"] == "completed"
    assert [a["volunteer_name"] for a in final["assignments"]] == ["Liu Yang"]
    events = [h["event"] for h in final["history"]]
    assert events == [
        "created",
        "offered",
        "declined",
        "offered",
        "accepted",
        "assigned",
        "completed",
        "completed",
    ]
    statuses = [(h["from_status"], h["to_status"]) for h in final["history"] if h["to_status"]]
    assert statuses == [(None, "pending"), ("pending", "assigned"), ("assigned", "completed")]
    assert all(h["at"] for h in final["history"])


async def test_resident_books_for_themself_and_sees_history(api: Api) -> None:
    req = await api.post("/requests", "resident", groceries(resident_id=None))
    assert req["resident_name"] == "Zhang Wei"
    assert req["place"]["building"] == "18"
    mine = await api.get("/requests", "resident")
    assert [r["id"] for r in mine] == [req["id"]]
    seen = await api.get(f"/requests/{req['id']}", "resident")
    assert seen["history"][0]["event"] == "created"


async def test_expiry_moves_to_next_candidate_then_unfilled(api: Api) -> None:
    req = await api.post("/requests", "staff", groceries(resident_id=1))
    services = api.app.state.services
    # Nobody answers: each offer expires after the TTL and goes to the next volunteer.
    seen = []
    for _ in range(3):
        offers = await api.get("/offers?community_id=1&status=offered", "staff")
        assert len(offers) == 1
        seen.append(offers[0]["volunteer_name"])
        api.clock.advance(hours=2, minutes=1)
        assert await services.bookings.expire_due() == 1
    assert sorted(seen) == ["Chen Jing", "Liu Yang", "Zhao Min"]
    final = await api.get(f"/requests/{req['id']}", "staff")
    assert final["status"] == "unfilled"
    assert [h["event"] for h in final["history"]].count("expired") == 3
    assert final["history"][-1]["event"] == "unfilled"
    queue = await api.get("/requests?community_id=1&status=unfilled", "staff")
    assert [r["id"] for r in queue] == [req["id"]]


async def test_nobody_eligible_goes_straight_to_staff(api: Api) -> None:
    # 06:00 is before anyone's free time.
    req = await api.post("/requests", "staff", groceries(start="06:00", end="07:00"))
    assert req["status"] == "unfilled"
    # Written once, as matching left it: filed by the staff member, sent on by the system.
    staff = req["history"][0]["actor_account_id"]
    assert staff is not None
    assert [
        (h["event"], h["from_status"], h["to_status"], h["actor_account_id"])
        for h in req["history"]
    ] == [("created", None, "pending", staff), ("unfilled", "pending", "unfilled", None)]
    assert req == await api.get(f"/requests/{req['id']}", "staff")
    reasons = await api.get(f"/requests/{req['id']}/candidates", "staff")
    assert {c["name"] for c in reasons} == {"Chen Jing", "Liu Yang", "Zhao Min"}
    assert all("not free for the whole window" in c["reasons"] for c in reasons)


async def test_staff_step_in_with_a_chosen_volunteer(api: Api) -> None:
    req = await api.post("/requests", "staff", groceries(start="06:00", end="07:00"))
    vols = await api.get("/communities/1/volunteers", "staff")
    zhao = next(v for v in vols if v["name"] == "Zhao Min")
    offer = await api.post(f"/requests/{req['id']}/offers", "staff", {"volunteer_id": zhao["id"]})
    assert offer["score_breakdown"] == {"staff_choice": 1.0}
    again = await api.get(f"/requests/{req['id']}", "staff")
    assert again["status"] == "pending"


async def test_cancel_frees_the_volunteer(api: Api) -> None:
    req = await api.post("/requests", "staff", groceries())
    offer = (await api.get("/offers", "volunteer_chen"))[0]
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    cancelled = await api.post(
        f"/requests/{req['id']}/cancel", "staff", {"reason": "daughter came home"}, expect=200
    )
    assert cancelled["status"] == "cancelled"
    assert (await api.get(f"/offers/{offer['id']}", "volunteer_chen"))["status"] == "cancelled"
    # Chen's afternoon is free again: the same window is offered to her and accepted.
    await api.post("/requests", "staff", groceries())
    second = (await api.get("/offers?status=offered", "volunteer_chen"))[0]
    await api.post(f"/offers/{second['id']}/accept", "volunteer_chen", expect=200)
    await api.post(f"/requests/{req['id']}/cancel", "staff", {}, expect=409)


async def test_weekly_cap_is_respected(api: Api) -> None:
    # Zhao's cap is 6h: three 2-hour jobs in one week (Mon-Wed) fit, a fourth (Thu) does not.
    vols = await api.get("/communities/1/volunteers", "staff")
    zhao = next(v for v in vols if v["name"] == "Zhao Min")
    for day in (2, 3, 4, 5):
        req = await api.post("/requests", "staff", groceries(day=day, start="18:00", end="20:00"))
        for offer in await api.get("/offers?status=offered", "volunteer_chen"):
            await api.post(f"/offers/{offer['id']}/decline", "volunteer_chen", {}, expect=200)
        for offer in await api.get("/offers?status=offered", "volunteer_liu"):
            await api.post(f"/offers/{offer['id']}/decline", "volunteer_liu", {}, expect=200)
        mine = await api.get("/offers?status=offered", "volunteer_zhao")
        if day < 5:
            assert len(mine) == 1
            await api.post(f"/offers/{mine[0]['id']}/accept", "volunteer_zhao", expect=200)
        else:
            assert mine == []
            final = await api.get(f"/requests/{req['id']}", "staff")
            assert final["status"] == "unfilled"
    who = await api.get(f"/volunteers/{zhao['id']}", "staff")
    assert who["weekly_cap_hours"] == 6


async def test_server_expires_offers_with_nobody_calling(tmp_path: Path, template: Path) -> None:
    """The background sweep in the running app expires an unanswered offer and re-offers it."""
    clock = Clock()
    async with running_api(tmp_path, template, clock=clock, sweep_interval=0.05) as api:
        req = await api.post("/requests", "staff", groceries())
        first = (await api.get("/offers?community_id=1", "staff"))[0]
        clock.advance(hours=3)
        for _ in range(100):
            offers = await api.get("/offers?community_id=1", "staff")
            if len(offers) == 2:
                break
            await asyncio.sleep(0.05)
        by_id = {o["id"]: o for o in offers}
        assert by_id[first["id"]]["status"] == "expired"
        assert [o["status"] for o in offers if o["id"] != first["id"]] == ["offered"]
        events = [h["event"] for h in (await api.get(f"/requests/{req['id']}", "staff"))["history"]]
        assert events == ["created", "offered", "expired", "offered"]
