"""Bad input gets a 4xx naming what is wrong; access is limited by role and community."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import out_of_range
from core.services.bookings import BookingService
from core.storage.models import Account, RequestHistory, ServiceRequest
from tests.support import Api, groceries
from tests.test_access_matrix import second_compound


async def _problem(api: Api, who: str, body: Any, status: int) -> dict[str, Any]:
    problem = await api.post("/requests", who, body, expect=status)
    assert problem["status"] == status and problem["type"].startswith("/problems/")
    return problem


async def test_unknown_field_is_refused(api: Api) -> None:
    problem = await _problem(api, "staff", groceries(colour="red"), 400)
    assert "colour" in problem["detail"]
    assert await ServiceRequest.all().count() == 0


async def test_details_are_validated_by_the_plugin_with_a_path(api: Api) -> None:
    body = groceries()
    body["details"]["items"][0]["quantity"] = "lots"
    problem = await _problem(api, "staff", body, 422)
    assert problem["errors"][0]["field"] == "details.items[0].quantity"
    body["details"] = {"items": [], "budget_yuan": 10}
    problem = await _problem(api, "staff", body, 422)
    assert problem["errors"][0]["field"] == "details.items"


async def test_a_defaulted_number_is_written_as_the_kind_it_is(api: Api) -> None:
    """A quantity left out is 1.0, as one given is 2.0: typed clients read one number type
    for a field whether or not its value was the default (the same for a volunteer's cap)."""
    body = groceries()
    body["details"]["items"].append({"name": "tofu"})
    made = await api.post("/requests", "staff", body)
    quantities = [item["quantity"] for item in made["details"]["items"]]
    assert quantities == [2.0, 1.0]
    assert all(isinstance(q, float) for q in quantities)
    added = await api.post(
        "/communities/1/members",
        "staff",
        {"role": "volunteer", "name": "Xu Lei", "volunteer": {"skills": ["carrying"]}},
    )
    assert added["volunteer"]["weekly_cap_hours"] == 8.0
    assert isinstance(added["volunteer"]["weekly_cap_hours"], float)


async def test_window_rules(api: Api) -> None:
    problem = await _problem(api, "staff", groceries(start="15:00", end="14:00"), 422)
    assert [e["field"] for e in problem["errors"]] == ["window.end"]
    problem = await _problem(api, "staff", groceries(start="15:03", end="16:00"), 422)
    assert [e["field"] for e in problem["errors"]] == ["window.start"]
    problem = await _problem(api, "staff", groceries(day=-1), 422)
    assert "future" in problem["detail"]
    problem = await _problem(api, "staff", groceries(start="08:00", end="15:00"), 422)
    assert "at most 6h" in problem["detail"]
    assert await ServiceRequest.all().count() == 0
    assert await RequestHistory.all().count() == 0


async def test_unknown_line_service_and_disabled_line(api: Api) -> None:
    problem = await _problem(api, "staff", groceries(line="karaoke"), 422)
    assert problem["errors"][0]["field"] == "line"
    problem = await _problem(api, "staff", groceries(service="laundry"), 422)
    assert problem["errors"][0]["field"] == "service"
    await api.put("/communities/1/service-lines/errands", "staff", {"enabled": False})
    problem = await _problem(api, "staff", groceries(), 409)
    assert problem["type"] == "/problems/service-line-disabled"
    lines = await api.get("/communities/1/service-lines", "resident")
    assert next(ln for ln in lines if ln["line"] == "errands")["enabled"] is False
    await api.put("/communities/1/service-lines/errands", "staff", {"enabled": True})
    await api.post("/requests", "staff", groceries())


async def test_line_settings_are_validated_and_applied(api: Api) -> None:
    bad = await api.put(
        "/communities/1/service-lines/errands",
        "staff",
        {"enabled": True, "settings": {"max_budget_yuan": -1}},
        expect=422,
    )
    assert bad["errors"][0]["field"] == "settings.max_budget_yuan"
    await api.put(
        "/communities/1/service-lines/errands",
        "staff",
        {"enabled": True, "settings": {"max_budget_yuan": 30}},
    )
    problem = await _problem(api, "staff", groceries(), 422)
    assert problem["errors"][0]["field"] == "details.budget_yuan"
    await api.put(
        "/communities/1/service-lines/errands", "resident", {"enabled": False}, expect=403
    )


async def test_tokens_are_required_and_checked(api: Api) -> None:
    assert (await api.client.get("/health")).status_code == 200
    assert (await api.client.get("/schema/openapi.json")).status_code == 200
    for path in ("/me", "/requests", "/offers", "/communities"):
        response = await api.client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    await api.get("/me", "rb_not_a_real_token", expect=401)


def test_public_paths_are_anchored() -> None:
    """Only /health and the docs are open; an unanchored pattern would also open any
    route whose path merely contains them (litestar#4695)."""
    import re

    from api.auth import PUBLIC_PATHS

    def is_public(path: str) -> bool:
        return any(re.search(p, path) for p in PUBLIC_PATHS)

    assert is_public("/health")
    assert is_public("/schema/openapi.json")
    for private in ("/residents/7/health", "/requests/1/schema", "/healthz", "/x/schema/y"):
        assert not is_public(private), private


async def test_resident_sees_only_their_own(api: Api) -> None:
    other = await api.post("/requests", "staff", groceries(resident_id=1))
    await api.get(f"/requests/{other['id']}", "resident", expect=404)
    assert await api.get("/requests", "resident") == []
    # A resident cannot file for somebody else.
    await api.post("/requests", "resident", groceries(resident_id=1), expect=403)
    await api.post(f"/requests/{other['id']}/cancel", "resident", {}, expect=404)
    await api.get("/communities/1/residents", "resident", expect=403)


async def test_volunteer_sees_only_offers_made_to_them(api: Api) -> None:
    await api.post("/requests", "staff", groceries())
    offer = (await api.get("/offers", "volunteer_chen"))[0]
    assert await api.get("/offers", "volunteer_liu") == []
    await api.get(f"/offers/{offer['id']}", "volunteer_liu", expect=404)
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_liu", expect=404)
    await api.post(f"/offers/{offer['id']}/decline", "resident", {}, expect=404)
    await api.get(f"/requests/{offer['job']['request_id']}", "volunteer_liu", expect=404)


async def test_staff_see_only_their_own_compound(api: Api) -> None:
    other = await api.post(
        "/communities", "admin", {"slug": "qingshan", "name": "Qingshan Yard", "buildings": ["1"]}
    )
    added = await api.post(
        f"/communities/{other['id']}/members",
        "admin",
        {"role": "staff", "name": "Staff Ma", "issue_token": True},
    )
    api.tokens["other_staff"] = added["token"]["token"]
    req = await api.post("/requests", "staff", groceries())
    await api.get(f"/requests/{req['id']}", "other_staff", expect=404)
    await api.get("/communities/1/volunteers", "other_staff", expect=403)
    assert await api.get("/requests?community_id=1", "other_staff") == []
    await api.post(f"/requests/{req['id']}/rematch", "other_staff", expect=403)
    assert [c["slug"] for c in await api.get("/communities", "other_staff")] == ["qingshan"]
    await api.post("/communities", "staff", {"slug": "x-y", "name": "X"}, expect=403)


async def test_members_and_volunteer_profile(api: Api) -> None:
    added = await api.post(
        "/communities/1/members",
        "staff",
        {
            "role": "volunteer",
            "name": "Xu Lei",
            "phone": "+86 130 0000 0009",
            "volunteer": {
                "skills": ["carrying"],
                "weekly_cap_hours": 4,
                "availability": [{"weekday": 0, "start": "18:00:00", "end": "21:00:00"}],
            },
            "issue_token": True,
        },
    )
    assert added["volunteer"]["skills"] == ["carrying"]
    api.tokens["xu"] = added["token"]["token"]
    vid = added["volunteer"]["id"]
    me = await api.get("/me", "xu")
    assert me["memberships"] == [{"community_id": 1, "role": "volunteer"}]
    updated = await api.patch(f"/volunteers/{vid}", "xu", {"skills": ["carrying", "delivery"]})
    assert updated["skills"] == ["carrying", "delivery"]
    assert updated["availability"] == [{"weekday": 0, "start": "18:00:00", "end": "21:00:00"}]
    bad = await api.patch(f"/volunteers/{vid}", "xu", {"skills": ["juggling"]}, expect=422)
    assert bad["errors"][0]["field"] == "skills"
    off = await api.post(
        f"/volunteers/{vid}/time-off",
        "xu",
        {"start": "2026-11-23T00:00:00", "end": "2026-11-24T00:00:00"},
    )
    assert off["start"] == "2026-11-23T00:00:00+08:00"
    await api.patch(f"/volunteers/{vid}", "volunteer_chen", {"active": False}, expect=404)
    dup = await api.post(
        "/communities/1/members",
        "staff",
        {"role": "volunteer", "account_id": added["account"]["id"]},
        expect=409,
    )
    assert "already" in dup["detail"]
    await api.post(
        "/communities/1/members",
        "staff",
        {"role": "resident", "name": "Q", "resident": {"building": "99"}},
        expect=422,
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138-0013-8000", "+8613800138000"),  # a mobile, as typed in China
        ("+86 138 0013 8000", "+8613800138000"),
        ("(0564) 332 1001", "+865643321001"),  # a Lu'an landline with its area code
        ("+44 20 7946 0958", "+442079460958"),  # another country's, with its code
    ],
)
async def test_a_phone_number_is_stored_in_e164(api: Api, typed: str, stored: str) -> None:
    added = await api.post(
        "/communities/1/members",
        "staff",
        {"role": "volunteer", "name": "Xu Lei", "phone": typed, "issue_token": True},
    )
    assert added["account"]["phone"] == stored
    api.tokens["xu"] = added["token"]["token"]
    assert (await api.get("/me", "xu"))["phone"] == stored


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("123", "not a number in use in China"),  # the old pattern took it
        ("12345678901", "not a number in use in China"),  # eleven digits, no such prefix
        ("1380013800", "not a number in use in China"),  # a mobile a digit short
        ("+999 1234 5678", "not a phone number"),  # no country has +999
        ("+1 555 0100 999", "not a number in use in +1"),
    ],
)
async def test_a_phone_number_no_one_can_call_is_refused(api: Api, typed: str, why: str) -> None:
    before = await Account.all().count()
    problem = await api.post(
        "/communities/1/members",
        "staff",
        {"role": "resident", "name": "Q", "phone": typed, "resident": {"building": "18"}},
        expect=422,
    )
    assert problem["errors"][0]["field"] == "phone" and why in problem["errors"][0]["message"]
    assert await Account.all().count() == before  # nothing written


