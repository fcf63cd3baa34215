"""A person's name and phone can be corrected: by themselves, or by their compound's staff
for a resident without a smartphone. Staff see a phone masked, in their edit's answer too;
edits carry If-Match like every other edit."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support import Api, groceries


async def grandma_li(api: Api) -> int:
    residents = await api.get("/communities/1/residents", "staff")
    return next(r["account_id"] for r in residents if r["name"] == "Grandma Li")


async def test_staff_correct_a_residents_phone_and_the_volunteer_gets_the_new_one(
    api: Api,
) -> None:
    li = await grandma_li(api)
    read = await api.client.get(f"/accounts/{li}", headers=api.h("staff"))
    assert read.status_code == 200
    assert read.json()["phone"] == "+86 564***0017"  # on file, not readable by staff
    changed = await api.client.patch(
        f"/accounts/{li}",
        json={"phone": "139 0000 0011"},
        headers={**api.h("staff"), "If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200
    assert changed.json()["phone"] == "+86 139****0011"  # staff read it masked, as ever
    assert changed.headers["etag"] != read.headers["etag"]
    # The answer's ETag is the one staff would read next: a follow-up edit carrying it is
    # taken (a tag of the unmasked answer was refused as stale, with nothing changed).
    followed = await api.client.get(f"/accounts/{li}", headers=api.h("staff"))
    assert followed.json() == changed.json()
    assert followed.headers["etag"] == changed.headers["etag"]
    renamed = await api.client.patch(
        f"/accounts/{li}",
        json={"name": "Li Guifang"},
        headers={**api.h("staff"), "If-Match": changed.headers["etag"]},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["phone"]) == ("Li Guifang", "+86 139****0011")
    # The volunteer who accepts her next errand is given the new number.
    await api.post("/requests", "staff", groceries())
    (offer,) = await api.get("/offers", "volunteer_chen")
    accepted = await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    assert accepted["job"]["resident_phone"] == "+8613900000011"  # in E.164


async def test_a_person_corrects_their_own_account(api: Api) -> None:
    read = await api.client.get("/me", headers=api.h("resident"))
    me = read.json()
    assert me["phone"] == "+8613900000002"  # their own number, in full
    changed = await api.client.patch(
        f"/accounts/{me['id']}",
        json={"name": "Zhang Wei (dad)", "phone": None},
        headers={**api.h("resident"), "If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["phone"]) == ("Zhang Wei (dad)", None)
    again = await api.client.get("/me", headers=api.h("resident"))
    assert again.json() == changed.json() and again.headers["etag"] == changed.headers["etag"]
    assert (await api.get(f"/accounts/{me['id']}", "resident")) == changed.json()


async def test_a_stale_or_bad_edit_changes_nothing(api: Api) -> None:
    li = await grandma_li(api)
    read = await api.client.get(f"/accounts/{li}", headers=api.h("staff"))
    await api.patch(f"/accounts/{li}", "staff", {"name": "Li Guifang"})
    stale = await api.client.patch(
        f"/accounts/{li}",
        json={"phone": "139 0000 0011"},
        headers={**api.h("staff"), "If-Match": read.headers["etag"]},
    )
    assert stale.status_code == 412
    bad = await api.patch(f"/accounts/{li}", "staff", {"phone": "0564 000"}, expect=422)
    assert bad["errors"][0]["field"] == "phone"
    empty = await api.patch(f"/accounts/{li}", "staff", {"name": ""}, expect=400)
    assert "name" in empty["detail"]
    after = await api.get(f"/accounts/{li}", "staff")
    assert (after["name"], after["phone"]) == ("Li Guifang", "+86 564***0017")


async def test_only_the_account_its_staff_or_an_admin_may_read_or_change_it(api: Api) -> None:
    li = await grandma_li(api)
    admin = (await api.get("/me", "admin"))["id"]
    refused: list[tuple[str, int, dict[str, Any]]] = [
        ("volunteer_chen", li, {"name": "x"}),  # a neighbour, not staff
        ("resident", li, {"name": "x"}),
        ("staff", admin, {"name": "x"}),  # staff do not edit the district's admin
    ]
    for who, account, body in refused:
        await api.get(f"/accounts/{account}", who, expect=403)
        await api.patch(f"/accounts/{account}", who, body, expect=403)
    assert (await api.get(f"/accounts/{li}", "admin"))["name"] == "Grandma Li"
    await api.get("/accounts/999999", "admin", expect=404)


async def test_two_simultaneous_corrections_from_one_version_one_wins(api: Api) -> None:
    li = await grandma_li(api)
    read = await api.client.get(f"/accounts/{li}", headers=api.h("staff"))
    answers = await asyncio.gather(
        *(
            api.client.patch(
                f"/accounts/{li}",
                json={"phone": number},
                headers={**api.h("staff"), "If-Match": read.headers["etag"]},
            )
            for number in ("139 0000 0011", "139 0000 0012")
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    winner = next(a for a in answers if a.status_code == 200).json()["phone"]
    shown = (await api.get(f"/accounts/{li}", "staff"))["phone"]
    assert shown == f"+86 139****{winner[-4:]}"


async def test_staff_find_who_is_calling_by_their_number(api: Api) -> None:
    """The duty phone rings: staff type the caller's number as it shows (any spacing, with
    or without +86, or the + lost to URL encoding) and get the resident, to book for them."""
    for typed in ("0564-000-0017", "+86 564 000 0017", "865640000017"):
        found = await api.get(f"/communities/1/residents?phone={typed}", "staff")
        assert [r["name"] for r in found] == ["Grandma Li"], typed
    assert await api.get("/communities/1/residents?phone=139 1111 2222", "staff") == []
    bad = await api.get("/communities/1/residents?phone=0564 000", "staff", expect=422)
    assert bad["errors"][0]["field"] == "phone"
    await api.get("/communities/1/residents?phone=0564-000-0017", "volunteer_chen", expect=403)
    everyone = await api.get("/communities/1/residents", "staff")
    assert len(everyone) > 1  # without a number, the page of all


async def test_a_new_member_on_a_number_already_here_is_pointed_out(api: Api) -> None:
    """Staff registering someone whose number is on file see who has it: a couple sharing
    a landline, or the same person registered twice (then add roles with account_id)."""
    li = await grandma_li(api)
    body = {"role": "resident", "name": "Li Jianguo", "resident": {"building": "17"}}
    spouse = await api.post("/communities/1/members", "staff", {**body, "phone": "0564 000 0017"})
    assert spouse["same_phone"] == [li]
    third = await api.post("/communities/1/members", "staff", {**body, "phone": "+865640000017"})
    assert third["same_phone"] == [li, spouse["account"]["id"]]
    fresh = await api.post("/communities/1/members", "staff", {**body, "phone": "139 0000 0077"})
    assert fresh["same_phone"] == []
    assert (await api.post("/communities/1/members", "staff", body))["same_phone"] == []
