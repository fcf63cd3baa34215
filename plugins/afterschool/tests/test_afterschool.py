"""The four-thirty class end to end: calendar, sessions, enrolment and waitlist, vetted
tutors through the core's matching, and attendance with safe release."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from plugins.afterschool import rules
from plugins.afterschool.models import Child, Enrolment
from plugins.afterschool.schemas import CalendarIn, Collector, Holiday
from plugins.afterschool.service import AfterschoolService
from tests.support import Api

CHEN = 1

CALENDAR = {
    "term_start": "2026-09-01",
    "term_end": "2027-01-20",
    "holidays": [{"start": "2026-11-25", "end": "2026-11-25", "name": "sports day"}],
    "makeup_days": ["2026-11-28"],  # a Saturday that is a school day
}


def test_school_days_follow_the_calendar() -> None:
    calendar = CalendarIn(
        term_start=date(2026, 9, 1),
        term_end=date(2027, 1, 20),
        holidays=[Holiday(start=date(2026, 10, 1), end=date(2026, 10, 7), name="National Day")],
        makeup_days=[date(2026, 9, 27), date(2026, 10, 10)],
    )
    days = rules.school_days(calendar, range(5), date(2026, 9, 26), date(2026, 10, 12))
    assert days == [
        date(2026, 9, 27),  # Sunday, a make-up day
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),  # after the National Day week
        date(2026, 10, 9),
        date(2026, 10, 10),  # Saturday, a make-up day
        date(2026, 10, 12),
    ]
    # A holiday class ignores the term and its holidays.
    winter = rules.school_days(
        None,
        [1, 3],
        date(2027, 1, 25),
        date(2027, 2, 5),
        kind="holiday",
        class_start=date(2027, 1, 25),
        class_end=date(2027, 2, 5),
    )
    assert winter == [date(2027, 1, 26), date(2027, 1, 28), date(2027, 2, 2), date(2027, 2, 4)]
    assert rules.tutors_needed(110, 8) == 14 and rules.tutors_needed(0, 8) == 1
    grandma = [Collector(name="Li Xiuying", relation="grandmother")]
    assert rules.allowed_collector(grandma, " li xiuying ")
    assert not rules.allowed_collector(grandma, "Li Xiu")


async def open_class(api: Api, seats: int = 3) -> dict[str, Any]:
    await api.put("/communities/1/service-lines/afterschool", "staff", {"enabled": True})
    await api.put("/afterschool/communities/1/calendar", "staff", CALENDAR)
    return await api.post(  # type: ignore[no-any-return]
        "/afterschool/communities/1/classes",
        "staff",
        {"name": "Four-thirty class", "seat_limit": seats, "subjects": ["maths"], "building": "17"},
    )


async def child(api: Api, name: str, who: str = "resident") -> dict[str, Any]:
    return await api.post(  # type: ignore[no-any-return]
        "/afterschool/children",
        who,
        {
            "community_id": 1,
            "name": name,
            "age": 8,
            "school": "Mingyue Primary",
            "notes": "peanut allergy" if name == "Xiaoming" else "",
            "collectors": [
                {"name": "Zhang Wei", "relation": "father"},
                {"name": "Li Xiuying", "relation": "grandmother"},
            ],
        },
    )


async def test_seat_limit_holds_under_simultaneous_enrolment_and_waitlist_promotes(
    api: Api,
) -> None:
    k = await open_class(api, seats=3)
    kids = [await child(api, f"Child {i}") for i in range(6)]
    results = await asyncio.gather(
        *(
            api.post(
                f"/afterschool/classes/{k['id']}/enrolments", "resident", {"child_id": c["id"]}
            )
            for c in kids
        )
    )
    assert sorted(r["status"] for r in results) == ["enrolled"] * 3 + ["waitlisted"] * 3
    shown = await api.get(f"/afterschool/classes/{k['id']}", "staff")
    assert (shown["enrolled"], shown["waitlisted"]) == (3, 3)
    waiting = sorted(
        (r for r in results if r["status"] == "waitlisted"), key=lambda r: r["waitlist_position"]
    )
    assert [r["waitlist_position"] for r in waiting] == [1, 2, 3]
    await api.post(
        f"/afterschool/classes/{k['id']}/enrolments",
        "resident",
        {"child_id": kids[0]["id"]},
        expect=409,
    )

    leaving = next(r for r in results if r["status"] == "enrolled")
    left = await api.call("DELETE", f"/afterschool/enrolments/{leaving['id']}", "resident")
    assert left["status"] == "withdrawn"
    listing = {
        e["id"]: e for e in await api.get(f"/afterschool/classes/{k['id']}/enrolments", "staff")
    }
    assert listing[waiting[0]["id"]]["status"] == "enrolled"  # first come, first served
    assert listing[waiting[1]["id"]]["waitlist_position"] == 1
    assert listing[waiting[2]["id"]]["waitlist_position"] == 2
    # Times in the compound's zone, as everywhere else (left, made, listed).
    assert all(r["created_at"].endswith("+08:00") for r in [left, *results, *listing.values()])
    # An enrolment that joined the queue after the page read it (a place the page does
    # not know) is counted on its own rather than failing the page.
    late = await Enrolment.get(id=waiting[2]["id"]).prefetch_related("child")
    record = await AfterschoolService(api.app.state.services)._enrolment_record(
        late, late.child, ZoneInfo("Asia/Shanghai"), queue={}
    )
    assert record.waitlist_position == 2
    shown = await api.get(f"/afterschool/classes/{k['id']}", "staff")
    assert (shown["enrolled"], shown["waitlisted"]) == (3, 2)

    bigger = await api.put(f"/afterschool/classes/{k['id']}/seat-limit", "staff", {"seat_limit": 5})
    assert (bigger["enrolled"], bigger["waitlisted"]) == (5, 0)


async def test_sessions_vetted_tutors_and_safe_release(api: Api) -> None:
    k = await open_class(api)
    xiaoming = await child(api, "Xiaoming")
    await api.post(
        f"/afterschool/classes/{k['id']}/enrolments", "resident", {"child_id": xiaoming["id"]}
    )
    await api.patch(f"/volunteers/{CHEN}", "staff", {"skills": ["homework-help", "maths"]})
    # The demo has vetted Chen; start from a tutor staff have not vetted yet.
    await api.put(f"/volunteers/{CHEN}/credentials", "staff", {"credentials": []})

    sessions = await api.post(
        f"/afterschool/classes/{k['id']}/sessions",
        "staff",
        {"start": "2026-11-23", "end": "2026-11-29"},
    )
    assert [s["day"] for s in sessions] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-26",
        "2026-11-27",
        "2026-11-28",
    ]
    assert sessions[0]["start"].endswith("16:30:00+08:00") and sessions[0]["tutors_needed"] == 1
    again = await api.post(
        f"/afterschool/classes/{k['id']}/sessions",
        "staff",
        {"start": "2026-11-23", "end": "2026-11-29"},
    )
    assert again == []  # nothing twice

    first = sessions[0]
    request = await api.get(f"/requests/{first['request_id']}", "staff")
    assert request["status"] == "unfilled"  # Chen has the skill but is not vetted
    assert request["required_credentials"] == ["child-safeguarding"]
    await api.put(
        f"/volunteers/{CHEN}/credentials", "staff", {"credentials": ["child-safeguarding"]}
    )
    await api.post(f"/requests/{first['request_id']}/rematch", "staff", expect=200)
    offer = next(
        o
        for o in await api.get("/offers", "volunteer_chen")
        if o["job"]["request_id"] == first["request_id"]
    )
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)

    sid = first["id"]
    await api.post(
        f"/afterschool/sessions/{sid}/check-in",
        "volunteer_chen",
        {"child_id": xiaoming["id"]},
        expect=409,
    )  # two days early
    api.clock.now = api.clock.now.replace(day=23, hour=8, minute=20)  # 16:20 on the 23rd
    await api.post(
        f"/afterschool/sessions/{sid}/check-in",
        "volunteer_liu",
        {"child_id": xiaoming["id"]},
        expect=403,
    )  # not this session's tutor
    arrived = await api.post(
        f"/afterschool/sessions/{sid}/check-in", "volunteer_chen", {"child_id": xiaoming["id"]}
    )
    assert arrived["checked_in_at"] and arrived["checked_out_at"] is None
    await api.post(
        f"/afterschool/sessions/{sid}/check-in",
        "volunteer_chen",
        {"child_id": xiaoming["id"]},
        expect=409,
    )
    refused = await api.post(
        f"/afterschool/sessions/{sid}/check-out",
        "volunteer_chen",
        {"child_id": xiaoming["id"], "collected_by": "A Stranger"},
        expect=422,
    )
    assert refused["errors"][0]["field"] == "collected_by"
    out = await api.post(
        f"/afterschool/sessions/{sid}/check-out",
        "volunteer_chen",
        {"child_id": xiaoming["id"], "collected_by": "Li Xiuying"},
        expect=200,
    )
    assert out["collected_by"] == "Li Xiuying"
    assert out["checked_out_at"].startswith("2026-11-23T16:20:00")
    assert out["checked_out_at"].endswith("+08:00")
    await api.post(
        f"/afterschool/sessions/{sid}/check-out",
        "volunteer_chen",
        {"child_id": xiaoming["id"], "collected_by": "Zhang Wei"},
        expect=409,
    )

    seen = await api.get(f"/afterschool/children/{xiaoming['id']}/attendance", "resident")
    assert [(a["day"], a["collected_by"]) for a in seen] == [("2026-11-23", "Li Xiuying")]
    await api.get(f"/afterschool/children/{xiaoming['id']}/attendance", "volunteer_liu", expect=404)
    api.clock.now = api.clock.now.replace(hour=10, minute=35)  # 18:35: the session is over
    await api.post(f"/offers/{offer['id']}/complete", "volunteer_chen", {}, expect=200)
    (entry,) = await api.get(f"/volunteers/{CHEN}/hours", "volunteer_chen")
    assert (entry["line"], entry["minutes"]) == ("afterschool", 120)


async def test_rules_and_access(api: Api) -> None:
    await api.put("/communities/1/service-lines/afterschool", "staff", {"enabled": False})
    await api.post(
        "/afterschool/communities/1/classes", "staff", {"name": "x", "seat_limit": 3}, expect=409
    )  # line not enabled yet
    k = await open_class(api)
    await api.post(
        "/afterschool/communities/1/classes",
        "volunteer_chen",
        {"name": "x", "seat_limit": 3},
        expect=403,
    )
    await api.post(
        "/afterschool/communities/1/classes", "staff", {"name": "x", "seat_limit": 0}, expect=400
    )
    await api.post(
        "/afterschool/communities/1/classes",
        "staff",
        {"name": "x", "seat_limit": 3, "start": "18:00:00", "end": "17:00:00"},
        expect=422,
    )
    await api.post(
        "/afterschool/communities/1/classes",
        "staff",
        {"name": "winter", "seat_limit": 30, "kind": "holiday"},
        expect=422,
    )
    await api.put(
        "/afterschool/communities/1/calendar",
        "staff",
        dict(CALENDAR, term_end="2026-08-01"),
        expect=422,
    )
    await api.post(
        "/afterschool/children",
        "volunteer_chen",
        {"community_id": 1, "name": "x", "collectors": [{"name": "y"}]},
        expect=403,
    )
    await api.post(
        "/afterschool/children",
        "resident",
        {"community_id": 1, "name": "x", "collectors": []},
        expect=400,
    )
    await api.put(
        "/communities/1/service-lines/afterschool",
        "staff",
        {"enabled": True, "settings": {"children_per_tutor": 0}},
        expect=422,
    )
    schema = (await api.client.get("/schema/openapi.json")).json()
    assert "/afterschool/classes/{class_id}/enrolments" in schema["paths"]
    assert k["seat_limit"] == 3


async def test_a_collectors_phone_is_checked_and_stored_in_e164(api: Api) -> None:
    """Whoever collects a child must be reachable: a number no one can call is a 422
    naming the collector, and nothing is written; a good one is kept in E.164."""
    body: dict[str, Any] = {
        "community_id": 1,
        "name": "Xiaoming",
        "collectors": [
            {"name": "Zhang Wei", "relation": "father", "phone": "139-0000-0002"},
            {"name": "Li Xiuying", "relation": "grandmother", "phone": "0564 332"},
        ],
    }
    before = await Child.all().count()
    problem = await api.post("/afterschool/children", "resident", body, expect=422)
    assert problem["errors"][0]["field"] == "collectors[1].phone"
    assert await Child.all().count() == before
    body["collectors"][1]["phone"] = "0564 332 1001"
    added = await api.post("/afterschool/children", "resident", body)
    assert [c["phone"] for c in added["collectors"]] == ["+8613900000002", "+865643321001"]
    (shown,) = [c for c in await api.get("/afterschool/children", "resident") if c == added]
    assert shown["collectors"] == added["collectors"]


async def test_more_children_ask_for_more_tutors_in_future_sessions(api: Api) -> None:
    k = await open_class(api, seats=20)
    await api.put(
        "/communities/1/service-lines/afterschool",
        "staff",
        {"enabled": True, "settings": {"children_per_tutor": 2}},
    )
    first = await child(api, "Child 0")
    await api.post(
        f"/afterschool/classes/{k['id']}/enrolments", "resident", {"child_id": first["id"]}
    )
    (session,) = await api.post(
        f"/afterschool/classes/{k['id']}/sessions",
        "staff",
        {"start": "2026-11-23", "end": "2026-11-23"},
    )
    assert session["tutors_needed"] == 1
    kids = [await child(api, f"Child {i}") for i in range(1, 5)]
    for c in kids:
        await api.post(
            f"/afterschool/classes/{k['id']}/enrolments", "resident", {"child_id": c["id"]}
        )
    (now,) = await api.get(f"/afterschool/classes/{k['id']}/sessions", "staff")
    assert (now["children"], now["tutors_needed"]) == (5, 3)  # 5 children, 2 per tutor
    request = await api.get(f"/requests/{session['request_id']}", "staff")
    assert request["seats"] == 3 and request["details"]["children"] == 5
    assert request["seat_skills"][0] == ["homework-help"]
    # Children leaving: seats nobody holds are dropped again.
    listing = await api.get(f"/afterschool/classes/{k['id']}/enrolments", "resident")
    for e in listing[:3]:
        await api.call("DELETE", f"/afterschool/enrolments/{e['id']}", "resident")
    request = await api.get(f"/requests/{session['request_id']}", "staff")
    assert request["seats"] == 1