async def test_an_existing_account_keeps_its_name_and_phone(api: Api) -> None:
    """A role added to an account by ``account_id`` does not take a name or phone: refused
    rather than silently dropped."""
    me = await api.get("/me", "volunteer_chen")
    for field, value in (("phone", "138 0013 8000"), ("name", "Someone else")):
        problem = await api.post(
            "/communities/1/members",
            "staff",
            {"role": "resident", "account_id": me["id"], field: value, "resident": {}},
            expect=422,
        )
        assert problem["errors"][0]["field"] == field
    assert await api.get("/me", "volunteer_chen") == me


async def test_door_and_phone_only_in_one_offer_after_accept_and_every_reveal_logged(
    api: Api,
) -> None:
    await api.post("/requests", "staff", groceries())
    (offer,) = await api.get("/offers", "volunteer_chen")
    single = await api.get(f"/offers/{offer['id']}", "volunteer_chen")
    assert single["job"]["room"] is None and single["job"]["resident_phone"] is None
    assert await api.get("/communities/1/reveals", "staff") == []  # nothing shown yet
    accepted = await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    assert accepted["job"]["room"] == "301"
    listed = await api.get("/offers", "volunteer_chen")
    assert listed[0]["job"]["room"] is None and listed[0]["job"]["resident_phone"] is None
    shown = await api.get(f"/offers/{offer['id']}", "volunteer_chen")
    assert shown["job"]["unit"] == "2"
    assert shown["job"]["resident_phone"] == "+865640000017"  # Grandma Li's landline, E.164
    log = await api.get("/communities/1/reveals", "staff")
    assert [(r["via"], r["offer_id"]) for r in log] == [
        ("offer", offer["id"]),
        ("accept", offer["id"]),
    ]
    await api.get("/communities/1/reveals", "volunteer_chen", expect=403)


async def test_lists_come_a_page_at_a_time(api: Api) -> None:
    first = await api.get("/communities/1/volunteers?limit=2", "staff")
    rest = await api.get("/communities/1/volunteers?limit=2&offset=2", "staff")
    assert [v["name"] for v in first + rest] == ["Chen Jing", "Liu Yang", "Zhao Min"]
    assert len(await api.get("/communities/1/residents?limit=1", "staff")) == 1
    # A page is at most 500: more is refused, naming the parameter, rather than cut short
    # quietly (the caller would take 500 for all there is).
    problem = await api.get("/communities/1/residents?limit=100000", "staff", expect=400)
    assert problem["errors"] == [{"field": "limit", "message": "Expected `int` <= 500"}]
    assert len(await api.get("/communities/1/residents?limit=500", "staff")) == 3
    assert len(await api.get("/communities?limit=1", "admin")) == 1


async def test_booking_checks_the_compound_line_and_resident_in_order(api: Api) -> None:
    """A booking's first checks (one database read) answer as each is documented, and in
    order: the compound, membership, the line and whether it is enabled, then the resident."""
    other = await second_compound(api)
    (theirs,) = await api.get("/communities/2/residents", "admin")
    ours = await api.get("/communities/1/residents", "staff")
    me = await api.get("/me", "resident")
    zhang = next(r for r in ours if r["account_id"] == me["id"])
    someone_else = next(r for r in ours if r["id"] != zhang["id"])

    problem = await _problem(api, "staff", groceries(community_id=9999, line="karaoke"), 404)
    assert problem["detail"] == "community 9999 not found"
    await _problem(api, "staff", groceries(community_id=2, line="karaoke"), 403)  # not a member
    problem = await _problem(api, "staff", groceries(line="karaoke", resident_id=9999), 422)
    assert problem["errors"][0]["field"] == "line"
    problem = await _problem(api, "staff", groceries(resident_id=9999), 404)
    assert problem["detail"] == "resident 9999 not found"
    problem = await _problem(api, "staff", groceries(resident_id=theirs["id"]), 422)
    assert problem["errors"][0]["field"] == "resident_id"
    assert "not in this community" in problem["errors"][0]["message"]
    # With no resident named, only a resident of this compound may file (for themselves).
    problem = await _problem(api, "volunteer_chen", groceries(None), 422)
    assert "not a resident here" in problem["detail"]
    mine = await api.post("/requests", "resident", groceries(None))
    assert (mine["resident_id"], mine["resident_name"]) == (zhang["id"], zhang["name"])
    # A resident books for nobody else.
    await _problem(api, "resident", groceries(resident_id=someone_else["id"]), 403)
    # Compound 2's resident, for themselves there: the line is not enabled there yet.
    api.tokens["b_resident"] = other["resident"]
    problem = await _problem(api, "b_resident", groceries(None, community_id=2), 409)
    assert problem["type"] == "/problems/service-line-disabled"
    assert await ServiceRequest.all().count() == 1


def test_only_a_driver_refusing_a_number_reads_as_out_of_range() -> None:
    assert out_of_range(
        "invalid input for query argument $1: 9999999999 (value out of int32 range)"
    )
    assert out_of_range("integer out of range") and out_of_range("bigint out of range")
    assert out_of_range("Python int too large to convert to SQLite INTEGER")
    assert not out_of_range("list index out of range")  # a bug: a 500, not the caller's 422


async def test_a_bug_is_a_500_not_blamed_on_the_input(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        return [][0]  # IndexError: list index out of range

    monkeypatch.setattr(BookingService, "create", broken)
    problem = await _problem(api, "staff", groceries(), 500)
    assert "out of range" not in problem["detail"]


async def test_a_malformed_date_or_time_is_answered_with_the_form_it_takes(api: Api) -> None:
    """A web form's date-time field sends 15:00 without seconds: the 400 says how to write
    it, naming the field, rather than only 'Invalid RFC3339 encoded datetime'."""
    body = groceries()
    body["window"] = {"start": body["window"]["start"][:16]}  # "2026-...T15:00"
    problem = await _problem(api, "staff", body, 400)
    (error,) = problem["errors"]
    assert error["field"] == "window.start" and "like 2026-12-07T15:00:00" in error["message"]
    added = await api.post(
        "/communities/1/members",
        "staff",
        {
            "role": "volunteer",
            "name": "Xu Lei",
            "volunteer": {"availability": [{"weekday": 0, "start": "18", "end": "21:00:00"}]},
        },
        expect=400,
    )
    assert "like 15:00:00" in added["errors"][0]["message"]
    assert await ServiceRequest.all().count() == 0
